"""A report closed as a duplicate tells its reporter "the reports were merged, you will be kept informed"; when the
report it duplicates closes, that reporter is told the outcome on their own report, and the notification fan-out
delivers it as any public event (audit 2026-12-05: nothing followed the original, the citizen never heard)."""

from __future__ import annotations

import uuid

import httpx
import pytest
from sqlalchemy import select

from backend.context import Context
from backend.dispatch import service as dispatch
from backend.jobs.models import OutboxTask
from backend.notifications import fanout
from backend.notifications.models import Delivery, Device
from backend.reports import service as reports
from backend.reports.models import Report, ReportEvent
from backend.reports.service import By
from backend.reports.texts import DUPLICATE_NOT_CONSIDERED
from backend.reports.workflow import Action, Actor, Outcome, Status
from tests.core.factories import make_report, triage_report
from tests.officers.factories import bearer, login, make_officer, make_unit
from tests.sync.conftest import DISPATCHER, Tablet, assigned_report

pytestmark = pytest.mark.anyio

SUPERVISOR = By(Actor.SUPERVISOR, "sup-1", "console")


async def _told(ctx: Context, report_id: uuid.UUID) -> list[ReportEvent]:
    async with ctx.sessions() as session:
        return list(await session.scalars(select(ReportEvent).where(
            ReportEvent.report_id == report_id, ReportEvent.action == "original_closed")  # type: ignore[arg-type]
            .order_by(ReportEvent.created_at)))  # type: ignore[arg-type]


async def _closing(ctx: Context, report_id: uuid.UUID) -> ReportEvent:
    async with ctx.sessions() as session:
        event = await session.scalar(select(ReportEvent).where(
            ReportEvent.report_id == report_id, ReportEvent.to_status == Status.CLOSED.value)  # type: ignore[arg-type]
            .order_by(ReportEvent.created_at.desc()).limit(1))  # type: ignore[attr-defined]
    assert event is not None
    return event


async def _close_as_duplicate(ctx: Context, report_id: uuid.UUID, original_id: uuid.UUID,
                              by: By = DISPATCHER) -> None:
    async with ctx.sessions() as session:
        report = await session.get(Report, report_id)
        assert report is not None
        await dispatch.close(session, report, "duplicate", by, reason="повтор", duplicate_of=original_id)
        await session.commit()


async def _merged_pair(ctx: Context) -> tuple[Report, Report]:
    """(original, duplicate): two reports in triage, the second closed as a duplicate of the first."""
    async with ctx.sessions() as session:
        original = await make_report(session, status=Status.TRIAGE)
        duplicate = await make_report(session, status=Status.TRIAGE)
        await session.commit()
    await _close_as_duplicate(ctx, duplicate.id, original.id)
    return original, duplicate


async def test_the_originals_closing_reaches_the_duplicates_reporter(ctx: Context,
                                                                     app_client: httpx.AsyncClient) -> None:
    original = await triage_report(ctx, department="patrol_police")
    duplicate = await triage_report(ctx, department="patrol_police")
    officer, password = await make_officer(ctx, role="dispatcher")
    headers = bearer(await login(app_client, officer.badge_number, password))
    merged = await app_client.post(f"/api/v1/dispatch/reports/{duplicate.id}/close", headers=headers,
                                   json={"how": "duplicate", "reason": "повтор", "duplicate_of": str(original.id)})
    assert merged.status_code == 200, merged.text
    assert await _told(ctx, duplicate.id) == []  # nothing to tell yet: the original is being considered
    closed = await app_client.post(f"/api/v1/dispatch/reports/{original.id}/close", headers=headers,
                                   json={"how": "unfounded", "reason": "на месте нарушений нет"})
    assert closed.status_code == 200, closed.text

    [told] = await _told(ctx, duplicate.id)
    closing = await _closing(ctx, original.id)
    assert told.public and told.actor_type == "system"
    for lang, text in closing.public_text.items():  # the outcome its own reporter got, in every language
        assert text in told.public_text[lang], (lang, told.public_text)
        assert original.number not in told.public_text[lang]  # never the other reporter's report
    assert "на месте нарушений нет" in told.public_text["ru"]
    async with ctx.sessions() as session:  # ... delivered as any public event: the reporter's notification task
        task = await session.scalar(select(OutboxTask).where(
            OutboxTask.dedupe_key == f"report-event:{told.id}"))  # type: ignore[arg-type]
    assert task is not None and task.payload["report_id"] == str(duplicate.id)
    body = (await app_client.get(f"/api/v1/dispatch/reports/{duplicate.id}", headers=headers)).json()
    assert body["status"] == "closed"  # it stays closed as a duplicate: only its reporter is told


