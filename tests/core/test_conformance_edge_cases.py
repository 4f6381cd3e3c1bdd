"""Conformance with the written design (/work/shared/design/api-conventions.md and taxonomy.md).

Each test enforces one line of those documents, quoted above it, that the code does not follow today.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from backend.context import Context
from backend.dispatch.jobs import DEADLINE_WARNING_WORKING_DAYS, find_escalations
from backend.dispatch.models import Escalation
from backend.lib.clock import ALMATY, as_utc, utcnow
from backend.notifications.models import AreaAlert
from backend.reports.deadlines import deadline_for, load_calendar, redirect_due, working_days_after
from backend.reports.models import Report, ReportEvent
from backend.reports.service import By
from backend.reports.workflow import Actor, Status
from backend.routing import corrections
from ml.taxonomy import load_taxonomy
from tests.core.factories import make_report
from tests.helpers import PartnerClient, serving
from tests.officers.factories import bearer, login, make_officer

pytestmark = pytest.mark.anyio

DISPATCHER = By(Actor.DISPATCHER, "dispatcher-1", "console")


# api-conventions.md: "Deadline: 15 working days (Kazakh public-holiday calendar, configurable)."
# README documents the knob: "`ZAN_HOLIDAYS_FILE` | `backend/reports/data/holidays_kz.json` | the working-day calendar
# for legal deadlines". Settings.holidays_file is read from it, but nothing ever passes it to deadlines.load_calendar:
# every deadline is computed on the bundled file whatever the deployment configures.
async def test_configured_holiday_calendar_governs_the_registration_deadline(ctx: Context, citizen: PartnerClient,
                                                                            tmp_path: Path) -> None:
    # a calendar in which the government declared the next 30 days off (as after a disaster or a new holiday law)
    today = utcnow().astimezone(ALMATY).date()
    by_year: dict[str, dict[str, list[str]]] = {}
    for offset in range(0, 31):
        day = today + timedelta(days=offset)
        by_year.setdefault(str(day.year), {"holidays": [], "extra_days_off": [], "working_weekends": []})[
            "extra_days_off"].append(day.isoformat())
    path = tmp_path / "holidays_custom.json"
    path.write_text(json.dumps({"fixed": [], "by_year": by_year}), encoding="utf-8")

    async with serving(ctx.settings.with_(holidays_file=path)) as (_, client):
        response = await citizen.via(client).submit("Соседи каждую ночь громко шумят, музыка до трёх утра")
    assert response.status_code == 201, response.text
    body = response.json()
    registered = datetime.fromisoformat(body["created_at"])
    configured = deadline_for(registered, load_calendar(str(path)))
    bundled = deadline_for(registered)
    assert configured != bundled  # the two calendars really disagree on this report
    assert datetime.fromisoformat(body["deadline_at"]) == configured, (
        f"deadline {body['deadline_at']} follows the bundled calendar ({bundled.isoformat()}), "
        f"not ZAN_HOLIDAYS_FILE ({configured.isoformat()})")


# taxonomy.md, "| code | covers | department | default priority | notes |":
#   "| violence | assault, threats, weapons, shots | criminal_police | high; ..."
#   "| missing_person | missing adult | criminal_police | high | |"
#   "| domestic_violence | ... | district_inspector | high; urgent if ongoing | restricted; safety mode |"
# A dispatcher's reclassification sets the department of the new category (and its restricted flag) but keeps the
# old category's priority, so a report the model took for vandalism (low) stays "low" in the dispatch queue after a
# human recognised it as violence. The routing job itself only ever raises priority (routing.jobs._higher).
@pytest.mark.parametrize("new_category", ["violence", "missing_person", "domestic_violence"])
async def test_reclassified_report_gets_at_least_the_new_categorys_default_priority(ctx: Context,
                                                                                    new_category: str) -> None:
    expected = load_taxonomy().category(new_category).default_priority
    assert expected == "high"
    async with ctx.sessions() as session:
        report = await make_report(session, status=Status.TRIAGE, category="vandalism",
                                   department="district_inspector", priority="low",
                                   text="Разбили окно в подъезде, угрожали, человек пропал")
        await session.commit()
        await corrections.reclassify(session, report, new_category, "это не порча имущества", DISPATCHER)
        await session.commit()
        fresh = await session.get(Report, report.id, populate_existing=True)
    assert fresh is not None
    assert fresh.department == load_taxonomy().category(new_category).department  # the department does follow
    assert fresh.priority == expected, f"{new_category} keeps the old category's priority {fresh.priority!r}"


# api-conventions.md: "Out of police competence (utilities, roads, garbage → akimat / iKOMEK109 / e-Otinish):
# redirect within 3 working days with notice to the applicant."  taxonomy.md, not_police: "redirect within 3 working
# days with notice".
# The term exists only as deadlines.redirect_due (and a Report.redirect_due_at column that nothing ever sets): a
# not_police report that waits in triage (urgent, unsure model, or recategorised by a dispatcher) is ranked and
# escalated by its 15-working-day answer deadline only, so it can sit far past the 3-day redirect term unnoticed.
# The SLA job's own contract is "open reports within 2 working days of their legal deadline".
async def test_not_police_report_past_its_redirect_term_is_escalated(ctx: Context) -> None:
    registered = utcnow() - timedelta(days=7)
    async with ctx.sessions() as session:
        report = await make_report(session, status=Status.TRIAGE, created_at=registered, updated_at=registered,
                                   text="Во дворе две недели не вывозят мусор, бродячие собаки")
        report.deadline_at = report.original_deadline_at = deadline_for(registered)
        await session.commit()
        # the dispatcher recognises it as a matter for the akimat (the real correction path)
        await corrections.reclassify(session, report, "not_police", "вывоз мусора — акимат", DISPATCHER)
        await session.commit()
        deadline_at = as_utc(report.deadline_at)
    now = utcnow()
    # preconditions: the 3-working-day redirect term has lapsed, the 15-working-day term is not yet near
    assert redirect_due(registered) < now
    assert deadline_at > working_days_after(now, DEADLINE_WARNING_WORKING_DAYS)

    await find_escalations(ctx)
    async with ctx.sessions() as session:
        escalations = list(await session.scalars(select(Escalation).where(Escalation.report_id == report.id)))  # type: ignore[arg-type]
    assert escalations, ("a not_police report left unredirected past its 3-working-day term "
                         f"(due {redirect_due(registered).isoformat()}) raised no escalation")


# api-conventions.md: "Out of police competence (...→ akimat / iKOMEK109 / e-Otinish): redirect within 3 working days
# with notice to the applicant" and "every change is an appended event (actor, channel, reason, public text in
# ru/kk/en ...)". taxonomy.md lists the redirect targets (not_police → "external: akimat (iKOMEK109 / e-Otinish)").
# POST /dispatch/reports/{id}/close with how=redirected accepts a missing `redirect_to`; the citizen's notice then
# reads "…направлен: ." / "…forwarded to: ." — a redirect notice that does not say to whom.
async def test_manual_redirect_notice_names_the_competent_body(ctx: Context, app_client: httpx.AsyncClient) -> None:
    async with ctx.sessions() as session:
        report = await make_report(session, status=Status.TRIAGE, category="not_police",
                                   text="На улице не горят фонари уже месяц")
        await session.commit()
    dispatcher, password = await make_officer(ctx, role="dispatcher")
    token = await login(app_client, dispatcher.badge_number, password)

    response = await app_client.post(f"/api/v1/dispatch/reports/{report.id}/close",
                                     json={"how": "redirected", "reason": "освещение — компетенция акимата"},
                                     headers=bearer(token))
    if response.status_code == 422:  # refusing a redirect without a target is a conforming answer
        return
    assert response.status_code == 200, response.text
    async with ctx.sessions() as session:
        event = await session.scalar(select(ReportEvent).where(ReportEvent.report_id == report.id,  # type: ignore[arg-type]
                                                               ReportEvent.action == "redirect"))
    assert event is not None and event.public
    for lang in ("ru", "kk", "en"):
        text = event.public_text[lang]
        target = text.rsplit(":", 1)[-1].strip(" .")
        assert target, f"the {lang} redirect notice names no body: {text!r}"


# api-conventions.md: "Idempotency: `Idempotency-Key` header on every POST that creates something. Same key + same
# body → the stored response; same key + different body → 409."
# POST /api/v1/alerts creates an area alert (and pushes it to every subscribed phone and tablet in the districts it
# touches) but ignores Idempotency-Key: a console's retry after a lost response sends the alert a second time.
async def test_area_alert_retry_with_the_same_idempotency_key_is_not_sent_twice(ctx: Context,
                                                                                app_client: httpx.AsyncClient) -> None:
    supervisor, password = await make_officer(ctx, role="supervisor")
    token = await login(app_client, supervisor.badge_number, password)
    alert = {"category": "missing_child", "centre": {"lat": 51.1605, "lon": 71.4704}, "radius_m": 2000,
             "texts": {"kk": "Бала жоғалды: 7 жаста, қызыл күртке", "ru": "Пропал мальчик 7 лет, красная куртка"},
             "expires_at": (utcnow() + timedelta(hours=6)).isoformat()}
    headers = {**bearer(token), "Idempotency-Key": "alert-retry-1"}
    first = await app_client.post("/api/v1/alerts", json=alert, headers=headers)
    assert first.status_code == 201, first.text
    retry = await app_client.post("/api/v1/alerts", json=alert, headers=headers)
    async with ctx.sessions() as session:
        alerts = list(await session.scalars(select(AreaAlert)))
    assert len(alerts) == 1, f"the retry created alert #{len(alerts)} (answer {retry.status_code})"
    assert retry.status_code == first.status_code and retry.json()["id"] == first.json()["id"]
