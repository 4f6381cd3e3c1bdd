"""What of a crew's field work goes into the tamper-evident record (backend/ledger), and the check against it.

Notes (`report_notes`) and officers' write-ups (`report_fields`) live in tables the ledger does not seal: a note is
tombstoned in place and a field is overwritten in place, so their rows alone prove nothing. Their content is copied
into internal report events, which the ledger seals like every event:
- `note_added` when a tablet's note is created (its id, text, author, unit, device and device time), and
  `note_removed` when its author tombstones it;
- `fields_recorded` when a report is closed (any path: backend.reports.service.change_status) with the officer fields
  as they stand then (value, writer, HLC), and again when the crew's write-up lands on a report already closed
  (backend.sync.push). An officer's own revisions before that are drafts and leave no event;
- `text_kept` when a tablet's note or write-up is refused but its text kept (`kept: true`: by a crew that held a
  report dispatch gave to another unit, closed or reopened, after the officer left the unit or field duty, or sent
  with a resolve that lacked its outcome): the text, its writer, tablet, device time and why it was not applied.
  Staff read it in the report's history (backend.dispatch.history), as restricted reports' texts are read.
Internal events never reach the citizen's timeline, their notifications or partner webhooks (public=False).

`compare_notes` judges a report's current notes against their sealed events, as the submission is judged against its
pinned digest: the report history and `zan ledger verify` both call it through backend.ledger.pinned.
"""

from __future__ import annotations

import uuid
from collections.abc import Container, Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from backend.ledger.record import canonical
from backend.sync.models import ReportField, ReportNote

NOTE_ADDED, NOTE_REMOVED, FIELDS_RECORDED, TEXT_KEPT = "note_added", "note_removed", "fields_recorded", "text_kept"
NOTES = "report_notes"  # the table a mismatch names in the integrity verdict


def note_added(note: ReportNote) -> dict[str, Any]:
    """The `note_added` event's data: everything a court needs to recognise the note, the text itself included."""
    return {"note_id": str(note.id), "text": note.text, "officer_id": str(note.officer_id),
            "unit_id": str(note.unit_id) if note.unit_id else None, "device_id": note.device_id,
            "device_time": canonical(note.device_time) if note.device_time else None}


def note_removed(note: ReportNote) -> dict[str, Any]:
    return {"note_id": str(note.id), "officer_id": str(note.officer_id),
            "deleted_at": canonical(note.deleted_at) if note.deleted_at else None}


def text_kept(keep: Mapping[str, Any], *, reason: str, mutation_id: str, entity: str, entity_id: str,
              officer_id: uuid.UUID, unit_id: uuid.UUID | None, device_id: str,
              written: datetime | None) -> dict[str, Any]:
    """The `text_kept` event's data: the refused mutation's text (`text`, a note's) or texts (`fields`, a write-up's)
    as kept, who wrote it on which tablet (and their unit when it arrived), when the tablet says it was written, and
    the reason it was refused (the push result's)."""
    content = {"text": keep["text"]} if "text" in keep else {"fields": dict(keep.get("fields") or {})}
    return {"reason": reason, "mutation_id": mutation_id, "entity": entity, "entity_id": entity_id,
            "officer_id": str(officer_id), "unit_id": str(unit_id) if unit_id else None, "device_id": device_id,
            "device_time": canonical(written) if written else None, **content}


async def write_up(session: AsyncSession, report_id: uuid.UUID) -> dict[str, dict[str, Any]]:
    """The report's officer fields that hold text, as they stand: {field: {value, writer, hlc, updated_at}}.
    Empty when nobody wrote anything (a closing as duplicate straight from the queue records nothing)."""
    rows = await session.scalars(select(ReportField).where(col(ReportField.report_id) == report_id,
                                                           col(ReportField.value).is_not(None)))
    return {row.field: {"value": row.value, "actor_type": row.actor_type, "actor_id": row.actor_id,
                        "hlc": row.hlc, "updated_at": canonical(row.updated_at) if row.updated_at else None}
            for row in rows}


def sealed_notes(events: Iterable[tuple[str | None, Any]]) -> tuple[dict[str, dict[str, Any]], set[str]]:
    """What one report's `note_added`/`note_removed` events ((action, data) pairs) say: {note id: the first
    `note_added` data}, and the ids tombstoned."""
    added: dict[str, dict[str, Any]] = {}
    removed: set[str] = set()
    for action, data in events:
        note_id = (data or {}).get("note_id")
        if not isinstance(note_id, str):
            continue
        if action == NOTE_ADDED:
            added.setdefault(note_id, data)
        elif action == NOTE_REMOVED:
            removed.add(note_id)
    return added, removed


def compare_notes(notes: Iterable[ReportNote], added: Mapping[str, Mapping[str, Any]],
                  removed: Container[str]) -> tuple[list[uuid.UUID], list[uuid.UUID]]:
    """(altered, missing) of one report's current notes against its `sealed_notes`: the one comparison, shared by
    the report's history and `zan ledger verify` (backend.ledger.verify), so that both judge a note alike.
    altered — another text, author or report than sealed, or tombstoned (or brought back) without its event;
    missing — sealed as added here, and no such note on the report any more (deleted, or moved to another report).
    Notes written before these events existed have none and are not judged."""
    current = {str(note.id): note for note in notes}
    altered: list[uuid.UUID] = []
    for note_id, sealed in added.items():
        note = current.get(note_id)
        if note is None:
            continue
        if (note.text != sealed.get("text") or str(note.officer_id) != sealed.get("officer_id")
                or (note.deleted_at is not None) != (note_id in removed)):
            altered.append(note.id)
    missing = [uuid.UUID(note_id) for note_id in added if note_id not in current and _is_uuid(note_id)]
    return altered, missing


def _is_uuid(raw: str) -> bool:
    try:
        uuid.UUID(raw)
    except ValueError:
        return False
    return True
