"""A partner app's audit of the citizen's journey (2026-12-05): what eGov Mobile, Kaspi or Halyk sends on a citizen's
behalf, the odd inputs included, against what README and the API conventions promise. The tests marked DEFECT
failed on the code before their fix; the rest pin behaviour the audit checked and found right."""

from __future__ import annotations

import time
import uuid

import httpx
import pytest
from sqlalchemy import func, select

from backend.context import Context
from backend.partners.service import create, sign
from backend.reports.models import Report
from backend.reports.workflow import CITIZEN_STATUS_NAMES, CitizenStatus
from tests.helpers import PartnerClient
from tests.officers.factories import bearer, login, make_officer
from tests.reports.step_helpers import close, settled_report

pytestmark = pytest.mark.anyio
BASE = "/api/v1/reports"
# texts that show nothing on any screen, though str.strip() keeps every character of them
INVISIBLE = {
    "zero-width spaces": "\u200b\u200b\u200b",
    "direction marks": "\u200f\u202e\u200e",
    "byte order mark and word joiner": "\ufeff\u2060",
    "hangul filler": "\u3164\u3164",
    "spaces and zero-width joiners": " \u200d \u200c ",
}


async def _reports(ctx: Context) -> int:
    async with ctx.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(Report)) or 0)


# DEFECT: intake checked `text.strip()`, so a report of zero-width spaces or direction marks was registered,
# numbered, given a 15-day term and queued for dispatch with nothing to read
@pytest.mark.parametrize("text", INVISIBLE.values(), ids=INVISIBLE.keys())
async def test_a_report_of_invisible_characters_is_refused(ctx: Context, citizen: PartnerClient, text: str) -> None:
    refused = await citizen.submit(text)
    assert refused.status_code == 422, refused.text
    body = refused.json()
    assert body["code"] == "validation.failed"
    assert body["errors"] == [{"pointer": "/text", "code": "too_short", "detail": "Слишком коротко"}]
    assert await _reports(ctx) == 0


async def test_emoji_one_letter_and_marked_up_texts_are_reports(ctx: Context, citizen: PartnerClient) -> None:
    """Not blank, so registered: an emoji is something the citizen said, one letter is within the documented
    1–5,000 characters, and direction marks inside real words are kept as typed (nothing submitted is altered)."""
    for text in ("😡🚗💥", "а", "\u200fВо дворе\u200b дерутся\u200e"):
        answer = await citizen.submit(text)
        assert answer.status_code == 201, answer.text
        assert answer.json()["text"] == text
    too_long = await citizen.submit("а" * 20_000)
    assert too_long.status_code == 422
    assert too_long.json()["errors"][0]["pointer"] == "/text" and too_long.json()["errors"][0]["code"] == "too_long"
    assert await _reports(ctx) == 3


# DEFECT (fixed in backend/reports/service.py require_text). A reply of zero-width
# characters to a request for information passes `strip()`, puts the report back in work and tells staff the
# citizen answered; an appeal of three zero-width characters reopens a closed report with no grounds. The fix:
# `require_text` tests `backend.lib.blank.blank(value)` instead of `not value.strip()`.
async def test_an_invisible_comment_or_appeal_is_refused(ctx: Context, citizen: PartnerClient) -> None:
    report_id = await settled_report(ctx, citizen)
    comment = await citizen.post(f"{BASE}/{report_id}/comments", {"text": "\u200b\u200b"},
                                 headers={"Idempotency-Key": str(uuid.uuid4())})
    await close(ctx, report_id)
    appeal = await citizen.post(f"{BASE}/{report_id}/reopen", {"reason": "\u200b\u200b\u200b"})
    assert (comment.status_code, appeal.status_code) == (422, 422), (comment.text, appeal.text)
    assert comment.json()["errors"][0]["pointer"] == "/text"
    assert appeal.json()["errors"][0]["pointer"] == "/reason"


