"""Which queued pushes are old news is decided per kind of push: a crew's assignment push and the citizen's push about
the same assignment event share its event id, but only the crew's is ended by the report going to another crew (or
being closed, sent back to triage). The citizen's is old news only by the citizen's rule (withdrawn, question ended:
pushes.old_news_to_citizen, the rule their Telegram chat follows too). The crew's rule used to drop the citizen's
push as well: the notice saying their question needs no answer never arrived."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select, update

from backend.context import Context
from backend.lib.clock import utcnow
from backend.notifications import delivery, fanout
from backend.notifications.models import Delivery
from backend.reports.models import Report
from backend.reports.service import By
from backend.reports.workflow import Action, Actor, Status
from tests.fakes.fcm import FakeFCM
from tests.notifications.conftest import BOTH_DBS, act, citizen_devices, new_report, officer_device
from tests.officers.factories import make_unit

pytestmark = pytest.mark.anyio
DISPATCHER = By(Actor.DISPATCHER, "d-1", "console")
ASK = "Откройте приложение и ответьте на вопрос."
NO_NEED = "Обращение передано в подразделение полиции. Отвечать на вопрос не нужно."


async def _step(ctx: Context, report_id: uuid.UUID, action: Action, data: dict[str, object] | None = None) -> str:
    """A dispatcher's step, its deliveries written and sent at once (as the fan-out job does); its event key."""
    (event,) = await act(ctx, report_id, action, by=DISPATCHER, data=data)
    async with ctx.sessions() as session:
        report = await session.get(Report, report_id)
        assert report is not None
        fan = await fanout.report_event(session, event=event, report=report)
        await session.commit()
    assert fan is not None
    await delivery.deliver_pending(ctx, event_key=fan.event_key)
    return fan.event_key


@pytest.mark.parametrize("db_url", BOTH_DBS, indirect=True)
async def test_the_citizens_push_is_not_dropped_by_the_crews_rule(ctx: Context, fcm: FakeFCM) -> None:
    first, second = await make_unit(ctx), await make_unit(ctx)
    report = await new_report(ctx, status=Status.TRIAGE, category="theft", district="astana")
    (phone,) = await citizen_devices(ctx, report, ["ru"])
    tablet = await officer_device(ctx, unit=first)
    await _step(ctx, report.id, Action.REQUEST_INFO)  # the question reaches the citizen's phone
    assert [p.message["notification"]["body"] for p in fcm.pushes_to(str(phone.token))] == [ASK]

    # FCM throttles both phones while the first crew is sent (which withdraws the question) ...
    fcm.set_behaviour(str(phone.token), "quota", retry_after=600)
    fcm.set_behaviour(str(tablet.token), "quota", retry_after=600)
    key = await _step(ctx, report.id, Action.ASSIGN, {"unit_id": str(first.id)})
    # ... and the dispatcher hands the report to another crew meanwhile
    await act(ctx, report.id, Action.ASSIGN, by=DISPATCHER, data={"unit_id": str(second.id)})

    fcm.reset()  # FCM takes messages again: the first assignment's pushes come due
    async with ctx.sessions() as session:
        await session.execute(update(Delivery).where(Delivery.event_key == key)  # type: ignore[arg-type]
                              .values(next_attempt_at=utcnow()))
        await session.commit()
    await delivery.deliver_pending(ctx, event_key=key)

    assert fcm.pushes_to(str(tablet.token)) == []  # the report is no longer the first crew's
    # the citizen is still told their question needs no answer (their Telegram chat would be, by the same rule)
    assert [p.message["notification"]["body"] for p in fcm.pushes_to(str(phone.token))] == [NO_NEED]
    async with ctx.sessions() as session:
        rows = {row.device_id: row.status for row in await session.scalars(
            select(Delivery).where(Delivery.event_key == key))}  # type: ignore[arg-type]
    assert rows == {phone.id: "sent", tablet.id: "dropped"}
