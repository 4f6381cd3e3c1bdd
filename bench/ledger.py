"""Sealing and verifying the tamper-evident record on PostgreSQL: 20,000 report events and 20,000 audit lines (a
busy day's worth), sealed as a backlog, then one minute's appends sealed, the hourly reread of a day (nothing new to
seal), then the whole chain verified, and one
report's check as the history endpoint computes it, and one report's proof for a third party, built and checked.

    .venv/bin/python -m bench.ledger
    .venv/bin/python -m bench.ledger --scale 300000 [--keep | --db NAME]
    .venv/bin/python -m bench.ledger --replay 313000

`--scale N`: bench/queries.py's data set of N reports (three years of events, routing decisions, evidence, audit
lines and notes; its builder, without its synthetic seals), sealed from scratch as `zan ledger seal --full` would,
then `zan ledger verify` and one report's proof each in a process of its own: wall time and peak RSS (the process's
own, after its imports: `base`). `--keep` keeps the database for another run (`--db NAME` measures it again).
`--replay N`: only verify's replay of the state tree over N reports' heads, with no database, in a process of its own.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import msgspec
from sqlalchemy import insert

from backend.audit.models import AuditLog
from backend.ledger import heads, proof
from backend.ledger.record import seal_public_key
from backend.ledger.service import DEEP_LOOKBACK, seal_pending
from backend.ledger.verify import verify, verify_report
from backend.lib.clock import utcnow
from backend.reports.models import Report, ReportEvent
from bench._tablets import scratch_ctx

REPORTS, EVENTS_PER_REPORT, AUDIT_PER_REPORT, MINUTE = 2_000, 10, 10, 200
SPENT = {"state": 0.0}  # seconds the sealer spent on the state tree (heads.advance and heads.store)


def _timed(fn: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    """The state tree's share of a seal, apart from the machine's load that moves every figure here."""
    async def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return await fn(*args, **kwargs)
        finally:
            SPENT["state"] += time.perf_counter() - started
    return timed


heads.advance, heads.store = _timed(heads.advance), _timed(heads.store)  # type: ignore[assignment]


def _state_share() -> str:
    spent, SPENT["state"] = SPENT["state"], 0.0
    return f"; the state tree {spent * 1000:,.0f} ms of it"


async def main() -> None:
    async with scratch_ctx() as ctx:
        from backend.reports import deadlines
        from tests.core.factories import make_citizen

        key = ctx.settings.secret_key
        now = utcnow()
        async with ctx.sessions() as session:
            citizen = await make_citizen(session)
            reports = [uuid.uuid4() for _ in range(REPORTS)]
            await session.execute(insert(Report), [dict(
                id=rid, number=f"ZP-2026-{i:07d}", citizen_id=citizen.id, channel="bench", text="Шум во дворе",
                language="ru", lat=51.16, lon=71.47, status="assigned", deadline_at=deadlines.deadline_for(now),
                original_deadline_at=deadlines.deadline_for(now), created_at=now, updated_at=now)
                for i, rid in enumerate(reports)])

            async def append(count: int, at: object) -> None:
                await session.execute(insert(ReportEvent), [dict(
                    id=uuid.uuid4(), report_id=reports[i % REPORTS], action="comment", actor_type="officer",
                    channel="tablet", public=False, public_text={"ru": "Комментарий", "kk": "Түсініктеме"},
                    internal_note=f"заметка {i}", data={"i": i}, created_at=at) for i in range(count)])
                await session.execute(insert(AuditLog), [dict(
                    id=uuid.uuid4(), at=at, actor_type="dispatcher", actor_id="bench", action="report.attachments",
                    target_type="report", target_id=str(reports[i % REPORTS]), data={"links": 1})
                    for i in range(count)])
                await session.commit()

            await append(REPORTS * EVENTS_PER_REPORT, now - timedelta(hours=3))
            backlog = REPORTS * (EVENTS_PER_REPORT + AUDIT_PER_REPORT)

            started = time.perf_counter()
            seals = await seal_pending(session, (key,), max_seals=1000)
            took = time.perf_counter() - started
            print(f"backlog of {backlog:,} rows sealed in {took:.2f} s ({backlog / took:,.0f} rows/s, "
                  f"{len(seals)} seals){_state_share()}")

            await append(MINUTE, utcnow())
            started = time.perf_counter()
            [seal] = await seal_pending(session, (key,))
            print(f"one minute's appends ({seal.rows} rows) sealed in {(time.perf_counter() - started) * 1000:.1f} ms "
                  f"(a seal rereads only the ten minutes before the last one, not the tables){_state_share()}")

            started = time.perf_counter()
            assert await seal_pending(session, (key,), lookback=DEEP_LOOKBACK) == []  # everything is sealed
            took = time.perf_counter() - started
            print(f"the hourly reread of a day ({backlog + seal.rows:,} rows, all sealed already) in {took:.2f} s "
                  f"({(backlog + seal.rows) / took:,.0f} rows/s)")

            started = time.perf_counter()
            verdict = await verify(session, (key,))
            took = time.perf_counter() - started
            assert verdict.intact and verdict.pending == 0
            print(f"whole chain verified: {verdict.sealed:,} rows, {len(verdict.seals)} seals in {took:.2f} s "
                  f"({verdict.sealed / took:,.0f} rows/s)")

            timings = []
            for rid in reports[:50]:
                started = time.perf_counter()
                one = await verify_report(session, (key,), rid)
                timings.append((time.perf_counter() - started) * 1000)
                assert one.intact
            timings.sort()
            print(f"one report's check (history endpoint), {one.sealed} rows in "
                  f"{len(one.seals)} seals: p50 {timings[len(timings) // 2]:.1f} ms, max {timings[-1]:.1f} ms")

            timings, sizes, checks = [], [], []
            public_key = seal_public_key(key)
            for rid in reports[50:100]:
                started = time.perf_counter()
                built = msgspec.json.encode(await proof.build(session, (key,), rid))
                timings.append((time.perf_counter() - started) * 1000)
                sizes.append(len(built))
                started = time.perf_counter()
                assert proof.check(msgspec.json.decode(built), [public_key]) == []
                checks.append((time.perf_counter() - started) * 1000)
            timings.sort()
            checks.sort()
            print(f"one report's proof for a third party (GET …/proof): built p50 {timings[len(timings) // 2]:.1f} ms, "
                  f"max {timings[-1]:.1f} ms, {sum(sizes) // len(sizes):,} bytes; checked offline p50 "
                  f"{checks[len(checks) // 2]:.1f} ms")


def _rss_mb() -> float:
    """This process's resident memory now (MB), from /proc (Linux)."""
    with open("/proc/self/status") as status:
        kb = next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
    return kb / 1024


