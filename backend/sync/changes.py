"""The change log: dirty markers written in the same transaction as the business write.

`mark_dirty` only notes the marker on the session; the rows are inserted at COMMIT time, right after
`pg_advisory_xact_lock(SYNC_LOCK)`. The lock makes commit order equal seq order, so a pull that has seen seq N has
seen every seq below N (the late-commit gap of a plain sequence cursor; see tests/sync/test_gap.py). Taking the lock
only at commit means no transaction ever waits for a row lock while holding it: no deadlocks with business locks.

Reports are marked automatically: any flushed change of a `Report` row marks it for its unit's scope (and the
previous unit's, on reassignment); reassignment and closing also mark the report's notes and evidence; a new
comment marks its report, the citizen's or staff's (a message to the reporter, an internal note): the tablet's row
carries them (views._conversations).
"""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event, func, insert, inspect, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from backend.lib.clock import utcnow
from backend.reports.models import Report, ReportComment
from backend.sync.models import Evidence, ReportNote, SyncChange, SyncMeta

SYNC_LOCK = 0x5A414E53  # "ZANS"
NATIONAL = "national"
_MARKS = "zan_sync_marks"
_CASCADE = "zan_sync_cascade"
_COMMENTED = "zan_sync_commented"


def unit_scope(unit_id: uuid.UUID | str) -> str:
    return f"unit:{unit_id}"


def officer_scope(officer_id: uuid.UUID | str) -> str:
    return f"officer:{officer_id}"


def region_scope(region: str) -> str:
    """The scope of a wanted-list entry: every tablet's (`national`), or one region's (`region:<ml.geo slug>`)."""
    return NATIONAL if region == NATIONAL else f"region:{region}"


def _marks(session: Session) -> set[tuple[str, str, str]]:
    marks: set[tuple[str, str, str]] = session.info.setdefault(_MARKS, set())
    return marks


def mark_dirty(session: AsyncSession | Session, scope: str, entity: str, entity_id: uuid.UUID | str) -> None:
    """Tell tablets of `scope` that `entity` `entity_id` changed; written when the caller's transaction commits."""
    sync_session = session.sync_session if isinstance(session, AsyncSession) else session
    _marks(sync_session).add((scope, entity, str(entity_id)))


def mark_report(session: AsyncSession | Session, report: Report) -> None:
    if report.unit_id is not None:
        mark_dirty(session, unit_scope(report.unit_id), "reports", report.id)


@event.listens_for(Session, "before_flush")
def _reports_changed(session: Session, _flush_context: Any, _instances: Any) -> None:
    for obj in session.new:
        if isinstance(obj, ReportComment):
            # a comment leaves the report row as it was (unless it brings files or answers a request): its unit is
            # looked up at commit
            session.info.setdefault(_COMMENTED, set()).add(obj.report_id)
    for obj in list(session.new) + list(session.dirty):
        if not isinstance(obj, Report):
            continue
        state = inspect(obj)
        unit_hist = state.attrs.unit_id.history
        status_hist = state.attrs.status.history
        units = {u for u in (*unit_hist.added, *unit_hist.deleted, *unit_hist.unchanged) if u is not None}
        for unit in units:
            _marks(session).add((unit_scope(unit), "reports", str(obj.id)))
        statuses = {*status_hist.added, *status_hist.deleted}
        # the report's notes and evidence follow it off (or onto) a tablet whenever an input of report_visible
        # moves: its unit, closing, or its restriction (a reclassification into a restricted category the unit
        # is not designated for hides it without changing either of the first two)
        if units and (unit_hist.has_changes() or "closed" in statuses
                      or state.attrs.restricted.history.has_changes() or state.attrs.category.history.has_changes()):
            cascade: set[tuple[str, frozenset[str]]] = session.info.setdefault(_CASCADE, set())
            cascade.add((str(obj.id), frozenset(unit_scope(u) for u in units)))


@event.listens_for(Session, "before_commit")
def _write_markers(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a SAVEPOINT release; the markers are written with the outer commit
    # flush first: the commit's own flush runs after this hook, and pending Report changes add their markers
    # in before_flush
    session.flush()
    if not session.info.get(_MARKS) and not session.info.get(_CASCADE) and not session.info.get(_COMMENTED):
        return
    commented: set[uuid.UUID] = session.info.pop(_COMMENTED, set())
    if commented:
        held = session.execute(select(Report.id, Report.unit_id).where(  # type: ignore[call-overload]
            Report.id.in_(commented), Report.unit_id.is_not(None))).all()  # type: ignore[attr-defined, union-attr]
        for report_id, unit_id in held:
            _marks(session).add((unit_scope(unit_id), "reports", str(report_id)))
    cascade: set[tuple[str, frozenset[str]]] = session.info.pop(_CASCADE, set())
    for report_id, scopes in cascade:
        rid = uuid.UUID(report_id)
        notes = session.execute(select(ReportNote.id).where(ReportNote.report_id == rid)).scalars().all()  # type: ignore[arg-type, call-overload]
        evidence = session.execute(select(Evidence.id).where(Evidence.report_id == rid)).scalars().all()  # type: ignore[arg-type, call-overload]
        for scope in scopes:
            for note_id in notes:
                _marks(session).add((scope, "notes", str(note_id)))
            for evidence_id in evidence:
                _marks(session).add((scope, "evidence", str(evidence_id)))
    marks = session.info.pop(_MARKS, set())
    if not marks:
        return
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(SYNC_LOCK)))
    now = utcnow()
    session.execute(insert(SyncChange), [
        {"scope": scope, "entity": entity, "entity_id": entity_id, "created_at": now}
        for scope, entity, entity_id in sorted(marks)
    ])


@event.listens_for(Session, "after_transaction_end")
def _forget_markers(session: Session, transaction: Any) -> None:
    if transaction.parent is None:
        session.info.pop(_MARKS, None)
        session.info.pop(_CASCADE, None)
        session.info.pop(_COMMENTED, None)


async def meta(session: AsyncSession) -> SyncMeta:
    """The epoch/horizon row, created on first use. A restored database keeps the epoch it was backed up with;
    pull resets a cursor that points past the restored change log."""
    row = await session.get(SyncMeta, 1)
    if row is not None:
        return row
    from sqlalchemy.exc import IntegrityError

    try:
        async with session.begin_nested():
            row = SyncMeta(id=1, epoch=uuid.uuid4().hex, horizon_seq=0)
            session.add(row)
    except IntegrityError:
        row = await session.get(SyncMeta, 1, populate_existing=True)
    assert row is not None
    return row


async def max_seq(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.max(SyncChange.seq))) or 0)


async def compact(session: AsyncSession, *, upto_seq: int) -> int:
    """Forget markers up to `upto_seq`; cursors below it get 410 and reset. Returns rows deleted."""
    row = await meta(session)
    result = await session.execute(sa.delete(SyncChange).where(SyncChange.seq <= upto_seq))  # type: ignore[arg-type, operator]
    row.horizon_seq = max(row.horizon_seq, upto_seq)
    row.updated_at = utcnow()
    await session.commit()
    return int(getattr(result, "rowcount", 0) or 0)


# registers the listener that keeps past crew memberships (imported wherever reports change, like this module)
from backend.sync import tenure as _tenure  # noqa: E402, F401
