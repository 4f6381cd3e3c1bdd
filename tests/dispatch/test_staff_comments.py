"""Staff write on a report from the console: a message to the reporter, or an internal note. Before, a duty officer
could only take structured steps (assign, ask, extend, close): "the gate code is 1234", "the car was found" or "the
reporter called back, the man left" had nowhere to go but out of the record.

`POST /api/v1/dispatch/reports/{id}/comments` `{text, public}`: those who may assign the report or ask its reporter
write (dispatchers, supervisors, admins of its region); prosecutors and field officers read. End to end over HTTP, on
both databases."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlmodel import col

from backend.audit.models import AuditLog
from backend.context import Context
from backend.ledger import verify
from backend.reports.models import IdempotencyRecord, ReportComment
from backend.reports.workflow import Status
from tests.dispatch.test_regions import KARAGANDA
from tests.helpers import PartnerClient
from tests.ledger.records import as_superuser, integrity_of, seal_now, uuid_param
from tests.officers.factories import bearer, login, make_officer
from tests.reports.step_helpers import close, events_of, notifications_of, settled_report

pytestmark = pytest.mark.anyio

MESSAGE = "Ваш велосипед найден, заберите его в отделе полиции по ул. Абая 10"
NOTE = "Заявитель перезвонил: код домофона 1234, охранник пропустит, тел. +7 701 123 45 67"
NOTE_MASKED = "[тел. ***4567]"


async def _console(ctx: Context, client: httpx.AsyncClient, role: str = "dispatcher",
                   **fields: Any) -> tuple[dict[str, str], uuid.UUID]:
    officer, password = await make_officer(ctx, role=role, **fields)
    return bearer(await login(client, officer.badge_number, password)), officer.id


async def _write(client: httpx.AsyncClient, headers: dict[str, str], report_id: str | uuid.UUID, body: Any, *,
                 key: str | None = None, **extra: str) -> httpx.Response:
    return await client.post(f"/api/v1/dispatch/reports/{report_id}/comments", json=body,
                             headers={**headers, "Idempotency-Key": key or str(uuid.uuid4()), **extra})


async def test_a_message_reaches_the_reporter_and_a_note_stays_with_staff(
        ctx: Context, citizen: PartnerClient, app_client: httpx.AsyncClient) -> None:
    report_id = await settled_report(ctx, citizen, "Украли велосипед из подъезда на Кенесары 40")
    console, dispatcher_id = await _console(ctx, app_client)

    sent = await _write(app_client, console, report_id, {"text": MESSAGE, "public": True})
    assert sent.status_code == 201, sent.text
    body = sent.json()
    assert sent.headers["ETag"] == body["report"]["etag"]  # the comment's history line moved the tag
    assert body["comment"] == {**body["comment"], "author_type": "dispatcher", "text": MESSAGE, "public": True,
                               "officer_id": str(dispatcher_id)}
    noted = await _write(app_client, console, report_id, {"text": NOTE, "public": False})
    assert noted.status_code == 201, noted.text

    # staff read both on the opened card, with who wrote them; the reporter's identity is nowhere
    card = (await app_client.get(f"/api/v1/dispatch/reports/{report_id}", headers=console)).json()
    assert [(c["text"], c["public"], c["author_type"], c["officer_id"]) for c in card["comments"]] == [
        (MESSAGE, True, "dispatcher", str(dispatcher_id)), (NOTE, False, "dispatcher", str(dispatcher_id))]
    assert citizen.iin not in str(card)

    # the reporter reads the message, from "the police", and never the note
    mine = await citizen.get(f"/api/v1/reports/{report_id}")
    assert mine.status_code == 200, mine.text
    said = [entry for entry in mine.json()["timeline"] if entry["action"] == "comment"]
    assert [(entry["author"], entry["text"]) for entry in said] == [("police", f"Сообщение от полиции: {MESSAGE}")]
    assert "1234" not in mine.text and str(dispatcher_id) not in mine.text

    # the history names each comment and has the message told to the reporter, the note not
    events = await events_of(ctx, report_id, "comment")
    assert [(e.data, e.public, e.actor_type, e.actor_id) for e in events] == [
        ({"comment_id": body["comment"]["id"]}, True, "dispatcher", str(dispatcher_id)),
        ({"comment_id": noted.json()["comment"]["id"]}, False, "dispatcher", str(dispatcher_id))]
    assert [await notifications_of(ctx, [e]) for e in events] == [1, 0]
    assert events[0].public_text["en"] == f"Message from the police: {MESSAGE}" and events[1].public_text == {}
    async with ctx.sessions() as session:
        audit = list(await session.scalars(select(AuditLog).where(
            col(AuditLog.action) == "report.comment", col(AuditLog.target_id) == report_id)
            .order_by(col(AuditLog.at))))
    # the audit line says who wrote what kind, never the words
    assert [(a.actor_id, a.data["public"], a.data["text_len"]) for a in audit] == [
        (str(dispatcher_id), True, len(MESSAGE)), (str(dispatcher_id), False, len(NOTE))]

    # oversight reads them in the history too
    prosecutor, _ = await _console(ctx, app_client, "prosecutor")
    record = (await app_client.get(f"/api/v1/dispatch/reports/{report_id}/history", headers=prosecutor)).json()
    assert [(c["text"], c["officer_id"]) for c in record["comments"]] == [
        (MESSAGE, str(dispatcher_id)), (NOTE, str(dispatcher_id))]


async def test_only_those_who_act_on_the_report_write_on_it(ctx: Context, app_client: httpx.AsyncClient) -> None:
    from tests.core.factories import make_report

    async with ctx.sessions() as session:
        report = await make_report(session, status=Status.TRIAGE, district="astana", department="patrol_police")
        hidden = await make_report(session, category="domestic_violence", restricted=True, district="astana",
                                   department="district_inspector")
        await session.commit()
    note = {"text": "Проверить камеры у подъезда", "public": False}
    for role in ("prosecutor", "patrol_officer", "district_inspector"):  # read-only on the console
        headers, _ = await _console(ctx, app_client, role)
        assert (await _write(app_client, headers, report.id, note)).status_code == 403, role
    # another region's dispatcher, and a dispatcher for a restricted report: as for a report that does not exist
    elsewhere, _ = await _console(ctx, app_client, district=KARAGANDA)
    refused = await _write(app_client, elsewhere, report.id, note)
    assert (refused.status_code, refused.json()["code"]) == (404, "report.not_found")
    dispatcher, _ = await _console(ctx, app_client)
    assert (await _write(app_client, dispatcher, hidden.id, note)).status_code == 404
    for role in ("dispatcher", "supervisor", "admin"):
        headers, _ = await _console(ctx, app_client, role)
        assert (await _write(app_client, headers, report.id, note)).status_code == 201, role
    supervisor, _ = await _console(ctx, app_client, "supervisor")
    assert (await _write(app_client, supervisor, hidden.id, note)).status_code == 201
    async with ctx.sessions() as session:
        written = list(await session.scalars(select(ReportComment.author_type).where(  # type: ignore[call-overload]
            col(ReportComment.report_id).in_([report.id, hidden.id]))))
    assert sorted(written) == ["admin", "dispatcher", "supervisor", "supervisor"]


async def test_blank_long_unkeyed_repeated_and_stale_writes(ctx: Context, app_client: httpx.AsyncClient) -> None:
    from tests.core.factories import make_report

    async with ctx.sessions() as session:
        report = await make_report(session, status=Status.TRIAGE, district="astana")
        await session.commit()
    console, _ = await _console(ctx, app_client)
    for body in ({"text": "   ", "public": True}, {"text": "я" * 5001, "public": False}, {"text": "", "public": True}):
        refused = await _write(app_client, console, report.id, body, **{"Accept-Language": "kk"})
        problem = refused.json()
        assert refused.status_code == 422, refused.text
        assert problem["code"] == "validation.failed" and [e["pointer"] for e in problem["errors"]] == ["/text"]
    missing_public = await _write(app_client, console, report.id, {"text": "Проверить"})
    assert missing_public.status_code in (400, 422), missing_public.text

    unkeyed = await app_client.post(f"/api/v1/dispatch/reports/{report.id}/comments", headers=console,
                                    json={"text": "Проверить", "public": False})
    assert (unkeyed.status_code, unkeyed.json()["code"]) == (400, "idempotency.key_missing")

    # the console retries after a lost answer: the same answer, one comment, one message to the reporter
    key = str(uuid.uuid4())
    first = await _write(app_client, console, report.id, {"text": MESSAGE, "public": True}, key=key)
    again = await _write(app_client, console, report.id, {"text": MESSAGE, "public": True}, key=key)
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    async with ctx.sessions() as session:  # kept 30 days outside the sealed, audited record: the comment's id only
        kept = [str(row.response) for row in await session.scalars(select(IdempotencyRecord))]
    assert kept and not any(MESSAGE in body or report.text in body for body in kept)
    reused = await _write(app_client, console, report.id, {"text": "Другое", "public": True}, key=key)
    assert (reused.status_code, reused.json()["code"]) == (409, "idempotency.key_reused")
    assert len(await events_of(ctx, report.id, "comment")) == 1

    # written on what the console saw: a report changed since is refused, and nothing is written
    stale = first.json()["report"]["etag"]
    await _write(app_client, console, report.id, {"text": "Ещё заметка", "public": False})
    changed = await _write(app_client, console, report.id, {"text": MESSAGE, "public": True}, **{"If-Match": stale})
    assert (changed.status_code, changed.json()["code"]) == (412, "dispatch.report_changed")
    assert len(await events_of(ctx, report.id, "comment")) == 2
    current = changed.headers["ETag"]
    fresh = await _write(app_client, console, report.id, {"text": "По тегу", "public": False}, **{"If-Match": current})
    assert fresh.status_code == 201, fresh.text


async def test_a_closed_report_takes_notes_and_messages(ctx: Context, citizen: PartnerClient,
                                                        app_client: httpx.AsyncClient) -> None:
    """Oversight keeps writing down what it learns after a closing, and what is learnt then (the phone was found)
    is owed to the reporter; neither reopens the report."""
    report_id = await settled_report(ctx, citizen)
    await close(ctx, report_id)
    supervisor, _ = await _console(ctx, app_client, "supervisor")
    for body in ({"text": "Прокуратура запросила материалы", "public": False}, {"text": MESSAGE, "public": True}):
        written = await _write(app_client, supervisor, report_id, body)
        assert written.status_code == 201, written.text
        assert written.json()["report"]["status"] == Status.CLOSED.value
    timeline = (await citizen.get(f"/api/v1/reports/{report_id}")).json()["timeline"]
    assert [e["author"] for e in timeline if e["action"] == "comment"] == ["police"]


async def test_the_unit_tablet_reads_the_message_and_the_note_masked(ctx: Context,
                                                                     app_client: httpx.AsyncClient) -> None:
    from tests.sync.test_evidence import _scene
    from tests.sync.test_request_info import _pull

    scene = await _scene(ctx, app_client)
    first = await _pull(app_client, scene.tablet)
    for body in ({"text": MESSAGE, "public": True}, {"text": NOTE, "public": False}):
        assert (await _write(app_client, scene.dispatcher, scene.report_id, body)).status_code == 201
    after = await _pull(app_client, scene.tablet, first["cursor"])  # each comment marked the report for the unit
    [row] = after["changes"]["reports"]["upserted"]
    talk = [(m["from"], m["internal"]) for m in row["conversation"]]
    assert talk == [("police", False), ("police", True)], row
    message, note = (m["text"] for m in row["conversation"])
    assert message == MESSAGE
    # the crew reads the gate code; personal data is masked as in the report's text
    assert "код домофона 1234" in note and NOTE_MASKED in note and "701 123" not in note, note
    assert all(set(m) == {"from", "text", "at", "internal"} for m in row["conversation"])  # no officer named


async def test_a_staff_comment_is_sealed_and_an_altered_one_is_caught(
        ctx: Context, citizen: PartnerClient, app_client: httpx.AsyncClient) -> None:
    report_id = await settled_report(ctx, citizen)
    console, _ = await _console(ctx, app_client)
    written = await _write(app_client, console, report_id, {"text": NOTE, "public": False})
    assert written.status_code == 201, written.text
    comment_id = written.json()["comment"]["id"]
    await seal_now(ctx)
    assert (await integrity_of(ctx, app_client, report_id))["intact"]

    # the note is rewritten, then made public, in the database: the record shows it, and so does `zan ledger verify`
    param = uuid_param(ctx, uuid.UUID(comment_id))
    for change in ("text = 'ничего не известно'", "public = TRUE" if ctx.engine.dialect.name == "postgresql"
                   else "public = 1"):
        if change.startswith("public"):
            await as_superuser(ctx, "UPDATE report_comments SET text = :text WHERE id = :id", text=NOTE, id=param)
        await as_superuser(ctx, f"UPDATE report_comments SET {change} WHERE id = :id", id=param)
        integrity = await integrity_of(ctx, app_client, report_id)
        assert not integrity["intact"] and integrity["altered"] == [{"table": "report_comments", "id": comment_id}]
        async with ctx.sessions() as session:
            verdict = await verify.verify(session, ctx.settings.secret_keys)
        assert ("report_comments", uuid.UUID(comment_id)) in verdict.altered