# DEFECT: a request without one of the four signed headers got a bare 401 `auth.signature_missing`: the partner's
# developer could not tell which header their client (or a proxy) dropped. The conventions want a pointer per field
@pytest.mark.parametrize("dropped", ["X-Partner-Id", "X-Timestamp", "X-Citizen-IIN", "X-Signature"])
async def test_a_missing_signed_header_is_pointed_at(citizen: PartnerClient, dropped: str) -> None:
    headers = citizen.headers("GET", BASE, b"")
    del headers[dropped]
    refused = await citizen.http.get(BASE, headers=headers)
    assert refused.status_code == 401
    assert refused.json()["code"] == "auth.signature_missing"
    assert refused.json()["errors"] == [{"pointer": f"#header/{dropped}", "code": "required",
                                         "detail": "Обязательное поле"}]


# DEFECT: a timestamp in milliseconds (JavaScript's Date.now(), the commonest partner bug) was answered
# `auth.signature_invalid`, sending the partner to debug a correct HMAC; it is a clock problem. Every clock problem
# now points at the header
@pytest.mark.parametrize("timestamp", [str(int(time.time() * 1000)), str(int(time.time()) - 3600)],
                         ids=["milliseconds", "an hour ago"])
async def test_a_timestamp_out_of_range_is_clock_skew_at_the_header(citizen: PartnerClient, timestamp: str) -> None:
    headers = {"X-Partner-Id": citizen.partner_id, "X-Timestamp": timestamp, "X-Citizen-IIN": citizen.iin,
               "X-Signature": sign(citizen.secret, timestamp, "GET", BASE, b"", citizen.iin), "Accept-Language": "en"}
    refused = await citizen.http.get(BASE, headers=headers)
    assert refused.status_code == 401
    body = refused.json()
    assert body["code"] == "auth.clock_skew"
    assert [(e["pointer"], e["code"]) for e in body["errors"]] == [("#header/X-Timestamp", "out_of_range")]


async def test_malformed_timestamp_and_partner_id_are_pointed_at(citizen: PartnerClient) -> None:
    for header, value in (("X-Timestamp", "2026-12-05T10:00:00Z"), ("X-Partner-Id", "kaspi")):
        headers = {**citizen.headers("GET", BASE, b""), header: value}
        refused = (await citizen.http.get(BASE, headers=headers)).json()
        assert refused["code"] == "auth.signature_invalid"
        assert [(e["pointer"], e["code"]) for e in refused["errors"]] == [(f"#header/{header}", "invalid")]


async def test_bodies_a_partner_may_get_wrong(citizen: PartnerClient) -> None:
    """Malformed JSON is 400 `validation.body_malformed`, a wrong shape 422 with pointers, an oversized body 413,
    all problem+json in the requested language."""
    key = {"Idempotency-Key": str(uuid.uuid4()), "Accept-Language": "kk"}
    malformed = await citizen.post(BASE, raw=b'{"text": "x",', headers=key)
    assert (malformed.status_code, malformed.json()["code"]) == (400, "validation.body_malformed")
    assert malformed.headers["content-type"].startswith("application/problem+json")
    assert malformed.headers["content-language"] == "kk"
    wrong = await citizen.post(BASE, {"text": "Во дворе дерутся", "location": {"lat": "север"}}, headers=key)
    assert wrong.status_code == 422
    assert {e["pointer"] for e in wrong.json()["errors"]} == {"/location/lat"}
    huge = await citizen.post(BASE, raw=b'{"text":"' + b"a" * 3_000_000 + b'"}', headers=key)
    assert (huge.status_code, huge.json()["code"]) == (413, "request.too_large")


