"""`zan ledger verify` replays every seal's state root (heads.Replay) in a packed tree (backend/ledger/packed.py):
the same roots and nodes as state.apply's dict of nodes, in a fraction of its memory. Before, the replay held the
dict: ~1 KB a report, 290 MB at 313k reports (docs/benchmarks.md)."""

from __future__ import annotations

import tracemalloc
import uuid

import pytest

from backend.ledger import heads, state
from backend.ledger.packed import PackedTree
from backend.ledger.record import Entry

# the seals' heads: a first scope alone, a second, then overlapping ranges (heads moved on, and new ones)
SEALS = [range(0, 1), range(1, 2), range(0, 5), range(3, 40), range(10, 300), range(250, 1200), range(0, 1200, 7)]


def _heads(scopes: range, seq: int) -> dict[bytes, bytes]:
    return {state.key_of(f"report:{n}"): state.head_value(f"report:{n}", seq, "ab" * 32) for n in scopes}


@pytest.mark.parametrize(("bits", "per_bucket"), [(0, 1), (1, 2), (8, 16), (0, 100)],
                         ids=["one bucket, growing each seal", "odd bits", "as verify runs it", "large buckets"])
def test_the_packed_tree_is_state_applys_tree(bits: int, per_bucket: int) -> None:
    nodes: dict[str, state.Node] = {}
    packed = PackedTree(bits, per_bucket)
    assert packed.root() == state.root(nodes) == state.EMPTY and packed.size() == 0
    for seq, scopes in enumerate(SEALS, 1):
        changes = _heads(scopes, seq)
        state.apply(nodes, changes)
        assert packed.update(changes) == state.root(nodes)
        assert packed.size() == len(nodes)
        for place, node in nodes.items():
            assert packed.matches(place, node), place
            for below in (place + "0", place + "1"):
                assert (below in nodes) == (packed.node(below) is not None), below
    assert packed.leaves == 1200


def test_a_stored_node_unlike_the_replayed_one_does_not_match() -> None:
    nodes: dict[str, state.Node] = {}
    packed = PackedTree()
    changes = _heads(range(50), 1)
    state.apply(nodes, changes)
    packed.update(changes)
    leaf = next(place for place, node in nodes.items() if node.key is not None)
    inner = next(place for place, node in nodes.items() if node.key is None)
    key, value = nodes[leaf].key, nodes[leaf].value
    assert key is not None and value is not None
    older = state.head_value("report:x", 0, "")
    assert not packed.matches(leaf, state.Node(state.leaf_hash(key, older), key, older))  # an older head put back
    assert not packed.matches(leaf, state.Node(nodes[leaf].hash, key, older))  # a value its hash is not of
    assert not packed.matches(leaf, state.Node(nodes[leaf].hash, key, None))
    assert not packed.matches(inner, nodes[inner]._replace(value=b"\x00" * 32))
    assert not packed.matches(inner, nodes[inner]._replace(hash=state.EMPTY))
    for place in (leaf + "0", "2", "0" * 257, leaf.replace("0", "x")):  # no node there, or no place at all
        assert not packed.matches(place, nodes[leaf])


def test_the_replay_holds_a_small_part_of_what_the_dict_of_nodes_took() -> None:
    """10,000 reports' heads in seals of 1,000, as `zan ledger verify` replays them: under 200 bytes a head held
    (the dict of nodes held ~1 KB). tracemalloc counts the bytes allocated, not the time taken."""
    scopes = 10_000
    replay = heads.Replay()
    tracemalloc.start()
    try:
        for seal, start in enumerate(range(0, scopes, 1000), 1):
            entries: list[Entry] = [("report_events", uuid.UUID(int=n), f"report:{n}", "ab" * 32, seal, 1, "cd" * 32)
                                    for n in range(start, start + 1000)]
            replay.seal(entries)
            del entries
        held, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert held < 200 * scopes, f"{held / scopes:.0f} bytes a head"
