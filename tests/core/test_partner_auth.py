"""Partner-app signatures: forgery, replay, clock skew, bad IIN, and the problem+json they produce."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest

from backend.partners.models import Partner
from backend.partners.service import create as create_partner
from tests.conftest import REDIS_URL, _clean_redis, _truncate, make_settings
from tests.helpers import PartnerClient, bad_checksum, make_iin, serving

pytestmark = pytest.mark.anyio
PATH = "/api/v1/reports"


async def test_signed_request_is_accepted(citizen: PartnerClient) -> None:
    response = await citizen.get(PATH)
    assert response.status_code == 200, response.text
    assert response.json()["items"] == []


async def test_missing_signature_is_401_problem(citizen: PartnerClient) -> None:
    response = await citizen.http.get(PATH, headers={"Accept-Language": "kk"})
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == "auth.signature_missing"
    assert body["title"] == "Сұрауға қол қойылмаған"
    assert body["status"] == 401 and body["instance"] == PATH


async def test_forged_signature_is_rejected(citizen: PartnerClient) -> None:
    headers = citizen.headers("GET", PATH, b"")
    headers["X-Signature"] = "0" * 64
    response = await citizen.http.get(PATH, headers=headers)
    assert response.status_code == 401
    assert response.json()["code"] == "auth.signature_invalid"


async def test_signature_of_another_body_is_rejected(citizen: PartnerClient) -> None:
    body = b'{"text":"a","location":{"lat":51.1,"lon":71.4}}'
    headers = citizen.headers("POST", PATH, b'{"text":"b","location":{"lat":51.1,"lon":71.4}}')
    headers.update({"Idempotency-Key": "k1", "Content-Type": "application/json"})
    response = await citizen.http.post(PATH, content=body, headers=headers)
    assert response.json()["code"] == "auth.signature_invalid"


async def test_wrong_secret_is_rejected(citizen: PartnerClient) -> None:
    forger = PartnerClient(citizen.http, citizen.partner_id, "not-the-secret", citizen.iin)
    response = await forger.get(PATH)
    assert response.json()["code"] == "auth.signature_invalid"


async def test_unknown_partner_is_rejected(citizen: PartnerClient) -> None:
    forger = PartnerClient(citizen.http, "00000000-0000-0000-0000-000000000000", citizen.secret, citizen.iin)
    response = await forger.get(PATH)
    assert response.status_code == 401 and response.json()["code"] == "auth.signature_invalid"


async def test_iin_is_part_of_the_signature(citizen: PartnerClient) -> None:
    headers = citizen.headers("GET", PATH, b"")
    headers["X-Citizen-IIN"] = "900101300016"  # another citizen, signature for the first one
    response = await citizen.http.get(PATH, headers=headers)
    assert response.json()["code"] == "auth.signature_invalid"


def _signed_report(citizen: PartnerClient) -> tuple[bytes, dict[str, str]]:
    """A report's exact bytes and headers, to be sent twice as a replaying attacker does."""
    body = '{"text":"Во дворе дерутся","location":{"lat":51.16,"lon":71.47}}'.encode()
    headers = citizen.headers("POST", PATH, body)
    headers.update({"Idempotency-Key": str(uuid.uuid4()), "Content-Type": "application/json"})
    return body, headers


async def test_replayed_request_is_rejected(citizen: PartnerClient) -> None:
    body, headers = _signed_report(citizen)
    first = await citizen.http.post(PATH, content=body, headers=headers)
    second = await citizen.http.post(PATH, content=body, headers=headers)
    assert first.status_code == 201, first.text
    assert second.status_code == 401 and second.json()["code"] == "auth.replayed"


@pytest.mark.redis
async def test_replay_is_detected_through_redis(citizen: PartnerClient) -> None:
    body, headers = _signed_report(citizen)
    assert (await citizen.http.post(PATH, content=body, headers=headers)).status_code == 201
    assert (await citizen.http.post(PATH, content=body, headers=headers)).json()["code"] == "auth.replayed"


