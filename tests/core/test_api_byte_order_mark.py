"""A JSON body that starts with a UTF-8 byte order mark (what .NET's `Encoding.UTF8`, Windows PowerShell 5 and some
Windows editors write first) is read as the JSON after it: RFC 8259 §8.1 lets a parser ignore it, and a partner's
integration written on Windows was refused as 400 `validation.body_malformed` for the three bytes it never sees. The
partner's signature is still checked over the bytes as sent (mark included); a mark before something that is not
JSON is still 400, and a mark anywhere but first is no mark."""

from __future__ import annotations

import uuid

import pytest

from tests.helpers import PartnerClient

pytestmark = pytest.mark.anyio
BOM = b"\xef\xbb\xbf"
BODY = '{"text": "Во дворе дерутся, есть раненые", "location": {"lat": 51.1605, "lon": 71.4704}}'.encode()


async def _submit(citizen: PartnerClient, body: bytes) -> tuple[int, dict[str, object]]:
    response = await citizen.post("/api/v1/reports", raw=body, headers={"Idempotency-Key": str(uuid.uuid4())})
    return response.status_code, response.json()


async def test_a_body_after_a_byte_order_mark_is_registered(citizen: PartnerClient) -> None:
    status, answer = await _submit(citizen, BOM + BODY)
    assert status == 201, answer
    assert answer["text"] == "Во дворе дерутся, есть раненые"


async def test_what_is_not_json_after_the_mark_is_still_malformed(citizen: PartnerClient) -> None:
    for body in (BOM + b"not json", BOM, BOM + BOM + BODY, BODY[:1] + BOM + BODY[1:]):
        status, answer = await _submit(citizen, body)
        assert (status, answer.get("code")) == (400, "validation.body_malformed"), (body, answer)
