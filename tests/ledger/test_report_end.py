"""Where a report's chain ends (backend/ledger/state.py): each seal signs the root of every scope's chain head, and
a report's proof (zan-ledger-proof-v4) carries its head's path up to the newest seal's root. A proof that leaves
out the report's latest entries (a later "closed: unfounded", a reassignment) no longer checks; before, nothing
after the last listed entry named it, and the checker accepted the proof."""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio
import httpx
import msgspec
import pytest
from click.testing import CliRunner
from sqlalchemy import delete, insert, select

from backend.context import Context
from backend.ledger import proof as ledger_proof
from backend.ledger import state
from backend.ledger.cli import ledger as ledger_cli
from backend.ledger.heads import NODES
from backend.ledger.models import LedgerSeal, LedgerStateNode
from backend.ledger.record import mac_of, seal_public_key, sign_seal
from backend.ledger.service import seal_pending
from backend.ledger.verify import verify, verify_report
from tests.core.factories import make_report
from tests.ledger.records import (
    appended,
    as_superuser,
    built_proof,
    closed_later,
    integrity_of,
    public_keys,
    record_report,
    seal_now,
    uuid_param,
)

pytestmark = pytest.mark.anyio


def _without(proof: dict[str, Any], row_id: uuid.UUID) -> dict[str, Any]:
    """The proof with one row taken out, and the seals only that row needed."""
    edited = copy.deepcopy(proof)
    edited["rows"] = [row for row in edited["rows"] if row["id"] != str(row_id)]
    needed = {row["seal"] for row in edited["rows"]}
    edited["seals"] = [seal for seal in edited["seals"] if seal["id"] in needed]
    return edited


async def test_a_proof_without_the_reports_last_entry_is_refused(ctx: Context, tmp_path: Path) -> None:
    rows, closed = await closed_later(ctx)
    proof = await built_proof(ctx, rows["report"])
    assert proof["format"] == "zan-ledger-proof-v4" and proof["end"]["seal"]["id"] == 2
    assert proof["end"]["ends_at"] == "head" and sorted(row["seq"] for row in proof["rows"]) == [1, 2, 3, 4, 5, 6]
    assert ledger_proof.check(proof, public_keys(ctx)) == []
    assert ledger_proof.limits(proof) == [
        f"complete as of seal 2, sealed at {proof['end']['seal']['sealed_at']}: rows sealed after it, and the 0 not "
        "sealed yet, are not covered; a proof of an earlier seal than the newest you know of (`zan ledger "
        "check-chain`) may leave out what came after"]

    # the closing event left out: entries 1-5 are contiguous and linked, and before this the proof checked
    assert ledger_proof.check(_without(proof, closed), public_keys(ctx)) == [
        "the report's chain does not end at entry 5 as of seal 2: entries sealed after it are not in the proof (left "
        "out or removed)"]
    saved = tmp_path / "proof.json"
    saved.write_text(json.dumps(_without(proof, closed), ensure_ascii=False))
    ran = await anyio.to_thread.run_sync(lambda: CliRunner().invoke(
        ledger_cli, ["check-proof", str(saved), "--public-key", public_keys(ctx)[0]]))
    out = json.loads(ran.output)
    assert ran.exit_code == 1 and out["valid"] is False and out["cannot_show"] == ledger_proof.limits(proof)


async def test_the_last_entry_removed_from_the_database_fails_the_proof_and_the_history_check(ctx: Context) -> None:
    """A superuser deletes the closing event and its entry: the proof built then lists entries 1-5, and the
    report's history check no longer looks at seal 2 (it holds none of the report's entries now)."""
    rows, closed = await closed_later(ctx)
    await as_superuser(ctx, "DELETE FROM ledger_entries WHERE row_id = :id", id=uuid_param(ctx, closed))
    await as_superuser(ctx, "DELETE FROM report_events WHERE id = :id", id=uuid_param(ctx, closed))
    proof = await built_proof(ctx, rows["report"])
    assert sorted(row["seq"] for row in proof["rows"]) == [1, 2, 3, 4, 5]
    assert ledger_proof.check(proof, public_keys(ctx)) == [
        "the report's chain does not end at entry 5 as of seal 2: entries sealed after it are not in the proof (left "
        "out or removed)"]
    async with ctx.sessions() as session:
        one = await verify_report(session, ctx.settings.secret_keys, rows["report"])
        whole = await verify(session, ctx.settings.secret_keys)
    assert one.broken_seals == [(2, "end")]
    assert (2, "digest") in whole.broken_seals and (2, "state") in whole.broken_seals
    # …and the next seal does not sign a state rebuilt without it
    await as_superuser(ctx, "DELETE FROM ledger_state_nodes")
    await record_report(ctx)
    assert await seal_now(ctx) == []


