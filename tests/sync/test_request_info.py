"""An officer on scene asks the reporter for a detail (which entrance, a photo of the car) from the tablet: a
`reports` `request_info` mutation, the console's request for information (backend.dispatch.service.request_info)
pushed through the sync protocol. End to end over HTTP on both databases."""

from __future__ import annotations

import time
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from backend.audit.models import AuditLog
from backend.context import Context
from backend.officers.models import Officer, Unit
from backend.reports import service as reports
from backend.reports.models import Report, ReportEvent
from backend.reports.service import By
from backend.reports.workflow import Action, Actor, Status
from tests.officers.factories import bearer, login, make_officer, make_unit
from tests.sync.test_evidence import Scene, _scene

pytestmark = pytest.mark.anyio

ASK = "Уточните, пожалуйста, номер подъезда и сфотографируйте машину"


def _ask(report_id: str, device_id: str, **fields: Any) -> dict[str, Any]:
    return {"mutation_id": uuid.uuid4().hex, "entity": "reports", "id": report_id, "op": "request_info",
            "hlc": f"{int(time.time() * 1000):013d}-00001-{device_id}", "fields": fields}


async def _push(client: httpx.AsyncClient, headers: dict[str, str], device_id: str,
                *mutations: dict[str, Any]) -> list[dict[str, Any]]:
    pushed = await client.post("/api/v1/sync/push", json={"device_id": device_id, "mutations": list(mutations)},
                               headers=headers)
    assert pushed.status_code == 200, pushed.text
    results: list[dict[str, Any]] = pushed.json()["results"]
    return results


async def _pull(client: httpx.AsyncClient, headers: dict[str, str], cursor: str | None = None) -> dict[str, Any]:
    pulled = await client.get("/api/v1/sync/pull", params={"cursor": cursor} if cursor else {}, headers=headers)
    assert pulled.status_code == 200, pulled.text
    page: dict[str, Any] = pulled.json()
    assert not page["has_more"]
    return page


async def _trail(ctx: Context, report_id: str) -> tuple[str, list[ReportEvent], list[AuditLog]]:
    """The report's status, its request-info events and audit lines."""
    async with ctx.sessions() as session:
        report = await session.get(Report, uuid.UUID(report_id))
        assert report is not None
        events = list(await session.scalars(select(ReportEvent).where(
            ReportEvent.report_id == report.id, ReportEvent.action == Action.REQUEST_INFO.value)))  # type: ignore[arg-type]
        audit = list(await session.scalars(select(AuditLog).where(
            AuditLog.target_id == report_id, AuditLog.action == "report.request_info")))  # type: ignore[arg-type]
        return report.status, events, audit


async def test_the_officer_asks_the_reporter_once_even_when_the_answer_is_lost(
        app_client: httpx.AsyncClient, ctx: Context) -> None:
    scene = await _scene(ctx, app_client)
    first = await _pull(app_client, scene.tablet)
    assert first["changes"]["reports"]["upserted"][0]["status"] == Status.ASSIGNED.value
    ask = _ask(scene.report_id, scene.device_id, reason=f"  {ASK}  ")
    [applied] = await _push(app_client, scene.tablet, scene.device_id, ask)
    assert (applied["status"], applied["reason"], applied["applied_fields"]) == ("applied", None, ["status"]), applied
    # the answer was lost on the way: the tablet resends the same batch, and the reporter is not asked twice
    [again] = await _push(app_client, scene.tablet, scene.device_id, ask)
    assert (again["status"], again["original_status"]) == ("duplicate", "applied"), again
    status, events, audit = await _trail(ctx, scene.report_id)
    assert status == Status.AWAITING_REPORTER.value
    [event], [line] = events, audit
    async with ctx.sessions() as session:
        report = await session.get(Report, uuid.UUID(scene.report_id))
        officer = await session.get(Officer, uuid.UUID(str(line.actor_id)))
    # the audit line names the officer (not a dispatcher) and the tablet it came from, as a console request names
    # the dispatcher and the console; the public event (the reporter reads the question) names the same officer
    assert officer is not None and report is not None and officer.role == "patrol_officer"
    assert (line.actor_type, line.device_id, line.data) == ("patrol_officer", scene.device_id, {"reason_len": len(ASK)})
    assert (event.reason, event.public, event.channel, event.actor_id) == (ASK, True, "tablet", str(officer.id))
    # the next pull shows the report waiting for the reporter, still on the tablet
    after = await _pull(app_client, scene.tablet, first["cursor"])
    [row] = after["changes"]["reports"]["upserted"]
    assert (row["id"], row["status"]) == (scene.report_id, Status.AWAITING_REPORTER.value), after


