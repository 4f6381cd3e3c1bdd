"""A routing rules file without a catch-all: refused when it is loaded (startup, `zan ml`), naming the file; and a
report no rule matches (a rule set built in code) goes to triage with the decision "no rule matched", instead of
failing its routing job until it is dead-lettered."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import anyio
import pytest
from click.testing import CliRunner
from sqlalchemy import select

from backend.app import create_app
from backend.context import Context
from backend.jobs.models import OutboxTask
from backend.routing.models import RoutingDecision
from ml.routing_rules import NO_RULE, RULES_PATH, RulesFileError, load_rules, parse_rules
from tests.helpers import PartnerClient, eventually
from tests.routing.helpers import submit_and_route

pytestmark = pytest.mark.anyio


def _bundled() -> dict[str, Any]:
    return dict(json.loads(RULES_PATH.read_text(encoding="utf-8")))


def _without(raw: dict[str, Any], *rule_ids: str) -> dict[str, Any]:
    return {**raw, "rules": [r for r in raw["rules"] if r["id"] not in rule_ids]}


def _write(tmp_path: Path, raw: dict[str, Any]) -> Path:
    path = tmp_path / "routing_rules.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    return path


def test_a_rules_file_without_a_catch_all_is_refused_naming_the_file(tmp_path: Path) -> None:
    path = _write(tmp_path, _without(_bundled(), "fallback"))
    with pytest.raises(RulesFileError, match="no catch-all rule") as refused:
        load_rules(str(path))
    assert str(path) in str(refused.value)


def test_a_rule_after_the_catch_all_is_refused(tmp_path: Path) -> None:
    """Rules appended after the catch-all never match: a rule someone added at the end of the file does nothing."""
    raw = _bundled()
    raw["rules"].append({"id": "late-theft", "category": "theft", "district": "*", "window": "*",
                         "department": "criminal_police", "unit": "late"})
    with pytest.raises(RulesFileError, match="late-theft comes after the catch-all rule fallback"):
        load_rules(str(_write(tmp_path, raw)))


def test_a_malformed_rules_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text("{", encoding="utf-8")
    with pytest.raises(RulesFileError, match=str(path)):
        load_rules(str(path))


def test_the_bundled_rules_have_their_catch_all_last() -> None:
    rules = load_rules()
    assert rules.rules[-1].catch_all and not any(r.catch_all for r in rules.rules[:-1])
    assert rules.decide("theft", "astana").rule_id == "criminal-astana"


def test_decide_sends_what_no_rule_matches_to_triage() -> None:
    partial = parse_rules(_without(_bundled(), "fallback", "triage"))
    match = partial.decide("theft", "astana")
    assert match.matched
    lost = partial.decide(None, "astana")  # abstained, and no "?" rule
    assert (lost.rule_id, lost.department, lost.unit, lost.priority, lost.matched) == (
        NO_RULE, None, "triage-queue", None, False)
    assert lost.decided_priority("high", urgent=False) == "high"  # the category's own default


async def test_startup_stops_on_a_rules_file_without_a_catch_all(ctx: Context, tmp_path: Path) -> None:
    """The bundled file's place is configuration (ZAN_ROUTING_RULES_FILE): pointed at a broken file, the app does
    not start."""
    path = _write(tmp_path, _without(_bundled(), "fallback"))
    ctx.settings = ctx.settings.with_(routing_rules_file=path)
    app = create_app(ctx=ctx)
    refused: list[Exception] = []
    try:
        async with app.lifespan():
            pass
    except* RulesFileError as group:  # Litestar's lifespan raises it inside an exception group
        refused.extend(group.exceptions)
    assert len(refused) == 1, "the app started with a rules file without a catch-all"
    assert f"routing rules {path}: no catch-all rule" in str(refused[0])


async def test_the_worker_stops_on_a_rules_file_without_a_catch_all(ctx: Context, tmp_path: Path) -> None:
    """As the API: `zan worker` refuses to start rather than fail every routing job it would take."""
    from backend.worker import run_worker

    path = _write(tmp_path, _without(_bundled(), "fallback"))
    with pytest.raises(RulesFileError, match="no catch-all rule"), anyio.fail_after(60):  # started: it would serve on
        await run_worker(ctx.settings.with_(routing_rules_file=path), concurrency=1)


def test_zan_ml_route_refuses_a_rules_file_without_a_catch_all_in_one_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from backend.cli import main

    path = _write(tmp_path, _without(_bundled(), "fallback"))
    monkeypatch.setenv("ZAN_ROUTING_RULES_FILE", str(path))
    result = CliRunner().invoke(main, ["ml", "route", "Украли велосипед"])
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    assert f"routing rules {path}: no catch-all rule" in result.output


async def test_a_report_no_rule_matches_goes_to_triage_once_with_the_reason(
        ctx: Context, citizen: PartnerClient) -> None:
    """Routed by a rule set without a rule for thefts (nor a catch-all): the report goes to triage with a stored
    decision "no rule matched", and its routing job is done. It used to raise NoRuleMatched in the job: recorded as a
    classifier error, retried eight times and dead-lettered, the report left "failed"."""
    from ml.classifier import load_default_router
    from ml.router import Router

    criminal = [r["id"] for r in _bundled()["rules"] if r["id"].startswith("criminal-")]
    rules = parse_rules(_without(_bundled(), "fallback", *criminal))
    # the process's router (ctx.extras, as backend.routing.service.router builds it), with these rules
    ctx.extras["router"] = Router(load_default_router(), rules=rules, embedder=ctx.settings.embedder)
    report = await submit_and_route(ctx, citizen, "Украли велосипед из подъезда на Абая 10, замок перекусили",
                                    states=("done", "failed"))
    report_id = report.id
    assert report.routing_state == "done"
    assert report.status == "triage"
    assert report.department is None
    async with ctx.sessions() as session:
        decisions = list(await session.scalars(
            select(RoutingDecision).where(RoutingDecision.report_id == report_id)))  # type: ignore[arg-type]
    assert [(d.source, d.category, d.rule_id) for d in decisions] == [("model", "theft", NO_RULE)]
    assert decisions[0].inputs["reason"] == "no rule matched"
    jobs: list[OutboxTask] = []

    async def settled() -> bool:
        # the job commits the report's routing first and marks its own outbox row afterwards: wait for that row
        async with ctx.sessions() as session:
            jobs[:] = list(await session.scalars(
                select(OutboxTask).where(OutboxTask.dedupe_key == f"route:{report_id}")))  # type: ignore[arg-type]
        return bool(jobs) and jobs[0].status != "running"

    await eventually(settled, timeout=30)
    assert [(job.status, job.attempts) for job in jobs] == [("done", 1)]
