"""The state tree (backend/ledger/state.py) in the database: each seal moves the heads of the scopes it touched,
reading only their paths (level by level, both children of each inner node) and writing back the nodes it changed;
`ledger_state_nodes` holds the tree as of the newest seal.

The table is derived, not part of the record: the sealer takes it as it is only while its root is the head seal's
signed `state_root`. Otherwise (the first seal after migration x2, a restore, a hand in the database) the tree is
rebuilt from the entries, and sealing goes on only if the rebuilt root is the signed one, or the head seal has none
yet: a tree rebuilt over entries removed since would otherwise sign their removal into the state."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import sqlite
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from backend.db import is_postgres
from backend.ledger import state
from backend.ledger.chain import CHUNK, link
from backend.ledger.models import LedgerSeal, LedgerStateNode
from backend.ledger.packed import PackedTree
from backend.ledger.record import ENTRIES, Entry
from backend.ledger.state import Node

NODES = LedgerStateNode.__table__  # type: ignore[attr-defined]
WRITE_BATCH = 5000
UPPER = 14  # the levels a run's seals keep between them (Upper): at most 2**15 places, a few MB
TRIES = 3  # reads of a scope's path while seals committed in between leave it matching no seal
log = logging.getLogger(__name__)


def heads_of(entries: Iterable[Entry]) -> dict[bytes, bytes]:
    """Each scope's last chained entry among `entries`, as the state's key → value."""
    last: dict[str, Entry] = {}
    for entry in entries:
        seq = entry[5]
        if seq is not None and (entry[2] not in last or (last[entry[2]][5] or 0) < seq):
            last[entry[2]] = entry
    return {state.key_of(scope): state.head_value(scope, entry[5] or 0, link(entry)) for scope, entry in last.items()}


def _place_in(session: AsyncSession, places: Sequence[str]) -> Any:
    if is_postgres(session):
        return NODES.c.place == sa.func.any(sa.bindparam("places", list(places), type_=ARRAY(sa.String())))
    return NODES.c.place.in_(places)


def _node(row: Any) -> Node:
    return Node(bytes.fromhex(row.hash), bytes.fromhex(row.key) if row.key else None,
                bytes.fromhex(row.value) if row.value else None)


@dataclass
class Upper:
    """The tree's upper levels (places up to UPPER bits) as one run's seals read and wrote them, kept between its
    seals (service.seal_pending): a backlog's seals each touch thousands of scopes, and every one of them read these
    levels again. A place known empty is kept as None. Valid only on top of the seal it was kept at (`seal`): a
    seal made meanwhile by another process, or one rolled back, leaves it unused."""

    seal: int | None = None
    nodes: dict[str, Node | None] = field(default_factory=dict)

    def at(self, last: LedgerSeal) -> dict[str, Node | None]:
        if self.seal != last.id:
            self.seal, self.nodes = last.id, {}
        return self.nodes

    def kept(self, move: Advance, seal_id: int) -> None:
        """After the seal's commit: the levels as it left them."""
        if move.everything:
            self.nodes = {}
        self.nodes.update({place: move.nodes[place] for place in move.written if len(place) <= UPPER})
        self.seal = seal_id


async def load(session: AsyncSession, keys: Iterable[bytes],
               upper: dict[str, Node | None] | None = None) -> dict[str, Node] | None:
    """The stored nodes on the keys' paths and their siblings: what state.apply and state.path need; None when they
    do not hash up as a tree (state.holds: a node changed outside the service). `upper`: what is known of the upper
    levels (Upper), read from it instead of the table and filled in with what the table gives there. One query
    per level on PostgreSQL (an array parameter), 400 places a query on SQLite (its bound parameters)."""
    known: dict[str, Node | None] = {} if upper is None else upper
    chunk = 100_000 if is_postgres(session) else CHUNK
    nodes: dict[str, Node] = {}
    expanded: set[str] = set()
    going, wanted, depth = [state.bits(key) for key in keys], {""}, 0
    while wanted:  # the root at least: a seal with no entries (after a key's rotation) keeps the head's state
        nodes.update({place: node for place in wanted if (node := known.get(place)) is not None})
        ordered = sorted(place for place in wanted if place not in known)
        for start in range(0, len(ordered), chunk):
            rows = await session.execute(sa.select(NODES.c.place, NODES.c.hash, NODES.c.key, NODES.c.value)
                                         .where(_place_in(session, ordered[start:start + chunk])))
            nodes.update({row.place: _node(row) for row in rows})
        if upper is not None and depth <= UPPER:
            upper.update({place: nodes.get(place) for place in ordered})
        wanted, going = state.needed(nodes, going, depth)
        expanded.update(place[:-1] for place in wanted)
        depth += 1
    if state.holds(nodes, expanded):
        return nodes
    if upper is not None:
        upper.clear()  # what it was filled in with does not hold either
    return None


