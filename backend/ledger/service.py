"""A tamper-evident record: what a prosecutor reads in a report's history can be shown to be what was written.

Four tables are the record of what happened and are only ever appended to: report events, routing decisions,
officers' evidence and the audit log. On PostgreSQL a trigger refuses UPDATE and DELETE on them (migration i1). That
stops the application and anyone using its role, not a database superuser, so every minute the rows appended since
the last seal are hashed (a canonical JSON of their columns) and sealed: one `LedgerEntry` per row, and one
`LedgerSeal` whose MAC is keyed by the app's secret (never in the database) and chains to the previous seal's MAC.

`verify.py` recomputes everything: a row edited after sealing no longer matches its entry, a deleted row leaves its
entry behind, an entry rewritten to match breaks its seal's digest, and a seal recomputed without the key breaks
its MAC and every later link. What is appended but not yet sealed (the last minute) is reported as pending.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from backend.db import is_postgres, uuid_in
from backend.ledger.models import LedgerSeal
from backend.ledger.record import (
    ENTRIES,
    GENESIS,
    Entry,
    Protected,
    fingerprints,
    mac_of,
    made_by,
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
_LOCK = 0x5A41_4E4C  # "ZANL": one sealer at a time across processes (PostgreSQL advisory lock)


log = logging.getLogger(__name__)

Position = datetime | tuple[datetime, uuid.UUID] | None  # where a table's scan starts: a time, or after a row


async def latest_seal(session: AsyncSession) -> LedgerSeal | None:
    """The head of the chain."""
    return await session.scalar(sa.select(LedgerSeal).order_by(col(LedgerSeal.id).desc()).limit(1))


async def seal_pending(session: AsyncSession, secret_keys: tuple[str, ...], *, batch: int = BATCH, max_seals: int = 20,
                       full: bool = False, lookback: timedelta = LOOKBACK) -> list[LedgerSeal]:
    """Seal what was appended since the last seal, rereading `lookback` before it (`full`: anything unsealed, read
    from the start of the tables); a backlog (the first run on an old database) goes in seals of at most `batch` rows
    per table, each seal scanning on from where the previous one stopped."""
    seals: list[LedgerSeal] = []
    positions: dict[str, Position] | None = dict.fromkeys(protected()) if full else None
    while len(seals) < max_seals:
        seal, positions = await _seal_once(session, secret_keys, batch, positions, lookback)
        if seal is None:
            break
        seals.append(seal)
        if seal.complete:
            break
    return seals


async def _unsealed(session: AsyncSession, name: str, spec: Protected, position: Position,
                    batch: int) -> tuple[list[Any], Position, bool]:
    """Up to `batch` rows of the table not sealed yet, in the order they were appended, from `position`; the
    position after the last row read, and whether the table's end was reached.

    A keyset page over the (time, id) index, then one primary-key probe per row for its entry: both plans are fixed
    whatever the planner's statistics say. (An anti-join, or a join, over the tables let stale statistics after a
    bulk load pick a nested loop that sealed 216 rows a second.)"""
    table = spec.table
    time, row_id = table.c[spec.time], table.c.id
    found: list[Any] = []
    while True:
        query = sa.select(table).order_by(time, row_id).limit(batch)
        if isinstance(position, tuple):
            query = query.where(sa.tuple_(time, row_id) > sa.tuple_(*position))
        elif position is not None:
            query = query.where(time >= position)
        rows = (await session.execute(query)).mappings().all()
        if not rows:
            return found, position, True
        sealed = await _sealed_among(session, name, [row["id"] for row in rows])
        for row in rows:
            position = (row[spec.time], row["id"])
            if row["id"] not in sealed:
                found.append(row)
                if len(found) == batch:
                    # the table's end, when nothing follows: the seal is then complete and the next one reads
                    # only its window, not the backlog again
                    after = sa.select(row_id).where(sa.tuple_(time, row_id) > sa.tuple_(*position)).limit(1)
                    return found, position, await session.scalar(after) is None
        if len(rows) < batch:
            return found, position, True


async def _sealed_among(session: AsyncSession, name: str, ids: list[uuid.UUID]) -> set[uuid.UUID]:
    return set(await session.scalars(sa.select(ENTRIES.c.row_id).where(
        ENTRIES.c.table_name == name, uuid_in(session, ENTRIES.c.row_id, ids))))


async def _seal_once(session: AsyncSession, secret_keys: tuple[str, ...], batch: int,
                     positions: dict[str, Position] | None,
                     lookback: timedelta) -> tuple[LedgerSeal | None, dict[str, Position]]:
    if is_postgres(session):  # released with the transaction
        await session.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK})
    last = await latest_seal(session)
    maker = 0 if last is None else made_by(secret_keys, last)
    if maker is None:  # a newer key sealed the head (this process runs with an old key: a rolling deploy), or the
        # head was altered: sealing on top of either would be wrong, and /health reports the rows left unsealed
        log.warning("ledger: the head seal %s checks under no configured key (a newer key made it, or it was "
                    "altered: run `zan ledger verify`); not sealing", last.id if last else None)
        await session.commit()
        return None, positions or {}
    if last is not None and last.signature is None and (last.root is not None or last.prev_signature is not None):
        # a head made signed and stripped of its signature (its MAC does not cover it): the next seal would name no
        # signature before it, a second "first signed seal", under which a proof could pass the stripped seal's
        # rows off as sealed before signatures. Re-signing it would hide the stripping
        log.warning("ledger: the head seal %s lost its signature (run `zan ledger verify`); not sealing", last.id)
        await session.commit()
        return None, positions or {}
    if positions is None:  # rows appended since the last complete seal's window; everything before that is sealed
        window = await session.scalar(sa.select(sa.func.max(LedgerSeal.sealed_at)).where(col(LedgerSeal.complete)))
        positions = dict.fromkeys(protected(), None if window is None else window - lookback)
    entries: list[Entry] = []
    layout: dict[str, list[str]] = {}
    complete = True
    for name, spec in protected().items():
        layout[name] = sorted(column.name for column in spec.table.columns)
        rows, positions[name], exhausted = await _unsealed(session, name, spec, positions[name], batch)
        complete &= exhausted
        entries += [(name, row["id"], spec.scope(row), row_hash(name, layout[name], row), 0) for row in rows]
    if not entries and maker == 0:
        await session.commit()  # ends the transaction and its advisory lock
        return None, positions
    # with no new rows, a seal is still made when ZAN_SECRET_KEY was rotated: an empty one that moves the head to
    # the new key, so the record sealed under the old key is pinned by a MAC its holder cannot make
    secret_key = secret_keys[0]
    digest, root = fingerprints(entries)
    seal = LedgerSeal(id=(last.id + 1) if last else 1, sealed_at=utcnow(), rows=len(entries), layout=layout,
                      complete=complete, digest=digest, root=root,
                      prev_mac=last.mac if last else GENESIS, prev_signature=last.signature if last else None, mac="",
                      key_id=key_id(secret_key))
    seal.mac = mac_of(secret_key, seal)
    seal.signature = sign_seal(secret_key, seal)
    session.add(seal)
    try:
        await session.flush()
        if entries:
            await session.execute(sa.insert(ENTRIES), [
                {"table_name": table, "row_id": row_id, "scope": scope, "seal_id": seal.id, "row_hash": digest}
                for table, row_id, scope, digest, _ in entries])
        await session.commit()
    except IntegrityError:  # SQLite: another sealer in this process took the same number first
        await session.rollback()
        return None, positions
    session.expunge(seal)  # the caller keeps it as it was sealed, whatever the session does next
    return seal, positions
