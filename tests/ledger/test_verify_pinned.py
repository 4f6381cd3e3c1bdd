"""`zan ledger verify` checks the rows the ledger does not seal but an event pins, for every report, as the report's
history does for one: what the citizen submitted (the `registered` event's hash), the files sent later (each by the
sha256 its comment's event recorded), the custody records (each against its `assign` event) and the tablet notes.
Before, only the notes were compared: an auditor's whole-database check said "intact" although a report's text, a
later photo's hash or a custody record had been edited in the database."""

from __future__ import annotations

import json
import sqlite3
import time
import uuid
from contextlib import closing
from dataclasses import dataclass
from typing import Any

import anyio
import httpx
import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from sqlmodel import col

from backend.context import Context
from backend.dispatch.models import Assignment
from backend.ledger.cli import ledger as ledger_cli
from backend.ledger.service import seal_pending
from backend.ledger.verify import Verdict
from backend.reports import submission
from backend.reports.models import ReportEvent
from tests.core.factories import make_report
from tests.helpers import PartnerClient, jpeg_with_exif
from tests.ledger.records import as_superuser, integrity_of
from tests.media.test_media import declare, upload_local
from tests.officers.factories import bearer, login, make_officer, make_unit
from tests.routing.helpers import routed

pytestmark = pytest.mark.anyio


@dataclass
class Case:
    """One report with every kind of pinned row: a photo submitted with it, a photo sent later with a comment, two
    custody records (a reassignment) and a tablet note."""

    report: str
    submitted_photo: str
    later_photo: str
    assignments: list[str]
    note: str


def _db(ctx: Context, value: str) -> str:
    """A uuid as raw SQL compares it on each database (SQLite: 32 hex digits)."""
    return value if ctx.engine.dialect.name == "postgresql" else uuid.UUID(value).hex


async def _photo(citizen: PartnerClient, n: int) -> str:
    photo = jpeg_with_exif(taken=f"2026:11:20 21:15:0{n}")  # another file each time (the same bytes are one)
    created = (await declare(citizen, photo)).json()
    assert (await upload_local(citizen.http, created, photo)).status_code == 204
    assert (await citizen.post(f"/api/v1/media/{created['id']}/complete")).status_code == 200
    media_id: str = created["id"]
    return media_id


async def _case(ctx: Context, client: httpx.AsyncClient, citizen: PartnerClient) -> Case:
    ctx.settings = ctx.settings.with_(enable_routing=False)  # the routing job puts it in triage, for a dispatcher
    submitted_photo = await _photo(citizen, 1)
    created = await citizen.submit("Украли велосипед из подъезда на Кенесары 40", media_ids=[submitted_photo])
    assert created.status_code == 201, created.text
    report = created.json()["id"]
    await routed(ctx, uuid.UUID(report))
    later_photo = await _photo(citizen, 2)
    sent = await citizen.post(
        f"/api/v1/reports/{report}/comments",
        {"text": "Вот ещё фото", "media_ids": [later_photo]},
        headers={"Idempotency-Key": f"later-{report}"},
    )
    assert sent.status_code == 201, sent.text

    dispatcher, password = await make_officer(ctx, role="dispatcher")
    console = bearer(await login(client, dispatcher.badge_number, password))
    first, second = await make_unit(ctx), await make_unit(ctx)
    for unit in (first, second):  # a reassignment: two custody records
        assigned = await client.post(
            f"/api/v1/dispatch/reports/{report}/assign",
            headers=console,
            json={"unit_id": str(unit.id), "reason": "ближайший наряд"},
        )
        assert assigned.status_code == 200, assigned.text

    crew, crew_password = await make_officer(ctx, unit=second)
    tablet = bearer(await login(client, crew.badge_number, crew_password, "tab-pinned"))
    note = str(uuid.uuid4())
    pushed = await client.post(
        "/api/v1/sync/push",
        headers=tablet,
        json={
            "device_id": "tab-pinned",
            "mutations": [
                {
                    "mutation_id": f"note-{note}",
                    "entity": "notes",
                    "id": note,
                    "op": "create",
                    "hlc": f"{int(time.time() * 1000):013d}-00001-tab-pinned",
                    "fields": {"report_id": report, "text": "Опросил соседей: видели двоих"},
                }
            ],
        },
    )
    assert pushed.status_code == 200 and pushed.json()["results"][0]["status"] == "applied", pushed.text
    async with ctx.sessions() as session:
        await seal_pending(session, ctx.settings.secret_keys)
        assignments = await session.scalars(
            sa.select(col(Assignment.id))
            .where(col(Assignment.report_id) == uuid.UUID(report))
            .order_by(col(Assignment.assigned_at))
        )
        return Case(report, submitted_photo, later_photo, [str(row_id) for row_id in assignments], note)


