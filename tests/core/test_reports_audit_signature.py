"""Partner signatures over a request target that ends in a bare "?": ASGI hands the server the path without it, so
a correctly signed request was refused as forged (401 auth.signature_invalid)."""

from __future__ import annotations

import uuid

import msgspec
import pytest

from tests.helpers import PartnerClient

pytestmark = pytest.mark.anyio
PATH = "/api/v1/reports"


async def test_a_target_with_an_empty_query_is_taken_as_signed(citizen: PartnerClient) -> None:
    body = msgspec.json.encode({"text": "Во дворе дерутся", "location": {"lat": 51.16, "lon": 71.47}})
    headers = citizen.headers("POST", f"{PATH}?", body)
    headers.update({"Idempotency-Key": str(uuid.uuid4()), "Content-Type": "application/json"})
    created = await citizen.http.post(f"{PATH}?", content=body, headers=headers)
    assert created.status_code == 201, created.text
    listed = await citizen.http.get(f"{PATH}?", headers=citizen.headers("GET", f"{PATH}?", b""))
    assert listed.status_code == 200, listed.text
    assert [item["id"] for item in listed.json()["items"]] == [created.json()["id"]]
    # the one signature is still used once: its replay is refused whichever form it comes in
    again = await citizen.http.post(PATH, content=body, headers=headers)
    assert again.status_code == 401 and again.json()["code"] == "auth.replayed"


async def test_only_the_bare_question_mark_is_forgiven(citizen: PartnerClient) -> None:
    # a signature over another target (a query the server did not get, another path) is still a forgery
    for signed in (f"{PATH}?limit=5", f"{PATH}/", f"{PATH}??"):
        response = await citizen.http.get(PATH, headers=citizen.headers("GET", signed, b""))
        assert response.status_code == 401 and response.json()["code"] == "auth.signature_invalid", signed
    # and a query the server got must be signed with its "?"
    response = await citizen.http.get(f"{PATH}?limit=5", headers=citizen.headers("GET", f"{PATH}limit=5", b""))
    assert response.status_code == 401 and response.json()["code"] == "auth.signature_invalid"
