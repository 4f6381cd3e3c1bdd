"""The tamper-evident record: sealed rows verify, and every way of changing the record behind the application's back
is found — an edited row, a deleted row, an entry rewritten to match, a seal recomputed, a seal forged without the
key, a seal removed. Tampering is done the way a database administrator would: in SQL, on PostgreSQL with the
append-only triggers switched off for the session (`session_replication_role = replica`, superuser only)."""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import anyio
import httpx
import pytest
from click.testing import CliRunner
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from backend.audit.models import AuditLog
from backend.audit.service import record
from backend.context import Context
from backend.ledger import record as hashing
from backend.ledger import verify
from backend.ledger.cli import ledger as ledger_cli
from backend.ledger.models import LedgerEntry, LedgerSeal
from backend.ledger.service import seal_pending
from backend.lib.clock import utcnow
from backend.lib.crypto import key_id
from backend.reports.models import ReportEvent
from tests.ledger.records import an_hour_later, integrity_of, record_report
from tests.officers.factories import bearer, login, make_officer

pytestmark = pytest.mark.anyio


async def _seal(ctx: Context, **kwargs: Any) -> list[LedgerSeal]:
    async with ctx.sessions() as session:
        return await seal_pending(session, ctx.settings.secret_keys, **kwargs)


async def _verify(ctx: Context) -> verify.Verdict:
    async with ctx.sessions() as session:
        return await verify.verify(session, ctx.settings.secret_keys)


async def _tamper(ctx: Context, sql: str, params: dict[str, Any] | None = None, **more: Any) -> None:
    async with ctx.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            await conn.execute(text("SET LOCAL session_replication_role = replica"))
        await conn.execute(text(sql), {**(params or {}), **more})


def _uuid_param(ctx: Context, value: uuid.UUID) -> str:
    """A UUID as the database stores it (SQLite: 32 hex digits)."""
    return str(value) if ctx.engine.dialect.name == "postgresql" else value.hex


async def test_the_sealed_record_verifies_and_the_history_says_so(ctx: Context, app_client: httpx.AsyncClient) -> None:
    rows = await record_report(ctx)
    before = await integrity_of(ctx, app_client, rows["report"])
    assert (before["intact"], before["sealed"], before["seals"]) == (True, 0, [])
    assert before["pending"] == 5 + 1  # the history read is itself an audit line about the report

    [first] = await _seal(ctx)
    assert (first.id, first.prev_mac, first.complete) == (1, hashing.GENESIS, True)
    verdict = await _verify(ctx)
    assert verdict.intact and verdict.pending == 0 and verdict.sealed == first.rows >= 6

    after = await integrity_of(ctx, app_client, rows["report"])
    assert (after["intact"], after["sealed"], after["pending"]) == (True, 6, 1)
    assert after["seals"] == [{"id": 1, "sealed_at": after["seals"][0]["sealed_at"], "mac": first.mac}]

    [second] = await _seal(ctx)
    assert second.id == 2 and second.prev_mac == first.mac  # chained
    assert await _seal(ctx) == []  # nothing new
    verdict = await _verify(ctx)
    assert verdict.intact and [s.id for s in verdict.seals] == [1, 2] and verdict.pending == 0


def _edit_event(ids: dict[str, Any], ctx: Context) -> tuple[str, dict[str, Any]]:
    return ("UPDATE report_events SET internal_note = 'ничего не было' WHERE id = :id",
            {"id": _uuid_param(ctx, ids["events"][1])})


async def test_an_edited_row_is_found(ctx: Context, app_client: httpx.AsyncClient) -> None:
    rows = await record_report(ctx)
    await _seal(ctx)
    await _tamper(ctx, *_edit_event(rows, ctx))
    verdict = await _verify(ctx)
    assert not verdict.intact and verdict.altered == [("report_events", rows["events"][1])]
    assert verdict.missing == [] and verdict.broken_seals == []
    integrity = await integrity_of(ctx, app_client, rows["report"])
    assert integrity["intact"] is False
    assert integrity["altered"] == [{"table": "report_events", "id": str(rows["events"][1])}]


