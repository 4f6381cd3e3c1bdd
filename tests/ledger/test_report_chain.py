"""A report's chain inside the record (backend/ledger/chain.py): its entries numbered 1…n in sealing order, each
naming the leaf hash of the one before. A proof lists the whole chain, so an entry removed from the database or
left out of the proof shows as a gap (offline, with the public key alone) and `zan ledger verify` finds the broken
link; numbers stay contiguous when transactions append to one report at once and sealers race."""

from __future__ import annotations

import asyncio
import copy
import json
import uuid
from typing import Any

import anyio
import httpx
import pytest
from click.testing import CliRunner
from sqlalchemy import select

from backend.context import Context
from backend.ledger.cli import ledger as ledger_cli
from backend.ledger.models import LedgerEntry, LedgerSeal
from backend.ledger.proof import check
from backend.ledger.record import GENESIS, fingerprints, mac_of, seal_public_key, sign_seal
from backend.ledger.service import seal_pending
from backend.ledger.verify import verify, verify_report
from backend.reports.models import ReportEvent
from tests.ledger.records import as_superuser, proof_of, record_report

pytestmark = pytest.mark.anyio


def _event(report_id: uuid.UUID, action: str = "comment") -> ReportEvent:
    return ReportEvent(report_id=report_id, action=action, actor_type="dispatcher", channel="test",
                       public_text={"ru": "Комментарий", "kk": "Түсініктеме", "en": "Comment"}, data={})


async def _append(ctx: Context, report_id: uuid.UUID) -> uuid.UUID:
    async with ctx.sessions() as session:
        event = _event(report_id)
        session.add(event)
        await session.commit()
        return event.id


async def _seal(ctx: Context, **kwargs: Any) -> list[LedgerSeal]:
    async with ctx.sessions() as session:
        return await seal_pending(session, ctx.settings.secret_keys, **kwargs)


async def _chain(ctx: Context, scope: str) -> list[LedgerEntry]:
    async with ctx.sessions() as session:
        return list(await session.scalars(select(LedgerEntry).where(LedgerEntry.scope == scope)
                                          .order_by(LedgerEntry.scope_seq)))  # type: ignore[arg-type]


def _param(ctx: Context, value: uuid.UUID) -> str:
    return str(value) if ctx.engine.dialect.name == "postgresql" else value.hex


async def _report_in_three_seals(ctx: Context) -> tuple[dict[str, Any], uuid.UUID, uuid.UUID]:
    """A report's record in seal 1 (entries 1-5), one event alone in seal 2 (entry 6), one in seal 3 (entry 7)."""
    rows = await record_report(ctx)
    await _seal(ctx)
    middle = await _append(ctx, rows["report"])
    await _seal(ctx)
    last = await _append(ctx, rows["report"])
    await _seal(ctx)
    return rows, middle, last


async def test_a_complete_proof_lists_the_reports_chain_and_checks(ctx: Context,
                                                                  app_client: httpx.AsyncClient) -> None:
    rows, middle, last = await _report_in_three_seals(ctx)
    entries = await _chain(ctx, f"report:{rows['report']}")
    assert [entry.scope_seq for entry in entries] == [1, 2, 3, 4, 5, 6, 7]
    assert [entry.seal_id for entry in entries] == [1, 1, 1, 1, 1, 2, 3]
    assert (entries[5].row_id, entries[6].row_id) == (middle, last)
    assert entries[0].scope_prev == GENESIS and all(entry.scope_prev != GENESIS for entry in entries[1:])

    proof = await proof_of(ctx, app_client, rows["report"])
    assert proof["format"] == "zan-ledger-proof-v4" and proof["chain_starts_at"] == 1
    assert sorted(row["seq"] for row in proof["rows"]) == [1, 2, 3, 4, 5, 6, 7]
    assert check(proof, [seal_public_key(ctx.settings.secret_key)]) == []
    async with ctx.sessions() as session:
        whole = await verify(session, ctx.settings.secret_keys)
        one = await verify_report(session, ctx.settings.secret_keys, rows["report"])
    assert whole.intact and whole.unlinked == [] and one.intact and one.unlinked == []


