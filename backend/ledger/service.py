"""A tamper-evident record: what a prosecutor reads in a report's history can be shown to be what was written.

Five tables are the record of what happened and are only ever appended to: report events, citizens' comments,
routing decisions, officers' evidence and the audit log. On PostgreSQL a trigger refuses UPDATE and DELETE on them
(migrations i1 and y1). That stops the application and anyone using its role, not a
database superuser, so every minute the rows appended since the last seal are hashed (a canonical JSON of their
columns) and sealed: one `LedgerEntry` per row, and one `LedgerSeal` whose MAC is keyed by the app's secret (never in
the database) and chains to the previous seal's MAC.

`verify.py` recomputes everything: a row edited after sealing no longer matches its entry, a deleted row leaves its
entry behind, an entry rewritten to match breaks its seal's digest, and a seal recomputed without the key breaks
its MAC and every later link. What is appended but not yet sealed (the last minute) is reported as pending.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from backend.db import is_postgres, uuid_in
from backend.ledger import chain, heads
from backend.ledger.models import LedgerCheckpoint, LedgerSeal
from backend.ledger.record import (
    ENTRIES,
    GENESIS,
    Entry,
    Protected,
    canonical,
    fingerprints,
    mac_of,
    made_by,
    no_entry,
    protected,
    row_hash,
    sign_seal,
)
from backend.lib.clock import utcnow
from backend.lib.crypto import key_id

BATCH = 1000  # rows per table per seal
# a row is sealed by the first seal that runs after its transaction commits. Each seal rereads this much before
# the last complete seal, for rows whose transaction committed after it (a row's time is taken before its commit);
# once an hour the scheduled seal rereads a day (DEEP_LOOKBACK), for a transaction that took longer or a server whose
# clock ran behind. Older than that stays pending, which `verify` reports, until `zan ledger seal --full`
LOOKBACK = timedelta(minutes=10)
DEEP_LOOKBACK = timedelta(days=1)
# the reread of a day is read in slices, its checkpoint written after each: a run cut off (the worker cron's 240 s
# timeout) loses one slice at most. A run reads at most REREAD_ROWS (~40 s at ~10,000 rows a second, bench/): a
# day of millions of rows is reread over several minutes' runs, each leaving the minute's own seal on time
REREAD = "reread"
REREAD_SLICE = 20_000  # rows per table between two checkpoints
REREAD_ROWS = 400_000
_LOCK = 0x5A41_4E4C  # "ZANL": one sealer at a time across processes (PostgreSQL advisory lock)


log = logging.getLogger(__name__)

Position = datetime | tuple[datetime, uuid.UUID] | None  # where a table's scan starts: a time, or after a row


async def latest_seal(session: AsyncSession) -> LedgerSeal | None:
    """The head of the chain."""
    return await session.scalar(sa.select(LedgerSeal).order_by(col(LedgerSeal.id).desc()).limit(1))


class _Step(NamedTuple):
    """One seal's run: the seal made (None: nothing new, or `refused`), where each table's scan stands now, whether
    every table's end was reached (and which tables' were), how many rows were read, and whether sealing was refused
    (the head is not ours to seal on, or another sealer took the number: nothing read may count as sealed)."""

    seal: LedgerSeal | None
    positions: dict[str, Position]
    complete: bool
    read: int
    refused: bool = False
    ended: frozenset[str] = frozenset()


async def seal_pending(session: AsyncSession, secret_keys: tuple[str, ...], *, batch: int = BATCH, max_seals: int = 20,
                       full: bool = False, lookback: timedelta = LOOKBACK) -> list[LedgerSeal]:
    """Seal what was appended since the last seal, rereading `lookback` before it (`full`: anything unsealed, read
    from the start of the tables); a backlog (the first run on an old database) goes in seals of at most `batch` rows
    per table, each seal scanning on from where the previous one stopped."""
    seals: list[LedgerSeal] = []
    positions: dict[str, Position] | None = dict.fromkeys(protected()) if full else None
    upper = heads.Upper()
    while len(seals) < max_seals:
        step = await _seal_once(session, secret_keys, batch, positions, lookback, upper=upper)
        positions = step.positions
        if step.seal is None:
            break
        seals.append(step.seal)
        if step.seal.complete:
            break
    return seals


def _dump(position: Position, ended: bool) -> dict[str, Any] | None:
    """A table's place in the checkpoint; `ended`: the cycle read it to its end (for `reread_reached`)."""
    if isinstance(position, tuple):
        return {"at": position[0].isoformat(), "id": str(position[1]), "ended": ended}
    return None if position is None else {"at": position.isoformat(), "id": None, "ended": ended}