async def test_a_tablets_resolve_of_the_original_tells_its_outcome(ctx: Context) -> None:
    unit = await make_unit(ctx)
    officer, _ = await make_officer(ctx, unit=unit)
    original = await assigned_report(ctx, unit)
    async with ctx.sessions() as session:
        duplicate = await make_report(session, status=Status.TRIAGE)
        await session.commit()
    await _close_as_duplicate(ctx, duplicate.id, original.id)
    tab = Tablet(ctx, officer, unit.id)
    await tab.pull_all()
    tab.edit("reports", str(original.id), status="resolved", outcome="protocol")
    assert [r["status"] for r in await tab.push()] == ["applied"]
    [told] = await _told(ctx, duplicate.id)
    assert "административный протокол" in told.public_text["ru"] and "protocol" not in told.public_text["ru"]
    assert told.data["outcome"] == Outcome.PROTOCOL.value


async def test_an_original_already_closed_tells_its_outcome_at_once(ctx: Context) -> None:
    async with ctx.sessions() as session:
        original = await make_report(session, status=Status.TRIAGE)
        duplicate = await make_report(session, status=Status.TRIAGE)
        await dispatch.close(session, original, "unfounded", DISPATCHER, reason="не подтвердилось")
        await session.commit()
    await _close_as_duplicate(ctx, duplicate.id, original.id)
    [told] = await _told(ctx, duplicate.id)
    assert "не подтвердилось" in told.public_text["ru"]


async def test_a_duplicate_of_a_duplicate_hears_the_final_outcome(ctx: Context) -> None:
    async with ctx.sessions() as session:
        first, second, third = [await make_report(session, status=Status.TRIAGE) for _ in range(3)]
        await session.commit()
    await _close_as_duplicate(ctx, third.id, second.id)
    await _close_as_duplicate(ctx, second.id, first.id)
    # being closed as a duplicate in turn is no outcome: the third reporter waits for the first report's
    assert await _told(ctx, second.id) == [] and await _told(ctx, third.id) == []
    async with ctx.sessions() as session:
        row = await session.get(Report, first.id)
        assert row is not None
        await dispatch.close(session, row, "redirected", DISPATCHER, reason="компетенция акимата",
                             redirect_to="akimat")
        await session.commit()
    for report in (second, third):
        [told] = await _told(ctx, report.id)
        assert "Местный акимат" in told.public_text["ru"], told.public_text


async def test_an_original_withdrawn_by_its_author_leaves_the_matter_to_an_appeal(ctx: Context) -> None:
    """Its author's withdrawal answers nothing: the other reporter, whose report was never considered on its own,
    is told so, not "you withdrew the report", and may appeal."""
    original, duplicate = await _merged_pair(ctx)
    async with ctx.sessions() as session:
        row = await session.get(Report, original.id)
        assert row is not None
        await reports.withdraw(session, row, By(Actor.CITIZEN, str(row.citizen_id), "test"), None)
        await session.commit()
    [told] = await _told(ctx, duplicate.id)
    for lang, text in DUPLICATE_NOT_CONSIDERED.items():
        assert text in told.public_text[lang]
    assert "отозвали" not in told.public_text["ru"]
    async with ctx.sessions() as session:  # the appeal the text offers is open to them
        row = await session.get(Report, duplicate.id)
        assert row is not None
        await reports.reopen(session, row, By(Actor.CITIZEN, str(row.citizen_id), "test"), "рассмотрите моё")
        await session.commit()
        assert row.status == Status.REOPENED.value


async def test_a_duplicate_reopened_on_appeal_is_no_longer_told(ctx: Context) -> None:
    original, duplicate = await _merged_pair(ctx)
    async with ctx.sessions() as session:
        row = await session.get(Report, duplicate.id)
        assert row is not None
        await reports.reopen(session, row, By(Actor.CITIZEN, str(row.citizen_id), "test"), "это другое")
        original_row = await session.get(Report, original.id)
        assert original_row is not None
        await dispatch.close(session, original_row, "unfounded", DISPATCHER, reason="не подтвердилось")
        await session.commit()
    assert await _told(ctx, duplicate.id) == []  # its own consideration answers it now


