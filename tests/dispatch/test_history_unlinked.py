"""The history's integrity verdict said `intact: false` when a report's ledger chain was broken (an entry removed
from the record by someone with the database), but none of its lists said why: the rows were all there and hashed
right, and every seal checked. It now lists the entries whose link to the one before no longer holds."""

from __future__ import annotations

import httpx
import pytest

from backend.context import Context
from tests.ledger.records import as_superuser, integrity_of
from tests.ledger.test_report_chain import _param, _report_in_three_seals

pytestmark = pytest.mark.anyio


async def test_an_intact_chain_lists_nothing_unlinked(ctx: Context, app_client: httpx.AsyncClient) -> None:
    rows, _, _ = await _report_in_three_seals(ctx)
    integrity = await integrity_of(ctx, app_client, rows["report"])
    assert integrity["intact"] is True and integrity["unlinked"] == []


async def test_a_middle_entry_deleted_shows_where_the_chain_breaks(ctx: Context, app_client: httpx.AsyncClient) -> None:
    """The report's events are sealed as its chain's entries 1…7; entry 6 (the event alone in seal 2) is deleted
    with raw SQL past the append-only triggers: entry 7 names an entry that is gone."""
    rows, middle, _ = await _report_in_three_seals(ctx)
    await as_superuser(ctx, "DELETE FROM ledger_entries WHERE row_id = :id", id=_param(ctx, middle))

    integrity = await integrity_of(ctx, app_client, rows["report"])
    assert integrity["intact"] is False
    assert integrity["unlinked"] == [{"scope": f"report:{rows['report']}", "seq": 7}]
    # nothing else explains it: the rows still hash to their seals, and the seals check
    assert (integrity["altered"], integrity["missing"], integrity["broken_seals"]) == ([], [], [])


async def test_unlinked_is_in_the_published_history(app_client: httpx.AsyncClient) -> None:
    schemas = (await app_client.get("/schema/openapi.json")).json()["components"]["schemas"]
    assert "unlinked" in schemas["Integrity"]["required"]
    assert schemas["ChainLink"]["required"] == ["scope", "seq"]