def _load(value: Any) -> Position:
    if not value:
        return None
    at = datetime.fromisoformat(value["at"])
    if at.tzinfo is None:
        raise ValueError("a position without its UTC offset")
    return at if value.get("id") is None else (at, uuid.UUID(value["id"]))


async def reread(session: AsyncSession, secret_keys: tuple[str, ...], *, every: timedelta, rows: int = REREAD_ROWS,
                 slice_rows: int | None = None, batch: int = BATCH) -> list[LedgerSeal]:
    """The reread of a day (DEEP_LOOKBACK) for rows whose commit came long after their time, resumable: a cycle
    starts at most once per `every` and reads the tables from a day back to their end, in slices of `slice_rows`
    rows per table; after each slice its position is committed (the checkpoint), so a run cut off goes on from there
    in the next one, which reads at most `rows` more. Before, each run began the day again: on a day too large for
    the cron's timeout it never reached the day's end, and late rows there never got their seal.

    Why the checkpoint cannot hide a change to the record: it only chooses which rows this pass reads next, for
    rows not sealed yet; a sealed row is checked against its entry, its seal's digest, MAC and signature, none of
    which the checkpoint touches (`zan ledger verify`, the history, a proof). Moved ahead, deleted or rewritten by
    someone with the database, it can at most leave late rows unsealed for a while longer: the next cycle starts
    afresh a day back whatever the checkpoint says, and until then the rows count as `pending` in `zan ledger
    verify` (which an unsealed row is anyway, and which he could have edited directly just as well). What no reread
    guards against: a row changed before its first seal, and a row committed more than a day after its time once
    the cycle has read past it (`zan ledger seal --full` seals those)."""
    slice_rows = slice_rows or REREAD_SLICE  # read when called, for the tests of a day in a few slices
    now = utcnow()
    checkpoint = await session.get(LedgerCheckpoint, REREAD)
    resumed = None if checkpoint is None or checkpoint.finished_at is not None else _resumed(checkpoint)
    if checkpoint is not None and resumed is not None:
        started, read, positions = checkpoint.started_at, checkpoint.rows_read, resumed
    # a start in the future (a clock set back, or a hand) would otherwise put off every later cycle
    elif (checkpoint is None or checkpoint.finished_at is None or not timedelta(0) <= now - checkpoint.started_at
          < every):
        started, read = now, 0
        positions = dict.fromkeys(protected(), now - DEEP_LOOKBACK)
    else:  # this hour's cycle is done
        await session.commit()
        return []
    seals: list[LedgerSeal] = []
    run, upper = 0, heads.Upper()
    if read == 0:  # a new cycle: first the rows older than its day that no seal holds (committed over a day late)
        seals += await seal_late(session, secret_keys, before=started - DEEP_LOOKBACK, batch=batch, rows=rows)
        run = sum(seal.rows for seal in seals)
        if run >= rows:  # they took the run's budget: no checkpoint is written, so the next run begins the cycle
            return seals  # again, and seals the late rows left before it rereads the day
    while run < rows:
        step = await _seal_once(session, secret_keys, batch, positions, DEEP_LOOKBACK, scan=slice_rows, upper=upper)
        if step.refused:  # the checkpoint stays where it was: the next run reads these rows again
            break
        if step.seal is not None:
            seals.append(step.seal)
        positions, run, read = step.positions, run + step.read, read + step.read
        # merged, not the object read above: _seal_once's commits and rollbacks expire what the session holds
        await session.merge(LedgerCheckpoint(
            name=REREAD, started_at=started,
            positions={name: _dump(at, name in step.ended) for name, at in positions.items()},
            rows_read=read, finished_at=utcnow() if step.complete else None, updated_at=utcnow()))
        await session.commit()
        if step.complete:
            break
    return seals