async def _cli_verify(ctx: Context) -> tuple[int, dict[str, Any]]:
    env = {
        "ZAN_DATABASE_URL": ctx.settings.database_url,
        "ZAN_SECRET_KEY": ctx.settings.secret_key,
        "ZAN_VAR_DIR": str(ctx.settings.var_dir),
    }
    ran = await anyio.to_thread.run_sync(lambda: CliRunner().invoke(ledger_cli, ["verify"], env=env))
    assert ran.exception is None or isinstance(ran.exception, SystemExit), ran.output
    out: dict[str, Any] = json.loads(ran.output)
    return ran.exit_code, out


def _rows(out: dict[str, Any], kind: str) -> list[tuple[str, str]]:
    return sorted((row["table"], row["id"]) for row in out[kind])


async def test_an_untouched_database_is_intact(
    ctx: Context, app_client: httpx.AsyncClient, citizen: PartnerClient
) -> None:
    case = await _case(ctx, app_client, citizen)
    code, out = await _cli_verify(ctx)
    assert (code, out["intact"], out["altered"], out["missing"]) == (0, True, [], []), out
    assert out["notes"] == {"checked": 1, "not_recorded": 0, "altered": [], "missing": []}
    assert out["explained"] == []
    # the report's own history agrees
    integrity = await integrity_of(ctx, app_client, case.report)
    assert integrity["intact"] is True and integrity["altered"] == [] and integrity["missing"] == []


async def test_the_submission_edited_in_the_database_fails_verify(
    ctx: Context, app_client: httpx.AsyncClient, citizen: PartnerClient
) -> None:
    case = await _case(ctx, app_client, citizen)
    await as_superuser(ctx, "UPDATE reports SET text = 'Нашёл велосипед' WHERE id = :id", id=_db(ctx, case.report))
    code, out = await _cli_verify(ctx)
    assert (code, out["intact"]) == (1, False), out
    assert _rows(out, "altered") == [("reports", case.report)] and out["missing"] == []
    assert out["broken_seals"] == [] and out["unlinked"] == []  # the sealed rows themselves are untouched
    assert out["explained"] == [
        f"reports {case.report} (report:{case.report}): what the citizen submitted (text, place, time, anonymity, "
        "files) is not what its sealed `registered` event pinned"
    ]

    # put back, and the file submitted with it swapped instead: the submission's hash covers the files too
    await as_superuser(
        ctx,
        "UPDATE reports SET text = 'Украли велосипед из подъезда на Кенесары 40' WHERE id = :id",
        id=_db(ctx, case.report),
    )
    assert (await _cli_verify(ctx))[0] == 0
    await as_superuser(
        ctx, "UPDATE media SET sha256 = :digest WHERE id = :id", digest="ee" * 32, id=_db(ctx, case.submitted_photo)
    )
    code, out = await _cli_verify(ctx)
    assert (code, _rows(out, "altered"), out["missing"]) == (1, [("reports", case.report)], []), out


