"""A patrol tablet that worked offline for days pushes what it wrote in the field (status steps, evidence) long after
its device time. The ledger seals rows in the order of their time column and rereads only 10 minutes (a day once an
hour) before its last seal, so a sealed table whose time came from the device would leave exactly this field record
unsealed until someone ran `zan ledger seal --full`. Every sealed table's time is the server's at insert (the device's
time is kept apart, in `device_time`), so the next scheduled seal after the push seals it all."""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from backend.context import Context
from backend.ledger import jobs
from backend.ledger.record import ENTRIES, protected
from backend.ledger.service import latest_seal
from backend.ledger.verify import verify
from backend.lib.clock import as_utc, utcnow
from backend.reports.models import ReportEvent
from backend.sync.models import Evidence, ReportNote
from tests.sync.conftest import uuid7
from tests.sync.test_evidence import _scene

pytestmark = pytest.mark.anyio

OFFLINE = timedelta(days=2)  # longer than the reread of a day (service.DEEP_LOOKBACK)


def _mutation(entity: str, entity_id: str, op: str, written: datetime, counter: int,
              **fields: Any) -> dict[str, Any]:
    """As the tablet queued it offline: stamped (HLC and device time) when it was written in the field."""
    ms = int(written.timestamp() * 1000)
    return {"mutation_id": uuid.uuid4().hex, "entity": entity, "id": entity_id, "op": op,
            "hlc": f"{ms:013d}-{counter:05d}-tab", "device_time": written.isoformat(), "fields": fields}


async def _unsealed(ctx: Context, report_id: str) -> dict[str, int]:
    """Per sealed table, this report's rows without their entry."""
    out: dict[str, int] = {}
    async with ctx.sessions() as session:
        for name, spec in protected().items():
            out[name] = int(await session.scalar(
                sa.select(sa.func.count()).select_from(spec.table)
                .where(spec.of_report(uuid.UUID(report_id)), ~sa.exists().where(
                    ENTRIES.c.table_name == name, ENTRIES.c.row_id == spec.table.c.id))) or 0)
    return out


async def test_a_push_days_after_the_device_time_is_sealed_by_the_next_scheduled_seal(
        app_client: httpx.AsyncClient, ctx: Context) -> None:
    scene = await _scene(ctx, app_client)
    report_id, device_id, tablet = scene.report_id, scene.device_id, scene.tablet
    # the minute's seal and this hour's reread of a day, both run: what is pushed now is left to the next minute's
    # seal alone, which rereads 10 minutes before this one
    await jobs.seal_the_record(ctx)
    async with ctx.sessions() as session:
        before = await latest_seal(session)
    assert before is not None and sum((await _unsealed(ctx, report_id)).values()) == 0

    written = utcnow().replace(microsecond=0) - OFFLINE
    data = b"dashcam, 21:15"
    evidence_id, note_id = uuid7(), uuid7()
    mutations = [
        _mutation("reports", report_id, "update", written, 1, status="en_route"),
        _mutation("reports", report_id, "update", written + timedelta(minutes=9), 2, status="on_scene"),
        _mutation("evidence", evidence_id, "create", written + timedelta(minutes=12), 3, report_id=report_id,
                  sha256=hashlib.sha256(data).hexdigest(), size=len(data), content_type="video/mp4"),
        _mutation("notes", note_id, "create", written + timedelta(minutes=14), 4, report_id=report_id,
                  text="Свидетель ушёл до прибытия"),
    ]
    pushed_at = utcnow()
    pushed = await app_client.post("/api/v1/sync/push", json={"device_id": device_id, "mutations": mutations},
                                   headers=tablet)
    assert pushed.status_code == 200, pushed.text
    assert [r["status"] for r in pushed.json()["results"]] == ["applied"] * 4, pushed.json()

    pending = await _unsealed(ctx, report_id)
    # the two steps and the note's `note_added` (the note's own table is not sealed: its event is)
    assert pending["report_events"] == 3 and pending["evidence"] == 1, pending
    async with ctx.sessions() as session:
        # the time columns the sealer reads are the server's at insert; the device's time is data beside them
        events = ReportEvent.__table__  # type: ignore[attr-defined]
        steps = (await session.execute(sa.select(events.c.action, events.c.device_time, events.c.created_at,
                                                 events.c.id)
                                       .where(events.c.report_id == uuid.UUID(report_id),
                                              events.c.action.in_(["en_route", "on_scene", "note_added"]))
                                       .order_by(events.c.device_time))).all()
        assert [(action, as_utc(device)) for action, device, *_ in steps] == [
            ("en_route", written), ("on_scene", written + timedelta(minutes=9)),
            ("note_added", written + timedelta(minutes=14))]
        assert all(as_utc(created) >= pushed_at for _, _, created, _ in steps)
        late = [("report_events", step.id) for step in steps] + [("evidence", uuid.UUID(evidence_id))]
        evidence = await session.get(Evidence, uuid.UUID(evidence_id))
        assert evidence is not None and evidence.device_time is not None
        assert as_utc(evidence.device_time) == written + timedelta(minutes=12)
        assert as_utc(evidence.created_at) >= pushed_at
        # notes get server time too; their table is not sealed (record.protected), their `note_added` event is
        note = await session.get(ReportNote, uuid.UUID(note_id))
        assert note is not None and note.device_time is not None and as_utc(note.created_at) >= pushed_at

    await jobs.seal_the_record(ctx)  # the next minute's scheduled seal

    assert await _unsealed(ctx, report_id) == dict.fromkeys(protected(), 0)
    async with ctx.sessions() as session:
        sealed_by = [await session.scalar(sa.select(ENTRIES.c.seal_id).where(
            ENTRIES.c.table_name == name, ENTRIES.c.row_id == row_id)) for name, row_id in late]
        assert all(seal_id is not None and seal_id > before.id for seal_id in sealed_by), sealed_by
        verdict = await verify(session, ctx.settings.secret_keys)
    assert verdict.intact and verdict.pending == 0, verdict
