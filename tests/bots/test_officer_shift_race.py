"""The duty bot's /shift racing a deactivation: the tap read the officer as active, the deactivation (which ends any
open shift and takes the car off duty) committed, and the tap went on to open a shift for an officer who no longer
works here, the car back on duty with nobody in it. The tap now reads the officer again under their row lock, as
the tablet's shift start does (backend/officers/controller._still_live)."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from backend.context import Context
from backend.officers.models import Shift, Unit
from bots.officer import service
from tests.bots.conftest import link_code
from tests.helpers import committed_between
from tests.officers.factories import make_officer, make_unit

pytestmark = pytest.mark.anyio
CHAT = 886001  # bot tests run on PostgreSQL (tests/bots/conftest.py), where the race is


async def test_a_shift_tap_racing_a_deactivation_opens_no_shift(ctx: Context) -> None:
    crew = await make_unit(ctx, district="astana", status="off_duty")
    officer, _ = await make_officer(ctx, unit=crew, district="astana")
    assert await service.redeem_link_code(ctx, code=await link_code(ctx, officer.id), chat_id=CHAT) is not None

    async def deactivated() -> None:
        async with ctx.engine.begin() as conn:
            await conn.execute(text("UPDATE officers SET active = false WHERE id = :id"), {"id": officer.id})

    # after the tap's first read of the officer, before it looks for an open shift
    with committed_between(ctx, lambda sql: "FROM shifts" in sql, deactivated) as fired:
        assert await service.toggle_shift(ctx, chat_id=CHAT) is None  # "not linked": the account is gone
    assert fired
    async with ctx.sessions() as session:
        assert list(await session.scalars(select(Shift).where(Shift.officer_id == officer.id))) == []  # type: ignore[arg-type]
        unit = await session.get(Unit, crew.id)
        assert unit is not None and unit.status == crew.status  # nothing put the car on duty either
