"""A JSON string holding half of a UTF-16 surrogate pair (`"… \\ud83d"`: a JavaScript app that cut a text in the
middle of an emoji, then `JSON.stringify`) is taken with U+FFFD in the half's place, as a browser's TextEncoder does,
for every JSON body the API decodes (backend/lib/json_bodies.py).

msgspec refused the whole body ("Input data was truncated", "invalid utf-16 surrogate pair"): a citizen's report from
a partner app was refused as not being JSON, and a tablet's sync push, re-sent as it was, stuck the tablet's queue
for good. A body that is not JSON at all is still 400 `validation.body_malformed`, in the requester's language; a
partner's signature is still checked over the bytes as they were sent.

Bodies are written out byte for byte here (the `\\u` escapes are six ASCII characters each), and signed as sent.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx
import msgspec
import pytest
from sqlalchemy import select
from sqlmodel import col

from backend.context import Context
from backend.partners.service import sign
from backend.reports.models import Report
from backend.sync.models import ReportNote
from tests.helpers import PartnerClient
from tests.legal_api.conftest import legal_index  # noqa: F401  (the fixture, for the legal question)
from tests.officers.factories import bearer, login, make_officer, make_unit
from tests.sync.conftest import assigned_report, uuid7

pytestmark = pytest.mark.anyio
REPORTS = "/api/v1/reports"
REPLACEMENT = "\N{REPLACEMENT CHARACTER}"


def _report_body(text: str) -> bytes:
    """A report's body with `text` written into it as is (its escapes are JSON's, not Python's)."""
    return (b'{"text": "' + text.encode() + b'", '
            b'"location": {"lat": 51.1605, "lon": 71.4704, "accuracy_m": 15}}')


async def _submit(citizen: PartnerClient, body: bytes) -> httpx.Response:
    return await citizen.post(REPORTS, raw=body, headers={"Idempotency-Key": str(uuid.uuid4())})


async def _stored_text(ctx: Context, report_id: str) -> str:
    async with ctx.sessions() as session:
        text = await session.scalar(select(Report.text).where(col(Report.id) == uuid.UUID(report_id)))
    assert text is not None
    return text


@pytest.mark.parametrize(("sent", "kept"), [
    # the high half last: the emoji cut at the end of the text
    ("Во дворе дерутся, есть раненые \\ud83d", "Во дворе дерутся, есть раненые " + REPLACEMENT),
    # a low half alone, and the two halves in the wrong order
    ("Во дворе дерутся \\ude00 есть раненые", f"Во дворе дерутся {REPLACEMENT} есть раненые"),
    ("Во дворе дерутся \\ude00\\ud83d есть раненые", f"Во дворе дерутся {REPLACEMENT}{REPLACEMENT} есть раненые"),
    # a high half followed by another escape that is not a low half
    ("Во дворе дерутся \\ud83d\\u0041 есть раненые", f"Во дворе дерутся {REPLACEMENT}A есть раненые"),
    # a whole pair is the emoji it always was; an escaped backslash before "ud83d" is no escape at all
    ("Во дворе дерутся \\ud83d\\ude00 есть раненые", "Во дворе дерутся \U0001f600 есть раненые"),
    ("Во дворе дерутся C:\\\\ud83d есть раненые", "Во дворе дерутся C:\\ud83d есть раненые"),
], ids=["high-half-last", "low-half-alone", "halves-reversed", "high-half-then-another-escape", "whole-pair",
        "escaped-backslash"])
async def test_a_report_with_half_an_emoji_is_registered_with_the_text_kept(ctx: Context, citizen: PartnerClient,
                                                                           sent: str, kept: str) -> None:
    response = await _submit(citizen, _report_body(sent))
    assert response.status_code == 201, response.text
    assert await _stored_text(ctx, response.json()["id"]) == kept


