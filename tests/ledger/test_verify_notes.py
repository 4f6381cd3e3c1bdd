"""`zan ledger verify` compares the tablet notes with their sealed `note_added`/`note_removed` events
(backend/sync/sealed.py), as the report's history does. Before, it checked sealed rows only, and the notes' table is
not sealed: a note rewritten or deleted in the database left the auditor's whole-record check intact."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from typing import Any

import anyio
import pytest
from click.testing import CliRunner

from backend.context import Context
from backend.ledger.cli import ledger as ledger_cli
from backend.ledger.service import seal_pending
from backend.ledger.verify import NotesCheck, Verdict, check_pinned, verify
from backend.lib.clock import utcnow
from backend.reports.models import ReportEvent
from backend.sync import sealed
from backend.sync.models import ReportNote
from tests.core.factories import make_report
from tests.ledger.records import as_superuser
from tests.officers.factories import make_officer

pytestmark = pytest.mark.anyio


def _param(ctx: Context, value: uuid.UUID) -> str:
    return str(value) if ctx.engine.dialect.name == "postgresql" else value.hex


async def _notes(ctx: Context, texts: list[str], *, removed: int = 0, unrecorded: int = 0) -> list[uuid.UUID]:
    """A report with these notes, each with its `note_added` event as a tablet's push writes it (the first
    `removed` tombstoned, with `note_removed`), and `unrecorded` notes from before the events (none). Sealed."""
    officer, _ = await make_officer(ctx)
    ids: list[uuid.UUID] = []
    async with ctx.sessions() as session:
        report = await make_report(session)
        for n, text in enumerate(texts + [f"старая заметка {n}" for n in range(unrecorded)]):
            note = ReportNote(id=uuid.uuid4(), report_id=report.id, officer_id=officer.id, device_id="tab-1",
                              text=text, device_time=utcnow() - timedelta(minutes=5))
            session.add(note)
            ids.append(note.id)
            if n >= len(texts):
                continue
            session.add(ReportEvent(report_id=report.id, action=sealed.NOTE_ADDED, actor_type="officer",
                                    actor_id=str(officer.id), channel="tablet", public=False,
                                    data=sealed.note_added(note)))
            if n < removed:
                note.deleted_at = utcnow()
                session.add(ReportEvent(report_id=report.id, action=sealed.NOTE_REMOVED, actor_type="officer",
                                        actor_id=str(officer.id), channel="tablet", public=False,
                                        data=sealed.note_removed(note)))
        await session.commit()
        await seal_pending(session, ctx.settings.secret_keys)
    return ids


async def _cli_verify(ctx: Context) -> tuple[int, dict[str, Any]]:
    env = {"ZAN_DATABASE_URL": ctx.settings.database_url, "ZAN_SECRET_KEY": ctx.settings.secret_key,
           "ZAN_VAR_DIR": str(ctx.settings.var_dir)}
    ran = await anyio.to_thread.run_sync(lambda: CliRunner().invoke(ledger_cli, ["verify"], env=env))
    assert ran.exception is None or isinstance(ran.exception, SystemExit), ran.output
    out: dict[str, Any] = json.loads(ran.output)
    return ran.exit_code, out


async def test_a_note_rewritten_in_the_database_fails_verify(ctx: Context) -> None:
    gone, kept, rewritten, old = await _notes(ctx, ["Свидетель: Б.", "Дверь не открыли", "Запах алкоголя"],
                                              removed=1, unrecorded=1)
    code, out = await _cli_verify(ctx)
    assert (code, out["intact"]) == (0, True), out
    assert out["notes"] == {"checked": 3, "not_recorded": 1, "altered": [], "missing": []}

    # a note from before the events: nothing to compare it with, so still counted, never flagged
    await as_superuser(ctx, "UPDATE report_notes SET text = 'иное' WHERE id = :id", id=_param(ctx, old))
    code, out = await _cli_verify(ctx)
    assert (code, out["intact"], out["notes"]["not_recorded"]) == (0, True, 1), out

    await as_superuser(ctx, "UPDATE report_notes SET text = 'Алкоголем не пахло' WHERE id = :id",
                       id=_param(ctx, rewritten))
    code, out = await _cli_verify(ctx)
    assert (code, out["intact"]) == (1, False), out
    assert out["notes"]["altered"] == [str(rewritten)] and out["notes"]["missing"] == []
    assert out["altered"] == [] and out["broken_seals"] == []  # the sealed rows themselves are untouched

    # a tombstoned note brought back, and a note deleted outright
    await as_superuser(ctx, "UPDATE report_notes SET deleted_at = NULL WHERE id = :id", id=_param(ctx, gone))
    await as_superuser(ctx, "DELETE FROM report_notes WHERE id = :id", id=_param(ctx, kept))
    async with ctx.sessions() as session:
        verdict = await verify(session, ctx.settings.secret_keys)
    assert not verdict.intact
    assert sorted(verdict.notes.altered) == sorted([gone, rewritten]) and verdict.notes.missing == [kept]


async def test_notes_are_walked_in_batches_of_reports(ctx: Context) -> None:
    """Batches of one report: every report is reached once, and a change in any of them found."""
    reports = [await _notes(ctx, [f"заметка {n}", f"ещё {n}"], unrecorded=1) for n in range(3)]
    async with ctx.sessions() as session:
        found = NotesCheck()
        await check_pinned(session, Verdict(notes=found), batch=1)
    assert found == NotesCheck(checked=6, not_recorded=3)
    changed = reports[1][1]
    await as_superuser(ctx, "UPDATE report_notes SET text = 'x' WHERE id = :id", id=_param(ctx, changed))
    async with ctx.sessions() as session:
        found = NotesCheck()
        await check_pinned(session, Verdict(notes=found), batch=1)
    assert (found.checked, found.not_recorded, found.altered, found.missing) == (6, 3, [changed], [])
