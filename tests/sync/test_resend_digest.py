"""An outbox entry resent unchanged after a lost answer is answered `duplicate` however the app serialised it this
time: the ledger's digest of the content (sent_fields) reads what the JSON means, not how it was written. Answered
`mutation_id_reused`, the tablet re-sends the entry re-stamped under a new id (tablet-sync.md), which could make an
old text outrun a crewmate's later one. An entry really edited under its id is still told `mutation_id_reused`."""

from __future__ import annotations

import unicodedata
from typing import Any

import pytest

from backend.context import Context
from tests.sync.conftest import Tablet, assigned_report, crew_tablets, uuid7

pytestmark = pytest.mark.anyio

_TEXT = "Задержан гражданин Й., изъят телефон; ёлка у подъезда"


async def _resent(tablet: Tablet, entity: str, op: str, first: dict[str, Any], again: dict[str, Any]) -> str:
    """The status of the resend of one entry, sent first with `first`, then (its answer lost) with `again`."""
    entry = tablet.edit(entity, uuid7(), op, **first)
    (answer,) = await tablet.push()
    assert answer["status"] == "applied", answer
    entry.fields = again
    tablet.outbox.append(entry)
    (resent,) = await tablet.push()
    return str(resent["status"] if resent["status"] == "duplicate" else resent["reason"])


async def test_an_unchanged_entry_serialised_another_way_is_a_duplicate(ctx: Context) -> None:
    unit, tablet, _ = await crew_tablets(ctx)
    report = await assigned_report(ctx, unit)
    rid = str(report.id)
    await tablet.pull_all()
    nfc = unicodedata.normalize("NFC", _TEXT)
    nfd = unicodedata.normalize("NFD", _TEXT)
    assert nfc != nfd
    # the same text in decomposed form (a store or keyboard that writes "й" as "и" and a combining breve)
    assert await _resent(tablet, "notes", "create", {"report_id": rid, "text": nfc},
                         {"report_id": rid, "text": nfd}) == "duplicate"
    evidence = {"report_id": rid, "sha256": "cd" * 32, "size": 2048, "content_type": "image/jpeg"}
    # a number written 2048.0, and a key sent as null by a serialiser that writes nulls (left out the first time)
    assert await _resent(tablet, "evidence", "create", evidence,
                         {**evidence, "size": 2048.0, "caption": None}) == "duplicate"
    # the content really changed: not a duplicate
    assert await _resent(tablet, "notes", "create", {"report_id": rid, "text": "Прибыли"},
                         {"report_id": rid, "text": "Прибыли, дверь открыта"}) == "mutation_id_reused"
    assert await _resent(tablet, "evidence", "create", {**evidence, "sha256": "ce" * 32},
                         {**evidence, "sha256": "ce" * 32, "size": 2049}) == "mutation_id_reused"