def _peak_mb() -> float:
    """This process's peak resident memory (MB). VmHWM, not getrusage's ru_maxrss: a child started by subprocess
    inherits in ru_maxrss the RSS its parent had when it forked (Linux keeps it across exec), so the children below
    reported the sealing parent's peak (189 MB at 30k reports) rather than their own."""
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024


async def _child(what: str, url: str, secret: str) -> None:
    """One measurement in a process of its own, so that its peak is its own: prints JSON."""
    if what == "replay":  # the state tree's replay alone (`verify` replays it seal by seal): `url` is the scopes
        print(json.dumps(_replay(int(url))))
        return
    import tempfile
    from pathlib import Path

    import sqlalchemy as sa
    from sqlmodel import col

    from backend.context import context_scope
    from backend.reports.models import ReportEvent
    from backend.settings import Settings

    tmp = Path(tempfile.mkdtemp())
    settings = Settings(database_url=url, redis_url=None, secret_key=secret, var_dir=tmp, media_dir=tmp / "media",
                        log_json=False, log_level="WARNING")
    async with context_scope(settings, null_pool=True) as ctx, ctx.sessions() as session:
        out: dict[str, Any] = {"base_mb": _rss_mb()}
        started = time.perf_counter()
        if what == "verify":
            verdict = await verify(session, (secret,), keep_seals=False)
            out |= {"intact": verdict.intact, "sealed": verdict.sealed, "seals": verdict.count,
                    "pending": verdict.pending, "notes": verdict.notes.checked}
        else:  # the reports with the most events: the largest proofs
            report_id = col(ReportEvent.report_id)
            busiest = list(await session.scalars(sa.select(report_id).group_by(report_id)
                                                 .order_by(sa.func.count().desc()).limit(5)))
            timings, sizes = [], []
            for rid in busiest:
                began = time.perf_counter()
                built = msgspec.json.encode(await proof.build(session, (secret,), rid))
                timings.append(time.perf_counter() - began)
                sizes.append(len(built))
                assert proof.check(msgspec.json.decode(built), [seal_public_key(secret)]) == []
            out |= {"each_s": sorted(timings), "bytes": max(sizes)}
        out |= {"seconds": time.perf_counter() - started, "peak_mb": _peak_mb()}
    print(json.dumps(out))


def _replay(scopes: int, per_seal: int = 3_000) -> dict[str, Any]:
    """`zan ledger verify`'s replay of the state tree (heads.Replay) over `scopes` reports' heads, `per_seal` new ones
    a seal (a backlog's seals), without the database: its time and what it adds to the peak."""
    base = _rss_mb()
    replay = heads.Replay()
    started = time.perf_counter()
    for seal, start in enumerate(range(0, scopes, per_seal), 1):
        replay.seal([("report_events", uuid.UUID(int=n), f"report:{n}", "ab" * 32, seal, 1, "cd" * 32)
                     for n in range(start, min(scopes, start + per_seal))])
    return {"seconds": time.perf_counter() - started, "base_mb": base, "peak_mb": _peak_mb()}


