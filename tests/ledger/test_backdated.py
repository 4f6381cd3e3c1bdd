"""A row backdated by someone with the database: "the citizen says nobody came". After the complaint an insider adds
an event dated before the closing ("assigned, crew on its way"). Nothing sealed is touched, so the chain, the seals
and the verdict all hold, and the reread seals the new row as a late one; before, the proof checked with nothing
said about it and read as if the crew had been sent before the closing. Its seal's signed time shows when it
existed: the checker now says, beside the verdict, that the record does not show it was written when it states."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from pathlib import Path

import anyio
import httpx
import pytest
from click.testing import CliRunner

from backend.context import Context
from backend.ledger import jobs
from backend.ledger import proof as ledger_proof
from backend.ledger.cli import ledger as ledger_cli
from backend.reports.models import ReportEvent
from tests.helpers import PartnerClient
from tests.ledger.records import proof_of, public_keys, seal_now
from tests.officers.factories import bearer, login, make_officer
from tests.reports.step_helpers import events_of, settled_report

pytestmark = pytest.mark.anyio


async def test_an_event_backdated_before_the_closing_is_told_apart(
        ctx: Context, app_client: httpx.AsyncClient, citizen: PartnerClient, tmp_path: Path) -> None:
    report_id = await settled_report(ctx, citizen, "Шумят соседи, третью ночь, Абая 10 кв 5")
    dispatcher, password = await make_officer(ctx, role="dispatcher")
    closed = await app_client.post(f"/api/v1/dispatch/reports/{report_id}/close",
                                   headers=bearer(await login(app_client, dispatcher.badge_number, password)),
                                   json={"how": "unfounded", "reason": "Факт не подтвердился"})
    assert closed.status_code == 200, closed.text
    await seal_now(ctx)
    honest = await proof_of(ctx, app_client, report_id)
    assert ledger_proof.check(honest, public_keys(ctx)) == []
    assert len(ledger_proof.limits(honest)) == 1  # only where the proof ends: every row sealed on time

    # later, with database access: a crew "assigned" 40 minutes before the closing
    closing = (await events_of(ctx, report_id, "close_unfounded"))[0]
    async with ctx.sessions() as session:
        forged = ReportEvent(report_id=uuid.UUID(report_id), action="assign", from_status="new", to_status="assigned",
                             actor_type="dispatcher", actor_id=str(dispatcher.id), channel="console",
                             public_text={"ru": "Назначен наряд", "kk": "Наряд тағайындалды", "en": "Unit assigned"},
                             data={"unit": "AST-12"}, created_at=closing.created_at - timedelta(minutes=40))
        session.add(forged)
        await session.commit()
    await jobs.seal_the_record(ctx)  # the minute's seal, then the reread of a day, which seals it as a late row

    proof = await proof_of(ctx, app_client, report_id)
    assert str(forged.id) in {row["id"] for row in proof["rows"]}
    assert ledger_proof.check(proof, public_keys(ctx)) == []  # nothing sealed was changed: the proof holds
    flagged = [line for line in ledger_proof.limits(proof) if "backdated" in line]
    assert len(flagged) == 1 and flagged[0].startswith(f"report_events {forged.id}: states "), flagged

    saved = tmp_path / "proof.json"
    saved.write_text(json.dumps(proof, ensure_ascii=False))
    ran = await anyio.to_thread.run_sync(lambda: CliRunner().invoke(
        ledger_cli, ["check-proof", str(saved), "--public-key", public_keys(ctx)[0]]))
    out = json.loads(ran.output)
    assert ran.exit_code == 0 and out["valid"] is True
    assert [line for line in out["cannot_show"] if str(forged.id) in line] == flagged


def test_a_comment_from_before_comments_were_sealed_names_that_reason() -> None:
    """Comments are sealed from migration y1 on: one written before the upgrade is first sealed by the reread after
    it, and the finding says that may be why (beside "committed late, or backdated"); an event says no such thing."""
    from backend.ledger.proof import late

    seal = {"id": 7, "sealed_at": "2026-12-06T03:00:00+00:00"}
    rows = [{"table": table, "id": "r", "seal": 7, "body": {"created_at": "2026-12-01T10:00:00+00:00"}}
            for table in ("report_comments", "report_events")]
    comment, event = late({"seals": [seal], "rows": rows})
    assert "migration y1" in comment and "backdated" in comment
    assert "migration y1" not in event and "backdated" in event