async def test_a_deleted_row_is_found(ctx: Context, app_client: httpx.AsyncClient) -> None:
    rows = await record_report(ctx)
    await _seal(ctx)
    await _tamper(ctx, "DELETE FROM routing_decisions WHERE id = :id", id=_uuid_param(ctx, rows["decision"]))
    verdict = await _verify(ctx)
    assert verdict.missing == [("routing_decisions", rows["decision"])] and verdict.altered == []
    integrity = await integrity_of(ctx, app_client, rows["report"])
    assert integrity["missing"] == [{"table": "routing_decisions", "id": str(rows["decision"])}]


async def _rehash_entry(ctx: Context, rows: dict[str, Any]) -> None:
    """Edit the row and give its entry the row's new hash, as someone who read this code would."""
    await _tamper(ctx, *_edit_event(rows, ctx))
    async with ctx.sessions() as session:
        seal = await session.get(LedgerSeal, 1)
        assert seal is not None
        row = (await session.execute(select(ReportEvent.__table__).where(  # type: ignore[attr-defined]
            ReportEvent.__table__.c.id == rows["events"][1]))).mappings().one()  # type: ignore[attr-defined]
        new_hash = hashing.row_hash("report_events", seal.layout["report_events"], row)
    await _tamper(ctx, "UPDATE ledger_entries SET row_hash = :h WHERE row_id = :id", h=new_hash,
                  id=_uuid_param(ctx, rows["events"][1]))


async def _redigest_seal(ctx: Context, rows: dict[str, Any], key: str | None = None) -> None:
    """…and recompute the seal's digest and Merkle root over the rewritten entries (and, given a key, its MAC and
    signature: whoever holds the secret can derive the signing key too)."""
    await _rehash_entry(ctx, rows)
    async with ctx.sessions() as session:
        entries = [(e.table_name, e.row_id, e.scope, e.row_hash, e.seal_id, e.scope_seq, e.scope_prev)
                   for e in await session.scalars(select(LedgerEntry).where(LedgerEntry.seal_id == 1))]
        seal = await session.get(LedgerSeal, 1)
        assert seal is not None
        seal.digest, seal.root = hashing.fingerprints(entries)
        if key:
            seal.mac = hashing.mac_of(key, seal)
            seal.signature = hashing.sign_seal(key, seal)
    await _tamper(ctx, "UPDATE ledger_seals SET digest = :d, root = :r, mac = :m, signature = :s WHERE id = 1",
                  d=seal.digest, r=seal.root, m=seal.mac, s=seal.signature)


@pytest.mark.parametrize(("tamper", "found"), [
    (_rehash_entry, [(1, "digest"), (1, "root")]),
    (_redigest_seal, [(1, "mac")]),
    (lambda ctx, rows: _redigest_seal(ctx, rows, key="a-guessed-key"), [(1, "mac")]),
], ids=["entry rewritten", "digest recomputed", "seal forged without the key"])
async def test_rewriting_the_seals_to_match_is_found(ctx: Context, tamper: Callable[..., Any],
                                                     found: list[tuple[int, str]]) -> None:
    rows = await record_report(ctx)
    await _seal(ctx)
    await tamper(ctx, rows)
    verdict = await _verify(ctx)
    assert verdict.altered == [] and verdict.broken_seals == found  # the row matches its entry; the seal does not
    async with ctx.sessions() as session:
        assert (await verify.verify_report(session, ctx.settings.secret_keys, rows["report"])).broken_seals == found


async def test_a_seal_taken_out_of_the_chain_is_found(ctx: Context) -> None:
    rows = await record_report(ctx)
    await _seal(ctx)
    async with ctx.sessions() as session:
        await record(session, actor_type="admin", actor_id=None, action="report.history", target_type="report",
                     target_id=rows["report"])
        await session.commit()
    await _seal(ctx)
    await _tamper(ctx, "DELETE FROM ledger_entries WHERE seal_id = 1")
    await _tamper(ctx, "DELETE FROM ledger_seals WHERE id = 1")
    verdict = await _verify(ctx)
    assert (0, "numbering") in verdict.broken_seals and (2, "chain") in verdict.broken_seals


