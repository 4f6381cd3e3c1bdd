"""A JSON body whose bytes are not UTF-8 (a text cut in the middle of a Cyrillic letter's two bytes, Latin-1 or
CP1251 text, a surrogate written as UTF-8 the way Java's modified UTF-8 writes it) is refused with RFC 9457
problem+json, the stable code `validation.body_malformed`, in the requester's language, by every JSON endpoint alike:
a tablet's sync push, an officer's login, a dispatcher's action, a partner's signed report. Such bytes are not
repaired (backend/lib/json_bodies.py: RFC 8259 §8.1 requires UTF-8, unlike a lone surrogate *escape*, which is read
as U+FFFD), and no endpoint answers them with a bare 400 or a 500."""

from __future__ import annotations

import uuid

import httpx
import msgspec
import pytest

from backend.context import Context
from backend.lib.messages import ERRORS
from tests.helpers import PartnerClient
from tests.officers.factories import bearer, login, make_officer, make_unit

pytestmark = pytest.mark.anyio

MARK = b"TEXT"
NOT_UTF8 = {
    "cut-letter": "Сосед говорит ".encode() + "ж".encode()[:1],
    "cp1251": "Сосед".encode("cp1251"),
    "latin-1": "café".encode("latin-1"),
    "surrogate-as-utf8": b"\xed\xa0\xbd",
    "with-a-lone-surrogate-escape": b"\\ud83d " + b"\xd0",
    "with-an-escaped-nul": b"\\u0000 " + b"\xd0",  # the NUL check decodes the body first (backend/lib/inputs.py)
}
LANGUAGES = ("ru", "kk", "en")


def _body(shape: dict[str, object], raw: bytes) -> bytes:
    return msgspec.json.encode(shape).replace(MARK, raw)


def _assert_malformed(response: httpx.Response, lang: str) -> None:
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json"), response.headers
    problem = response.json()
    assert problem["code"] == "validation.body_malformed", problem
    assert problem["title"] == ERRORS["validation.body_malformed"][lang], problem
    assert problem["status"] == 400 and problem["type"].endswith("/validation/body_malformed"), problem
    assert response.headers["content-language"] == lang


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_a_tablet_push_that_is_not_utf8_is_a_localized_problem(ctx: Context, app_client: httpx.AsyncClient,
                                                                    lang: str) -> None:
    unit = await make_unit(ctx)
    officer, password = await make_officer(ctx, unit=unit)
    device = f"tab-{uuid.uuid4().hex[:8]}"
    tablet = bearer(await login(app_client, officer.badge_number, password, device))
    mutation = {"mutation_id": "m-1", "entity": "notes", "id": str(uuid.uuid4()), "op": "create",
                "hlc": f"0000000000001-00001-{device}", "fields": {"report_id": str(uuid.uuid4()), "text": "TEXT"}}
    for name, raw in NOT_UTF8.items():
        response = await app_client.post(
            "/api/v1/sync/push", content=_body({"device_id": device, "mutations": [mutation]}, raw),
            headers={**tablet, "Content-Type": "application/json", "Accept-Language": lang})
        try:
            _assert_malformed(response, lang)
        except AssertionError as exc:
            raise AssertionError(name) from exc


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_the_other_json_endpoints_answer_the_same(ctx: Context, app_client: httpx.AsyncClient,
                                                        citizen: PartnerClient, lang: str) -> None:
    dispatcher, password = await make_officer(ctx, role="dispatcher", department="duty")
    console = bearer(await login(app_client, dispatcher.badge_number, password))
    requests = {
        "officer login": ("/api/v1/officer/auth/login", {"badge_number": "TEXT", "password": "x", "device_id": "t"},
                          {}),
        "dispatcher action": ("/api/v1/dispatch/incidents/merge", {"primary_id": "TEXT"}, console),
        "device registration": ("/api/v1/devices", {"token": "TEXT"}, console),
    }
    for name, raw in NOT_UTF8.items():
        for what, (path, shape, headers) in requests.items():
            response = await app_client.post(path, content=_body(shape, raw), headers={
                **headers, "Content-Type": "application/json", "Accept-Language": lang,
                "Idempotency-Key": str(uuid.uuid4())})
            try:
                _assert_malformed(response, lang)
            except AssertionError as exc:
                raise AssertionError(f"{what}: {name}") from exc
        # a partner's signed report (signed over the bytes as sent)
        body = _body({"text": "TEXT", "location": {"lat": 51.1605, "lon": 71.4704}}, raw)
        response = await citizen.post("/api/v1/reports", raw=body, headers={
            "Idempotency-Key": str(uuid.uuid4()), "Accept-Language": lang})
        try:
            _assert_malformed(response, lang)
        except AssertionError as exc:
            raise AssertionError(f"partner report: {name}") from exc
