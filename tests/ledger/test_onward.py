"""Nothing removed from a report after seal N: each seal's state root must follow from the one before and the rows it
sealed. The sealer takes from the stored tree (ledger_state_nodes) only nodes that hash up to the signed root
(state.holds), `zan ledger verify` flags a stored tree that is not the one the entries give, and a prosecutor who kept
an earlier proof checks a later one against it (`zan ledger check-proof later.json --since earlier.json`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import anyio
import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from backend.context import Context
from backend.ledger import heads, state
from backend.ledger import proof as ledger_proof
from backend.ledger.chain import link
from backend.ledger.cli import ledger as ledger_cli
from backend.ledger.models import LedgerSeal
from backend.ledger.record import ENTRIES, mac_of, sign_seal
from backend.ledger.since import check_since
from backend.ledger.verify import entries_of, verify, verify_report
from tests.ledger.records import (
    appended,
    as_superuser,
    built_proof,
    closed_later,
    public_keys,
    record_report,
    seal_now,
    uuid_param,
)

pytestmark = pytest.mark.anyio


async def _rolled_back(ctx: Context, scope: str, seq: int, *, with_root: bool) -> str:
    """The stored tree with the scope's leaf put back at its entry `seq`, each inner node above it hashed again up to
    the root's children (`with_root`: the root too), as someone with the database and no key can; the new root."""
    async with ctx.sessions() as session:
        nodes = {row.place: state.Node(bytes.fromhex(row.hash), bytes.fromhex(row.key) if row.key else None,
                                       bytes.fromhex(row.value) if row.value else None)
                 for row in await session.execute(sa.select(heads.NODES))}
        [entry] = await entries_of(session, sa.and_(ENTRIES.c.scope == scope, ENTRIES.c.scope_seq == seq))
    key = state.key_of(scope)
    place = next(at for at, node in nodes.items() if node.key == key)
    value = state.head_value(scope, seq, link(entry))
    nodes[place] = state.Node(state.leaf_hash(key, value), key, value)
    changed = [place]
    for depth in range(len(place) - 1, -1 if with_root else 0, -1):
        at = place[:depth]
        nodes[at] = state.Node(state.inner_hash(*(nodes[at + bit].hash if at + bit in nodes else state.EMPTY
                                                  for bit in "01")))
        changed.append(at)
    for at in changed:
        node = nodes[at]
        await as_superuser(ctx, "UPDATE ledger_state_nodes SET hash = :h, key = :k, value = :v WHERE place = :p",
                           h=node.hash.hex(), k=node.key.hex() if node.key else None,
                           v=node.value.hex() if node.value else None, p=at)
    return nodes[""].hash.hex()


async def _removed(ctx: Context, event_id: Any) -> None:
    """A superuser deletes the event and its entry."""
    await as_superuser(ctx, "DELETE FROM ledger_entries WHERE row_id = :id", id=uuid_param(ctx, event_id))
    await as_superuser(ctx, "DELETE FROM report_events WHERE id = :id", id=uuid_param(ctx, event_id))


async def test_an_older_head_put_back_below_the_signed_root_is_not_signed_by_the_next_seal(ctx: Context) -> None:
    """Before, the next seal took the rewritten nodes beside its own paths as they were and signed a root with the
    report's chain ending at entry 5; the closing event, removed then, left a proof of entries 1-5 that checked, and
    a history that said intact."""
    rows, closed = await closed_later(ctx)
    scope = f"report:{rows['report']}"
    await _rolled_back(ctx, scope, 5, with_root=False)
    await record_report(ctx)  # another report's rows: the next seal's paths pass by the rewritten ones
    [third] = await seal_now(ctx)
    await _removed(ctx, closed)

    proof = await built_proof(ctx, rows["report"])
    assert proof["end"]["seal"]["id"] == third.id and sorted(row["seq"] for row in proof["rows"]) == [1, 2, 3, 4, 5]
    assert ledger_proof.check(proof, public_keys(ctx)) == [
        f"the report's chain does not end at entry 5 as of seal {third.id}: entries sealed after it are not in the "
        "proof (left out or removed)"]
    async with ctx.sessions() as session:
        assert (await verify_report(session, ctx.settings.secret_keys, rows["report"])).broken_seals == [
            (third.id, "end")]
        whole = await verify(session, ctx.settings.secret_keys)
    assert (2, "digest") in whole.broken_seals  # as before: the whole check replays every seal's state


