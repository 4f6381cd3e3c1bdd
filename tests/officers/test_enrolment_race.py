"""Parallel first logins from new tablets never enrol more devices than the officer's `max_devices`."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from sqlalchemy import func, select

from backend.context import Context
from backend.officers.models import Device
from tests.officers.factories import make_officer

pytestmark = pytest.mark.anyio

# Tablets per round: one more than the officer's slots. At most five, so the per-badge failure counter (which counts
# every attempt before its password is checked, five allowed) never throttles one of the parallel right logins.
TABLETS = 4
# The interleaving that broke the limit depends on the scheduler: several rounds make a race that is not serialised
# show up in practically every run.
ROUNDS = 8


@pytest.fixture(params=["postgres"])
def db_url(request: pytest.FixtureRequest) -> str:
    """Row locks are what is tested: PostgreSQL only (SQLite serialises writers anyway)."""
    return str(request.getfixturevalue("pg_url"))


@pytest.mark.parametrize("round_no", range(ROUNDS))
async def test_parallel_new_tablets_stay_within_max_devices(app_client: httpx.AsyncClient, ctx: Context,
                                                            round_no: int) -> None:
    officer, password = await make_officer(ctx, max_devices=TABLETS - 1)

    async def login(device_id: str) -> httpx.Response:
        return await app_client.post("/api/v1/officer/auth/login", json={
            "badge_number": officer.badge_number, "password": password, "device_id": device_id})

    answers = await asyncio.gather(*(login(f"race-{round_no}-{i}") for i in range(TABLETS)))
    codes = sorted(answer.status_code for answer in answers)
    async with ctx.sessions() as session:
        enrolled = await session.scalar(select(func.count()).select_from(Device)
                                        .where(Device.officer_id == officer.id))  # type: ignore[arg-type]
    assert enrolled == TABLETS - 1, codes
    assert codes == [200] * (TABLETS - 1) + [403], [answer.text for answer in answers]
    refused = next(answer for answer in answers if answer.status_code == 403)
    assert refused.json()["code"] == "officer.device_not_allowed"


@pytest.mark.parametrize("round_no", range(ROUNDS))
async def test_one_new_tablet_logging_in_twice_at_once_is_enrolled_once(app_client: httpx.AsyncClient, ctx: Context,
                                                                        round_no: int) -> None:
    """A tablet that retries its first login while the first attempt is still running (a slow network) gets in
    both times: the second attempt finds the device the first enrolled instead of being refused for it."""
    officer, password = await make_officer(ctx, max_devices=1)
    body = {"badge_number": officer.badge_number, "password": password, "device_id": f"retry-{round_no}"}
    answers = await asyncio.gather(*(app_client.post("/api/v1/officer/auth/login", json=body) for _ in range(2)))
    assert [answer.status_code for answer in answers] == [200, 200], [answer.text for answer in answers]
    async with ctx.sessions() as session:
        enrolled = await session.scalar(select(func.count()).select_from(Device)
                                        .where(Device.officer_id == officer.id))  # type: ignore[arg-type]
    assert enrolled == 1