async def test_a_middle_entry_deleted_fails_the_proof_and_verify(ctx: Context, app_client: httpx.AsyncClient) -> None:
    """The entry of the report's only row in seal 2 deleted (a superuser's raw SQL): before the chain, the proof
    listed seals 1 and 3 and checked, as if the row had never been sealed."""
    rows, middle, _ = await _report_in_three_seals(ctx)
    scope = f"report:{rows['report']}"
    await as_superuser(ctx, "DELETE FROM ledger_entries WHERE row_id = :id", id=_param(ctx, middle))

    proof = await proof_of(ctx, app_client, rows["report"])
    assert 2 not in {seal["id"] for seal in proof["seals"]}
    assert check(proof, [seal_public_key(ctx.settings.secret_key)]) == [
        "entry 6 of the report's chain (1…7) not in the proof: removed or hidden"]

    async with ctx.sessions() as session:
        whole = await verify(session, ctx.settings.secret_keys)
        one = await verify_report(session, ctx.settings.secret_keys, rows["report"])
    assert not whole.intact and whole.unlinked == [(scope, 7)]  # entry 7 names an entry that is gone
    assert one.unlinked == [(scope, 7)]
    env = {"ZAN_DATABASE_URL": ctx.settings.database_url, "ZAN_SECRET_KEY": ctx.settings.secret_key,
           "ZAN_VAR_DIR": str(ctx.settings.var_dir)}
    ran = await anyio.to_thread.run_sync(lambda: CliRunner().invoke(ledger_cli, ["verify"], env=env))
    assert ran.exit_code == 1 and json.loads(ran.output)["unlinked"] == [{"scope": scope, "seq": 7}]

    # the row, sealed again (it reads as unsealed), takes the next number: the gap stays
    await _seal(ctx, full=True)
    assert [entry.scope_seq for entry in await _chain(ctx, scope)][-3:] == [7, 8, 9]  # the proof's audit line too
    proof = await proof_of(ctx, app_client, rows["report"])
    assert any("entry 6 of the report's chain" in problem
               for problem in check(proof, [seal_public_key(ctx.settings.secret_key)]))


def _without_seq(proof: dict[str, Any], seq: int) -> None:
    proof["rows"] = [row for row in proof["rows"] if row["seq"] != seq]


def _relinked(proof: dict[str, Any], seq: int) -> None:
    next(row for row in proof["rows"] if row["seq"] == seq)["prev"] = GENESIS


@pytest.mark.parametrize(("change", "problem"), [
    (lambda p: _without_seq(p, 6), "entry 6 of the report's chain (1…7) not in the proof: removed or hidden"),
    (lambda p: _without_seq(p, 1), "the report's chain starts at entry 2, which names an entry before it"),
    (lambda p: _relinked(p, 7), "do not lead up to seal 3's root"),
], ids=["a middle row left out", "the first row left out", "a row's link rewritten"])
async def test_a_proof_with_a_row_left_out_fails(ctx: Context, app_client: httpx.AsyncClient, change: Any,
                                                 problem: str) -> None:
    rows, _, _ = await _report_in_three_seals(ctx)
    proof = await proof_of(ctx, app_client, rows["report"])
    edited = copy.deepcopy(proof)
    change(edited)
    problems = check(edited, [seal_public_key(ctx.settings.secret_key)])
    assert any(problem in found for found in problems), problems


