"""Error responses at the edges: every malformed, out-of-range or unsupported request is an RFC 9457
application/problem+json answer with a stable code and field pointers, never a 500, and it changes nothing.

Each test here failed when it was written, because of the defect its comment describes.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from backend.context import Context
from backend.lib.clock import utcnow
from backend.notifications.models import AreaAlert, Device
from tests.bots.conftest import WEBHOOK_SECRET, citizen_tg, officer_bot  # noqa: F401  (fixtures)
from tests.helpers import PartnerClient
from tests.officers.factories import bearer, keyed, login, make_officer

pytestmark = pytest.mark.anyio

PROBLEM = "application/problem+json"
TG_SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def _is_problem(response: httpx.Response) -> bool:
    return response.headers.get("content-type", "").startswith(PROBLEM)


async def _count(ctx: Context, model: Any) -> int:
    async with ctx.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


# 1. The U+0000 guard (backend/lib/inputs.py) only looks at bodies whose Content-Type is JSON, but Litestar decodes
# a JSON body whatever Content-Type it comes with. A partner app that labels its body text/plain (or sends none)
# gets a report text with a NUL past the guard: PostgreSQL answers 500 (and the citizen is told "internal error"),
# SQLite stores the NUL — the very disagreement between the databases the guard exists to prevent.
@pytest.mark.parametrize("content_type", ["text/plain", None])
async def test_a_nul_in_a_body_not_labelled_json_is_refused_not_stored(citizen: PartnerClient,
                                                                         content_type: str | None) -> None:
    body = b'{"text":"\\u0000 Drunk people are fighting in the yard","location":{"lat":51.1605,"lon":71.4704}}'
    headers = citizen.headers("POST", "/api/v1/reports", body)
    headers["Idempotency-Key"] = str(uuid.uuid4())
    if content_type:
        headers["Content-Type"] = content_type
    response = await citizen.http.post("/api/v1/reports", content=body, headers=headers)
    assert response.status_code in (415, 422), (response.status_code, response.text[:300])
    assert _is_problem(response)
    assert (await citizen.get("/api/v1/reports")).json()["items"] == []  # nothing was registered


# 2. A deeply nested JSON body (a few KB of brackets) makes msgspec raise RecursionError, which is not a
# msgspec.DecodeError: Litestar's body decoding, the NUL guard's own decode (backend/lib/inputs.py) and the duty
# bot's webhook (bots/officer/webhook.py) all let it escape, so the answer is a 500 "internal error" — on the public
# officer login endpoint anyone can trigger it, and every request logs a stack trace.
_DEEP = b"[" * 5000 + b"1" + b"]" * 5000
_DEEP_NUL = b"[" * 5000 + b'"\\u0000"' + b"]" * 5000


@pytest.mark.parametrize(("where", "body"), [
    ("/api/v1/officer/auth/login", b'{"badge_number":' + _DEEP + b',"password":"x","device_id":"tab-1"}'),
    ("/api/v1/officer/auth/login", b'{"badge_number":' + _DEEP_NUL + b',"password":"x","device_id":"tab-1"}'),
    ("/api/v1/telegram/officer/webhook", b'{"update_id":5,"message":' + _DEEP + b"}"),
], ids=["login", "login-with-nul", "officer-bot-webhook"])
async def test_deeply_nested_json_is_a_malformed_body_not_a_500(app_client: httpx.AsyncClient,
                                                                request: pytest.FixtureRequest, where: str,
                                                                body: bytes) -> None:
    headers = {"Content-Type": "application/json", "Accept-Language": "kk"}
    if "telegram" in where:
        request.getfixturevalue("officer_bot")
        headers[TG_SECRET_HEADER] = WEBHOOK_SECRET
    response = await app_client.post(where, content=body, headers=headers)
    assert response.status_code in (400, 413, 422), (response.status_code, response.text[:300])
    assert _is_problem(response) and response.headers["content-language"] == "kk"


# 3. A missing required query parameter (Litestar raises a ValidationException with no field list) is answered
# 400 validation.body_malformed, "The request body is not valid JSON", for a GET that has no body at all, and with
# no pointer to the parameter: the client cannot tell it forgot `token`.
async def test_a_missing_query_parameter_is_named_not_called_a_malformed_body(app_client: httpx.AsyncClient) -> None:
    response = await app_client.get("/api/v1/media/files", headers={"Accept-Language": "en"})
    assert _is_problem(response)
    problem = response.json()
    assert problem["code"] == "validation.failed", problem
    assert response.status_code == 422
    assert [(e["pointer"], e["code"]) for e in problem["errors"]] == [("#query/token", "required")]


# 4. A Telegram update whose update_id does not fit in 64 bits passes both webhooks' checks (it is an int) and
# crashes the de-duplication insert (BIGINT column): 500 instead of the 400 any other malformed update gets.
@pytest.mark.parametrize("bot", ["citizen", "officer"])
async def test_webhook_update_id_beyond_64_bits_is_malformed_not_a_500(app_client: httpx.AsyncClient,
                                                                       request: pytest.FixtureRequest,
                                                                       bot: str) -> None:
    request.getfixturevalue("citizen_tg" if bot == "citizen" else "officer_bot")
    response = await app_client.post(f"/api/v1/telegram/{bot}/webhook", content=b'{"update_id": %d}' % 2**63,
                                     headers={TG_SECRET_HEADER: WEBHOOK_SECRET, "Content-Type": "application/json"})
    assert response.status_code == 400, (response.status_code, response.text[:300])
    assert _is_problem(response) and response.json()["code"] == "validation.body_malformed"


# 5. Area alert polygons (backend/notifications/geo.parse_area) are never range-checked:
# - a coordinate too big for a float raises OverflowError, which parse_area does not catch → 500;
# - coordinates of ±1e308 make the area NaN, and `NaN > MAX_AREA_DEG2` is False, so the size cap is bypassed and
#   the "area" alert goes to every district of Kazakhstan (201) — exactly the whole-country alert the cap forbids;
# - a latitude of 200 is accepted (201) and the dispatcher is told the alert was created, for nowhere.
# The Centre variant of the same request is limited to lat ±90 / lon ±180; the polygon should be too.
@pytest.mark.parametrize("ring", [
    [[10**400, 51.0], [71.1, 51.0], [71.1, 51.1], [10**400, 51.0]],
    [[1e308, 1e308], [-1e308, 51.0], [71.1, -1e308], [1e308, 1e308]],
    [[71.0, 200.0], [71.1, 200.0], [71.1, 200.1], [71.0, 200.0]],
], ids=["int-beyond-float", "nan-area", "latitude-200"])
async def test_alert_polygon_out_of_range_is_refused(app_client: httpx.AsyncClient, ctx: Context,
                                                     ring: list[list[float]]) -> None:
    duty, password = await make_officer(ctx, role="dispatcher")
    alert = {"category": "missing_child", "texts": {"kk": "Бала жоғалды", "ru": "Пропал ребёнок"},
             "expires_at": (utcnow() + timedelta(hours=2)).isoformat(),
             "polygon": {"type": "Polygon", "coordinates": [ring]}}
    response = await app_client.post("/api/v1/alerts", json=alert,
                                     headers=keyed(bearer(await login(app_client, duty.badge_number, password))))
    assert response.status_code == 422, (response.status_code, response.text[:300])
    assert _is_problem(response) and response.json()["code"] == "alert.area_invalid"
    assert await _count(ctx, AreaAlert) == 0


# 6. POST /devices/{id}/topics refuses an unknown district (422, /districts/N not_found), but registering the device
# with the same list accepts it: the app gets 200 and a topic "district-<typo>" that no alert is ever sent to, so the
# citizen silently never hears about the area alerts they asked for.
async def test_device_registration_refuses_an_unknown_district_like_topics_does(ctx: Context,
                                                                               citizen: PartnerClient) -> None:
    response = await citizen.post("/api/v1/devices", {"platform": "android", "token": "fcm-token-" + "x" * 30,
                                                      "districts": ["almaty", "no-such-district"]})
    assert response.status_code == 422, (response.status_code, response.text[:300])
    assert _is_problem(response)
    assert [(e["pointer"], e["code"]) for e in response.json()["errors"]] == [("/districts/1", "not_found")]
    assert await _count(ctx, Device) == 0


# 7. A string that does not match its pattern is classified `wrong_type` ("Wrong value type") by
# backend/lib/errors._classify, because msgspec's message starts with "Expected `str` matching regex": the client
# sent a string, as required, and is told the type is wrong. (A bad enum value is `invalid`, as it should be.)
@pytest.mark.parametrize(("path", "body", "pointer"), [
    ("/api/v1/media", {"content_type": "image/jpeg", "size": 10, "sha256": "not-a-sha256"}, "/sha256"),
    ("/api/v1/reports", {"text": "Во дворе шумят соседи", "location": {"lat": 51.16, "lon": 71.47},
                         "language": "de"}, "/language"),
], ids=["sha256", "report-language"])
async def test_a_string_not_matching_its_pattern_is_invalid_not_wrong_type(citizen: PartnerClient, path: str,
                                                                           body: dict[str, Any],
                                                                           pointer: str) -> None:
    response = await citizen.post(path, body, headers={"Idempotency-Key": str(uuid.uuid4())})
    assert response.status_code == 422 and _is_problem(response)
    assert [(e["pointer"], e["code"]) for e in response.json()["errors"]] == [(pointer, "invalid")]


# 8. GET /ledger/seals?after= took any non-negative integer, and the seal ids are a 32-bit column: a monitor asking
# after 2**31 (or a number past 64 bits) got a 500 from the driver on PostgreSQL instead of the parameter named.
# Found by walking every operation with out-of-range inputs.
@pytest.mark.parametrize("after", [str(2**31), "9" * 20])
async def test_a_seal_number_past_the_column_is_named_not_a_500(ctx: Context, app_client: httpx.AsyncClient,
                                                                after: str) -> None:
    prosecutor, password = await make_officer(ctx, role="prosecutor")
    response = await app_client.get(f"/api/v1/ledger/seals?after={after}", headers={
        **bearer(await login(app_client, prosecutor.badge_number, password)), "Accept-Language": "en"})
    assert response.status_code == 422 and _is_problem(response), (response.status_code, response.text)
    assert response.json()["code"] == "validation.failed"
    assert [(e["pointer"], e["code"]) for e in response.json()["errors"]] == [("#query/after", "out_of_range")]
    last = await app_client.get(f"/api/v1/ledger/seals?after={2**31 - 1}", headers=bearer(
        await login(app_client, prosecutor.badge_number, password)))
    assert last.status_code == 200 and last.json() == []
