"""An Idempotency-Key is a client's opaque token of printable ASCII (the IETF draft's sf-string, %x20-7E: in practice
a UUID). A key with a NUL reached PostgreSQL, which refuses NUL in text: the report's creation answered 500. A key with
any control character is now refused at the edge, as a key too long is: 422 pointing at the header, nothing stored."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from backend.context import Context
from backend.reports.models import IdempotencyRecord, Report
from tests.helpers import PartnerClient

pytestmark = pytest.mark.anyio
TEXT = "Украли велосипед из подъезда"


@pytest.mark.parametrize("key", ["k\x00ey", "k\x01ey", "tab\tkey", "del\x7fkey"])
async def test_a_key_with_a_control_character_is_refused_at_the_header(ctx: Context, citizen: PartnerClient,
                                                                   key: str) -> None:
    answer = await citizen.submit(TEXT, key=key)
    assert answer.status_code == 422 and answer.json()["code"] == "validation.failed", answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    errors = answer.json()["errors"]
    assert [(e["pointer"], e["code"]) for e in errors] == [("#header/Idempotency-Key", "invalid")], answer.text
    async with ctx.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Report)) == 0
        assert await session.scalar(select(func.count()).select_from(IdempotencyRecord)) == 0


async def test_printable_keys_still_work(citizen: PartnerClient) -> None:
    for key in ("3f2b8c1e-9a4d-4e7b-8f00-1c2d3e4f5a6b", "order 17 / retry=\"a\"~!"):
        first = await citizen.submit(TEXT, key=key)
        again = await citizen.submit(TEXT, key=key)
        assert first.status_code == 201 and again.status_code == 201, (first.text, again.text)
        assert again.json()["id"] == first.json()["id"]
