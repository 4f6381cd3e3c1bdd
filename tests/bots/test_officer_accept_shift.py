"""An officer whose shift ended taps Accept on an old offer of a report the console has since given their unit. Before,
the tap on a report the unit holds skipped the shift check: it was 'accepted', the custody record marked and the
supervisors' 'not accepted' escalation silenced while nobody on shift had seen the job."""

from __future__ import annotations

from datetime import timedelta

import pytest

from backend.context import Context
from backend.dispatch.jobs import find_escalations
from backend.lib.clock import utcnow
from bots.officer import service
from tests.bots.test_officer_accept_custody import _custody, _given_by_console, _on_duty, _urgent

pytestmark = pytest.mark.anyio


async def test_off_shift_tap_on_a_held_report_does_not_accept_it(ctx: Context) -> None:
    _, unit = await _on_duty(ctx, 883001)
    assert await service.toggle_shift(ctx, chat_id=883001) is False  # the shift ends
    report = await _urgent(ctx)
    await _given_by_console(ctx, report, unit)
    answer = await service.accept(ctx, chat_id=883001, report_id=report.id)
    assert answer.outcome is service.Outcome.OFF_SHIFT, answer
    [held] = await _custody(ctx, report)
    assert held.accepted_at is None
    assert await find_escalations(ctx, utcnow() + timedelta(hours=1)) >= 1
