"""`zan ledger verify` as an auditor reads it: besides the lists of ids and check names, `explained` says for each
finding where it is (the row's report and the seal holding it) and what it means, and a run of seals flagged by one
change is one line, not one per seal. Before, a deleted entry showed as `{"id": 1, "check": "digest"}`,
`{"id": 1, "check": "root"}` and one `{"id": n, "check": "state"}` for each later seal, with nothing saying which
report, or that the later ones follow from the first."""

from __future__ import annotations

import json
from typing import Any

import anyio
import pytest
from click.testing import CliRunner

from backend.context import Context
from backend.ledger.cli import ledger as ledger_cli
from backend.ledger.service import seal_pending
from tests.ledger.records import as_superuser, record_report, uuid_param

pytestmark = pytest.mark.anyio


async def _sealed_report(ctx: Context) -> dict[str, Any]:
    rows = await record_report(ctx)
    async with ctx.sessions() as session:
        assert len(await seal_pending(session, ctx.settings.secret_keys)) == 1
    return rows


async def _verify_cli(ctx: Context) -> tuple[int, dict[str, Any]]:
    env = {"ZAN_DATABASE_URL": ctx.settings.database_url, "ZAN_SECRET_KEY": ctx.settings.secret_key,
           "ZAN_VAR_DIR": str(ctx.settings.var_dir)}
    ran = await anyio.to_thread.run_sync(lambda: CliRunner().invoke(ledger_cli, ["verify"], env=env))
    answer: dict[str, Any] = json.loads(ran.output)
    return ran.exit_code, answer


async def test_an_edited_row_is_explained_with_its_report_and_seal(ctx: Context) -> None:
    rows = await _sealed_report(ctx)
    await as_superuser(ctx, "UPDATE report_events SET internal_note = 'ничего не было' WHERE id = :id",
                       id=uuid_param(ctx, rows["events"][1]))
    code, out = await _verify_cli(ctx)
    assert code == 1 and out["altered"] == [{"table": "report_events", "id": str(rows["events"][1])}]
    assert out["explained"] == [
        f"report_events {rows['events'][1]} (report:{rows['report']}), sealed by seal 1: changed after it was sealed "
        "(it no longer hashes to its entry)"]


async def test_a_removed_entry_is_one_finding_per_check_with_the_seals_it_runs_over(ctx: Context) -> None:
    first = await _sealed_report(ctx)
    for _ in range(2):  # two more seals, of other reports: they do not touch the first report's chain
        await _sealed_report(ctx)
    scope = f"report:{first['report']}"  # its last entry: the head each later seal's state still holds
    await as_superuser(ctx, "DELETE FROM ledger_entries WHERE scope = :scope AND scope_seq = (SELECT max(scope_seq) "
                            "FROM ledger_entries WHERE scope = :scope)", scope=scope)
    code, out = await _verify_cli(ctx)
    assert code == 1
    assert sorted((seal["id"], seal["check"]) for seal in out["broken_seals"]) == [
        (1, "digest"), (1, "root"), (1, "state"), (2, "state"), (3, "state"), (3, "tree")]
    assert [line.split(":")[0] for line in out["explained"]] == ["seal 1", "seal 1", "seals 1–3", "seal 3"]
    assert out["explained"][0].startswith("seal 1: its entries (ledger_entries) are not the ones it sealed")
    assert "a run of them starts where the change is" in out["explained"][2]