async def test_after_a_rotation_the_old_key_cannot_rewrite_what_it_sealed(ctx: Context) -> None:
    """A leaked key is rotated away (kept only to verify its own seals). Whoever holds it re-forges a seal made
    under it, MAC and all: that seal checks, but the first seal under the new key names the old chain's head."""
    old, new = ctx.settings.secret_key, f"rotated-{uuid.uuid4().hex}"
    rows = await record_report(ctx)
    await _seal(ctx)
    await record_report(ctx)
    async with ctx.sessions() as session:
        [after] = await seal_pending(session, (new, old))
    assert after.key_id == key_id(new)
    async with ctx.sessions() as session:
        assert (await verify.verify(session, (new, old))).intact
    await _redigest_seal(ctx, rows, key=old)
    async with ctx.sessions() as session:
        verdict = await verify.verify(session, (new, old))
        assert verdict.altered == [] and verdict.broken_seals == [(2, "chain")], verdict
        # …and re-makes the seal after the rotation as if the old key had made it, to mend the link
        forged, head = await session.get(LedgerSeal, 1), await session.get(LedgerSeal, 2)
        assert forged is not None and head is not None
        head.prev_mac, head.prev_signature, head.key_id = forged.mac, forged.signature, key_id(old)
        head.mac = hashing.mac_of(old, head)
        head.signature = hashing.sign_seal(old, head)
    await _tamper(ctx, "UPDATE ledger_seals SET prev_mac = :p, prev_signature = :ps, key_id = :k, mac = :m, "
                       "signature = :s WHERE id = 2",
                  p=head.prev_mac, ps=head.prev_signature, k=head.key_id, m=head.mac, s=head.signature)
    async with ctx.sessions() as session:
        verdict = await verify.verify(session, (new, old))
    assert verdict.broken_seals == [(2, "head_key")], verdict  # every link checks; the head is not the new key's


async def test_a_rotation_with_nothing_new_still_moves_the_head_to_the_new_key(ctx: Context) -> None:
    old, new = ctx.settings.secret_key, f"rotated-{uuid.uuid4().hex}"
    await record_report(ctx)
    [first] = await _seal(ctx)
    async with ctx.sessions() as session:
        assert (await verify.verify(session, (new, old))).broken_seals == [(1, "head_key")]  # until the next seal
        [moved] = await seal_pending(session, (new, old))
        assert (moved.rows, moved.key_id, moved.prev_mac) == (0, key_id(new), first.mac)
        assert await seal_pending(session, (new, old)) == []  # once
        assert (await verify.verify(session, (new, old))).intact
    await record_report(ctx)
    assert await _seal(ctx) == []  # a process still on the old key (a rolling deploy) leaves the chain to the new one


async def test_a_backlog_is_sealed_in_batches_each_row_once(ctx: Context) -> None:
    for _ in range(3):
        await record_report(ctx)
    seals = await _seal(ctx, batch=2)
    assert len(seals) >= 3 and not seals[0].complete and [s.id for s in seals] == list(range(1, len(seals) + 1))
    verdict = await _verify(ctx)
    assert verdict.intact and verdict.pending == 0
    assert verdict.sealed == await _protected_rows(ctx) >= 3 * 5


async def _protected_rows(ctx: Context) -> int:
    async with ctx.sessions() as session:
        return sum([int(await session.scalar(select(func.count()).select_from(spec.table)) or 0)
                    for spec in hashing.protected().values()])


async def test_the_cli_verifies_and_exits_1_on_tampering(ctx: Context) -> None:
    rows = await record_report(ctx)
    env = {"ZAN_DATABASE_URL": ctx.settings.database_url, "ZAN_SECRET_KEY": ctx.settings.secret_key,
           "ZAN_VAR_DIR": str(ctx.settings.var_dir)}

    def run(*args: str) -> Any:
        return CliRunner().invoke(ledger_cli, list(args), env=env)

    sealed = await anyio.to_thread.run_sync(run, "seal")
    assert sealed.exit_code == 0, sealed.output
    assert json.loads(sealed.output)["seals"][0]["rows"] == await _protected_rows(ctx)
    good = await anyio.to_thread.run_sync(run, "verify")
    assert good.exit_code == 0 and json.loads(good.output)["intact"] is True
    async with ctx.sessions() as session:  # the head is printed, to be quoted outside the database
        head = await session.get(LedgerSeal, 1)
    assert head is not None and json.loads(good.output)["head"]["mac"] == head.mac
    await _tamper(ctx, *_edit_event(rows, ctx))
    bad = await anyio.to_thread.run_sync(run, "verify")
    assert bad.exit_code == 1 and json.loads(bad.output)["altered"] == [
        {"table": "report_events", "id": str(rows["events"][1])}]