async def test_the_last_entry_removed_with_the_state_tree_put_back_fails_the_history_check(
        ctx: Context, app_client: httpx.AsyncClient) -> None:
    """The same deletion, and the superuser also puts back the state tree as it was after seal 1 (a derived table:
    he can keep a copy, or rebuild it from the entries, with no key). The tree then matches seal 1's signed state,
    where the report's chain does end at entry 5: the history took that older seal's word and said intact."""
    rows = await record_report(ctx)
    await seal_now(ctx)
    async with ctx.sessions() as session:
        kept = [dict(row._mapping) for row in await session.execute(select(NODES))]
    closed = await appended(ctx, rows["report"])
    await seal_now(ctx)
    await as_superuser(ctx, "DELETE FROM ledger_entries WHERE row_id = :id", id=uuid_param(ctx, closed))
    await as_superuser(ctx, "DELETE FROM report_events WHERE id = :id", id=uuid_param(ctx, closed))
    async with ctx.engine.begin() as conn:
        await conn.execute(delete(NODES))
        await conn.execute(insert(NODES), kept)
    async with ctx.sessions() as session:
        one = await verify_report(session, ctx.settings.secret_keys, rows["report"])
    assert one.broken_seals == [(2, "end")]
    integrity = await integrity_of(ctx, app_client, rows["report"])
    assert not integrity["intact"] and integrity["broken_seals"] == [2], integrity


async def test_a_later_seal_that_did_not_touch_the_report_still_checks(ctx: Context) -> None:
    rows, _ = await closed_later(ctx)
    other = await record_report(ctx)  # another report's rows alone in seal 3
    await seal_now(ctx)
    proof = await built_proof(ctx, rows["report"])
    assert proof["end"]["seal"]["id"] == 3 and max(row["seal"] for row in proof["rows"]) == 2
    assert ledger_proof.check(proof, public_keys(ctx)) == []
    assert ledger_proof.check(await built_proof(ctx, other["report"]), public_keys(ctx)) == []
    async with ctx.sessions() as session:
        assert (await verify(session, ctx.settings.secret_keys)).intact
        assert (await verify_report(session, ctx.settings.secret_keys, rows["report"])).intact


async def test_a_report_with_nothing_sealed_shows_no_head_and_cannot_borrow_one(ctx: Context) -> None:
    rows, _ = await closed_later(ctx)
    async with ctx.sessions() as session:
        bare = await make_report(session)
        await session.commit()
    empty = await built_proof(ctx, bare.id)
    assert empty["rows"] == [] and empty["end"]["ends_at"] in {"empty", "other"}
    assert ledger_proof.check(empty, public_keys(ctx)) == []
    # the first report's proof with every row taken out, under the bare report's end: its leaf is there
    forged = copy.deepcopy(empty)
    forged["report_id"] = str(rows["report"])
    assert ledger_proof.check(forged, public_keys(ctx)) == [
        "the report's chain does not end at its listed rows as of seal 2: entries sealed after it are not in the "
        "proof (left out or removed)"]


def _sibling(proof: dict[str, Any]) -> None:
    proof["end"]["siblings"][-1] = "00" * 32 if proof["end"]["siblings"][-1] != "00" * 32 else "11" * 32


def _shorter(proof: dict[str, Any]) -> None:
    proof["end"]["siblings"] = proof["end"]["siblings"][1:]


def _older(proof: dict[str, Any]) -> None:
    proof["end"]["seal"]["id"] = 1


def _root(proof: dict[str, Any]) -> None:
    proof["end"]["seal"]["state_root"] = "ab" * 32


def _empty(proof: dict[str, Any]) -> None:
    proof["end"]["ends_at"] = "empty"


NOT_THE_END = ("the report's chain does not end at entry 6 as of seal 2: entries sealed after it are not in the proof "
               "(left out or removed)")
UNSIGNED = ("seal {id} in `end` is not signed by a trusted key with a state root: the proof does not show where the "
            "report's chain ends")


@pytest.mark.parametrize(("edit", "expected"), [
    (_sibling, [NOT_THE_END]),
    (_shorter, [NOT_THE_END]),
    (_empty, [NOT_THE_END]),
    (_older, [UNSIGNED.format(id=1)]),
    (_root, [UNSIGNED.format(id=2)]),
    (lambda proof: proof.pop("end"), ["the proof does not show where the report's chain ends (no `end`): entries "
                                      "sealed after the last one it lists may have been left out"]),
], ids=["a sibling changed", "a level left out", "said to end at an empty place", "an older seal's number",
        "another state root", "no end"])
async def test_tampering_with_the_state_path_is_refused(ctx: Context, edit: Callable[[dict[str, Any]], Any],
                                                        expected: list[str]) -> None:
    rows, _ = await closed_later(ctx)
    proof = await built_proof(ctx, rows["report"])
    edit(proof)
    assert ledger_proof.check(proof, public_keys(ctx)) == expected