async def late_tables(session: AsyncSession, before: datetime) -> list[str]:
    """The tables with rows older than `before` that no seal holds: per table, one statement (one snapshot) of three
    counts over indexes, its rows less its entries less its unsealed rows from `before` on (a day's, by the (time,
    id) index). Its limit: a sealed row deleted from the table hides one late row from the count (`zan ledger
    verify` shows the deleted row, and `zan ledger seal --full` seals the late one)."""
    found = []
    for name, spec in protected().items():
        table, time = spec.table, spec.table.c[spec.time]
        rows = sa.select(sa.func.count()).select_from(table).scalar_subquery()
        entries = sa.select(sa.func.count()).where(ENTRIES.c.table_name == name).scalar_subquery()
        recent = (sa.select(sa.func.count()).select_from(table).where(time >= before, no_entry(name, table))
                  .scalar_subquery())
        if int(await session.scalar(sa.select(rows - entries - recent)) or 0) > 0:
            found.append(name)
    return found


async def _late(session: AsyncSession, name: str, spec: Protected, before: datetime, batch: int) -> list[Any]:
    """Up to `batch` rows of the table older than `before` with no entry, in the order they were appended."""
    table, time = spec.table, spec.table.c[spec.time]
    query = sa.select(table).where(time < before, no_entry(name, table)).order_by(time, table.c.id).limit(batch)
    return list((await session.execute(query)).mappings().all())


async def seal_late(session: AsyncSession, secret_keys: tuple[str, ...], *, before: datetime,
                    batch: int = BATCH, rows: int = REREAD_ROWS) -> list[LedgerSeal]:
    """Seal the rows older than `before` (the reread's day) that no seal holds: rows whose transaction committed more
    than a day after their time, which the reread of a day no longer reaches. Counted first (late_tables: index
    scans, no row read), so an hour with none costs four statements; only a table that has some is searched for
    them, in the database (an anti-join on the entries' key) rather than by reading it whole.

    About `rows` rows are sealed (the reread's budget of a run; a seal takes up to its batch from each late table, so
    a run may pass it by a batch per table beyond the first): a backlog of late rows (a restore, a bulk import
    stamped with its old times) would otherwise be sealed in one go, past the cron's timeout, and cut off there
    every time. The rest is counted and sealed again by the next run (reread: its cycle begins only once these
    are done)."""
    tables = frozenset(await late_tables(session, before))
    await session.commit()
    seals: list[LedgerSeal] = []
    upper, sealed = heads.Upper(), 0
    while tables and sealed < rows:
        step = await _seal_once(session, secret_keys, min(batch, rows - sealed), {}, LOOKBACK, upper=upper,
                                late=(before, tables))
        if step.seal is None:  # none left (or sealing refused: the next cycle counts them again)
            break
        log.warning("ledger: sealed %s rows older than %s that no seal held (committed over a day late)",
                    step.seal.rows, before.isoformat())
        seals.append(step.seal)
        sealed += step.seal.rows
    if tables and sealed >= rows:
        log.warning("ledger: %s rows older than %s sealed in this run, its budget; the rest in the next run",
                    sealed, before.isoformat())
    return seals


def _resumed(checkpoint: LedgerCheckpoint) -> dict[str, Position] | None:
    """The places an unfinished cycle goes on from; None when the checkpoint cannot be read (written by hand): a
    new cycle then starts, rather than no reread ever again."""
    try:
        return {name: _load(checkpoint.positions.get(name)) for name in protected()}
    except (AttributeError, KeyError, TypeError, ValueError):
        log.warning("ledger: the reread's checkpoint cannot be read (changed outside the service?); starting the "
                    "reread of a day afresh")
        return None