async def test_the_record_is_append_only_on_postgresql(ctx: Context) -> None:
    if ctx.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's triggers (embedded SQLite relies on the seals alone)")
    rows = await record_report(ctx)
    await _seal(ctx)
    for sql in ("UPDATE report_events SET internal_note = 'x' WHERE id = :id",
                "DELETE FROM report_events WHERE id = :id", "DELETE FROM ledger_entries WHERE row_id = :id"):
        with pytest.raises(DBAPIError, match="append-only"):
            async with ctx.engine.begin() as conn:
                await conn.execute(text(sql), {"id": str(rows["events"][0])})
    for table in ("audit_log", "routing_decisions", "evidence", "ledger_seals"):
        with pytest.raises(DBAPIError, match="append-only"):
            async with ctx.engine.begin() as conn:
                await conn.execute(text(f"DELETE FROM {table}"))
    assert (await _verify(ctx)).intact


async def test_concurrent_sealers_seal_each_row_once(ctx: Context) -> None:
    for _ in range(4):
        await record_report(ctx)
    results = await asyncio.gather(*(_seal(ctx, batch=3) for _ in range(4)))
    assert sum(len(seals) for seals in results) >= 1
    verdict = await _verify(ctx)
    assert verdict.intact and verdict.pending == 0 and verdict.sealed == await _protected_rows(ctx) >= 4 * 5


async def test_a_row_committed_long_after_its_timestamp_is_pending_until_a_full_seal(ctx: Context) -> None:
    """Each seal rereads only a window before the last one; a row stamped long before its commit stays pending (and
    verify says so) until `seal --full` reads the tables from the start."""
    rows = await record_report(ctx)
    await _seal(ctx)
    async with ctx.sessions() as session:
        late = ReportEvent(report_id=rows["report"], action="comment", actor_type="officer", channel="tablet",
                           public_text={}, data={}, created_at=utcnow() - timedelta(days=1))
        session.add(late)
        await session.commit()
    assert await _seal(ctx) == []
    assert (await _verify(ctx)).pending == 1
    [seal] = await _seal(ctx, full=True)
    assert seal.rows == 1
    verdict = await _verify(ctx)
    assert verdict.intact and verdict.pending == 0


async def test_the_scheduled_seal_rereads_a_day_once_an_hour(ctx: Context) -> None:
    """A transaction that committed long after its rows' time (or a server whose clock ran behind) left them pending
    until someone ran `seal --full`: the minute's seal rereads ten minutes, and now once an hour a day."""
    from backend.ledger import jobs

    rows = await record_report(ctx)
    await jobs.seal_the_record(ctx)  # the process's first run is a deep one
    assert (await _verify(ctx)).pending == 0

    async def late_event(hours: float) -> None:
        async with ctx.sessions() as session:
            session.add(ReportEvent(report_id=rows["report"], action="comment", actor_type="officer",
                                    channel="tablet", public_text={}, data={},
                                    created_at=utcnow() - timedelta(hours=hours)))
            await session.commit()

    await late_event(2)
    await jobs.seal_the_record(ctx)  # within the hour: the ten-minute window does not reach it
    assert (await _verify(ctx)).pending == 1
    await an_hour_later(ctx)  # since the last deep run began
    await jobs.seal_the_record(ctx)
    assert (await _verify(ctx)).pending == 0
    await late_event(30)  # older than a day: the next cycle counts it first (service.seal_late)
    await jobs.seal_the_record(ctx)
    assert (await _verify(ctx)).pending == 1
    await an_hour_later(ctx)
    await jobs.seal_the_record(ctx)
    assert (await _verify(ctx)).pending == 0