@pytest.mark.parametrize("store", ["database", pytest.param("redis", marks=pytest.mark.redis)])
async def test_the_same_read_twice_within_a_second_is_answered_twice(citizen: PartnerClient, store: str) -> None:
    """X-Timestamp is in whole seconds and there is no nonce: an app refreshing a screen twice within a second, or
    retrying a read that timed out, sends the same signature again. A read changes nothing, so it is not claimed:
    a 401 would make the partner authenticate the citizen again. Every other check still holds for it."""
    report_id = (await citizen.submit()).json()["id"]
    for path in (PATH, f"{PATH}/{report_id}"):
        headers = citizen.headers("GET", path, b"")
        answers = [await citizen.http.get(path, headers=headers) for _ in range(3)]
        assert [a.status_code for a in answers] == [200] * 3, [a.text for a in answers]
    # still refused: another citizen's IIN under this signature, a forged one, an old one
    headers = citizen.headers("GET", PATH, b"")
    assert (await citizen.http.get(PATH, headers={**headers, "X-Citizen-IIN": make_iin(9)})).json()["code"] == \
        "auth.signature_invalid"
    assert (await citizen.http.get(PATH, headers={**headers, "X-Signature": "0" * 64})).json()["code"] == \
        "auth.signature_invalid"
    stale = citizen.headers("GET", PATH, b"", ts=int(time.time()) - 400)
    assert (await citizen.http.get(PATH, headers=stale)).json()["code"] == "auth.clock_skew"


@pytest.mark.parametrize("skew", [-301, 301, 3600])
async def test_clock_skew_over_300s_is_rejected(citizen: PartnerClient, skew: int) -> None:
    response = await citizen.get(PATH, ts=int(time.time()) + skew)
    assert response.status_code == 401 and response.json()["code"] == "auth.clock_skew"


async def test_small_skew_is_tolerated(citizen: PartnerClient) -> None:
    assert (await citizen.get(PATH, ts=int(time.time()) - 250)).status_code == 200


@pytest.mark.parametrize("iin", ["12345", "abcdefghijkl", "", "1234567890123"])
async def test_malformed_iin_is_rejected(citizen: PartnerClient, iin: str) -> None:
    response = await citizen.get(PATH, iin=iin)
    assert response.status_code == 401 and response.json()["code"] in {"auth.iin_invalid", "auth.signature_missing"}


async def test_iin_with_bad_checksum_is_rejected(citizen: PartnerClient) -> None:
    response = await citizen.get(PATH, iin=bad_checksum(citizen.iin))
    assert response.status_code == 401 and response.json()["code"] == "auth.iin_invalid"


async def test_problem_texts_follow_accept_language(citizen: PartnerClient) -> None:
    for lang, title in (("ru", "Подпись запроса неверна"), ("en", "The request signature is invalid"),
                        ("kk-KZ,ru;q=0.8", "Сұраудың қолтаңбасы жарамсыз")):
        headers = citizen.headers("GET", PATH, b"")
        headers["X-Signature"] = "f" * 64
        headers["Accept-Language"] = lang
        response = await citizen.http.get(PATH, headers=headers)
        assert response.json()["title"] == title


CHALLENGE = 'Zan-HMAC-SHA256 realm="zan-partner"'


async def test_every_partner_401_names_the_hmac_scheme(citizen: PartnerClient) -> None:
    """RFC 9110 §11.6.1: a 401 carries WWW-Authenticate. Partners sign with HMAC-SHA256, not a bearer token, so the
    challenge names that scheme; what succeeds (or is only throttled) gets none."""
    body, replay = _signed_report(citizen)
    assert (await citizen.http.post(PATH, content=body, headers=replay)).status_code == 201
    forged = {**citizen.headers("GET", PATH, b""), "X-Signature": "0" * 64}
    unknown = PartnerClient(citizen.http, "00000000-0000-0000-0000-000000000000", citizen.secret, citizen.iin)
    refused = {
        "auth.signature_missing": await citizen.http.get(PATH),
        "auth.signature_invalid": await citizen.http.get(PATH, headers=forged),
        "auth.clock_skew": await citizen.get(PATH, ts=int(time.time()) - 400),
        "auth.iin_invalid": await citizen.get(PATH, iin=bad_checksum(citizen.iin)),
        "auth.replayed": await citizen.http.post(PATH, content=body, headers=replay),
    }
    refused_unknown = await unknown.get(PATH)
    for code, response in [*refused.items(), ("auth.signature_invalid", refused_unknown)]:
        assert (response.status_code, response.json()["code"]) == (401, code), response.text
        assert response.headers.get("www-authenticate") == CHALLENGE, code
    assert "www-authenticate" not in (await citizen.get(PATH)).headers


async def test_iin_is_never_stored_in_clear(citizen: PartnerClient, ctx) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from backend.citizens.models import Citizen

    assert (await citizen.get(PATH)).status_code == 200
    async with ctx.sessions() as session:
        rows = list(await session.scalars(select(Citizen)))
    assert len(rows) == 1
    assert rows[0].iin_last4 == citizen.iin[-4:]
    assert citizen.iin not in (rows[0].iin_hash or "")