async def test_a_crewmate_may_ask_but_not_an_officer_of_another_unit(app_client: httpx.AsyncClient,
                                                                     ctx: Context) -> None:
    scene = await _scene(ctx, app_client)
    stranger, pw = await make_officer(ctx, unit=await make_unit(ctx))
    device = f"tab-{uuid.uuid4().hex[:8]}"
    foreign = bearer(await login(app_client, stranger.badge_number, pw, device))
    before = await _pull(app_client, foreign)
    [refused] = await _push(app_client, foreign, device, _ask(scene.report_id, device, reason=ASK))
    # the same answer as for a report that does not exist: nothing tells the stranger the id is real
    [unknown] = await _push(app_client, foreign, device, _ask(str(uuid.uuid4()), device, reason=ASK))
    assert (refused["status"], refused["reason"]) == (unknown["status"], unknown["reason"]) == (
        "rejected", "not_assigned"), (refused, unknown)
    status, events, audit = await _trail(ctx, scene.report_id)
    assert (status, events, audit) == (Status.ASSIGNED.value, [], [])
    # the stranger's optimistic guess about an id it may not see is answered as deleted on its next pull
    pulled = (await _pull(app_client, foreign, before["cursor"]))["changes"]["reports"]
    assert pulled["upserted"] == [] and scene.report_id in pulled["deleted"], pulled

    # an officer of the crew that holds it may ask, from their own tablet
    async with ctx.sessions() as session:
        report = await session.get(Report, uuid.UUID(scene.report_id))
        assert report is not None and report.unit_id is not None
        unit_id = report.unit_id
    async with ctx.sessions() as session:
        unit = await session.get(Unit, unit_id)
    crewmate, cpw = await make_officer(ctx, unit=unit)
    crew_device = f"tab-{uuid.uuid4().hex[:8]}"
    crew = bearer(await login(app_client, crewmate.badge_number, cpw, crew_device))
    [applied] = await _push(app_client, crew, crew_device, _ask(scene.report_id, crew_device, reason=ASK))
    assert applied["status"] == "applied", applied
    status, events, audit = await _trail(ctx, scene.report_id)
    assert status == Status.AWAITING_REPORTER.value
    assert [e.actor_id for e in events] == [line.actor_id for line in audit] == [str(crewmate.id)]


async def test_asking_where_the_workflow_does_not_allow_it_is_rejected(app_client: httpx.AsyncClient,
                                                                       ctx: Context) -> None:
    scene: Scene = await _scene(ctx, app_client)
    first = await _pull(app_client, scene.tablet)
    # the dispatcher asked already: the report waits for the reporter, and asking again is not a step
    asked = await app_client.post(f"/api/v1/dispatch/reports/{scene.report_id}/request-info",
                                  json={"reason": "Уточните адрес"}, headers=scene.dispatcher)
    assert asked.status_code == 200, asked.text
    [refused] = await _push(app_client, scene.tablet, scene.device_id, _ask(scene.report_id, scene.device_id,
                                                                           reason=ASK))
    assert (refused["status"], refused["reason"]) == ("rejected", "report.transition_forbidden"), refused
    status, events, audit = await _trail(ctx, scene.report_id)
    assert status == Status.AWAITING_REPORTER.value and len(events) == len(audit) == 1
    assert events[0].reason == "Уточните адрес"
    after = await _pull(app_client, scene.tablet, first["cursor"])
    assert [r["status"] for r in after["changes"]["reports"]["upserted"]] == [Status.AWAITING_REPORTER.value]
    # a closed report is no longer the crew's: the same answer as for any report it does not hold
    closed = await app_client.post(f"/api/v1/dispatch/reports/{scene.report_id}/close",
                                   json={"how": "unfounded", "reason": "Ложный вызов"}, headers=scene.dispatcher)
    assert closed.status_code == 200, closed.text
    [late] = await _push(app_client, scene.tablet, scene.device_id, _ask(scene.report_id, scene.device_id,
                                                                        reason=ASK))
    assert (late["status"], late["reason"]) == ("rejected", "not_assigned"), late


