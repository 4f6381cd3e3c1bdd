"""Extending a report's term (APPK art. 76: a reasoned decision, at most two months in all, the applicant told):
twice, up to the cap and not past it, each with a notice queued, and the term running to the end of the day the
citizen is told. Before, a console's date picker (the day's 00:00 in Almaty) made the term lapse on the morning of
the day the citizen was told it ran "until" — escalated as missed, and refused any further extension as lapsed."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta

import httpx
import pytest

from backend.context import Context
from backend.lib.clock import ALMATY, as_utc
from backend.lib.messages import ERRORS
from backend.reports import deadlines
from tests.helpers import PartnerClient
from tests.officers.factories import bearer, login, make_officer
from tests.reports.step_helpers import events_of, notifications_of, report_row, settled_report

pytestmark = pytest.mark.anyio


def local_day(value: datetime) -> date:
    return as_utc(value).astimezone(ALMATY).date()


def start_of(day: date) -> str:
    """What a console's date picker sends for a day: its midnight in Almaty."""
    return datetime.combine(day, time(0, 0), tzinfo=ALMATY).isoformat()


async def _head(ctx: Context, http: httpx.AsyncClient, lang: str = "ru") -> dict[str, str]:
    officer, password = await make_officer(ctx, role="supervisor")
    return {**bearer(await login(http, officer.badge_number, password)), "Accept-Language": lang}


async def test_an_extension_to_a_day_runs_to_that_days_end_and_the_citizen_is_told_that_day(
    ctx: Context, citizen: PartnerClient, app_client: httpx.AsyncClient
) -> None:
    citizen.lang = "kk"
    report_id = await settled_report(ctx, citizen, "Көлігімді ауладан ұрлап кетті")
    original = (await report_row(ctx, report_id)).original_deadline_at
    # a working day: one named off ends the term on the next working day (APPK art. 76 p.5,
    # tests/core/test_terms_extension_day_off.py)
    day = ctx.calendar.working_day_from(local_day(original) + timedelta(days=10))
    extended = await app_client.post(
        f"/api/v1/dispatch/reports/{report_id}/extend",
        headers=await _head(ctx, app_client),
        json={"deadline_at": start_of(day), "reason": "сараптама қажет"},
    )
    assert extended.status_code == 200, extended.text
    row = await report_row(ctx, report_id)
    assert as_utc(row.deadline_at) == deadlines.term_end(datetime.combine(day, time(12), tzinfo=ALMATY), ctx.calendar)
    assert as_utc(row.deadline_at).astimezone(ALMATY).time() == time(23, 59, 59)
    assert extended.json()["deadline_at"] == as_utc(row.deadline_at).isoformat().replace("+00:00", "Z")
    shown = (await citizen.get(f"/api/v1/reports/{report_id}")).json()
    assert shown["deadline_at"] == extended.json()["deadline_at"]
    told = shown["timeline"][-1]
    assert told["action"] == "extend"
    assert told["text"] == f"Қарау мерзімі {day:%d.%m.%Y} дейін ұзартылды. Себебі: сараптама қажет"


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
async def test_extended_twice_up_to_two_months_and_not_a_day_more(
    ctx: Context, citizen: PartnerClient, app_client: httpx.AsyncClient, lang: str
) -> None:
    report_id = await settled_report(ctx, citizen)
    original = (await report_row(ctx, report_id)).original_deadline_at
    head = await _head(ctx, app_client, lang)
    path = f"/api/v1/dispatch/reports/{report_id}/extend"
    cap = deadlines.max_extended_deadline(original)
    first = await app_client.post(
        path,
        headers=head,
        json={"deadline_at": start_of(local_day(original) + timedelta(days=20)), "reason": "нужна экспертиза"},
    )
    assert first.status_code == 200, first.text

    beyond = await app_client.post(
        path,
        headers=head,
        json={"deadline_at": start_of(local_day(cap) + timedelta(days=1)), "reason": "ещё экспертиза"},
    )
    assert beyond.status_code == 409, beyond.text
    problem = beyond.json()
    assert (
        problem["code"] == "report.extension_exceeded" and problem["title"] == ERRORS["report.extension_exceeded"][lang]
    )
    assert [e["pointer"] for e in problem["errors"]] == ["/deadline_at"]
    assert problem["max_deadline_at"] == cap.isoformat()

    # the cap's own day is within two months: the term runs to its end (the two months end on a day off, as the law
    # counts months in calendar days, and the cap then moves on to the next working day: art. 76 p.5)
    second = await app_client.post(
        path, headers=head, json={"deadline_at": start_of(local_day(cap)), "reason": "ещё экспертиза"}
    )
    assert second.status_code == 200, second.text
    assert as_utc((await report_row(ctx, report_id)).deadline_at) == cap

    shorter = await app_client.post(
        path, headers=head, json={"deadline_at": start_of(local_day(cap)), "reason": "то же"}
    )
    assert shorter.status_code == 409 and shorter.json()["code"] == "report.extension_not_later"

    # the applicant is told of each extension (the notice the law wants within 3 working days is queued at once)
    extensions = await events_of(ctx, report_id, "extend")
    assert len(extensions) == 2 and all(e.public for e in extensions)
    assert await notifications_of(ctx, extensions) == 2


async def test_an_appeal_starts_a_fresh_term_and_a_fresh_cap(
    ctx: Context, citizen: PartnerClient, app_client: httpx.AsyncClient
) -> None:
    report_id = await settled_report(ctx, citizen)
    head = await _head(ctx, app_client)
    original = (await report_row(ctx, report_id)).original_deadline_at
    path = f"/api/v1/dispatch/reports/{report_id}/extend"
    assert (
        await app_client.post(
            path,
            headers=head,
            json={
                "deadline_at": start_of(local_day(deadlines.max_extended_deadline(original))),
                "reason": "экспертиза",
            },
        )
    ).status_code == 200
    closed = await app_client.post(
        f"/api/v1/dispatch/reports/{report_id}/close",
        headers=head,
        json={"how": "unfounded", "reason": "не подтвердилось"},
    )
    assert closed.status_code == 200, closed.text
    reopened = await citizen.post(
        f"/api/v1/reports/{report_id}/reopen",
        {"reason": "никто не приезжал"},
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    assert reopened.status_code == 200, reopened.text
    row = await report_row(ctx, report_id)
    # 15 working days from the appeal, and two months from that term for any extension of it
    appealed_at = (await events_of(ctx, report_id, "reopen"))[-1].created_at
    assert as_utc(row.deadline_at) == as_utc(row.original_deadline_at) == deadlines.deadline_for(appealed_at)
    assert (
        await app_client.post(
            path,
            headers=head,
            json={
                "deadline_at": start_of(local_day(deadlines.max_extended_deadline(row.original_deadline_at))),
                "reason": "экспертиза",
            },
        )
    ).status_code == 200
