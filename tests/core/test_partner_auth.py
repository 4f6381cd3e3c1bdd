"""Partner-app signatures: forgery, replay, clock skew, bad IIN, and the problem+json they produce."""

from __future__ import annotations

import time

import pytest

from tests.helpers import PartnerClient, bad_checksum

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


async def test_replayed_request_is_rejected(citizen: PartnerClient) -> None:
    headers = citizen.headers("GET", PATH, b"")
    first = await citizen.http.get(PATH, headers=headers)
    second = await citizen.http.get(PATH, headers=headers)
    assert first.status_code == 200
    assert second.status_code == 401 and second.json()["code"] == "auth.replayed"


@pytest.mark.redis
async def test_replay_is_detected_through_redis(citizen: PartnerClient) -> None:
    headers = citizen.headers("GET", PATH, b"")
    assert (await citizen.http.get(PATH, headers=headers)).status_code == 200
    assert (await citizen.http.get(PATH, headers=headers)).json()["code"] == "auth.replayed"


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


async def test_iin_is_never_stored_in_clear(citizen: PartnerClient, ctx) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from backend.citizens.models import Citizen

    assert (await citizen.get(PATH)).status_code == 200
    async with ctx.sessions() as session:
        rows = list(await session.scalars(select(Citizen)))
    assert len(rows) == 1
    assert rows[0].iin_last4 == citizen.iin[-4:]
    assert citizen.iin not in (rows[0].iin_hash or "")
