"""A push token changing: another person registers it (the app signed in as someone else), and nothing of its
previous holder's follows it; or FCM rotates it, and the pushes queued for the device follow it to the new one."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select, update

from backend.context import Context
from backend.lib.clock import utcnow
from backend.notifications import delivery
from backend.notifications.models import Delivery
from tests.fakes.fcm import FakeFCM, registration_token
from tests.helpers import PartnerClient, eventually
from tests.notifications.conftest import BOTH_DBS

pytestmark = pytest.mark.anyio


async def _queued(ctx: Context) -> bool:
    """The push about the report's registration (the only one) failed once and waits for its next attempt."""
    async with ctx.sessions() as session:
        row = await session.scalar(select(Delivery))
    return row is not None and row.status == "pending" and row.attempts >= 1


async def _send_what_is_queued(ctx: Context, fcm: FakeFCM) -> None:
    fcm.reset()  # FCM takes messages again, and the queued push comes due
    async with ctx.sessions() as session:
        await session.execute(update(Delivery).values(next_attempt_at=utcnow()))
        await session.commit()
    await delivery.deliver_pending(ctx, event_key=None)


@pytest.mark.parametrize("db_url", BOTH_DBS, indirect=True)
async def test_a_phone_signed_in_as_another_citizen_gets_none_of_the_previous_ones_news(
        ctx: Context, fcm: FakeFCM, citizen: PartnerClient, other_citizen: PartnerClient) -> None:
    token = registration_token("shared-phone")
    mine = await citizen.post("/api/v1/devices", {"platform": "android", "token": token, "districts": ["astana"]})
    assert mine.status_code == 200, mine.text
    fcm.set_behaviour(token, "quota", retry_after=600)  # FCM throttles: the push waits for its next attempt
    assert (await citizen.submit()).status_code == 201
    await eventually(lambda: _queued(ctx))

    # the citizen signs out of the app without removing the device; someone else signs in on the same phone
    theirs = await other_citizen.post("/api/v1/devices", {"platform": "android", "token": token})
    assert theirs.status_code == 200, theirs.text
    assert theirs.json()["districts"] == [] and theirs.json()["topics"] == []
    assert theirs.json()["id"] != mine.json()["id"]

    await _send_what_is_queued(ctx, fcm)
    assert [push.message for push in fcm.pushes_to(token)] == []
    async with ctx.sessions() as session:
        (row,) = list(await session.scalars(select(Delivery)))
    assert row.status == "dropped"
    assert row.device_id == uuid.UUID(mine.json()["id"])


@pytest.mark.parametrize("db_url", BOTH_DBS, indirect=True)
async def test_a_push_queued_while_fcm_rotates_the_token_goes_to_the_new_token(
        ctx: Context, fcm: FakeFCM, citizen: PartnerClient, other_citizen: PartnerClient) -> None:
    old, new = registration_token("before"), registration_token("after")
    mine = (await citizen.post("/api/v1/devices", {"platform": "ios", "token": old, "districts": ["astana"]})).json()
    fcm.set_behaviour(old, "quota", retry_after=600)
    report = (await citizen.submit()).json()
    await eventually(lambda: _queued(ctx))

    # another citizen naming this token as the one theirs replaces neither takes nor removes the device
    theirs = await other_citizen.post("/api/v1/devices", {"platform": "ios", "token": registration_token("x"),
                                                          "replaces": old})
    assert theirs.status_code == 200 and theirs.json()["id"] != mine["id"], theirs.text
    rotated = await citizen.post("/api/v1/devices", {"platform": "ios", "token": new, "replaces": old})
    assert rotated.status_code == 200, rotated.text
    assert rotated.json()["id"] == mine["id"] and rotated.json()["districts"] == ["astana"]

    await _send_what_is_queued(ctx, fcm)
    assert fcm.pushes_to(old) == []
    (push,) = fcm.pushes_to(new)
    # the report's registration: data-only, as its category is not known yet (test_discreet_until_categorised.py)
    assert push.message["data"]["report_id"] == report["id"] and "notification" not in push.message
    assert report["number"] not in str(push.message)