async def test_a_lone_half_in_a_member_name_points_at_that_member(citizen: PartnerClient) -> None:
    body = _report_body("Во дворе дерутся")[:-1] + b', "\\ud83dnote": 1}'
    response = await _submit(citizen, body)
    assert response.status_code == 422, response.text
    assert [(e["pointer"], e["code"]) for e in response.json()["errors"]] == [
        (f"/{REPLACEMENT}note", "unknown_field")]


async def test_the_signature_is_checked_over_the_bytes_as_sent(citizen: PartnerClient) -> None:
    sent = _report_body("Во дворе дерутся \\ud83d")
    repaired = _report_body("Во дворе дерутся \\ufffd")
    # signed over the body as the server reads it, not as it was sent: refused
    headers = citizen.headers("POST", REPORTS, repaired)
    headers.update({"Content-Type": "application/json", "Idempotency-Key": str(uuid.uuid4())})
    forged = await citizen.http.post(REPORTS, content=sent, headers=headers)
    assert (forged.status_code, forged.json()["code"]) == (401, "auth.signature_invalid"), forged.text
    assert headers["X-Signature"] != sign(citizen.secret, headers["X-Timestamp"], "POST", REPORTS, sent, citizen.iin)


@pytest.mark.parametrize(("lang", "title"), [("ru", "Тело запроса не является корректным JSON"),
                                             ("kk", "Сұрау денесі дұрыс JSON емес"),
                                             ("en", "The request body is not valid JSON")])
async def test_a_body_that_is_not_json_is_still_a_clear_400(citizen: PartnerClient, lang: str, title: str) -> None:
    # cut after the escape's first digits (a body cut short in transit), and a string never closed
    for body in (_report_body("Во дворе \\ud8")[:-1], b'{"text": "\\ud83d'):
        response = await citizen.post(REPORTS, raw=body, headers={"Idempotency-Key": str(uuid.uuid4()),
                                                                  "Accept-Language": lang})
        assert response.status_code == 400, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert (response.json()["code"], response.json()["title"]) == ("validation.body_malformed", title)


async def test_a_tablet_push_with_half_an_emoji_is_applied(ctx: Context, app_client: httpx.AsyncClient) -> None:
    unit = await make_unit(ctx)
    officer, password = await make_officer(ctx, unit=unit)
    report = await assigned_report(ctx, unit)
    device = f"tab-{uuid.uuid4().hex[:8]}"
    tablet = bearer(await login(app_client, officer.badge_number, password, device))
    note = uuid7()
    mutation = {"mutation_id": "m-1", "entity": "notes", "id": note, "op": "create", "hlc": "0000000000001-00001-tab",
                "fields": {"report_id": str(report.id), "text": "Сосед говорит HALF"}}
    body = msgspec.json.encode({"device_id": device, "mutations": [mutation]}).replace(b"HALF", b"\\ud83d")
    pushed = await app_client.post("/api/v1/sync/push", content=body,
                                   headers={**tablet, "Content-Type": "application/json"})
    assert pushed.status_code == 200, pushed.text
    assert pushed.json()["results"][0]["status"] == "applied", pushed.text
    async with ctx.sessions() as session:
        stored = await session.get(ReportNote, uuid.UUID(note))
    assert stored is not None and stored.text == "Сосед говорит " + REPLACEMENT
    # the very same bytes again (the answer was lost): the stored answer, not a refusal that sticks the queue
    again = await app_client.post("/api/v1/sync/push", content=body,
                                  headers={**tablet, "Content-Type": "application/json"})
    assert again.status_code == 200, again.text
    assert again.json()["results"][0]["status"] == "duplicate", again.text


async def test_a_legal_question_with_half_an_emoji_is_answered(legal_index: Path,  # noqa: F811
                                                               citizen: PartnerClient) -> None:
    response = await citizen.post("/api/v1/legal/ask",
                                  raw='{"question": "Что грозит за кражу телефона? \\ud83d"}'.encode())
    assert response.status_code == 200, response.text
    assert response.json()["citations"], response.text