async def test_seals_made_before_states_still_verify_and_the_next_one_builds_it(ctx: Context) -> None:
    """Seal 1 as migration x2 found it: no state root, MAC and signature (zan-ledger-seal-v1) made without it. The
    next seal builds the tree over every entry so far; proofs of rows in either check."""
    rows = await record_report(ctx)
    await seal_now(ctx)
    async with ctx.sessions() as session:
        seal = await session.get(LedgerSeal, 1)
        assert seal is not None
        seal.state_root = None
        old_mac = mac_of(ctx.settings.secret_key, seal)
        seal.mac = old_mac
        old_signature = sign_seal(ctx.settings.secret_key, seal)
        await session.rollback()
    await as_superuser(ctx, "UPDATE ledger_seals SET state_root = NULL, mac = :m, signature = :s WHERE id = 1",
                       m=old_mac, s=old_signature)
    await as_superuser(ctx, "DELETE FROM ledger_state_nodes")
    async with ctx.sessions() as session:
        assert (await verify(session, ctx.settings.secret_keys)).intact
        assert (await verify_report(session, ctx.settings.secret_keys, rows["report"])).intact

    old = await built_proof(ctx, rows["report"])  # no seal has a state yet: a proof without `end`
    assert old["end"] is None and [seal["state_root"] for seal in old["seals"]] == [None]
    assert ledger_proof.check({**old, "format": "zan-ledger-proof-v3"}, public_keys(ctx)) == []
    assert ledger_proof.limits({**old, "format": "zan-ledger-proof-v3"}) == [
        "a zan-ledger-proof-v3 does not show where the report's chain ends: entries sealed after the last one it "
        "lists may have been left out (fetch the proof again, as a zan-ledger-proof-v4)"]

    closed = await appended(ctx, rows["report"])
    [second] = await seal_now(ctx)
    assert second.state_root is not None
    async with ctx.sessions() as session:
        assert (await verify(session, ctx.settings.secret_keys)).intact
        nodes = list(await session.scalars(select(LedgerStateNode)))
    assert any(node.key == state.key_of(f"report:{rows['report']}").hex() for node in nodes)
    proof = await built_proof(ctx, rows["report"])
    assert [seal["state_root"] is None for seal in proof["seals"]] == [True, False]
    assert ledger_proof.check(proof, public_keys(ctx)) == []
    assert ledger_proof.check(_without(proof, closed), public_keys(ctx)) != []


async def test_a_state_tree_changed_in_the_database_is_rebuilt_from_the_entries(ctx: Context) -> None:
    rows, _ = await closed_later(ctx)
    await as_superuser(ctx, "UPDATE ledger_state_nodes SET hash = :h WHERE place = ''", h="cd" * 32)
    assert (await built_proof(ctx, rows["report"]))["end"] is None  # the tree matches no seal: the proof cannot show it
    await appended(ctx, rows["report"])
    [third] = await seal_now(ctx)  # rebuilt: the entries give the root seal 2 signed
    proof = await built_proof(ctx, rows["report"])
    assert proof["end"]["seal"]["id"] == third.id and ledger_proof.check(proof, public_keys(ctx)) == []
    async with ctx.sessions() as session:
        assert (await verify(session, ctx.settings.secret_keys)).intact


async def test_an_empty_seal_after_a_rotation_keeps_the_state(ctx: Context, caplog: pytest.LogCaptureFixture) -> None:
    rows, _ = await closed_later(ctx)
    old, new = ctx.settings.secret_key, f"rotated-{uuid.uuid4().hex}"
    async with ctx.sessions() as session:
        before = await session.get(LedgerSeal, 2)
        [moved] = await seal_pending(session, (new, old))
        assert before is not None and moved.rows == 0 and moved.state_root == before.state_root
        built = await ledger_proof.build(session, (new, old), rows["report"])
    assert "rebuilt" not in caplog.text  # read from the stored tree, not rebuilt from every entry
    proof = msgspec.json.decode(msgspec.json.encode(built))
    assert proof["end"]["seal"]["id"] == 3
    assert ledger_proof.check(proof, [seal_public_key(new), seal_public_key(old)]) == []


def test_the_state_tree_proves_each_head_and_each_absence() -> None:
    nodes: dict[str, state.Node] = {}
    heads = {state.key_of(f"report:{n}"): state.head_value(f"report:{n}", n, "ab" * 32) for n in range(40)}
    state.apply(nodes, dict(list(heads.items())[:25]))
    state.apply(nodes, dict(list(heads.items())[20:]))  # five heads moved on, fifteen new
    rebuilt: dict[str, state.Node] = {}
    state.apply(rebuilt, heads)
    assert state.root(nodes) == state.root(rebuilt)  # the same tree however the seals came
    for key, value in heads.items():
        siblings, node = state.path(nodes, key)
        assert node is not None and node.key == key and len(siblings) < 16
        assert state.leads_to(state.root(nodes), key, state.leaf_hash(key, value), siblings)
        assert not state.leads_to(state.root(nodes), key, state.leaf_hash(key, state.head_value("x", 1, "")),
                                  siblings)
    absent = state.key_of("report:absent")
    siblings, node = state.path(nodes, absent)
    start = state.EMPTY if node is None else state.leaf_hash(node.key or b"", node.value or b"")
    assert state.leads_to(state.root(nodes), absent, start, siblings)
