"""Conformance of the sync implementation with its design (/work/shared/design/tablet-sync.md).

Each test enforces one line of the design that the code does not hold today; the quoted line is in the comment."""

from __future__ import annotations

import hashlib
import time

import httpx
import pytest

from backend.context import Context
from backend.officers.models import Unit
from tests.officers.factories import bearer, login, make_officer, make_unit
from tests.sync.conftest import Tablet, assigned_report, crew_tablets, server_view, uuid7

pytestmark = pytest.mark.anyio


async def _crew(ctx: Context) -> tuple[Unit, Tablet]:
    unit = await make_unit(ctx)
    officer, _ = await make_officer(ctx, unit=unit)
    return unit, Tablet(ctx, officer, unit.id)


# Design: "Push applies each mutation in a SAVEPOINT (one bad mutation does not sink the batch)", and among the
# failure modes to avoid: "upload queues stuck on one bad row"; "On a network error the client resends the same
# batch with the same mutation ids."
async def test_one_unacceptable_mutation_does_not_sink_the_batch(app_client: httpx.AsyncClient, ctx: Context) -> None:
    unit = await make_unit(ctx)
    officer, pw = await make_officer(ctx, unit=unit)
    # a legal device id (login and PushIn.device_id take up to 100 characters) used as the tablet's HLC node,
    # as "HLC per device" suggests; hlc.parse() even truncates long nodes, so the server expects them
    device = "tab-" + "0123456789abcdef" * 5  # 84 characters
    h = bearer(await login(app_client, officer.badge_number, pw, device))
    report = await assigned_report(ctx, unit)
    now_ms = int(time.time() * 1000)
    note_ok, note_long_node = uuid7(), uuid7()
    body = {"device_id": device, "mutations": [
        {"mutation_id": "m-ok", "entity": "notes", "id": note_ok, "op": "create",
         "hlc": f"{now_ms:013d}-00001-tab", "fields": {"report_id": str(report.id), "text": "Прибыли на место"}},
        {"mutation_id": "m-long-node", "entity": "notes", "id": note_long_node, "op": "create",
         "hlc": f"{now_ms:013d}-00002-{device}", "fields": {"report_id": str(report.id), "text": "Опросили соседей"}},
    ]}
    r = await app_client.post("/api/v1/sync/push", headers=h, json=body)
    # today: 422 (/mutations/1/hlc too_long) for the whole batch; the tablet resends the same batch for ever and
    # nothing in it, not even the first note, is ever applied
    assert r.status_code == 200, (r.status_code, r.text)
    results = {res["mutation_id"]: res for res in r.json()["results"]}
    assert results["m-ok"]["status"] == "applied", results


# Design: "Whenever the server did not apply a mutation exactly as sent (rejected, superseded, applied into another
# scope), it writes a dirty marker into the **pusher's** scope so the next pull overwrites the tablet's optimistic
# guess."
async def test_update_whose_fields_were_all_ignored_is_overwritten_on_the_next_pull(ctx: Context) -> None:
    unit, tab = await _crew(ctx)
    report = await assigned_report(ctx, unit)
    rid = str(report.id)
    await tab.pull_all()
    server_language = tab.replica["reports"][rid]["language"]
    tab.edit("reports", rid, language="en" if server_language != "en" else "kk")  # optimistic local apply
    [result] = await tab.push()
    assert result["applied_fields"] == [] and result["ignored_fields"] == ["language"], result
    await tab.pull_all()
    # today: "applied" with nothing applied and no marker: the tablet shows its own guess for ever
    assert tab.replica["reports"][rid]["language"] == server_language, result
    assert tab.replica == await server_view(ctx, tab)


# Same design line; notes are "append-only": a note re-sent under the same client id with other text is not
# applied as sent, so the pusher's replica must be told.
async def test_note_resent_with_other_text_is_overwritten_on_the_next_pull(ctx: Context) -> None:
    unit, tab = await _crew(ctx)
    report = await assigned_report(ctx, unit)
    rid = str(report.id)
    await tab.pull_all()
    note = uuid7()
    tab.edit("notes", note, "create", report_id=rid, text="Опросил соседей")
    await tab.sync()
    assert tab.replica["notes"][note]["text"] == "Опросил соседей"
    tab.edit("notes", note, "create", report_id=rid, text="Опросил соседей и дворника")  # a new mutation id
    [result] = await tab.push()
    await tab.pull_all()
    # today: "applied", the server keeps the first text, and no marker: the tablet keeps the text it guessed
    assert tab.replica["notes"][note]["text"] == "Опросил соседей", result
    assert tab.replica == await server_view(ctx, tab)


# Same design line; evidence: "duplicate upload of the same hash is a no-op". The no-op keeps the earlier item's
# id, so the pusher's own id was not applied as sent and must leave its replica.
async def test_evidence_deduplicated_by_hash_does_not_leave_a_phantom_item(ctx: Context) -> None:
    unit, a, b = await crew_tablets(ctx)
    report = await assigned_report(ctx, unit)
    rid = str(report.id)
    data = b"dashcam 21:15" * 50
    sha = hashlib.sha256(data).hexdigest()
    fields = {"report_id": rid, "sha256": sha, "size": len(data), "content_type": "video/mp4"}
    await a.pull_all()
    await b.pull_all()
    first_id, second_id = uuid7(), uuid7()
    a.edit("evidence", first_id, "create", **fields)
    [first] = await a.push()
    assert first["status"] == "applied"
    # the second crew member's tablet attached the same clip (shared over Bluetooth) under its own id
    b.edit("evidence", second_id, "create", **fields)
    b.replica["evidence"][second_id] = {"id": second_id, **fields}  # the tablet's optimistic row
    [second] = await b.push()
    assert second["status"] == "applied" and second.get("existing_id") == first_id, second
    await b.pull_all()
    # today: no marker for second_id in b's scope: the tablet lists the clip twice, once under an id the server
    # never stored
    assert second_id not in b.replica["evidence"], second
    assert b.replica == await server_view(ctx, b)


# "Whenever the server did not apply a mutation exactly as sent, it writes a dirty marker into the pusher's scope":
# the same file sent again under its own id with another caption is kept as it was, so the caption was ignored
async def test_evidence_resent_with_another_caption_is_overwritten_on_the_next_pull(ctx: Context) -> None:
    unit, a, _ = await crew_tablets(ctx)
    report = await assigned_report(ctx, unit)
    data = b"photo of the scene" * 40
    fields = {"report_id": str(report.id), "sha256": hashlib.sha256(data).hexdigest(), "size": len(data),
              "content_type": "image/jpeg", "caption": "Вид со двора"}
    await a.pull_all()
    evidence_id = uuid7()
    a.edit("evidence", evidence_id, "create", **fields)
    [first] = await a.push()
    assert first["status"] == "applied"
    await a.pull_all()
    a.edit("evidence", evidence_id, "create", **{**fields, "caption": "Вид со двора, машина во дворе"})
    a.replica["evidence"][evidence_id]["caption"] = "Вид со двора, машина во дворе"  # the tablet's optimistic edit
    [again] = await a.push()
    assert again["status"] == "applied" and again["ignored_fields"] == ["caption"], again
    await a.pull_all()
    assert a.replica["evidence"][evidence_id]["caption"] == "Вид со двора"
    assert a.replica == await server_view(ctx, a)