async def reread_progress(session: AsyncSession) -> LedgerCheckpoint | None:
    """Where the reread of a day stands (None before its first run)."""
    return await session.get(LedgerCheckpoint, REREAD)


def reread_reached(checkpoint: LedgerCheckpoint) -> datetime | None:
    """While the checkpoint's cycle runs, a time before which every table's rows were reread: the place of the
    slowest table not yet read to its end (one read to its end stays at its last row, maybe hours old, and holds
    nobody back). None once the cycle is finished, or when the checkpoint cannot be read."""
    if checkpoint.finished_at is not None:
        return None
    try:
        places = [_load(value) for value in checkpoint.positions.values() if not (value or {}).get("ended")]
    except (AttributeError, KeyError, TypeError, ValueError):
        return None
    times = [place[0] if isinstance(place, tuple) else place for place in places]
    return None if not times or any(at is None for at in times) else min(at for at in times if at is not None)


async def _unsealed(session: AsyncSession, name: str, spec: Protected, position: Position, batch: int,
                    scan: int | None = None) -> tuple[list[Any], Position, bool, int]:
    """Up to `batch` rows of the table not sealed yet, in the order they were appended, from `position`, reading
    at most about `scan` rows (whole pages); the position after the last row read, whether the table's end was
    reached, and how many rows were read.

    A keyset page over the (time, id) index, then one primary-key probe per row for its entry: both plans are fixed
    whatever the planner's statistics say. (An anti-join, or a join, over the tables let stale statistics after a
    bulk load pick a nested loop that sealed 216 rows a second.)"""
    table = spec.table
    time, row_id = table.c[spec.time], table.c.id
    found: list[Any] = []
    read = 0
    while True:
        query = sa.select(table).order_by(time, row_id).limit(batch)
        if isinstance(position, tuple):
            query = query.where(sa.tuple_(time, row_id) > sa.tuple_(*position))
        elif position is not None:
            query = query.where(time >= position)
        rows = (await session.execute(query)).mappings().all()
        if not rows:
            return found, position, True, read
        sealed = await _sealed_among(session, name, [row["id"] for row in rows])
        for row in rows:
            position = (row[spec.time], row["id"])
            read += 1
            if row["id"] not in sealed:
                found.append(row)
                if len(found) == batch:
                    # the table's end, when nothing follows: the seal is then complete and the next one reads
                    # only its window, not the backlog again
                    after = sa.select(row_id).where(sa.tuple_(time, row_id) > sa.tuple_(*position)).limit(1)
                    return found, position, await session.scalar(after) is None, read
        if len(rows) < batch:
            return found, position, True, read
        if scan is not None and read >= scan:  # a slice of the reread: it records the position before going on
            return found, position, False, read


async def _sealed_among(session: AsyncSession, name: str, ids: list[uuid.UUID]) -> set[uuid.UUID]:
    return set(await session.scalars(sa.select(ENTRIES.c.row_id).where(
        ENTRIES.c.table_name == name, uuid_in(session, ENTRIES.c.row_id, ids))))