async def rebuild(session: AsyncSession, up_to: int) -> dict[str, Node]:
    """The whole tree from the entries sealed up to seal `up_to`: each scope's last chained entry."""
    seq = ENTRIES.c.scope_seq
    top = (sa.select(ENTRIES.c.scope, sa.func.max(seq).label("seq"))
           .where(seq.is_not(None), ENTRIES.c.seal_id <= up_to).group_by(ENTRIES.c.scope).subquery())
    rows = await session.execute(
        sa.select(ENTRIES.c.table_name, ENTRIES.c.row_id, ENTRIES.c.scope, ENTRIES.c.row_hash, ENTRIES.c.seal_id,
                  seq, ENTRIES.c.scope_prev)
        .join(top, sa.and_(ENTRIES.c.scope == top.c.scope, top.c.seq == seq)))
    nodes: dict[str, Node] = {}
    state.apply(nodes, heads_of(tuple(row) for row in rows))  # type: ignore[misc]
    return nodes


@dataclass
class Advance:
    """A seal's move of the state: its root (hex), and the nodes to write when the seal is stored."""

    root: str
    nodes: dict[str, Node]
    written: set[str]
    everything: bool = False  # the tree was rebuilt: the whole table is written anew


async def advance(session: AsyncSession, last: LedgerSeal | None, entries: Sequence[Entry],
                  upper: Upper | None = None) -> Advance | None:
    """The state after a new seal over `entries` (chained), on top of `last`; None when the stored tree is not
    the one `last` signed and the entries do not rebuild it either (run `zan ledger verify`). `upper`: the upper
    levels kept by the run's seals before (Upper.kept once this seal is committed)."""
    changes = heads_of(entries)
    if last is None:  # the first seal: whatever the table holds is from no seal
        nodes, everything = {}, True
    elif last.state_root is None:  # the first seal with a state (after migration x2): over every entry so far
        nodes, everything = await rebuild(session, last.id), True
    else:
        stored, everything = await load(session, changes, None if upper is None else upper.at(last)), False
        nodes = stored or {}
        if stored is None or state.root(nodes).hex() != last.state_root:
            nodes, everything = await rebuild(session, last.id), True
            if state.root(nodes).hex() != last.state_root:
                return None
            log.warning("ledger: the state tree was not the one seal %s signed; rebuilt from the entries", last.id)
    written = state.apply(nodes, changes)
    return Advance(state.root(nodes).hex(), nodes, set(nodes) if everything else written, everything)


async def store(session: AsyncSession, move: Advance, seal_id: int) -> None:
    """Write the nodes a seal changed (in the seal's transaction: a seal rolled back leaves the tree as it was)."""
    places = sorted(move.written)
    if move.everything:
        await session.execute(sa.delete(NODES))
    rows = [(place, node.hash.hex(), node.key.hex() if node.key else None, node.value.hex() if node.value else None)
            for place in places for node in (move.nodes[place],)]
    for start in range(0, len(rows), WRITE_BATCH):
        batch = rows[start:start + WRITE_BATCH]
        if is_postgres(session):
            # one statement over arrays: an upsert per row (executemany) took three times as long in
            # bench/ledger.py (1.8 s against 0.6 s over the backlog's 20 seals), most of the tree's share
            await session.execute(_UPSERT, {"places": [row[0] for row in batch], "hashes": [row[1] for row in batch],
                                            "keys": [row[2] for row in batch], "values": [row[3] for row in batch],
                                            "seal": seal_id})
            continue
        upsert = sqlite.insert(NODES)
        await session.execute(upsert.on_conflict_do_update(index_elements=[NODES.c.place], set_={
            name: upsert.excluded[name] for name in ("hash", "key", "value", "seal_id")}), [
            {"place": place, "hash": digest, "key": key, "value": value, "seal_id": seal_id}
            for place, digest, key, value in batch])


