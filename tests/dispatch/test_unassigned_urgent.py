"""An urgent report no duty officer assigns escalates to supervisors (`unassigned_urgent`): after
ZAN_ESCALATE_UNASSIGNED_MIN minutes without a unit and not before, once per stretch in the queue (again after it was
assigned and came back without a unit), never for a report that is not urgent, has a unit or is closed; its push and
duty bot message say it in Kazakh, Russian and English with when the report was registered. The SLA check runs at
chosen instants (`find_escalations(ctx, now)`): nothing waits on the wall clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import select, update

from backend.audit.models import AuditLog
from backend.context import Context
from backend.dispatch import service as dispatch
from backend.dispatch.jobs import find_escalations
from backend.dispatch.models import Escalation
from backend.jobs.models import OutboxTask
from backend.lib.clock import as_utc
from backend.notifications import jobs as notification_jobs
from backend.notifications.models import Delivery
from backend.notifications.schemas import DeviceIn
from backend.notifications.service import Owner, register_device
from backend.notifications.templates import ESCALATION_KINDS, ESCALATION_TERMS
from backend.reports import service as reports
from backend.reports.models import Report
from backend.reports.service import By
from backend.reports.workflow import Action, Actor, Status
from bots.officer.escalations import escalation_text
from ml.taxonomy import load_taxonomy
from tests.core.factories import make_report, triage_report
from tests.fakes.fcm import registration_token
from tests.officers.factories import bearer, login, make_officer, make_unit
from tests.sync.conftest import DISPATCHER

pytestmark = pytest.mark.anyio
KIND = "unassigned_urgent"
SUPERVISOR = By(Actor.SUPERVISOR, "sup-1", "console")
CLOSE_UNFOUNDED = "unfounded"
# a fixed registration instant, so the test says what Almaty's clock (UTC+5) shows without the code's conversion
REGISTERED = datetime(2025, 3, 14, 9, 5, tzinfo=UTC)
REGISTERED_IN_ALMATY = "14.03.2025 14:05"


async def _unassigned(ctx: Context) -> list[Escalation]:
    async with ctx.sessions() as session:
        return list(await session.scalars(select(Escalation).where(Escalation.kind == KIND)  # type: ignore[arg-type]
                                          .order_by(Escalation.created_at)))  # type: ignore[arg-type]


async def _urgent(ctx: Context, **fields: object) -> Report:
    return await triage_report(ctx, urgent=True, department="patrol_police", district="astana", **fields)


async def test_an_urgent_report_nobody_assigns_escalates_after_the_delay_and_once(ctx: Context) -> None:
    report = await _urgent(ctx)
    registered = as_utc(report.created_at)
    delay = timedelta(minutes=ctx.settings.escalate_unassigned_min)
    assert delay == timedelta(minutes=5)  # the default

    assert await find_escalations(ctx, registered + delay - timedelta(seconds=1)) == 0  # not yet
    assert await _unassigned(ctx) == []
    assert await find_escalations(ctx, registered + delay + timedelta(seconds=1)) == 1
    assert await find_escalations(ctx, registered + delay + timedelta(minutes=1)) == 0  # the next minute's run
    assert await find_escalations(ctx, registered + timedelta(hours=3)) == 0  # still waiting: still once

    (esc,) = await _unassigned(ctx)
    assert esc.report_id == report.id and esc.subject == registered.isoformat()
    async with ctx.sessions() as session:
        audit = list(await session.scalars(select(AuditLog).where(AuditLog.action == "report.escalate")))  # type: ignore[arg-type]
        tasks = sorted(t.task for t in await session.scalars(select(OutboxTask).where(
            OutboxTask.task.in_(("notifications.escalation", "officer_bot.escalation")))))  # type: ignore[attr-defined]
    assert [(a.target_id, a.data) for a in audit] == [(str(report.id), {"kind": KIND, "subject": esc.subject})]
    assert tasks == ["notifications.escalation", "officer_bot.escalation"]


async def test_the_delay_is_the_setting(ctx: Context) -> None:
    ctx.settings = ctx.settings.with_(escalate_unassigned_min=30)
    report = await _urgent(ctx)
    registered = as_utc(report.created_at)
    assert await find_escalations(ctx, registered + timedelta(minutes=29)) == 0
    assert await find_escalations(ctx, registered + timedelta(minutes=31)) == 1


async def test_not_for_a_report_not_urgent_assigned_or_closed(ctx: Context) -> None:
    await triage_report(ctx, department="patrol_police", district="astana")  # not urgent
    unit = await make_unit(ctx)
    async with ctx.sessions() as session:
        assigned = await make_report(session, status=Status.TRIAGE, urgent=True, department="patrol_police")
        await dispatch.assign(session, assigned, unit, DISPATCHER)
        closed = await make_report(session, status=Status.TRIAGE, urgent=True, department="patrol_police")
        await dispatch.close(session, closed, CLOSE_UNFOUNDED, DISPATCHER, reason="Ложный вызов")
        await session.commit()
    later = as_utc(closed.created_at) + timedelta(hours=1)

    await find_escalations(ctx, later)  # the assigned one is due as not accepted: another kind

    assert await _unassigned(ctx) == []


async def test_it_escalates_again_once_assigned_and_back_without_a_unit(ctx: Context) -> None:
    """Reclassified into a restricted category its unit may not take, the report leaves the unit and waits in the
    queue again: a new stretch, a new escalation (after the delay from the release)."""
    report = await _urgent(ctx)
    delay = timedelta(minutes=ctx.settings.escalate_unassigned_min)
    assert await find_escalations(ctx, as_utc(report.created_at) + delay * 2) == 1
    unit = await make_unit(ctx)
    async with ctx.sessions() as session:
        held = await session.get(Report, report.id)
        assert held is not None
        await dispatch.assign(session, held, unit, DISPATCHER)
        await session.commit()
    await find_escalations(ctx, as_utc(report.created_at) + delay * 3)  # due as not accepted: another kind
    assert len(await _unassigned(ctx)) == 1  # a unit holds it
    async with ctx.sessions() as session:
        held = await session.get(Report, report.id)
        assert held is not None
        held.category, held.restricted = "domestic_violence", True
        assert await dispatch.release_if_not_designated(session, held, DISPATCHER)
        await session.commit()
        released = as_utc(held.updated_at)

    assert await find_escalations(ctx, released + delay - timedelta(seconds=1)) == 0
    assert await find_escalations(ctx, released + delay + timedelta(seconds=1)) == 1
    assert await find_escalations(ctx, released + delay * 4) == 0
    assert [e.subject for e in await _unassigned(ctx)] == [as_utc(report.created_at).isoformat(),
                                                           released.isoformat()]



async def test_a_reopened_urgent_report_escalates_after_the_delay_from_its_reopening(ctx: Context) -> None:
    """Registered two days ago and closed in triage, the report comes back on appeal without a unit: its stretch
    in the queue starts at the reopening, not at its registration."""
    report = await _urgent(ctx)
    async with ctx.sessions() as session:
        await session.execute(update(Report).where(Report.id == report.id)  # type: ignore[arg-type]
                              .values(created_at=as_utc(report.created_at) - timedelta(days=2)))
        held = await session.get(Report, report.id)
        assert held is not None
        await dispatch.close(session, held, CLOSE_UNFOUNDED, DISPATCHER, reason="Ложный вызов")
        await session.commit()
    async with ctx.sessions() as session:
        held = await session.get(Report, report.id)
        assert held is not None
        event = await reports.change_status(session, held, Action.REOPEN, SUPERVISOR, reason="Наряд не приехал")
        await session.commit()
        reopened = as_utc(event.created_at)
    assert held.unit_id is None and held.status == Status.REOPENED
    delay = timedelta(minutes=ctx.settings.escalate_unassigned_min)

    assert await find_escalations(ctx, reopened + delay - timedelta(seconds=1)) == 0
    assert await find_escalations(ctx, reopened + delay + timedelta(seconds=1)) == 1
    assert [e.subject for e in await _unassigned(ctx)] == [reopened.isoformat()]

async def _supervisor_phone(ctx: Context, language: str) -> None:
    officer, _ = await make_officer(ctx, role="supervisor", district="astana")
    async with ctx.sessions() as session:
        await register_device(session, owner=Owner(kind="officer", officer_id=officer.id), language=language,
                              data=DeviceIn(platform="android", token=registration_token(f"unassigned-{language}"),
                                            language=language))  # type: ignore[arg-type]
        await session.commit()


async def _escalation_of(ctx: Context, **fields: object) -> tuple[Escalation, Report]:
    """An urgent report registered at REGISTERED, long unassigned, escalated once."""
    report = await _urgent(ctx, **fields)
    async with ctx.sessions() as session:
        await session.execute(update(Report).where(Report.id == report.id)  # type: ignore[arg-type]
                              .values(created_at=REGISTERED))
        await session.commit()
    assert await find_escalations(ctx) == 1
    (esc,) = await _unassigned(ctx)
    async with ctx.sessions() as session:
        fresh = await session.get(Report, report.id)
    assert fresh is not None
    return esc, fresh


async def test_the_push_says_it_in_each_supervisors_language_with_the_registration_time(ctx: Context) -> None:
    for language in ("kk", "ru", "en"):
        await _supervisor_phone(ctx, language)
    esc, report = await _escalation_of(ctx, category="theft")

    await notification_jobs.escalation(ctx, {"escalation_id": str(esc.id)})

    async with ctx.sessions() as session:
        pushes = list(await session.scalars(select(Delivery).where(Delivery.event_key == f"escalation:{esc.id}")))  # type: ignore[arg-type]
    bodies = {p.payload["body"] for p in pushes}
    assert bodies == {
        f"Шұғыл өтініш уақытында ешбір жасаққа тағайындалмады. Тіркелген уақыты: {REGISTERED_IN_ALMATY}",
        f"Срочное обращение не назначено ни одному наряду вовремя. Зарегистрировано: {REGISTERED_IN_ALMATY}",
        f"An urgent report was not assigned to any unit in time. Registered: {REGISTERED_IN_ALMATY}",
    }
    assert {p.payload["data"]["kind"] for p in pushes} == {KIND}
    assert {p.payload["title"] for p in pushes} == {f"Эскалация: {report.number}", f"Escalation: {report.number}"}


async def test_the_duty_bot_says_it_in_three_languages_and_discreetly_for_restricted_categories(
        ctx: Context) -> None:
    assert set(ESCALATION_KINDS[KIND]) == set(ESCALATION_TERMS["registered"]) == {"kk", "ru", "en"}
    esc, report = await _escalation_of(ctx, category="domestic_violence", restricted=True,
                                       text="Муж избивает Айгуль Серикову, кв. 41")
    names = load_taxonomy().category("domestic_violence").names
    async with ctx.sessions() as session:
        texts = {lang: await escalation_text(session, esc, report, lang) for lang in ("kk", "ru", "en")}
    assert texts["ru"].startswith(f"⚠️ Эскалация № {report.number}\nСрочное обращение не назначено ни одному наряду")
    assert texts["kk"].startswith(f"⚠️ Эскалация № {report.number}\nШұғыл өтініш уақытында")
    assert texts["en"].startswith(f"⚠️ Escalation No. {report.number}\nAn urgent report was not assigned")
    for lang, term in (("kk", "Тіркелген уақыты"), ("ru", "Зарегистрировано"), ("en", "Registered")):
        assert texts[lang].endswith(f"{term}: {REGISTERED_IN_ALMATY}"), lang
        for detail in ("Айгуль", "кв. 41", "избивает", names.ru, names.kk, names.en):
            assert detail not in texts[lang], (lang, detail)


async def test_the_supervisors_list_shows_it(ctx: Context, app_client: httpx.AsyncClient) -> None:
    esc, report = await _escalation_of(ctx)
    officer, password = await make_officer(ctx, role="supervisor")
    headers = bearer(await login(app_client, officer.badge_number, password))
    page = (await app_client.get("/api/v1/dispatch/escalations", headers=headers)).json()
    assert [(i["kind"], i["report"]["number"], i["subject"]) for i in page["items"]] == [
        (KIND, report.number, esc.subject)]
