"""What the oversight audit confirmed outside its own files, as the prosecutor meets it (both were strict xfails
until fixed; tests/oversight_audit/test_appeal_decider.py and test_regrouped_history.py cover the other paths).

- backend/reports/service.py `regroup` (called by backend/routing/corrections.py `split` and `merge`,
  reports.service._keep_primary_open and backend/routing/duplicates.py `join`) moved the other members of an
  incident to a new primary, or out of any incident, without a line in their own history: a prosecutor reading such
  a report saw it merged, and never that it left the incident or now follows another primary. Each such move is now
  an internal `incident_regrouped` event {from, to}, sealed as every event, never in the citizen's timeline.
- backend/dispatch/service.py `close` let the officer whose closing was appealed decide the appeal again (APPK: a
  complaint is not considered by the official whose decision it complains of): 403 `report.appeal_own_decision`."""

from __future__ import annotations

import uuid

import httpx
import pytest
from sqlalchemy import select

from backend.context import Context
from backend.ledger.models import LedgerEntry
from backend.ledger.service import seal_pending
from tests.core.factories import triage_report
from tests.helpers import PartnerClient
from tests.officers.factories import bearer, login, make_officer
from tests.reports.step_helpers import settled_report

pytestmark = pytest.mark.anyio


async def test_every_member_moved_by_a_split_has_it_in_its_history(app_client: httpx.AsyncClient, ctx: Context,
                                                                    citizen: PartnerClient) -> None:
    dispatcher, dpw = await make_officer(ctx, role="dispatcher")
    prosecutor, rpw = await make_officer(ctx, role="prosecutor")
    first = await triage_report(ctx, text="Драка у подъезда", category="public_order", district="astana")
    second = uuid.UUID(await settled_report(ctx, citizen, "Во дворе на Кенесары 40 дерутся у подъезда"))
    third = await triage_report(ctx, text="Во дворе дерутся", category="public_order", district="astana")
    console = bearer(await login(app_client, dispatcher.badge_number, dpw))
    merged = await app_client.post("/api/v1/dispatch/incidents/merge", headers=console,
                                   json={"report_ids": [str(first.id), str(second), str(third.id)]})
    assert merged.status_code == 200, merged.text
    # the primary leaves: the second leads the rest; then the third leaves, and the second is in no incident
    for leaving in (first.id, third.id):
        assert (await app_client.post(f"/api/v1/dispatch/reports/{leaving}/split", headers=console)).status_code \
            == 200
    oversight = bearer(await login(app_client, prosecutor.badge_number, rpw))

    async def incident_lines(report_id: uuid.UUID) -> list[dict[str, object]]:
        got = await app_client.get(f"/api/v1/dispatch/reports/{report_id}/history", headers=oversight)
        assert got.status_code == 200, got.text
        return [e for e in got.json()["events"] if str(e["action"]).startswith("incident_")]

    card = (await app_client.get(f"/api/v1/dispatch/reports/{second}", headers=oversight)).json()
    assert card["incident_id"] is None
    # merged into the first's incident, moved to its own, and out of any: three lines, not one
    lines = await incident_lines(second)
    assert [e["action"] for e in lines] == ["incident_merged", "incident_regrouped", "incident_regrouped"]
    assert [(e["data"]["from"], e["data"]["to"]) for e in lines[1:]] == [  # type: ignore[index]
        (str(first.id), str(second)), (str(second), None)]
    assert [e["data"]["split"] for e in lines[1:]] == [str(first.id), str(third.id)]  # type: ignore[index]
    assert all(e["public"] is False and e["actor_id"] == str(dispatcher.id) for e in lines[1:])
    # the third followed the second before it left; the first's and the third's own leaving is their split
    assert [e["action"] for e in await incident_lines(third.id)] == [
        "incident_merged", "incident_regrouped", "incident_split"]
    assert [e["action"] for e in await incident_lines(first.id)] == ["incident_merged", "incident_split"]

    # the citizen never reads it: their timeline shows no incident step at all
    mine = await citizen.get(f"/api/v1/reports/{second}")
    assert mine.status_code == 200, mine.text
    assert not [e for e in mine.json()["timeline"] if str(e["action"]).startswith("incident_")]

    # and the ledger seals it as every event
    async with ctx.sessions() as session:
        await seal_pending(session, ctx.settings.secret_keys)
        sealed = set(await session.scalars(select(LedgerEntry.row_id).where(  # type: ignore[call-overload]
            LedgerEntry.table_name == "report_events")))
    assert {uuid.UUID(str(e["id"])) for e in lines} <= sealed
    record = (await app_client.get(f"/api/v1/dispatch/reports/{second}/history", headers=oversight)).json()
    assert record["integrity"]["intact"] is True, record["integrity"]  # (the history's own reads await their seal)


async def test_an_appeal_is_not_decided_by_the_officer_whose_closing_it_appeals(
        app_client: httpx.AsyncClient, ctx: Context, citizen: PartnerClient) -> None:
    dispatcher, dpw = await make_officer(ctx, role="dispatcher")
    colleague, cpw = await make_officer(ctx, role="dispatcher")
    report_id = await settled_report(ctx, citizen)
    console = bearer(await login(app_client, dispatcher.badge_number, dpw))
    closing = {"how": "unfounded", "reason": "не подтвердилось"}
    path = f"/api/v1/dispatch/reports/{report_id}/close"
    closed = await app_client.post(path, json=closing, headers=console)
    assert closed.status_code == 200, closed.text
    assert (await citizen.post(f"/api/v1/reports/{report_id}/reopen", {"reason": "никто не приезжал"})).status_code \
        == 200
    for lang, title in (("ru", "Обжалуется ваше собственное решение"), ("kk", "Шағым сіздің шешіміңізге"),
                        ("en", "The appeal is against your own decision")):
        again = await app_client.post(path, json=closing, headers={**console, "Accept-Language": lang})
        assert again.status_code == 403, again.text
        assert again.json()["code"] == "report.appeal_own_decision" and again.json()["title"].startswith(title)
    # nothing was decided: the appeal still waits, and the colleague decides it
    mine = (await citizen.get(f"/api/v1/reports/{report_id}")).json()
    assert mine["status"] != "closed"
    other = bearer(await login(app_client, colleague.badge_number, cpw))
    decided = await app_client.post(path, json=closing, headers=other)
    assert decided.status_code == 200, decided.text
