"""The scheduled check of the whole chain (backend/ledger/verify.check_onward): `zan ledger verify` in parts, a
run cut off goes on from the last seal it checked, a row changed after that place is found in the same cycle, one
behind it by the next cycle, which starts again at seal 1 whatever the checkpoint says. Runs are cut off on an
event (the cron's timeout is a cancellation), never after a measured time."""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest

from backend.context import Context
from backend.ledger import jobs, verify
from backend.ledger.models import LedgerCheckpoint
from backend.ledger.service import seal_pending
from backend.lib.clock import utcnow
from tests.ledger.records import an_hour_later, as_superuser, check_cut_off_after_first_seal, record_report
from tests.officers.factories import bearer, login, make_officer

pytestmark = pytest.mark.anyio


async def _three_seals(ctx: Context) -> list[dict[str, Any]]:
    """Three reports, each in a seal of its own (seals 1, 2 and 3)."""
    reports = []
    for _ in range(3):
        reports.append(await record_report(ctx))
        async with ctx.sessions() as session:
            await seal_pending(session, ctx.settings.secret_keys)
    return reports


async def _edit(ctx: Context, event_id: uuid.UUID) -> None:
    """An event's internal note rewritten past the triggers, as a database superuser would."""
    await as_superuser(ctx, "UPDATE report_events SET internal_note = 'переписано' WHERE id = :id",
                       id=str(event_id) if ctx.engine.dialect.name == "postgresql" else event_id.hex)


async def _checkpoint(ctx: Context) -> LedgerCheckpoint:
    async with ctx.sessions() as session:
        checkpoint = await session.get(LedgerCheckpoint, verify.CHECK)
    assert checkpoint is not None
    return checkpoint


async def test_a_check_cut_off_goes_on_from_its_checkpoint_and_the_next_cycle_starts_at_the_first_seal(
        ctx: Context, app_client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    reports = await _three_seals(ctx)
    await check_cut_off_after_first_seal(ctx, monkeypatch)
    checkpoint = await _checkpoint(ctx)
    assert (checkpoint.positions["seal"], checkpoint.positions["problems"], checkpoint.finished_at) == (1, 0, None)

    behind, ahead = reports[0]["events"][1], reports[2]["events"][1]  # in seals 1 and 3
    await _edit(ctx, behind)
    await _edit(ctx, ahead)
    with caplog.at_level(logging.ERROR, logger="backend.ledger.verify"):
        await jobs.check_the_record(ctx)
    checkpoint = await _checkpoint(ctx)
    assert checkpoint.finished_at is not None and checkpoint.positions["seal"] == 3
    assert checkpoint.positions["problems"] == 1  # the row ahead of the checkpoint, not the one behind it
    assert str(ahead) in caplog.text and str(behind) not in caplog.text

    prosecutor, password = await make_officer(ctx, role="prosecutor")
    head = (await app_client.get("/api/v1/ledger/head",
                                 headers=bearer(await login(app_client, prosecutor.badge_number, password)))).json()
    assert (head["check"]["seal"], head["check"]["problems"]) == (3, 1) and head["check"]["finished_at"]

    caplog.clear()
    await jobs.check_the_record(ctx)  # within the hour: the cycle is done
    assert (await _checkpoint(ctx)).positions["problems"] == 1
    await an_hour_later(ctx, verify.CHECK)
    with caplog.at_level(logging.ERROR, logger="backend.ledger.verify"):
        await jobs.check_the_record(ctx)  # a new cycle, from seal 1
    assert (await _checkpoint(ctx)).positions["problems"] == 2
    assert str(behind) in caplog.text and str(ahead) in caplog.text


async def test_a_checkpoint_rewritten_in_the_database_raises_the_alarm_or_is_ignored(ctx: Context) -> None:
    """Someone with the database edits the checkpoint to skip a change: a MAC of his own breaks the link to the
    next seal (a problem, never a silence); a start in the future, or garbage, starts a cycle at seal 1."""
    reports = await _three_seals(ctx)
    await jobs.check_the_record(ctx)
    assert (await _checkpoint(ctx)).positions["problems"] == 0

    async def rewrite(**values: Any) -> None:
        async with ctx.sessions() as session:
            checkpoint = await session.get(LedgerCheckpoint, verify.CHECK)
            for name, value in values.items():
                setattr(checkpoint, name, value)
            await session.commit()

    await rewrite(finished_at=None, positions={**(await _checkpoint(ctx)).positions, "seal": 1, "mac": "0" * 64})
    await jobs.check_the_record(ctx)
    assert (await _checkpoint(ctx)).positions["problems"] == 1  # seal 2 does not name that MAC

    await _edit(ctx, reports[1]["events"][0])
    await rewrite(started_at=utcnow() + timedelta(days=365))  # finished, and "begun" next year
    await jobs.check_the_record(ctx)
    assert (await _checkpoint(ctx)).positions["problems"] == 1  # a new cycle, that found the edit

    await rewrite(finished_at=None, positions={"seal": "far ahead"})
    await jobs.check_the_record(ctx)
    checkpoint = await _checkpoint(ctx)
    assert checkpoint.finished_at is not None and checkpoint.positions["problems"] == 1