@asynccontextmanager
async def _limited(db_url: str, tmp_path: Path, with_redis: bool, limit: int,
                   name: str) -> AsyncIterator[tuple[httpx.AsyncClient, Partner]]:
    """The API with ZAN_PARTNER_RATE_LIMIT = `limit`, and a partner of its own (metrics are per process)."""
    settings = make_settings(db_url, tmp_path, redis_url=REDIS_URL if with_redis else None, partner_rate_limit=limit)
    try:
        async with serving(settings) as (ctx, http):
            await _truncate(ctx)
            async with ctx.sessions() as session:
                partner = await create_partner(session=session, secret_key=settings.secret_key,
                                               name=f"{name}-{uuid.uuid4().hex[:6]}")
            yield http, partner
    finally:
        if with_redis:
            await _clean_redis(settings.redis_prefix)


@pytest.mark.parametrize("with_redis", [True, False], ids=["redis", "no-redis"])
async def test_a_partner_over_its_rate_gets_429_and_may_retry_the_same_request(db_url: str, tmp_path: Path,
                                                                               with_redis: bool) -> None:
    """A runaway partner client is held to ZAN_PARTNER_RATE_LIMIT requests a second; the refused request's
    signature is not used up, so the very same request goes through a second later (nothing is lost)."""
    async with _limited(db_url, tmp_path, with_redis, 3, "runaway") as (http, partner):
        client = PartnerClient(http, str(partner.id), partner.secret, make_iin(3), lang="kk")
        # 8 requests in well under a second: a burst of 3 from idle, then one every 333 ms at most
        sent = [(headers := client.headers("GET", PATH, b""), await http.get(PATH, headers=headers))
                for _ in range(8)]
        refused = [(headers, response) for headers, response in sent if response.status_code == 429]
        assert refused and all(r.status_code in (200, 429) for _, r in sent)
        headers, response = refused[0]
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["code"] == "rate_limited" and response.headers["Retry-After"] == "1"
        assert response.json()["title"] == "Сұраулар тым көп, кейінірек қайталаңыз"
        metrics = (await http.get("/metrics")).text
        assert f'zan_partner_throttled_total{{partner="{partner.name}"}} {float(len(refused))}' in metrics
        # GCRA admits again one emission interval (1/3 s here) after the last admitted request, whatever came
        # before (Retry-After rounds that up to a whole second); waiting longer only adds to it, so half a second
        # proves what a client retrying at Retry-After finds (a sleep on a loaded machine only lasts longer)
        await asyncio.sleep(0.5)
        assert (await http.get(PATH, headers=headers)).status_code == 200  # the same signature, now admitted


@pytest.mark.parametrize("with_redis", [True, False], ids=["redis", "no-redis"])
async def test_the_rate_is_metered_evenly_never_twice_the_limit_at_a_seconds_boundary(
        db_url: str, tmp_path: Path, with_redis: bool) -> None:
    """Counting per clock second lets `limit` requests through at the end of one second and `limit` more at the
    start of the next, 2 × limit in an instant. Metered evenly, a burst of `limit` from idle is all there is: after
    it, requests are admitted one emission interval (200 ms) apart. Sent flat out for 1.3 s from just before a
    second's boundary, no 200 ms ever admits more than the limit and the one request it can refill."""
    limit = 5
    async with _limited(db_url, tmp_path, with_redis, limit, "flat-out") as (http, partner):
        client = PartnerClient(http, str(partner.id), partner.secret, make_iin(4))
        admitted: list[float] = []
        await asyncio.sleep((0.85 - time.time() % 1) % 1)  # the first burst lands just before a second ends
        started = time.monotonic()
        n, refused = 0, 0
        # 1.3 s, and on a machine so loaded that requests come slower than the rate, on until one is refused
        while time.monotonic() - started < 1.3 or (refused == 0 and time.monotonic() - started < 20):
            n += 1  # each request its own signature (its query differs), all in the current second
            response = await client.get(f"{PATH}?limit=1&n={n}", ts=int(time.time()))
            if response.status_code != 429:
                admitted.append(time.monotonic())
            else:
                refused += 1
        elapsed = time.monotonic() - started
    assert refused and len(admitted) < n  # it was throttled
    densest = max(sum(1 for t in admitted if start <= t < start + 0.2) for start in admitted)
    assert densest <= limit + 1, (densest, len(admitted))
    assert len(admitted) <= limit + elapsed * limit + 1  # the burst, then the rate
