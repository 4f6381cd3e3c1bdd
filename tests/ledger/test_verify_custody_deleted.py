"""A custody record deleted in the database (its `assign` event sealed) is named by `zan ledger verify` (it passed)."""

from __future__ import annotations

import httpx
import pytest

from backend.context import Context
from tests.helpers import PartnerClient
from tests.ledger.records import as_superuser
from tests.ledger.test_verify_pinned import _case, _cli_verify, _db

pytestmark = pytest.mark.anyio


async def test_a_deleted_custody_record_fails_verify(
    ctx: Context, app_client: httpx.AsyncClient, citizen: PartnerClient
) -> None:
    case = await _case(ctx, app_client, citizen)
    await as_superuser(ctx, "DELETE FROM assignments WHERE id = :id", id=_db(ctx, case.assignments[1]))
    code, out = await _cli_verify(ctx)
    assert (code, out["intact"]) == (1, False), out
