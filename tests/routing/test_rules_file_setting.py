"""ZAN_ROUTING_RULES_FILE: a region runs its own routing rules file instead of the bundled one, in every place that
routes (intake, the routing job, the preview, a dispatcher's reclassification, `zan ml route`); a file that cannot be
used stops startup with an error naming it."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from sqlalchemy import select

from backend.app import create_app
from backend.context import Context
from backend.reports.models import Report
from backend.routing import service
from backend.routing.models import RoutingDecision
from backend.settings import Settings
from ml.routing_rules import RULES_PATH, RulesFileError
from tests.core.factories import triage_report
from tests.helpers import PartnerClient
from tests.officers.factories import bearer, login, make_officer
from tests.routing.helpers import submit_and_route

pytestmark = pytest.mark.anyio
ASTANA = (51.1605, 71.4704)
# ahead of the bundled rules: thefts and vandalism in Astana go to the district inspectors, ranked high
CUSTOM = {"id": "custom-astana", "category": ["theft", "vandalism"], "district": "astana", "window": "*",
          "department": "district_inspector", "unit": "astana-custom-unit", "priority": "high"}


def _rules_file(tmp_path: Path, raw: dict[str, Any] | None = None) -> Path:
    if raw is None:
        raw = json.loads(RULES_PATH.read_text(encoding="utf-8"))
        raw["version"] = "test-custom-astana"
        raw["rules"].insert(0, CUSTOM)
    path = tmp_path / "region_rules.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    return path


def test_the_setting_is_read_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in list(os.environ):
        if name.startswith("ZAN_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("ZAN_VAR_DIR", str(tmp_path))
    assert Settings.from_env().routing_rules_file is None  # the bundled file
    monkeypatch.setenv("ZAN_ROUTING_RULES_FILE", str(tmp_path / "rules.json"))
    assert Settings.from_env().routing_rules_file == tmp_path / "rules.json"


@pytest.mark.parametrize(("content", "why"), [
    pytest.param(None, "No such file", id="missing"),
    pytest.param("{", "Expecting", id="not-json"),
    pytest.param(json.dumps({"rules": [{"id": "x", "category": "thefts", "unit": "u"}]}), "unknown category 'thefts'",
                 id="unknown-category"),
])
async def test_startup_stops_on_a_rules_file_it_cannot_use_naming_it(
        ctx: Context, tmp_path: Path, content: str | None, why: str) -> None:
    path = tmp_path / "region_rules.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    ctx.settings = ctx.settings.with_(routing_rules_file=path)
    refused: list[Exception] = []
    try:
        async with create_app(ctx=ctx).lifespan():
            pass
    except* RulesFileError as group:  # Litestar's lifespan raises it inside an exception group
        refused.extend(group.exceptions)
    assert len(refused) == 1, "the app started with a rules file it cannot use"
    assert f"routing rules {path}: " in str(refused[0]) and why in str(refused[0])


async def test_a_refused_startup_leaves_no_context_of_its_own_bound(ctx: Context, tmp_path: Path) -> None:
    """The app's own context (`zan serve`) is closed and unbound when a startup step fails, so a later start of the
    same app does not take it for one a caller bound and leave it open."""
    path = tmp_path / "region_rules.json"
    path.write_text("{", encoding="utf-8")
    app = create_app(ctx.settings.with_(routing_rules_file=path))
    refused: list[Exception] = []
    try:
        async with app.lifespan():
            pass
    except* RulesFileError as group:
        refused.extend(group.exceptions)
    assert len(refused) == 1 and app.state.get("ctx") is None


async def test_intake_and_the_routing_job_follow_the_configured_rules(
        ctx: Context, citizen: PartnerClient, tmp_path: Path) -> None:
    ctx.settings = ctx.settings.with_(routing_rules_file=_rules_file(tmp_path))
    assert service.assess_intake(ctx, "Разбили витрину магазина", *ASTANA, "vandalism", None).priority == "high"
    report = await submit_and_route(ctx, citizen, "Украли велосипед из подъезда, замок перекусили")
    async with ctx.sessions() as session:
        decision = await session.scalar(select(RoutingDecision).where(
            RoutingDecision.report_id == report.id, RoutingDecision.source == "model"))  # type: ignore[arg-type]
    assert decision is not None and decision.category == "theft"
    assert (decision.rule_id, decision.department, decision.unit) == (
        "custom-astana", "district_inspector", "astana-custom-unit")
    assert (report.department, report.priority) == ("district_inspector", "high")


async def test_the_preview_follows_the_configured_rules(
        ctx: Context, citizen: PartnerClient, tmp_path: Path) -> None:
    ctx.settings = ctx.settings.with_(routing_rules_file=_rules_file(tmp_path))
    response = await citizen.post("/api/v1/routing/preview", {
        "text": "Украли велосипед из подъезда, замок перекусили", "lat": ASTANA[0], "lon": ASTANA[1]})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["category"], body["department"], body["priority"]) == ("theft", "district_inspector", "high")


async def test_a_dispatchers_reclassification_follows_the_configured_rules(
        ctx: Context, app_client: httpx.AsyncClient, tmp_path: Path) -> None:
    ctx.settings = ctx.settings.with_(routing_rules_file=_rules_file(tmp_path))
    report = await triage_report(ctx, department="patrol_police", category="other_offence", district="astana")
    officer, password = await make_officer(ctx, role="dispatcher")
    response = await app_client.post(f"/api/v1/dispatch/reports/{report.id}/reclassify",
                                     headers=bearer(await login(app_client, officer.badge_number, password)),
                                     json={"category": "vandalism", "reason": "порча имущества"})
    assert response.status_code == 200, response.text
    assert response.json()["department"] == "district_inspector"
    async with ctx.sessions() as session:
        saved = await session.get(Report, uuid.UUID(str(report.id)))
        staff = await session.scalar(select(RoutingDecision).where(
            RoutingDecision.report_id == report.id, RoutingDecision.source == "dispatcher"))  # type: ignore[arg-type]
    assert saved is not None and saved.priority == "high"
    assert staff is not None and staff.rule_id == "custom-astana"
    assert staff.inputs["rules_version"] == "test-custom-astana"


def test_zan_ml_route_follows_the_configured_rules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from backend.cli import main

    monkeypatch.setenv("ZAN_ROUTING_RULES_FILE", str(_rules_file(tmp_path)))
    result = CliRunner().invoke(main, ["ml", "route", "Украли велосипед из подъезда, замок перекусили",
                                       "--lat", str(ASTANA[0]), "--lon", str(ASTANA[1])])
    assert result.exit_code == 0, result.output
    decision = json.loads(result.output)
    assert (decision["rule_id"], decision["unit"], decision["rules_version"]) == (
        "custom-astana", "astana-custom-unit", "test-custom-astana")
