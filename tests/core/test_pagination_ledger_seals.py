"""GET /api/v1/ledger/seals pages by `after` (the last seal id a monitor has) and `limit`, and lists signed seals
only. The limit counted every seal read, signed or not: a page whose seals were all unsigned (made before
signatures, or blanked by a superuser) came back empty, which a monitor reads as "no seal after this one" while
signed seals followed. Real app, PostgreSQL and SQLite."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from backend.context import Context
from backend.ledger.proof import check_chain
from backend.ledger.record import seal_public_key
from backend.ledger.service import seal_pending
from tests.ledger.records import as_superuser, made_before_signatures, oversight_headers, record_report

pytestmark = pytest.mark.anyio


async def _seal(ctx: Context) -> None:
    await record_report(ctx)
    async with ctx.sessions() as session:
        assert await seal_pending(session, ctx.settings.secret_keys)


async def _seals(ctx: Context, client: httpx.AsyncClient, after: int, limit: int) -> list[dict[str, Any]]:
    got = await client.get(f"/api/v1/ledger/seals?after={after}&limit={limit}",
                           headers=await oversight_headers(ctx, client))
    assert got.status_code == 200, got.text
    seals: list[dict[str, Any]] = got.json()
    return seals


async def test_a_first_run_past_a_page_of_seals_made_before_signatures_reaches_the_signed_ones(
        ctx: Context, app_client: httpx.AsyncClient) -> None:
    for seal_id in (1, 2):  # a deployment sealed before its seals were signed
        await _seal(ctx)
        await made_before_signatures(ctx, seal_id)
    for _ in range(2):
        await _seal(ctx)
    # a monitor's first run, a page no larger than the seals made before signatures
    seals = await _seals(ctx, app_client, after=0, limit=2)
    assert [seal["id"] for seal in seals] == [3, 4]
    assert check_chain(seals, [seal_public_key(ctx.settings.secret_key)]) == []


async def test_signatures_blanked_over_a_whole_page_do_not_pass_for_nothing_new(
        ctx: Context, app_client: httpx.AsyncClient) -> None:
    for _ in range(5):
        await _seal(ctx)
    key = seal_public_key(ctx.settings.secret_key)
    first = await _seals(ctx, app_client, after=0, limit=1)
    kept = {"id": 1, "signature": first[0]["signature"]}  # what the monitor pinned
    # a superuser blanks seals 2 and 3 (their MAC does not cover the signature)
    await as_superuser(ctx, "UPDATE ledger_seals SET signature = NULL WHERE id IN (2, 3)")
    # the monitor's next run starts at the kept seal, with a page of three
    seals = await _seals(ctx, app_client, after=0, limit=3)
    assert [seal["id"] for seal in seals] == [1, 4, 5]
    assert check_chain(seals, [key], kept) == ["seal 4: comes after seal 1"]
