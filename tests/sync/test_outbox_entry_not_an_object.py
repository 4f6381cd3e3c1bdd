"""An outbox entry that is not a JSON object (a row the tablet's store lost, serialised as null) is one bad
mutation: rejected alone, the rest of its batch applied (docs/tablet-sync.md, Push: "a malformed one is `rejected`
alone and the rest of the batch applies"; the design's failure mode "upload queues stuck on one bad row")."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from backend.context import Context
from tests.officers.factories import bearer, login, make_officer, make_unit
from tests.sync.conftest import assigned_report, uuid7

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("bad", [None, "m-17", 5, ["m-17"]])
async def test_an_entry_that_is_not_an_object_is_rejected_alone(app_client: httpx.AsyncClient, ctx: Context,
                                                                 bad: Any) -> None:
    unit = await make_unit(ctx)
    officer, pw = await make_officer(ctx, unit=unit)
    device = "tab-null-entry"
    h = bearer(await login(app_client, officer.badge_number, pw, device))
    report = await assigned_report(ctx, unit)
    note = {"mutation_id": "m-ok", "entity": "notes", "id": uuid7(), "op": "create",
            "hlc": f"{int(time.time() * 1000):013d}-00001-{device}",
            "fields": {"report_id": str(report.id), "text": "Опросили соседей"}}
    body = {"device_id": device, "mutations": [bad, note]}
    first = await app_client.post("/api/v1/sync/push", headers=h, json=body)
    # before the fix: 422 validation.failed (/mutations/0) for the whole batch, every resend alike: the note never
    # reached the server and the outbox was stuck behind the bad entry for good
    assert first.status_code == 200, first.text
    bad_result, note_result = first.json()["results"]
    assert bad_result["status"] == "rejected" and bad_result["reason"] == "invalid_mutation_id", bad_result
    assert note_result["status"] == "applied", note_result
    # the same batch resent after a lost answer: the note once, answered from the ledger
    again = await app_client.post("/api/v1/sync/push", headers=h, json=body)
    assert again.status_code == 200, again.text
    assert [r["status"] for r in again.json()["results"]] == ["rejected", "duplicate"]
    pulled = (await app_client.get("/api/v1/sync/pull", headers=h)).json()
    assert [n["id"] for n in pulled["changes"]["notes"]["upserted"]] == [note["id"]]