async def test_another_app_and_another_citizen_find_nothing(ctx: Context, citizen: PartnerClient,
                                                            other_citizen: PartnerClient) -> None:
    """IDOR: every step on a report id that is not the caller's (another citizen's, or the same citizen's filed
    through another app) is the same 404 as an id that does not exist."""
    report_id = (await citizen.submit("Украли велосипед из подъезда")).json()["id"]
    async with ctx.sessions() as session:
        halyk = await create(session=session, secret_key=ctx.settings.secret_key, name="halyk-audit")
    same_person_elsewhere = PartnerClient(citizen.http, str(halyk.id), halyk.secret, citizen.iin)
    for caller in (other_citizen, same_person_elsewhere):
        answers = [
            await caller.get(f"{BASE}/{report_id}"),
            await caller.post(f"{BASE}/{report_id}/comments", {"text": "моё"},
                              headers={"Idempotency-Key": str(uuid.uuid4())}),
            await caller.post(f"{BASE}/{report_id}/withdraw"),
            await caller.post(f"{BASE}/{report_id}/reopen", {"reason": "не согласен"}),
            await caller.post(f"{BASE}/{report_id}/feedback", {"satisfaction": 1}),
        ]
        assert [(a.status_code, a.json()["code"]) for a in answers] == [(404, "report.not_found")] * 5
        assert (await caller.get(BASE)).json()["items"] == []


async def test_a_russian_report_read_in_kazakh_and_english(ctx: Context, citizen: PartnerClient) -> None:
    """The status and timeline follow Accept-Language; the citizen's own words stay as filed; without a language
    of ours the report answers in its own."""
    report_id = await settled_report(ctx, citizen, "У меня украли телефон в автобусе номер 12")
    for lang, shown_in in (("kk", "kk"), ("en", "en"), ("de", "ru")):
        shown = (await citizen.get(f"{BASE}/{report_id}", headers={"Accept-Language": lang})).json()
        assert shown["text"] == "У меня украли телефон в автобусе номер 12" and shown["language"] == "ru"
        assert shown["status_name"] == CITIZEN_STATUS_NAMES[CitizenStatus(shown["status"])][shown_in]
        assert shown["timeline"][0]["text"].split()[0] == {"kk": "Өтініш", "en": "Your", "ru": "Обращение"}[shown_in]


# DEFECT (fixed in backend/dispatch/schemas.py and controller.py, backend/sync/views.py). The
# citizen's location accuracy is taken (up to 100 km) and kept on the report, but the dispatcher's card and the
# crew's tablet row show only the point: a place "somewhere within 5 km" is dispatched as an exact pin. The fix:
# `accuracy_m` beside `lat`/`lon` on the card (and the tablet row), from `Report.accuracy_m`.
async def test_the_dispatcher_sees_how_precise_the_citizens_location_is(ctx: Context, citizen: PartnerClient,
                                                                        app_client: httpx.AsyncClient) -> None:
    rough = await citizen.post(BASE, {"text": "Украли велосипед из подъезда",
                                      "location": {"lat": 51.1605, "lon": 71.4704, "accuracy_m": 5000}},
                               headers={"Idempotency-Key": str(uuid.uuid4())})
    assert rough.status_code == 201 and rough.json()["location"]["accuracy_m"] == 5000
    officer, password = await make_officer(ctx, role="dispatcher")
    card = await app_client.get(f"/api/v1/dispatch/reports/{rough.json()['id']}",
                                headers=bearer(await login(app_client, officer.badge_number, password)))
    assert card.status_code == 200, card.text
    assert card.json().get("accuracy_m") == 5000


# DEFECT: Accept-Language "kk_KZ" (Android's Locale.toString(), which apps pass on as it is) named none of our
# languages: a Kazakh phone got its errors in Russian and its report in the report's language, not in Kazakh
@pytest.mark.parametrize("header", ["kk_KZ", "en_US, ru;q=0.5"])
async def test_a_locale_with_an_underscore_picks_the_language(ctx: Context, citizen: PartnerClient,
                                                              header: str) -> None:
    lang = header[:2]
    refused = await citizen.post(BASE, {"text": "Во дворе дерутся"},
                                 headers={"Idempotency-Key": str(uuid.uuid4()), "Accept-Language": header})
    assert refused.headers["content-language"] == lang
    assert refused.json()["title"] == {"kk": "Сұрауда қателер бар", "en": "The request is invalid"}[lang]
    report_id = await settled_report(ctx, citizen, "У меня украли телефон в автобусе номер 12")
    shown = (await citizen.get(f"{BASE}/{report_id}", headers={"Accept-Language": header})).json()
    assert shown["status_name"] == CITIZEN_STATUS_NAMES[CitizenStatus(shown["status"])][lang]
