"""The rows a push batch looks up, read up front: the reports it touches (locked, in one ordered statement), its
mutation ids' ledger rows, the notes and text fields it names. The steps then look them up through `lookup`, which
answers from the session without SQL, and `created` tells it a row the batch made exists now."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.officers.auth import OfficerPrincipal
from backend.reports.models import Report
from backend.sync.models import ReportField, ReportNote, SyncMutation
from backend.sync.mutation import Mutation, report_id_of, uuid_or_none
from backend.sync.views import OFFICER_FIELDS

_Row = TypeVar("_Row")

# A batch reads what its mutations will look up in a few statements up front, instead of one lookup per mutation:
# rows that exist land in the session's identity map (session.get then answers without SQL), and keys found missing
# are remembered here (session.info) so their lookup is skipped too. A key leaves the set as soon as the batch
# creates that row, so a creation rolled back with its savepoint is simply looked up again.
_ABSENT, _HELD, _MEMO = "zan.sync.absent", "zan.sync.held", "zan.sync.memo"


@contextmanager
def batch_lookups(session: AsyncSession) -> Iterator[None]:
    """The lookups of one push batch (prefetch fills them): gone from the session when the batch is done."""
    session.info[_ABSENT], session.info[_HELD], session.info[_MEMO] = set(), [], {}
    try:
        yield
    finally:
        session.info.pop(_ABSENT, None)
        session.info.pop(_HELD, None)
        session.info.pop(_MEMO, None)


def batch_memo(session: AsyncSession, name: str) -> dict[Any, Any] | None:
    """A dict that lives as long as the push batch, for answers no mutation of the batch can change (an officer's
    crew memberships: a push moves no officer); None outside a batch (nothing remembered)."""
    memo: dict[str, dict[Any, Any]] | None = session.info.get(_MEMO)
    return None if memo is None else memo.setdefault(name, {})


async def lookup(session: AsyncSession, model: type[_Row], key: Any) -> _Row | None:
    if (model, key) in session.info.get(_ABSENT, ()):
        return None
    return await session.get(model, key)


def created(session: AsyncSession, model: type, key: Any) -> None:
    session.info.get(_ABSENT, set()).discard((model, key))


async def prefetch(session: AsyncSession, officer: OfficerPrincipal, mutations: list[Mutation]) -> None:
    absent: set[tuple[type, Any]] = session.info[_ABSENT]
    # the identity map holds unmodified rows weakly: keep the prefetched ones alive for the batch
    held: list[Any] = session.info[_HELD]
    # lock every report the batch touches in one ordered statement: two devices pushing overlapping batches
    # queue behind each other instead of deadlocking (and read them fresh, after the lock)
    report_ids = sorted({rid for m in mutations if (rid := report_id_of(m)) is not None})
    if report_ids:
        found = list(await session.scalars(
            select(Report).where(Report.id.in_(report_ids)).order_by(Report.id)  # type: ignore[attr-defined, arg-type]
            .with_for_update().execution_options(populate_existing=True)))
        held.extend(found)
        absent |= {(Report, rid) for rid in set(report_ids) - {r.id for r in found}}
    mutation_ids = list({m.mutation_id for m in mutations})
    seen = set(await session.scalars(select(SyncMutation.mutation_id).where(  # type: ignore[call-overload]
        SyncMutation.device_id == officer.device_id, SyncMutation.mutation_id.in_(mutation_ids))))  # type: ignore[arg-type, attr-defined]
    absent |= {(SyncMutation, (officer.device_id, mid)) for mid in mutation_ids if mid not in seen}
    note_ids = {nid for m in mutations if m.entity == "notes" and (nid := uuid_or_none(m.id)) is not None}
    if note_ids:
        notes = set(await session.scalars(select(ReportNote.id).where(ReportNote.id.in_(note_ids))))  # type: ignore[call-overload, attr-defined]
        absent |= {(ReportNote, nid) for nid in note_ids - notes}
    field_keys = {(rid, name) for m in mutations if m.entity == "reports" and (rid := report_id_of(m)) is not None
                  for name in OFFICER_FIELDS if name in m.fields}
    if field_keys:
        rows = list(await session.scalars(select(ReportField).where(  # type: ignore[call-overload]
            ReportField.report_id.in_({rid for rid, _ in field_keys}))))  # type: ignore[attr-defined]
        held.extend(rows)
        absent |= {(ReportField, key) for key in field_keys - {(f.report_id, f.field) for f in rows}}


async def report_by_id(session: AsyncSession, raw_id: Any) -> Report | None:
    report_id = uuid_or_none(raw_id)
    return await lookup(session, Report, report_id) if report_id is not None else None