async def test_a_restricted_original_tells_the_plain_outcome_only(ctx: Context) -> None:
    """The reason was written for the restricted report's own reporter (the person it is about may be named in
    it): a neighbour whose report was merged into it hears how it ended, in the neutral words, and nothing else."""
    async with ctx.sessions() as session:
        original = await make_report(session, status=Status.TRIAGE, category="domestic_violence", restricted=True)
        duplicate = await make_report(session, status=Status.TRIAGE, category="public_order")
        await session.commit()
    await _close_as_duplicate(ctx, duplicate.id, original.id, SUPERVISOR)
    async with ctx.sessions() as session:
        row = await session.get(Report, original.id)
        assert row is not None
        await reports.change_status(session, row, Action.CLOSE_UNFOUNDED, SUPERVISOR,
                                    reason="супруга Айгерим отказалась от заявления")
        await session.commit()
    [told] = await _told(ctx, duplicate.id)
    assert "Айгерим" not in " ".join(told.public_text.values())
    assert told.public_text["ru"].endswith("Результат: сведения не подтвердились.")
    assert told.public_text["en"].endswith("Outcome: the information was not confirmed.")


@pytest.mark.parametrize("restricted", [False, True])
async def test_the_push_names_the_readers_own_report_and_keeps_discretion(ctx: Context, restricted: bool) -> None:
    async with ctx.sessions() as session:
        original = await make_report(session, status=Status.TRIAGE, category="domestic_violence" if restricted
                                     else "public_order", restricted=restricted)
        duplicate = await make_report(session, status=Status.TRIAGE, category="domestic_violence" if restricted
                                      else "public_order", restricted=restricted)
        session.add(Device(owner_type="citizen", citizen_id=duplicate.citizen_id, platform="android",
                           token=f"tok-{uuid.uuid4().hex}", language="ru"))
        await session.commit()
    await _close_as_duplicate(ctx, duplicate.id, original.id, SUPERVISOR)
    async with ctx.sessions() as session:
        row = await session.get(Report, original.id)
        assert row is not None
        await dispatch.close(session, row, "unfounded", SUPERVISOR, reason="не подтвердилось")
        await session.commit()
    [told] = await _told(ctx, duplicate.id)
    async with ctx.sessions() as session:
        dup_row = await session.get(Report, duplicate.id)
        assert dup_row is not None
        assert await fanout.report_event(session, event=told, report=dup_row) is not None
        await session.commit()
        [delivery] = list(await session.scalars(select(Delivery).where(
            Delivery.event_key == f"report-event:{told.id}")))  # type: ignore[arg-type]
    if restricted:  # a data-only push, as for every update of a restricted report
        assert delivery.payload["discreet"] is True and "title" not in delivery.payload
    else:
        assert delivery.payload["title"] == f"Обращение {duplicate.number}: итог"
        assert original.number not in str(delivery.payload)


async def test_a_duplicate_closing_without_a_usable_original_points_at_the_field(ctx: Context,
                                                                                app_client: httpx.AsyncClient) -> None:
    """A closing as a duplicate with no original, or one the officer may not take (missing, hidden, itself) was a 422
    without `errors[]`: the console could not show which field to fix. A hidden original answers as a missing one."""
    dispatcher, password = await make_officer(ctx, role="dispatcher")
    console = bearer(await login(app_client, dispatcher.badge_number, password))
    report = await triage_report(ctx, department="patrol_police")
    hidden = await triage_report(ctx, category="police_complaint", restricted=True, department="internal_security")
    for original, code in ((None, "required"), (uuid.uuid4(), "invalid"), (hidden.id, "invalid"),
                           (report.id, "invalid")):
        body = {"how": "duplicate", "reason": "повтор", **({"duplicate_of": str(original)} if original else {})}
        answer = await app_client.post(f"/api/v1/dispatch/reports/{report.id}/close", headers=console, json=body)
        assert answer.status_code == 422 and answer.json()["code"] == "dispatch.duplicate_of_invalid", answer.text
        assert [(e["pointer"], e["code"]) for e in answer.json()["errors"]] == [("/duplicate_of", code)], answer.text
