"""pytest fixtures for the loopback fakes. Enable with ``pytest_plugins = ["tests.fakes.fixtures"]`` in the root
conftest, or import the ones you need into a conftest (``from tests.fakes.fixtures import fake_telegram``).

Servers are function-scoped (start in milliseconds, no state leaks between tests) except moto, which is
session-scoped because its state is process-global anyway: take a fresh `s3_bucket` per test.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import firebase_admin
import pytest

from tests.fakes.fcm import FakeFCM, configure_firebase_app, delete_firebase_app
from tests.fakes.s3 import FakeS3, S3Bucket
from tests.fakes.telegram import FakeTelegram
from tests.fakes.webhook_receiver import WebhookReceiver


@pytest.fixture
def fake_telegram() -> Iterator[FakeTelegram]:
    with FakeTelegram(webhook_timeout=2.0, webhook_retry_delay=0.05) as server:
        yield server


@pytest.fixture
def fake_fcm() -> Iterator[FakeFCM]:
    with FakeFCM() as server:
        yield server


@pytest.fixture
async def firebase_app(fake_fcm: FakeFCM) -> AsyncIterator[firebase_admin.App]:
    """A firebase-admin App wired to `fake_fcm` (async fixture: use from ``@pytest.mark.anyio`` tests)."""
    app = configure_firebase_app(fake_fcm)
    yield app
    await delete_firebase_app(app)


@pytest.fixture(scope="session")
def fake_s3() -> Iterator[FakeS3]:
    with FakeS3() as server:
        yield server


@pytest.fixture
def s3_bucket(fake_s3: FakeS3) -> S3Bucket:
    return fake_s3.create_bucket()


@pytest.fixture
def webhook_receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as receiver:
        yield receiver
