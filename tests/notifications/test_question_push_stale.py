"""A "needs your input" push still queued (FCM throttling) when the question it asks has ended is old news, as one
about a report its citizen withdrew (test_stale_and_gone). A unit assigned before the reporter answered withdraws the
question, and its own notice says no answer is needed (reports.workflow.withdraws_question): the question's push,
sent after that, asked the reporter again to answer what no one waits for any more."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from backend.context import Context
from backend.jobs.relay import Relay
from backend.lib.clock import utcnow
from backend.notifications import delivery
from backend.notifications.models import Delivery
from backend.reports.service import By
from backend.reports.workflow import Action, Actor, Status
from tests.fakes.fcm import FakeFCM
from tests.notifications.conftest import BOTH_DBS, act, citizen_devices, new_report

pytestmark = pytest.mark.anyio
DISPATCHER = By(Actor.DISPATCHER, "d-1", "console")
ASK = "Откройте приложение и ответьте на вопрос."
NO_NEED = "Обращение передано в подразделение полиции. Отвечать на вопрос не нужно."


async def _pushes(ctx: Context) -> list[Delivery]:
    async with ctx.sessions() as session:
        return list(await session.scalars(select(Delivery).where(Delivery.kind == "push")  # type: ignore[arg-type]
                                          .order_by(Delivery.created_at)))  # type: ignore[arg-type]


@pytest.mark.parametrize("db_url", BOTH_DBS, indirect=True)
async def test_a_question_push_queued_when_the_question_was_withdrawn_is_not_sent_after(ctx: Context,
                                                                                       fcm: FakeFCM) -> None:
    report = await new_report(ctx, status=Status.TRIAGE, category="theft")
    (device,) = await citizen_devices(ctx, report, ["ru"])
    token = str(device.token)
    fcm.set_behaviour(token, "quota", retry_after=600)  # FCM throttles: the question's push waits for its next try
    await act(ctx, report.id, Action.REQUEST_INFO, by=DISPATCHER)
    await Relay(ctx).drain()
    (asked,) = await _pushes(ctx)
    assert (asked.status, asked.attempts, asked.payload["body"]) == ("pending", 1, ASK)

    await act(ctx, report.id, Action.ASSIGN, by=DISPATCHER)  # a unit sent before the reporter answered
    fcm.reset()  # FCM takes messages again, and the question's push comes due
    async with ctx.sessions() as session:
        await session.execute(update(Delivery).values(next_attempt_at=utcnow()))
        await session.commit()
    await Relay(ctx).drain()
    await delivery.deliver_pending(ctx, event_key=None)
    # the assignment's own notice, which says no answer is needed, and not the question after it
    assert [push.message["notification"]["body"] for push in fcm.pushes_to(token)] == [NO_NEED]
    assert [row.status for row in await _pushes(ctx)] == ["dropped", "sent"]
