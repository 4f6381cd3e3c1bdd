"""A worker process for tests/faults/test_worker_killed.py: what `zan worker` runs (its relay feeding its SAQ
consumer, backend.worker.run_worker), with pushes going through firebase-admin to the test's loopback FCM.

Run as `python -m tests.faults._worker_process SERVICE_ACCOUNT_JSON FCM_BASE_URL` with the ZAN_* environment. A
separate process so the test can SIGKILL it mid-task: nothing of it gets to clean up."""

from __future__ import annotations

import asyncio
import sys

import firebase_admin
from firebase_admin import credentials

from backend.context import context_scope
from backend.jobs.relay import Relay
from backend.jobs.saq import make_worker
from backend.notifications.fcm import FcmSender
from backend.settings import Settings
from tests.fakes.fcm import _skip_access_boundary_lookup, point_messaging_at


async def main(service_account: str, fcm_base_url: str) -> None:
    async with context_scope(Settings.from_env(), null_pool=True) as ctx:
        certificate = credentials.Certificate(service_account)
        _skip_access_boundary_lookup(certificate.get_credential())  # no lookup on googleapis.com (no internet)
        app = firebase_admin.initialize_app(certificate, {"projectId": "zan-test", "httpTimeout": 120.0},
                                            name="zan-killed-worker")
        point_messaging_at(app, fcm_base_url)
        ctx.extras["push_sender"] = FcmSender(app)
        relay = Relay(ctx)
        worker = make_worker(ctx, concurrency=2, relay=relay)
        ctx.extras["relay"] = relay
        relay.start()
        await worker.start()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