async def test_the_question_is_required_and_bounded_like_the_consoles(app_client: httpx.AsyncClient,
                                                                      ctx: Context) -> None:
    scene = await _scene(ctx, app_client)
    invalid: list[dict[str, Any]] = [{}, {"reason": None}, {"reason": "   "}, {"reason": " ок "}, {"reason": 42},
                                     {"reason": "я" * 2001}]
    refused = await _push(app_client, scene.tablet, scene.device_id,
                          *(_ask(scene.report_id, scene.device_id, **fields) for fields in invalid))
    assert [(r["status"], r["reason"]) for r in refused] == [("rejected", "invalid_reason")] * len(invalid), refused
    status, events, audit = await _trail(ctx, scene.report_id)
    assert (status, events, audit) == (Status.ASSIGNED.value, [], [])
    # the longest the console takes is taken
    [applied] = await _push(app_client, scene.tablet, scene.device_id, _ask(scene.report_id, scene.device_id,
                                                                           reason="я" * 2000))
    assert applied["status"] == "applied", applied


async def test_the_question_and_the_reporters_answers_reach_the_tablet(app_client: httpx.AsyncClient,
                                                                       ctx: Context) -> None:
    """Asking from the tablet is only half of it: the officer on scene must read what the reporter answered (and
    what a dispatcher asked). The report row carries the exchange; before, the tablet saw the status move back to
    in_progress and nothing of the answer."""
    scene = await _scene(ctx, app_client)
    first = await _pull(app_client, scene.tablet)
    [applied] = await _push(app_client, scene.tablet, scene.device_id, _ask(scene.report_id, scene.device_id,
                                                                           reason=ASK))
    assert applied["status"] == "applied", applied
    async with ctx.sessions() as session:
        report = await session.get(Report, uuid.UUID(scene.report_id), with_for_update=True)
        assert report is not None
        reporter = By(Actor.CITIZEN, str(report.citizen_id), "partner")
        await reports.add_citizen_comment(session, report, "Третий подъезд, звоните 87011234567", reporter)
        await session.commit()
    after = await _pull(app_client, scene.tablet, first["cursor"])
    [row] = after["changes"]["reports"]["upserted"]
    assert row["status"] == Status.IN_PROGRESS.value
    assert [(m["from"], m["text"]) for m in row["conversation"]][:1] == [("police", ASK)], row
    [(sender, answer)] = [(m["from"], m["text"]) for m in row["conversation"]][1:]
    # the reporter's words as the tablet shows the report's text: personal data masked
    assert sender == "reporter" and answer.startswith("Третий подъезд") and "87011234567" not in answer, answer
    # a later comment that changes no status still reaches the tablet
    async with ctx.sessions() as session:
        report = await session.get(Report, uuid.UUID(scene.report_id), with_for_update=True)
        assert report is not None
        await reports.add_citizen_comment(session, report, "Машина уехала", reporter)
        await session.commit()
    later = await _pull(app_client, scene.tablet, after["cursor"])
    [row] = later["changes"]["reports"]["upserted"]
    assert [(m["from"], m["text"]) for m in row["conversation"]][2:] == [("reporter", "Машина уехала")], row
    assert all(m["at"] for m in row["conversation"])


async def test_a_question_quoting_personal_data_reaches_tablets_masked(app_client: httpx.AsyncClient,
                                                                       ctx: Context) -> None:
    """The question is the reporter's to read in full; on the tablets it is masked like the report's own text."""
    scene = await _scene(ctx, app_client)
    first = await _pull(app_client, scene.tablet)
    [applied] = await _push(app_client, scene.tablet, scene.device_id, _ask(
        scene.report_id, scene.device_id, reason="Вы писали с номера 87011234567: это ваш номер?"))
    assert applied["status"] == "applied", applied
    after = await _pull(app_client, scene.tablet, first["cursor"])
    [row] = after["changes"]["reports"]["upserted"]
    [(sender, asked)] = [(m["from"], m["text"]) for m in row["conversation"]]
    assert sender == "police" and asked.startswith("Вы писали") and "87011234567" not in asked, asked