@pytest.mark.parametrize("with_root", [False, True], ids=["below the root", "the root too"])
async def test_verify_flags_a_state_node_changed_in_the_database(ctx: Context, with_root: bool) -> None:
    rows, _ = await closed_later(ctx)
    async with ctx.sessions() as session:
        assert (await verify(session, ctx.settings.secret_keys)).intact
    await _rolled_back(ctx, f"report:{rows['report']}", 5, with_root=with_root)
    async with ctx.sessions() as session:
        found = await verify(session, ctx.settings.secret_keys)
    assert not found.intact and found.broken_seals == [(2, "tree")]
    await appended(ctx, rows["report"], "comment")
    await seal_now(ctx)  # the sealer rebuilds the tree from the entries
    async with ctx.sessions() as session:
        assert (await verify(session, ctx.settings.secret_keys)).intact


async def _check_since(later: dict[str, Any], earlier: dict[str, Any], key: str, tmp_path: Path) -> dict[str, Any]:
    """`zan ledger check-proof later.json --since earlier.json`: its answer, and its exit code under `exit`."""
    (tmp_path / "later.json").write_text(json.dumps(later, ensure_ascii=False))
    (tmp_path / "earlier.json").write_text(json.dumps(earlier, ensure_ascii=False))
    ran = await anyio.to_thread.run_sync(lambda: CliRunner().invoke(ledger_cli, [
        "check-proof", str(tmp_path / "later.json"), "--public-key", key, "--since", str(tmp_path / "earlier.json")]))
    answer: dict[str, Any] = json.loads(ran.output)
    return answer | {"exit": ran.exit_code}


async def test_a_later_proof_goes_on_from_an_earlier_one_in_an_honest_history(ctx: Context, tmp_path: Path) -> None:
    rows, _ = await closed_later(ctx)
    earlier = await built_proof(ctx, rows["report"])
    await appended(ctx, rows["report"], "reopened")
    await record_report(ctx)
    await seal_now(ctx)
    later = await built_proof(ctx, rows["report"])
    assert later["end"]["seal"]["id"] == 3 and len(later["rows"]) == len(earlier["rows"]) + 1
    assert check_since(later, earlier, public_keys(ctx)) == []
    assert (await _check_since(later, earlier, public_keys(ctx)[0], tmp_path))["exit"] == 0
    # the other way round: the "later" proof is the older one
    assert check_since(earlier, later, public_keys(ctx))[0] == (
        "the later proof ends at seal 2, not at or after seal 3 of the earlier one")


async def test_a_later_proof_without_what_the_earlier_one_showed_is_refused(ctx: Context, tmp_path: Path) -> None:
    """Whoever holds the key re-makes seal 2 over a tree with the report's chain ending at entry 5, the next seal
    goes on from it, and the closing event is removed: the later proof checks on its own (its seals are signed and
    its state root says the chain ends at 5), but not against the proof a prosecutor kept from before."""
    rows, closed = await closed_later(ctx)
    earlier = await built_proof(ctx, rows["report"])
    root = await _rolled_back(ctx, f"report:{rows['report']}", 5, with_root=True)
    async with ctx.sessions() as session:
        second = await session.get(LedgerSeal, 2)
        assert second is not None
        second.state_root = root
        second.mac = mac = mac_of(ctx.settings.secret_key, second)
        second.signature = signature = sign_seal(ctx.settings.secret_key, second)
        await session.rollback()
    await as_superuser(ctx, "UPDATE ledger_seals SET state_root = :r, mac = :m, signature = :s WHERE id = 2",
                       r=root, m=mac, s=signature)
    await record_report(ctx)
    [third] = await seal_now(ctx)
    await _removed(ctx, closed)
    later = await built_proof(ctx, rows["report"])
    assert ledger_proof.check(later, public_keys(ctx)) == []  # what a proof alone cannot show

    assert check_since(later, earlier, public_keys(ctx)) == [
        f"report_events {closed}: sealed in seal 2 and in the earlier proof, not in the later one: removed after "
        "seal 2"]
    answer = await _check_since(later, earlier, public_keys(ctx)[0], tmp_path)
    assert answer["exit"] == 1 and answer["valid"] is False and len(answer["problems"]) == 1
    # a later proof that carries the re-made seal 2 shows it too
    carrying = {**later, "seals": [*later["seals"], {**earlier["end"]["seal"], "signature": signature}]}
    assert "seal 2 is not the same in the two proofs: it was made again" in check_since(
        carrying, earlier, public_keys(ctx))
    assert third.id == 3
