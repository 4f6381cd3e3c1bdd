"""A crew's assignment push goes to the officers who drive the car: the unit's members whose role is a field role now
and whose account is active. A desk officer still listed in the crew they were promoted from (nobody took them off
it), or one kept in a unit to scope their region (backend.officers.jurisdiction), is no crew member in the car: their
phone must not ring with the crew's work (report number, category, district) that is no longer theirs."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from backend.context import Context
from backend.notifications import fanout
from backend.notifications.models import Delivery, Device
from backend.notifications.schemas import DeviceIn
from backend.notifications.service import Owner, register_device
from backend.officers.models import Officer, Unit
from backend.reports.workflow import Action
from tests.fakes.fcm import registration_token
from tests.notifications.conftest import BOTH_DBS, act, new_report
from tests.officers.factories import make_officer, make_unit

pytestmark = pytest.mark.anyio


async def _crew_phone(ctx: Context, unit: Unit, *, role: str = "patrol_officer", active: bool = True) -> Device:
    """A member of `unit` (joined as a patrol officer) whose role and account are then set as given, as an admin
    would, and the phone they registered while on patrol."""
    officer, _ = await make_officer(ctx, unit=unit)
    async with ctx.sessions() as session:
        device = await register_device(session, owner=Owner(kind="officer", officer_id=officer.id), language="ru",
                                       data=DeviceIn(platform="android", token=registration_token("crew")))
        row = await session.get(Officer, officer.id)
        assert row is not None
        row.role, row.active = role, active
        await session.commit()
    return device


@pytest.mark.parametrize("db_url", BOTH_DBS, indirect=True)
async def test_an_assignment_is_pushed_to_the_field_members_of_the_crew_only(ctx: Context) -> None:
    unit = await make_unit(ctx)
    patrol = await _crew_phone(ctx, unit)
    inspector = await _crew_phone(ctx, unit, role="district_inspector")
    promoted = await _crew_phone(ctx, unit, role="dispatcher")
    supervisor = await _crew_phone(ctx, unit, role="supervisor")
    dismissed = await _crew_phone(ctx, unit, active=False)  # the account closed, the phone never logged out
    report = await new_report(ctx, unit_id=unit.id, category="public_order", district="astana")
    (event,) = await act(ctx, report.id, Action.ASSIGN)
    async with ctx.sessions() as session:
        await fanout.report_event(session, event=event, report=report)
        await session.commit()
        pushed = set(await session.scalars(select(Delivery.device_id).where(  # type: ignore[call-overload]
            Delivery.event_key == f"report-event:{event.id}", Delivery.device_id.is_not(None))))  # type: ignore[union-attr]
    assert pushed == {patrol.id, inspector.id}, {
        name: d.id in pushed for name, d in (("promoted", promoted), ("supervisor", supervisor),
                                             ("dismissed", dismissed))}