def _measured(what: str, url: str, secret: str) -> dict[str, Any]:
    ran = subprocess.run([sys.executable, "-m", "bench.ledger", "--child", what, "--url", url, "--secret", secret],
                         capture_output=True, text=True, check=True)
    answer: dict[str, Any] = json.loads(ran.stdout.strip().splitlines()[-1])
    return answer


async def at_scale(reports: int, keep: bool, existing: str | None) -> None:
    """The record of bench/queries.py's data set of `reports` reports: sealed, verified, one report proven."""
    import shutil
    import tempfile
    from pathlib import Path

    import asyncpg

    from backend.context import context_scope
    from backend.migrate import upgrade
    from backend.officers.auth import hash_password
    from backend.settings import Settings
    from bench import queries

    async with queries.scratch_database(keep, existing) as (dsn, url):
        if not existing:
            await asyncio.to_thread(upgrade, url)
            started = time.perf_counter()
            sizes = await queries.load(dsn, reports, str(await asyncio.to_thread(hash_password, queries.PASSWORD)),
                                       ledger=False)
            print(f"loaded {reports:,} reports in {time.perf_counter() - started:.0f} s: "
                  + ", ".join(f"{name} {sizes[name]:,}" for name in ("report_events", "routing_decisions",
                                                                      "evidence", "audit_log", "report_notes")))
        tmp = Path(tempfile.mkdtemp())
        settings = Settings(database_url=url, redis_url=None, secret_key=queries.SECRET, var_dir=tmp,
                            media_dir=tmp / "media", log_json=False, log_level="WARNING")
        try:
            async with context_scope(settings) as ctx, ctx.sessions() as session:
                started = time.perf_counter()
                seals = await seal_pending(session, settings.secret_keys, full=True, max_seals=1_000_000)
                took = time.perf_counter() - started
                rows = sum(seal.rows for seal in seals)
                if seals:
                    print(f"sealed from scratch (`zan ledger seal --full`): {rows:,} rows in {len(seals):,} seals, "
                          f"{took:.0f} s ({rows / took:,.0f} rows/s){_state_share()}; peak RSS {_peak_mb():,.0f} MB")
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        conn = await asyncpg.connect(dsn)
        try:
            scopes = await conn.fetchval("SELECT count(DISTINCT scope) FROM ledger_entries")
            nodes = await conn.fetchval("SELECT count(*) FROM ledger_state_nodes")
        finally:
            await conn.close()
        print(f"the state tree: {scopes:,} scopes, {nodes:,} nodes")
        got = await asyncio.to_thread(_measured, "verify", url, queries.SECRET)
        assert got["intact"], got
        print(f"zan ledger verify: {got['sealed']:,} rows, {got['seals']:,} seals, {got['notes']:,} notes in "
              f"{got['seconds']:.0f} s ({got['sealed'] / got['seconds']:,.0f} rows/s); peak RSS "
              f"{got['peak_mb']:,.0f} MB (base {got['base_mb']:,.0f} MB)")
        got = await asyncio.to_thread(_measured, "proof", url, queries.SECRET)
        each = got["each_s"]
        print(f"one report's proof (the 5 busiest reports): built in {each[len(each) // 2] * 1000:,.0f} ms p50, "
              f"{each[-1] * 1000:,.0f} ms max, up to {got['bytes']:,} bytes; peak RSS {got['peak_mb']:,.0f} MB "
              f"(base {got['base_mb']:,.0f} MB)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--scale", type=int, help="bench/queries.py's data set of this many reports, sealed whole")
    parser.add_argument("--keep", action="store_true", help="with --scale: keep the scratch database")
    parser.add_argument("--db", help="with --scale: measure this database, kept by an earlier --keep run")
    parser.add_argument("--replay", type=int, metavar="SCOPES",
                        help="only `zan ledger verify`'s replay of the state tree, over this many reports' heads")
    parser.add_argument("--child", choices=("verify", "proof", "replay"), help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--secret", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        asyncio.run(_child(args.child, args.url, args.secret))
    elif args.replay:
        got = _measured("replay", str(args.replay), "")
        print(f"the state tree's replay over {args.replay:,} reports' heads (3,000 a seal): {got['seconds']:.1f} s; "
              f"peak RSS {got['peak_mb']:,.0f} MB (base {got['base_mb']:,.0f} MB)")
    elif args.scale:
        asyncio.run(at_scale(args.scale, args.keep, args.db))
    else:
        asyncio.run(main())
