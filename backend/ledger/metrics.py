"""The ledger's Prometheus gauges, read from the database at scrape time.

Workers run the scheduled check of the chain and the reread of a day, and expose no /metrics; the API does. The
passes keep their state in `ledger_checkpoints`, so any API process reads the same numbers from there (process
memory would differ between processes, and be empty in every one that did not run the pass). A fresh registry per
scrape: nothing of one scrape lingers into the next, and concurrent scrapes do not write over each other.

What someone with the database writes into a checkpoint shows here as written (NaN where it is not a number): the
checkpoints are progress, not evidence (`verify.check_onward` says why they cannot hide a change).
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from prometheus_client import CollectorRegistry, Gauge, generate_latest
from sqlalchemy.ext.asyncio import AsyncSession

from backend.ledger.service import latest_seal, reread_progress, reread_reached
from backend.ledger.verify import check_progress, found_problems, last_cycle, pinned_progress
from backend.lib.clock import as_utc, utcnow

NEVER = 0.0  # a timestamp gauge before its first event: `time() - x` is then huge, and an alert on it fires


def _number(state: Any, name: str) -> float:
    value = state.get(name) if isinstance(state, dict) else None
    return float(value) if isinstance(value, int) and not isinstance(value, bool) else math.nan


def _timestamp(value: Any) -> float:
    if isinstance(value, datetime):
        return as_utc(value).timestamp()
    if isinstance(value, str):
        try:
            return as_utc(datetime.fromisoformat(value)).timestamp()
        except ValueError:
            return math.nan
    return NEVER


def _read(registry: CollectorRegistry, ok: bool) -> None:
    Gauge("zan_ledger_metrics_read", "1: the zan_ledger_* gauges were read from the database at this scrape; 0: "
          "the database did not answer, and they are left out", registry=registry).set(1.0 if ok else 0.0)


def unread() -> bytes:
    """What a scrape shows when the database did not answer: an alert on the ledger gauges would otherwise just
    see them vanish, and stay silent."""
    registry = CollectorRegistry(auto_describe=False)
    _read(registry, ok=False)
    return generate_latest(registry)


async def exposition(session: AsyncSession) -> bytes:
    """The gauges in Prometheus' text format."""
    registry = CollectorRegistry(auto_describe=False)
    _read(registry, ok=True)
    now = utcnow()
    head = await latest_seal(session)
    head_id = float(head.id) if head is not None else 0.0
    Gauge("zan_ledger_head_seal", "Number of the newest seal (0: none yet)", registry=registry).set(head_id)

    problems = Gauge("zan_ledger_check_problems",
                     "Changes to the sealed record found by the scheduled chain check (cycle: current = the cycle in "
                     "progress or, between cycles, the last one; last_completed = the last cycle that reached the "
                     "head); alert on any > 0", ["cycle"], registry=registry)
    seal = Gauge("zan_ledger_check_seal", "The last seal the chain check has checked, per cycle", ["cycle"],
                 registry=registry)
    rows = Gauge("zan_ledger_check_rows", "Sealed rows the chain check has checked, per cycle", ["cycle"],
                 registry=registry)
    completed = Gauge("zan_ledger_check_last_completed_timestamp_seconds",
                      "When the chain check last reached the head (unix time; 0: never)", registry=registry)
    coverage = Gauge("zan_ledger_check_coverage_ratio",
                     "How far along the chain the current (or last) check cycle got: its last seal checked / the "
                     "newest seal (1: every seal checked; below 1 between cycles as new seals come)",
                     registry=registry)
    checked = await check_progress(session)
    state = checked.positions if checked is not None and isinstance(checked.positions, dict) else {}
    last = last_cycle(checked)
    current = float(checked.rows_read) if checked is not None else 0.0
    for cycle, values, read in (("current", state, current), ("last_completed", last, _number(last, "rows"))):
        found = values is not None and checked is not None
        problems.labels(cycle).set(_number(values, "problems") if found else 0.0)
        seal.labels(cycle).set(_number(values, "seal") if found else 0.0)
        rows.labels(cycle).set(read if found else 0.0)
    completed.set(_timestamp(last.get("finished_at")) if isinstance(last, dict) else NEVER)
    reached = _number(state, "seal") if checked is not None else 0.0
    coverage.set(1.0 if head_id == 0 else min(reached / head_id, 1.0) if not math.isnan(reached) else math.nan)

    pinned = await pinned_progress(session)
    Gauge("zan_ledger_pinned_problems",
          "Rows no seal holds (a report's submission, files sent later, custody records, notes) found no longer "
          "matching the sealed events that pin them by the scheduled check: its current cycle or, until that has "
          "found as many, the last finished one; alert on > 0", registry=registry).set(found_problems(pinned))
    Gauge("zan_ledger_pinned_last_completed_timestamp_seconds",
          "When the scheduled pinned check last judged every report (unix time; 0: never)", registry=registry).set(
        _timestamp((last_cycle(pinned) or {}).get("finished_at")))

    reread = await reread_progress(session)
    through = Gauge("zan_ledger_reread_reached_timestamp_seconds",
                    "The reread of a day (rows committed long after their time) has read every row appended before "
                    "this time (unix time; the current cycle's slowest table, or when the last cycle finished; 0: "
                    "never ran)", registry=registry)
    lag = Gauge("zan_ledger_reread_lag_seconds",
                "Scrape time minus zan_ledger_reread_reached_timestamp_seconds: up to an hour between cycles, about "
                "a day just after a cycle begins; growing past that, the reread has stalled (0 before it ever ran)",
                registry=registry)
    if reread is None:
        through.set(NEVER)
        lag.set(0.0)
    else:
        at = reread.finished_at if reread.finished_at is not None else reread_reached(reread)
        stamp = _timestamp(at) if at is not None else math.nan
        through.set(stamp)
        lag.set(max(0.0, now.timestamp() - stamp) if not math.isnan(stamp) else math.nan)
    return generate_latest(registry)