_TEXTS = ARRAY(sa.String())
_UPSERT = sa.text(
    "INSERT INTO ledger_state_nodes (place, hash, key, value, seal_id) "
    "SELECT place, hash, key, value, :seal FROM unnest(:places, :hashes, :keys, :values) AS t(place, hash, key, value) "
    "ON CONFLICT (place) DO UPDATE SET hash = excluded.hash, key = excluded.key, value = excluded.value, "
    "seal_id = excluded.seal_id").bindparams(
    sa.bindparam("places", type_=_TEXTS), sa.bindparam("hashes", type_=_TEXTS), sa.bindparam("keys", type_=_TEXTS),
    sa.bindparam("values", type_=_TEXTS), sa.bindparam("seal", type_=sa.Integer()))


@dataclass
class End:
    """Where a scope's walk in the stored tree ends: the siblings on the way, and the node there."""

    siblings: list[bytes]
    node: Node | None
    root: str


async def end_of(session: AsyncSession, scope: str) -> End | None:
    """None when the stored path does not hash up (state.holds): it shows the end as of no seal."""
    nodes = await load(session, [state.key_of(scope)])
    if nodes is None:
        return None
    siblings, node = state.path(nodes, state.key_of(scope))
    return End(siblings, node, state.root(nodes).hex())


async def sealed_end(session: AsyncSession, scope: str) -> tuple[LedgerSeal, End] | None:
    """The scope's path in the stored tree and the newest seal whose state root the tree has; None when it matches
    none of the last few seals (changed outside the service: the next seal rebuilds it), or no seal has a state."""
    for _ in range(TRIES):
        # the path first, then the seals: a seal committed in between leaves the path at a seal before it, or
        # half-way between two (matching none: read again)
        end = await end_of(session, scope)
        if end is None:  # the path does not hash up: a seal committing meanwhile may have been rewriting it
            continue
        recent = await session.scalars(sa.select(LedgerSeal).order_by(col(LedgerSeal.id).desc()).limit(TRIES))
        seal = next((seal for seal in recent if seal.state_root == end.root), None)
        if seal is not None:
            return seal, end
    return None


def ends_at(end: End, scope: str, entries: Iterable[Entry], root: str) -> bool:
    """Whether the scope's chain, as `entries` hold it, ends where the path shows it in the tree of `root`."""
    key = state.key_of(scope)
    last = heads_of(entries).get(key)
    node = end.node
    if last is not None:
        start = state.leaf_hash(key, last)
    elif node is None:
        start = state.EMPTY
    elif node.key is not None and node.key != key and node.value is not None:  # another scope's leaf
        start = state.leaf_hash(node.key, node.value)
    else:
        return False
    return state.leads_to(bytes.fromhex(root), key, start, end.siblings)


async def stored_differs(session: AsyncSession, head: LedgerSeal, replayed: PackedTree, page: int = 10_000) -> bool:
    """Whether the stored tree is not `replayed`, the tree replayed from the entries up to `head` (`zan ledger
    verify`): a node changed outside the service. Read a page at a time in the order of places; False when a seal
    made since `head` moved the stored tree on (which of the two it then holds cannot be told)."""
    after, seen = None, 0
    size: int | None = None  # the replayed tree's nodes, counted once at the stored tree's end
    while True:
        query = sa.select(NODES.c.place, NODES.c.hash, NODES.c.key, NODES.c.value).order_by(NODES.c.place).limit(page)
        if after is not None:
            query = query.where(NODES.c.place > after)
        rows = (await session.execute(query)).all()
        if len(rows) < page:
            size = replayed.size()
        if (any(not replayed.matches(row.place, _node(row)) for row in rows)
                or (size is not None and seen + len(rows) != size)):
            newer = await session.scalar(sa.select(col(LedgerSeal.id)).where(col(LedgerSeal.id) > head.id).limit(1))
            return newer is None
        if len(rows) < page:
            return False
        seen, after = seen + len(rows), rows[-1].place


class Replay:
    """The state recomputed from the entries, seal by seal (`zan ledger verify`): packed (packed.py), ~90 bytes a
    scope, where a dict of nodes took ~1 KB."""

    def __init__(self) -> None:
        self.tree = PackedTree()

    def seal(self, entries: Iterable[Entry]) -> str:
        return self.tree.update(heads_of(entries)).hex()