async def _seal_once(session: AsyncSession, secret_keys: tuple[str, ...], batch: int,
                     positions: dict[str, Position] | None, lookback: timedelta, scan: int | None = None,
                     upper: heads.Upper | None = None, late: tuple[datetime, frozenset[str]] | None = None) -> _Step:
    """One seal over the unsealed rows from `positions` (None: the window before the last complete seal), or, with
    `late` (a time, tables), over those tables' rows older than the time that no seal holds (seal_late)."""
    if is_postgres(session):  # released with the transaction
        await session.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK})
    last = await latest_seal(session)
    maker = 0 if last is None else made_by(secret_keys, last)
    if maker is None:  # a newer key sealed the head (this process runs with an old key: a rolling deploy), or the
        # head was altered: sealing on top of either would be wrong, and /health reports the rows left unsealed
        log.warning("ledger: the head seal %s checks under no configured key (a newer key made it, or it was "
                    "altered: run `zan ledger verify`); not sealing", last.id if last else None)
        await session.commit()
        return _Step(None, positions or {}, False, 0, refused=True)
    if last is not None and last.signature is None and (last.root is not None or last.prev_signature is not None):
        # a head made signed and stripped of its signature (its MAC does not cover it): the next seal would name no
        # signature before it, a second "first signed seal", under which a proof could pass the stripped seal's
        # rows off as sealed before signatures. Re-signing it would hide the stripping
        log.warning("ledger: the head seal %s lost its signature (run `zan ledger verify`); not sealing", last.id)
        await session.commit()
        return _Step(None, positions or {}, False, 0, refused=True)
    if positions is None:  # rows appended since the last complete seal's window; everything before that is sealed
        window = await session.scalar(sa.select(sa.func.max(LedgerSeal.sealed_at)).where(col(LedgerSeal.complete)))
        positions = dict.fromkeys(protected(), None if window is None else window - lookback)
    entries: list[tuple[Entry, Any]] = []  # and each one's order in its scope's chain
    layout: dict[str, list[str]] = {}
    complete, read, ended = True, 0, set()
    for name, spec in protected().items():
        layout[name] = sorted(column.name for column in spec.table.columns)
        if late is not None:  # no position moves; the seal is never `complete`, so the window stays where it was
            rows = await _late(session, name, spec, late[0], batch) if name in late[1] else []
            exhausted, count, complete = len(rows) < batch, len(rows), False
        else:
            rows, positions[name], exhausted, count = await _unsealed(session, name, spec, positions[name], batch,
                                                                      scan)
        complete &= exhausted
        read += count
        if exhausted:
            ended.add(name)
        entries += [((name, row["id"], spec.scope(row), row_hash(name, layout[name], row), 0, None, None),
                     (canonical(row[spec.time]), name, str(row["id"]))) for row in rows]
    if not entries and maker == 0:
        await session.commit()  # ends the transaction and its advisory lock
        return _Step(None, positions, complete, read, ended=frozenset(ended))
    # with no new rows, a seal is still made when ZAN_SECRET_KEY was rotated: an empty one that moves the head to
    # the new key, so the record sealed under the old key is pinned by a MAC its holder cannot make
    secret_key = secret_keys[0]
    sealed = await chain.chained(session, entries)
    move = await heads.advance(session, last, sealed, upper)
    if move is None:  # signing a state rebuilt over entries changed since would hide the change in later proofs
        log.error("ledger: the state tree is not the one the head seal %s signed, and its entries no longer "
                  "rebuild it (run `zan ledger verify`); not sealing", last.id if last else None)
        await session.rollback()
        return _Step(None, positions, False, read, refused=True)
    digest, root = fingerprints(sealed)
    seal = LedgerSeal(id=(last.id + 1) if last else 1, sealed_at=utcnow(), rows=len(entries), layout=layout,
                      complete=complete, digest=digest, root=root, state_root=move.root,
                      prev_mac=last.mac if last else GENESIS, prev_signature=last.signature if last else None, mac="",
                      key_id=key_id(secret_key))
    seal.mac = mac_of(secret_key, seal)
    seal.signature = sign_seal(secret_key, seal)
    session.add(seal)
    try:
        await session.flush()
        if entries:
            await session.execute(sa.insert(ENTRIES), [
                {"table_name": table, "row_id": row_id, "scope": scope, "seal_id": seal.id, "row_hash": digest,
                 "scope_seq": seq, "scope_prev": prev}
                for table, row_id, scope, digest, _, seq, prev in sealed])
        await heads.store(session, move, seal.id)
        await session.commit()
        if upper is not None:
            upper.kept(move, seal.id)
    # SQLite: another sealer in this process took the same seal number, or the same places in a chain, first
    except IntegrityError:
        await session.rollback()
        return _Step(None, positions, False, read, refused=True)
    session.expunge(seal)  # the caller keeps it as it was sealed, whatever the session does next
    return _Step(seal, positions, complete, read, ended=frozenset(ended))
