"""What a tablet does with `mutation_id_reused` is said where client developers read it (the OpenAPI description
of the push), and what it says works: an entry edited after it was sent goes again as a new change, with a new
mutation id *and* a new stamp. Under its old stamp the edit loses to the content first sent with it."""

from __future__ import annotations

import httpx
import pytest

from backend.context import Context
from tests.sync.conftest import assigned_report, crew_tablets, server_view, uuid7

pytestmark = pytest.mark.anyio


async def test_the_push_description_tells_what_to_do_with_each_kind_of_answer(app_client: httpx.AsyncClient) -> None:
    doc = (await app_client.get("/schema/openapi.json")).json()
    description = doc["paths"]["/api/v1/sync/push"]["post"].get("description", "")
    for said in ("mutation_id_reused", "new mutation id", "new `hlc`", "`internal`", "`retry`", "duplicate",
                 "unchanged", "final"):
        assert said in description, said


async def test_an_edited_entry_resent_under_a_new_id_needs_a_new_stamp(ctx: Context) -> None:
    unit, tablet, _ = await crew_tablets(ctx)
    report = await assigned_report(ctx, unit)
    rid = str(report.id)
    await tablet.pull_all()
    entry = tablet.edit("reports", rid, findings="Дверь вскрыта")
    await tablet.push()  # applied; the answer never reaches the tablet
    entry.fields = {"findings": "Дверь вскрыта, пропал ноутбук"}
    tablet.replica["reports"][rid].update(entry.fields)
    tablet.outbox.append(entry)
    assert (await tablet.push())[0]["reason"] == "mutation_id_reused"
    entry.mutation_id = uuid7()  # a new id alone: the old stamp already holds the first text
    tablet.outbox.append(entry)
    assert (await tablet.push())[0]["status"] == "superseded"
    entry.mutation_id, entry.hlc = uuid7(), tablet.hlc()  # as the description says: a new id and a new stamp
    tablet.outbox.append(entry)
    assert (await tablet.push())[0]["status"] == "applied"
    await tablet.pull_all()
    assert tablet.replica["reports"][rid]["findings"] == "Дверь вскрыта, пропал ноутбук"
    assert tablet.replica == await server_view(ctx, tablet)