async def test_a_later_file_custody_record_or_note_edited_fails_verify(
    ctx: Context, app_client: httpx.AsyncClient, citizen: PartnerClient
) -> None:
    case = await _case(ctx, app_client, citizen)
    await as_superuser(
        ctx, "UPDATE media SET sha256 = :digest WHERE id = :id", digest="ee" * 32, id=_db(ctx, case.later_photo)
    )
    code, out = await _cli_verify(ctx)
    assert (code, _rows(out, "altered"), out["missing"]) == (1, [("media", case.later_photo)], []), out
    assert out["explained"] == [
        f"media {case.later_photo} (report:{case.report}): a file sent after the report was registered; its stored "
        "sha256 is not the one the sealed event that brought it recorded (the file was swapped)"
    ]

    # the second unit's record made another dispatcher's
    await as_superuser(
        ctx,
        "UPDATE assignments SET assigned_by = :other WHERE id = :id",
        other=str(uuid.uuid4()),
        id=_db(ctx, case.assignments[1]),
    )
    code, out = await _cli_verify(ctx)
    assert (code, _rows(out, "altered")) == (
        1,
        sorted([("media", case.later_photo), ("assignments", case.assignments[1])]),
    ), out
    assert (
        f"assignments {case.assignments[1]} (report:{case.report}): a custody record no sealed `assign` event "
        "matches (its unit, assigner or automatic flag was changed, or the record was added)"
    ) in out["explained"]

    await as_superuser(
        ctx, "UPDATE report_notes SET text = 'Соседи ничего не видели' WHERE id = :id", id=_db(ctx, case.note)
    )
    code, out = await _cli_verify(ctx)
    assert (code, out["notes"]["altered"]) == (1, [case.note]), out

    # the later file taken off the report: missing, as the history says
    await as_superuser(ctx, "UPDATE media SET report_id = NULL WHERE id = :id", id=_db(ctx, case.later_photo))
    code, out = await _cli_verify(ctx)
    assert (code, _rows(out, "missing")) == (1, [("media", case.later_photo)]), out
    assert ("media", case.later_photo) not in _rows(out, "altered")
    integrity = await integrity_of(ctx, app_client, case.report)
    assert sorted((row["table"], row["id"]) for row in integrity["missing"]) == _rows(out, "missing")
    assert sorted((row["table"], row["id"]) for row in integrity["altered"]) == sorted(
        [("assignments", case.assignments[1]), ("report_notes", case.note)]
    )


async def test_a_report_row_deleted_with_its_events_left_fails_verify(
    ctx: Context, app_client: httpx.AsyncClient, citizen: PartnerClient
) -> None:
    """Its sealed events still pin what was submitted: the chain checks, and only the pinned rows show the loss."""
    case = await _case(ctx, app_client, citizen)
    if ctx.engine.dialect.name == "postgresql":
        await as_superuser(ctx, "DELETE FROM reports WHERE id = :id", id=_db(ctx, case.report))
    else:  # sqlite3's own connection, as a shell opens the file: foreign keys are not enforced there

        def delete() -> None:
            with closing(sqlite3.connect(ctx.engine.url.database or "", timeout=30)) as conn:
                conn.execute("DELETE FROM reports WHERE id = ?", (_db(ctx, case.report),))
                conn.commit()

        await anyio.to_thread.run_sync(delete)
    code, out = await _cli_verify(ctx)
    assert (code, out["intact"], out["broken_seals"], out["altered"]) == (1, False, [], []), out
    assert _rows(out, "missing") == [("reports", case.report)]
    assert out["explained"] == [
        f"reports {case.report}: gone, though its sealed events remain (the `registered` one "
        "pins what the citizen submitted)"
    ]


async def test_reports_are_walked_in_batches(ctx: Context) -> None:
    """Batches of one report: every report is reached once, and a change in any of them found; a report without a
    `registered` event pinning its submission (registered before events held it) is not judged."""
    from backend.ledger.verify import check_pinned  # (here: so that the other tests run on the code before it)

    async with ctx.sessions() as session:
        reports = [await make_report(session, text=f"обращение {n}") for n in range(4)]
        for report in reports[:3]:
            session.add(
                ReportEvent(
                    report_id=report.id,
                    action="registered",
                    actor_type="citizen",
                    channel="test",
                    data={"submission": submission.digest(submission.submission(report, []))},
                )
            )
        await session.commit()
    async with ctx.sessions() as session:
        verdict = Verdict()
        await check_pinned(session, verdict, batch=1)
    assert (verdict.intact, verdict.altered, verdict.missing) == (True, [], [])
    for report in reports[1], reports[3]:
        await as_superuser(ctx, "UPDATE reports SET text = 'иное' WHERE id = :id", id=_db(ctx, str(report.id)))
    async with ctx.sessions() as session:
        verdict = Verdict()
        await check_pinned(session, verdict, batch=1)
    assert (verdict.altered, verdict.missing) == ([("reports", reports[1].id)], [])