async def test_oversight_reads_the_head_seal_to_quote_elsewhere(ctx: Context, app_client: httpx.AsyncClient) -> None:
    prosecutor, password = await make_officer(ctx, role="prosecutor")
    dispatcher, dispatcher_password = await make_officer(ctx, role="dispatcher")
    oversight = bearer(await login(app_client, prosecutor.badge_number, password))
    before = (await app_client.get("/api/v1/ledger/head", headers=oversight)).json()
    assert before == {"id": None, "sealed_at": None, "mac": None, "key_id": None, "sealed_rows": 0,
                      "public_key": hashing.seal_public_key(ctx.settings.secret_key), "reread": None,
                      "check": None}
    await record_report(ctx)
    [seal] = await _seal(ctx)
    head = (await app_client.get("/api/v1/ledger/head", headers=oversight)).json()
    assert (head["id"], head["mac"], head["key_id"], head["sealed_rows"]) == (1, seal.mac, seal.key_id, seal.rows)
    assert head["key_id"] == key_id(ctx.settings.secret_key)
    console = bearer(await login(app_client, dispatcher.badge_number, dispatcher_password))
    assert (await app_client.get("/api/v1/ledger/head", headers=console)).status_code == 403
    assert (await app_client.get("/api/v1/ledger/head")).status_code == 401
    async with ctx.sessions() as session:  # each read is an audit line, sealed like the rest
        assert await session.scalar(select(func.count()).select_from(AuditLog).where(
            AuditLog.action == "ledger.head")) == 2  # type: ignore[arg-type]


async def test_each_scheduled_seal_puts_the_head_mac_in_the_log(ctx: Context) -> None:
    """The log is the record's copy outside the database: its JSON line must carry the MAC as sealed, unmasked."""
    from backend.ledger.jobs import seal_the_record
    from backend.lib.logging import JsonFormatter, MaskingFilter

    lines: list[str] = []
    handler = logging.Handler()
    handler.addFilter(MaskingFilter())
    handler.setFormatter(JsonFormatter())
    handler.emit = lambda record: lines.append(handler.format(record))  # type: ignore[method-assign]
    logger = logging.getLogger("backend.ledger.jobs")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        await record_report(ctx)
        await seal_the_record(ctx)
        await seal_the_record(ctx)  # nothing new: no seal, no line
    finally:
        logger.removeHandler(handler)
        logger.setLevel(logging.NOTSET)
    async with ctx.sessions() as session:
        [head] = list(await session.scalars(select(LedgerSeal)))
    assert [json.loads(line)["ledger"] for line in lines] == [
        {"seal": 1, "rows": head.rows, "mac": head.mac, "key_id": key_id(ctx.settings.secret_key)}]
    forged = logging.LogRecord("zan", logging.INFO, __file__, 1, "ledger sealed", None, None)
    forged.ledger = {"mac": "123456789012" * 4}  # digit runs the masking would take for an IIN in a message
    assert json.loads(JsonFormatter().format(forged))["ledger"]["mac"] == "123456789012" * 4


async def test_health_says_when_the_sealing_stopped(ctx: Context, app_client: httpx.AsyncClient) -> None:
    async def ledger() -> dict[str, Any]:
        ctx.extras.pop("health_ledger", None)  # (cached between a load balancer's probes)
        health = (await app_client.get("/health")).json()
        assert health["status"] == ("ok" if health["ledger"]["ok"] else "degraded")
        part: dict[str, Any] = health["ledger"]
        return part

    assert (await ledger())["ok"] and (await ledger())["head"] is None
    rows = await record_report(ctx)
    async with ctx.sessions() as session:  # an event from ten minutes ago that nothing sealed: the worker is down
        session.add(ReportEvent(report_id=rows["report"], action="comment", actor_type="officer", channel="tablet",
                                created_at=utcnow() - timedelta(minutes=10)))
        await session.commit()
    stalled = await ledger()
    assert not stalled["ok"] and stalled["unsealed_for_s"] >= 600 and stalled["head"] is None
    await _seal(ctx)
    sealed = await ledger()
    assert sealed["ok"] and sealed["head"] == 1 and sealed["unsealed_for_s"] == 0 and sealed["head_key_current"]


async def test_health_fails_the_ledger_while_the_chain_check_has_found_a_change(
        ctx: Context, app_client: httpx.AsyncClient) -> None:
    from backend.ledger.models import LedgerCheckpoint
    from backend.ledger.verify import CHECK

    async with ctx.sessions() as session:
        session.add(LedgerCheckpoint(name=CHECK, started_at=utcnow(), positions={"problems": 2}))
        await session.commit()
    health = (await app_client.get("/health")).json()
    assert health["ledger"]["check_problems"] == 2 and not health["ledger"]["ok"]
    assert health["status"] == "degraded"
