"""GET /sync/pull: the initial snapshot, then deltas from the change log, behind a signed cursor.

Cursor = signed {v, e (db epoch), h (scope hash), s (change-log seq high-water), f (what the change-log row at s
is: a restored log that grew past s again has other rows there), p (snap|delta), c (collection), k (last id)}. The
snapshot records s = max(seq) *before* reading rows, so anything that changes while a tablet pages through the
snapshot has a marker above s and comes again in the delta phase. A page is read in one REPEATABLE READ
transaction on PostgreSQL (SQLite transactions are serializable anyway).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.audit.service import record
from backend.lib.crypto import TokenError, sign_token, verify_token
from backend.lib.errors import FieldProblem, ZanError
from backend.officers.auth import OfficerPrincipal
from backend.officers.models import Officer
from backend.sync import messages as _messages  # noqa: F401
from backend.sync.changes import max_seq, meta
from backend.sync.hlc import CLOCK
from backend.sync.models import SyncChange
from backend.sync.views import COLLECTIONS, Viewer, current_state, snapshot_page

CURSOR_VERSION = 1
MAX_LIMIT = 500
PURPOSE = "sync-cursor"


@dataclass
class Page:
    changes: dict[str, dict[str, list[Any]]]
    cursor: str
    has_more: bool
    server_hlc: str
    reset: bool = False
    stats: dict[str, int] = field(default_factory=dict)


def _reset(reason: str) -> ZanError:
    return ZanError("sync.reset_required", 410, extra={"reason": reason})


def decode(secret_key: str, cursor: str, previous_keys: Sequence[str] = ()) -> dict[str, Any]:
    """The cursor's state if the current key signed it. One that a key rotated away from signed is genuine but
    stale (410 "key": every tablet's stored cursor after a rotation; the protocol's answer is a reset, not an
    error the tablet cannot recover from); only a cursor that no known key signed is tampered with (400)."""
    try:
        return verify_token(secret_key, PURPOSE, cursor)
    except TokenError as exc:
        for key in previous_keys:
            try:
                verify_token(key, PURPOSE, cursor)
            except TokenError:
                continue
            # only told apart from a forgery, never trusted as a position: previous keys verify no token (after a
            # leak, whoever holds the old key can forge one, and gains nothing more than a pull from scratch)
            raise _reset("key") from exc
        raise ZanError("sync.cursor_invalid", 400, errors=[FieldProblem("#query/cursor", "invalid")]) from exc


def encode(secret_key: str, state: dict[str, Any]) -> str:
    return sign_token(secret_key, PURPOSE, state)


async def pull(session: AsyncSession, *, secret_key: str, viewer: Viewer, cursor: str | None,
               limit: int = MAX_LIMIT, previous_keys: Sequence[str] = (),
               reader: OfficerPrincipal | None = None) -> Page:
    """One page. `previous_keys` (settings.previous_secret_keys) only tell a cursor from before a key rotation
    (410, reset) from a tampered one (400). `reader`: the authenticated officer of the request, whose tablet and
    login session the audit lines of the restricted reports delivered name (`_record_restricted`)."""
    limit = max(1, min(limit, MAX_LIMIT))
    # an app that keeps "no cursor yet" as an empty string (a wiped tablet's default) asks for the snapshot: a 400
    # for a cursor "altered" would leave it nothing to recover with
    cursor = cursor or None
    if session.get_bind().dialect.name == "postgresql":
        # the epoch row exists before the page's snapshot begins: created inside it (a database's first pull), a
        # row another first pull committed meanwhile would be invisible to the snapshot after the insert met it
        await meta(session)
        await session.commit()  # the page must start its own snapshot (earlier reads were only lookups)
        await session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    info = await meta(session)
    checked: int | None = None  # the seq whose change-log row the cursor's fingerprint was checked against
    if cursor is None:
        state: dict[str, Any] = {"v": CURSOR_VERSION, "e": info.epoch, "h": viewer.scope_hash,
                                 "s": max(await max_seq(session), info.horizon_seq), "p": "snap", "c": 0, "k": None}
    else:
        state = decode(secret_key, cursor, previous_keys)
        if state.get("v") != CURSOR_VERSION:
            raise _reset("version")
        if state.get("e") != info.epoch:
            raise _reset("epoch")
        if state.get("h") != viewer.scope_hash:
            raise _reset("scope")
        # a snapshot in progress needs its start point too: markers above it may have been compacted away
        if int(state.get("s", 0)) < info.horizon_seq:
            raise _reset("horizon")
        # a database restored from a backup keeps its epoch (sync_meta is restored with it), but a cursor taken
        # after the backup points past the newest marker: the tablet would skip every change made since
        if int(state.get("s", 0)) > max(await max_seq(session), info.horizon_seq):
            raise _reset("epoch")
        # ... and once the restored log has grown past it again, the seqs the tablet has seen name other changes
        # (the sequence was restored too): the marker at the cursor's seq is not the one the cursor was made at
        seq = int(state["s"])
        if "f" in state and seq > info.horizon_seq:
            if await _fingerprint(session, seq) != state["f"]:
                raise _reset("epoch")
            checked = seq
    changes: dict[str, dict[str, list[Any]]] = {}
    has_more = False
    if state["p"] == "snap":
        room = limit
        collection = int(state["c"])
        after = state.get("k")
        while room > 0 and collection < len(COLLECTIONS):
            name = COLLECTIONS[collection]
            rows = await snapshot_page(session, viewer, name, after, room)
            if rows:
                changes.setdefault(name, {"upserted": [], "deleted": []})["upserted"].extend(rows)
                room -= len(rows)
                after = rows[-1]["id"]
            if room > 0:  # this collection is exhausted
                collection, after = collection + 1, None
        if collection >= len(COLLECTIONS):
            state.update(p="delta", c=0, k=None)
            has_more = await _more_after(session, viewer, int(state["s"]))
        else:
            state.update(c=collection, k=after)
            has_more = True
    else:
        seq = int(state["s"])
        rows = (await session.execute(  # type: ignore[assignment]
            select(SyncChange.seq, SyncChange.entity, SyncChange.entity_id)  # type: ignore[call-overload]
            .where(SyncChange.scope.in_(viewer.scopes), SyncChange.seq > seq)  # type: ignore[attr-defined,operator]
            .order_by(SyncChange.seq).limit(limit + 1)  # type: ignore[arg-type]
        )).all()
        has_more = len(rows) > limit
        rows = rows[:limit]
        by_entity: dict[str, list[str]] = {}
        for _, entity, entity_id in rows:
            ids = by_entity.setdefault(entity, [])
            if entity_id not in ids:
                ids.append(entity_id)
        for entity, ids in by_entity.items():
            upserted, deleted = await current_state(session, viewer, entity, ids)
            changes[entity] = {"upserted": upserted, "deleted": deleted}
        if rows:
            state["s"] = int(rows[-1][0])  # type: ignore[index]
    if int(state["s"]) != checked:  # else the cursor's own fingerprint was just found to be the row's
        state["f"] = await _fingerprint(session, int(state["s"]))
    await _record_restricted(session, viewer, reader, changes.get("reports", {}).get("upserted", []))
    await session.commit()  # the page's audit lines commit with the cursor that answers it
    return Page(changes=changes, cursor=encode(secret_key, state), has_more=has_more, server_hlc=str(CLOCK.now()))


async def _record_restricted(session: AsyncSession, viewer: Viewer, reader: OfficerPrincipal | None,
                             delivered: Sequence[dict[str, Any]]) -> None:
    """One audit line `report.sync` per restricted report this page carries to the tablet (domestic violence,
    children, complaints about the police), as each opening of its card in the console is one (`report.read`): the
    card, its text masked, and the reporter's conversation are then on that device, and oversight must be able to
    tell whose. Nothing for a page without one, so a routine pull writes nothing; a report comes again only when it
    changed (its dirty marker) or in a new snapshot, and each such delivery is a line."""
    restricted = [row for row in delivered if row.get("restricted")]
    if not restricted:
        return
    device_id: str | None = None
    session_id: uuid.UUID | None = None
    if reader is not None and reader.officer_id == viewer.officer_id:
        actor_type, device_id, session_id = reader.role.value, reader.device_id, reader.session_id
    else:  # a caller in process (no request): the officer is still named, by their role as every line does
        officer = await session.get(Officer, viewer.officer_id)
        actor_type = str(officer.role) if officer is not None else "officer"
    for row in restricted:
        # ids and the card's version only (no personal data): the version tells which state of the card it got
        await record(session, actor_type=actor_type, actor_id=viewer.officer_id, action="report.sync",
                     target_type="report", target_id=row["id"],
                     data={"unit_id": str(viewer.unit_id) if viewer.unit_id else None, "version": row["version"]},
                     device_id=device_id, session_id=session_id)


async def _fingerprint(session: AsyncSession, seq: int) -> str | None:
    """What the change-log row at `seq` is (None: no row, e.g. a snapshot started at the retention horizon), so a
    cursor tells the row it was made at from another one that took the same seq after a restore."""
    row = (await session.execute(
        select(SyncChange.scope, SyncChange.entity, SyncChange.entity_id, SyncChange.created_at)  # type: ignore[call-overload]
        .where(SyncChange.seq == seq))).first()  # type: ignore[arg-type]
    if row is None:
        return None
    scope, entity, entity_id, created_at = row
    # an instant, however the driver hands it back (naive UTC on SQLite, aware on PostgreSQL)
    stamp = f"{created_at.replace(tzinfo=created_at.tzinfo or UTC).timestamp():.6f}" if created_at is not None else ""
    return hashlib.sha256(f"{scope}\n{entity}\n{entity_id}\n{stamp}".encode()).hexdigest()[:16]


async def _more_after(session: AsyncSession, viewer: Viewer, seq: int) -> bool:
    found = await session.scalar(select(SyncChange.seq).where(SyncChange.scope.in_(viewer.scopes),  # type: ignore[attr-defined, call-overload]
                                                              SyncChange.seq > seq).limit(1))  # type: ignore[operator]
    return found is not None
