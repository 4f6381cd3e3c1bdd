"""A restricted report whose category is an ordinary one can be assigned, to the unit designated for the restricted
category it was restricted under (backend.dispatch.designation). Restriction only goes up: the citizen chose domestic
violence and the model filed public_order, or a supervisor reclassified a child case out of child_incident. Units are
designated only for restricted categories, and the report went only to a unit designated for its (now ordinary)
category: every assignment answered 409 `dispatch.unit_not_designated` and the report waited in the queue for ever.
The designated unit's crew reads it (console card, tablet) and works it; an ordinary unit still may not take it."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from backend.context import Context
from backend.routing.models import RoutingDecision
from tests.core.factories import triage_report
from tests.officers.factories import bearer, login, make_officer, make_unit
from tests.sync.conftest import uuid7

pytestmark = pytest.mark.anyio
STORY = "Бывший муж караулит меня у подъезда и угрожает, дети боятся выходить"


async def _console(ctx: Context, app_client: httpx.AsyncClient, role: str = "supervisor") -> dict[str, str]:
    officer, password = await make_officer(ctx, role=role)
    return bearer(await login(app_client, officer.badge_number, password))


async def _assign(app_client: httpx.AsyncClient, console: dict[str, str], report_id: uuid.UUID,
                  unit_id: str) -> httpx.Response:
    return await app_client.post(f"/api/v1/dispatch/reports/{report_id}/assign", json={"unit_id": unit_id},
                                 headers=console)


async def _pulled(app_client: httpx.AsyncClient, tablet: dict[str, str]) -> dict[str, Any]:
    pulled = await app_client.get("/api/v1/sync/pull", headers=tablet)
    assert pulled.status_code == 200, pulled.text
    reports: dict[str, Any] = {r["id"]: r for r in pulled.json()["changes"]["reports"]["upserted"]}
    return reports


async def test_the_citizens_restricted_choice_names_the_unit_that_takes_it(ctx: Context,
                                                                           app_client: httpx.AsyncClient) -> None:
    # the citizen chose domestic violence (restricted from intake on); the model filed public_order
    report = await triage_report(ctx, category_hint="domestic_violence", category="public_order",
                                 department="patrol_police", restricted=True, district="astana", text=STORY)
    patrol = await make_unit(ctx, department="patrol_police")
    juvenile = await make_unit(ctx, department="juvenile_police", restricted_categories=["child_incident"])
    family = await make_unit(ctx, department="district_inspector", restricted_categories=["domestic_violence"],
                             lat=51.2, lon=71.5)
    console = await _console(ctx, app_client)

    for other in (patrol, juvenile):  # neither an ordinary unit nor one designated for another restricted category
        refused = await _assign(app_client, console, report.id, str(other.id))
        assert refused.status_code == 409 and refused.json()["code"] == "dispatch.unit_not_designated", refused.text
    # "the nearest" finds the family-violence unit, although its department is not public_order's
    sent = await _assign(app_client, console, report.id, "auto")
    assert sent.status_code == 200, sent.text
    assert sent.json()["unit_id"] == str(family.id)

    # its crew reads it: the console card and the tablet, as any report their unit holds
    officer, password = await make_officer(ctx, unit=family, department="district_inspector")
    crew = bearer(await login(app_client, officer.badge_number, password))
    card = await app_client.get(f"/api/v1/dispatch/reports/{report.id}", headers=crew)
    assert card.status_code == 200, card.text
    assert str(report.id) in await _pulled(app_client, crew)
    # an officer of the child-protection unit does not
    stranger, password = await make_officer(ctx, unit=juvenile, department="juvenile_police")
    outsider = bearer(await login(app_client, stranger.badge_number, password))
    assert (await app_client.get(f"/api/v1/dispatch/reports/{report.id}", headers=outsider)).status_code == 404


async def test_a_report_reclassified_out_of_its_restricted_category_stays_its_designated_units(
        ctx: Context, app_client: httpx.AsyncClient) -> None:
    report = await triage_report(ctx, category="child_incident", department="juvenile_police", restricted=True,
                                 district="astana", text="Подростки дерутся во дворе школы")
    async with ctx.sessions() as session:  # the model's decision that filed (and restricted) it
        session.add(RoutingDecision(report_id=report.id, source="model", category="child_incident",
                                    department="juvenile_police"))
        await session.commit()
    juvenile = await make_unit(ctx, department="juvenile_police", restricted_categories=["child_incident"])
    family = await make_unit(ctx, department="district_inspector", restricted_categories=["domestic_violence"])
    patrol = await make_unit(ctx, department="patrol_police")
    console = await _console(ctx, app_client)
    changed = await app_client.post(f"/api/v1/dispatch/reports/{report.id}/reclassify", headers=console,
                                    json={"category": "public_order", "reason": "драка, а не дело о детях"})
    assert changed.status_code == 200, changed.text
    assert changed.json()["category"] == "public_order"

    for other in (patrol, family):
        refused = await _assign(app_client, console, report.id, str(other.id))
        assert refused.status_code == 409 and refused.json()["code"] == "dispatch.unit_not_designated", refused.text
    sent = await _assign(app_client, console, report.id, str(juvenile.id))
    assert sent.status_code == 200, sent.text

    officer, password = await make_officer(ctx, unit=juvenile, department="juvenile_police")
    crew = bearer(await login(app_client, officer.badge_number, password, "tab-crew"))
    assert (await app_client.get(f"/api/v1/dispatch/reports/{report.id}", headers=crew)).status_code == 200
    pulled = await _pulled(app_client, crew)
    assert pulled[str(report.id)]["restricted"] is True and pulled[str(report.id)]["category"] == "public_order"
    # the crew writes to it from the tablet as to any report it holds (the push's rule is the pull's)
    note = {"mutation_id": uuid.uuid4().hex, "entity": "notes", "id": uuid7(), "op": "create",
            "hlc": "0000000000001-00001-tab", "fields": {"report_id": str(report.id), "text": "на месте"}}
    pushed = await app_client.post("/api/v1/sync/push", json={"device_id": "tab-crew", "mutations": [note]},
                                   headers=crew)
    assert pushed.status_code == 200 and pushed.json()["results"][0]["status"] == "applied", pushed.text