async def _made_before_chains(ctx: Context, seal_id: int) -> None:
    """Turn the head seal into one made before the chains (migration v1): its entries without a place in a chain,
    and its digest, root, MAC and signature made over them by the service's key; and, as every seal then, without
    a state root (migration x2 came later)."""
    await as_superuser(ctx, "UPDATE ledger_entries SET scope_seq = NULL, scope_prev = NULL WHERE seal_id = :id",
                       id=seal_id)
    async with ctx.sessions() as session:
        seal = await session.get(LedgerSeal, seal_id)
        assert seal is not None
        entries = [(e.table_name, e.row_id, e.scope, e.row_hash, e.seal_id, None, None) for e in
                   await session.scalars(select(LedgerEntry).where(LedgerEntry.seal_id == seal_id))]
        seal.digest, seal.root = fingerprints(entries)
        seal.state_root = None
        seal.mac = mac_of(ctx.settings.secret_key, seal)
        seal.signature = sign_seal(ctx.settings.secret_key, seal)
        values = {"d": seal.digest, "r": seal.root, "m": seal.mac, "s": seal.signature, "id": seal_id}
        await session.rollback()
    await as_superuser(ctx, "UPDATE ledger_seals SET digest = :d, root = :r, mac = :m, signature = :s, "
                            "state_root = NULL WHERE id = :id", **values)
    await as_superuser(ctx, "DELETE FROM ledger_state_nodes")


async def test_a_report_sealed_before_the_chains_says_where_its_chain_starts(
        ctx: Context, app_client: httpx.AsyncClient) -> None:
    rows = await record_report(ctx)
    await _seal(ctx)
    await _made_before_chains(ctx, 1)
    added = await _append(ctx, rows["report"])
    await _seal(ctx)
    entries = await _chain(ctx, f"report:{rows['report']}")
    assert [(entry.row_id, entry.scope_seq, entry.scope_prev) for entry in entries if entry.scope_seq] == [
        (added, 6, GENESIS)]  # after the 5 entries from before the chains

    proof = await proof_of(ctx, app_client, rows["report"])
    key = seal_public_key(ctx.settings.secret_key)
    assert proof["chain_starts_at"] == 6 and check(proof, [key]) == []
    async with ctx.sessions() as session:
        assert (await verify(session, ctx.settings.secret_keys)).intact
    unchained = next(row for row in proof["rows"] if row["seq"] is None)
    edited = copy.deepcopy(proof)
    edited["rows"].remove(unchained)
    assert check(edited, [key]) == [
        "the report's chain starts at entry 6: the 5 rows sealed before chains began should be in the proof, 4 are"]


async def test_transactions_appending_to_one_report_at_once_keep_its_chain_contiguous(ctx: Context) -> None:
    """Two transactions append to one report, the first committing after a seal took the second's row (its row's
    time is before the seal, its commit after); then many at once, with sealers racing them. Numbers are the
    sealer's, which runs alone (PostgreSQL's advisory lock): no gap, no repeat, every link holds."""
    if ctx.engine.dialect.name != "postgresql":
        pytest.skip("concurrent transactions on PostgreSQL (SQLite has a single writer)")
    rows = await record_report(ctx)
    report_id = rows["report"]
    async with ctx.sessions() as first, ctx.sessions() as second:
        first.add(_event(report_id))
        await first.flush()  # its row written, not committed
        second.add(_event(report_id))
        await second.commit()
        await _seal(ctx)
        await first.commit()
    await _seal(ctx)

    async def append_many() -> None:
        for _ in range(5):
            await _append(ctx, report_id)

    async def seal_often() -> None:
        for _ in range(5):
            await _seal(ctx, batch=3)
            await asyncio.sleep(0)

    await asyncio.gather(*(append_many() for _ in range(4)), *(seal_often() for _ in range(3)))
    await _seal(ctx)
    entries = await _chain(ctx, f"report:{report_id}")
    assert [entry.scope_seq for entry in entries] == list(range(1, 5 + 2 + 20 + 1))
    async with ctx.sessions() as session:
        verdict = await verify(session, ctx.settings.secret_keys)
    assert verdict.intact and verdict.unlinked == [] and verdict.pending == 0
