"""The state tree (state.py) held packed, for `zan ledger verify`'s replay of every seal's state root: the same root
as state.apply's tree of nodes, in ~90 bytes a scope instead of ~1 KB (+260 MB at 313k reports, bench/ledger.py).

The dict of nodes keeps every place as a text of bits, a Node tuple and three bytes objects for each of ~2.4 nodes
a scope. Here the scopes are split by the first `bits` bits of their key into buckets; a bucket is one bytes object
of its leaves, sorted, each key ‖ leaf hash (64 bytes). Above the buckets the tree is complete: two flat arrays hold
each place's hash and how many leaves it has (0, 1, or 2 for two or more), indexed as a heap (the root 1, the
children of i at 2i and 2i + 1). A seal's heads rewrite the buckets they fall in, hash each of those buckets' subtree
again from its sorted leaves (a bucket holds 4–16 of them on average: `bits` grows by two as the scopes pass 16 a
bucket) and then the heap above them. Inner nodes below the buckets are not kept: they are hashed again when asked
for (`node`), which only the comparison with the stored tree does, once.

Why it is the same tree: a subtree's hash depends only on the set of leaves under it (state.apply only ever adds
or replaces a leaf, never removes one): none → EMPTY, one → that leaf's hash (a shortcut leaf, state.py), two or
more → inner_hash of its two halves.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator, Mapping

from backend.ledger.state import DEPTH, EMPTY, Node, inner_hash, leaf_hash

RECORD = 64  # key ‖ leaf hash
FIRST_BITS = 8  # 256 buckets to begin with: the heap's arrays are 16 kB
PER_BUCKET = 16  # leaves a bucket holds on average before the buckets split in four
Leaves = list[tuple[bytes, bytes]]  # (key, leaf hash), sorted by key


def _bit(key: bytes, depth: int) -> int:
    return (key[depth >> 3] >> (7 - (depth & 7))) & 1


def _split(leaves: Leaves, low: int, high: int, depth: int) -> int:
    """The first of leaves[low:high] (one subtree at `depth`, sorted) whose key has a 1 at `depth`."""
    return bisect.bisect_left(leaves, 1, low, high, key=lambda leaf: _bit(leaf[0], depth))


def _hash(leaves: Leaves, low: int, high: int, depth: int) -> bytes:
    """The hash of the subtree at `depth` that holds leaves[low:high]."""
    if high - low == 0:
        return EMPTY
    if high - low == 1:
        return leaves[low][1]
    middle = _split(leaves, low, high, depth)
    return inner_hash(_hash(leaves, low, middle, depth + 1), _hash(leaves, middle, high, depth + 1))


def _inner(leaves: Leaves, low: int, high: int, depth: int) -> int:
    """How many inner nodes the subtree at `depth` that holds leaves[low:high] has."""
    if high - low < 2:
        return 0
    middle = _split(leaves, low, high, depth)
    return 1 + _inner(leaves, low, middle, depth + 1) + _inner(leaves, middle, high, depth + 1)


def _unpacked(packed: bytes) -> Leaves:
    return [(packed[at:at + 32], packed[at + 32:at + RECORD]) for at in range(0, len(packed), RECORD)]


class PackedTree:
    """Every scope's head leaf, packed; `update` applies a seal's heads and gives the root."""

    def __init__(self, bits: int = FIRST_BITS, per_bucket: int = PER_BUCKET) -> None:
        self.per_bucket = per_bucket
        self.leaves = 0
        self._reset(bits)

    def _reset(self, bits: int) -> None:
        self.bits = bits
        self._buckets = [b""] * (1 << bits)  # by prefix: a list, not a dict (no key objects, no hash table)
        self._hashes = bytearray(32 * (2 << bits))  # all EMPTY
        self._counts = bytearray(2 << bits)

    def _bucket_of(self, key: bytes) -> int:
        return int.from_bytes(key[:4], "big") >> (32 - self.bits)

    def _set(self, index: int, digest: bytes, count: int) -> None:
        self._hashes[32 * index:32 * index + 32] = digest
        self._counts[index] = min(count, 2)

    def _hash_at(self, index: int) -> bytes:
        return bytes(self._hashes[32 * index:32 * index + 32])

    def _up(self, dirty: set[int]) -> None:
        """Hash the heap again above these places, a level at a time."""
        while dirty and 0 not in dirty:
            above: set[int] = set()
            for index in dirty:
                count = self._counts[2 * index] + self._counts[2 * index + 1]
                if count == 1:  # a single leaf goes up as itself (state.py's shortcut leaf)
                    digest = self._hash_at(2 * index if self._counts[2 * index] else 2 * index + 1)
                else:
                    digest = EMPTY if count == 0 else inner_hash(self._hash_at(2 * index),
                                                                  self._hash_at(2 * index + 1))
                self._set(index, digest, count)
                above.add(index >> 1)
            dirty = above

    def _store(self, prefix: int, leaves: Leaves) -> int:
        """Keep a bucket's sorted leaves and its subtree's hash; its place in the heap."""
        self._buckets[prefix] = b"".join(key + digest for key, digest in leaves)
        index = (1 << self.bits) | prefix
        self._set(index, _hash(leaves, 0, len(leaves), self.bits), len(leaves))
        return index

    def update(self, heads: Mapping[bytes, bytes]) -> bytes:
        """Set each key's leaf to its value (key → value, as state.apply); the root after."""
        changed: dict[int, dict[bytes, bytes]] = {}
        for key, value in heads.items():
            changed.setdefault(self._bucket_of(key), {})[key] = leaf_hash(key, value)
        dirty: set[int] = set()
        for prefix, new in changed.items():
            leaves = dict(_unpacked(self._buckets[prefix]))
            self.leaves += len(new.keys() - leaves.keys())
            leaves.update(new)
            dirty.add(self._store(prefix, sorted(leaves.items())) >> 1)
        self._up(dirty)
        if self.leaves > self.per_bucket << self.bits and self.bits + 2 <= 32:
            self._grow(self.bits + 2)
        return self.root()

    def _grow(self, bits: int) -> None:
        """More buckets (each split in four), so that a seal's heads rehash a few leaves each, not a growing lot."""
        buckets = self._buckets
        self._reset(bits)
        for prefix, packed in enumerate(buckets):
            buckets[prefix] = b""  # let go of each old bucket as it is split: the replay never holds two copies
            leaves = _unpacked(packed)
            start = 0
            while start < len(leaves):  # sorted: each new bucket's leaves are a run of the old one's
                into, end = self._bucket_of(leaves[start][0]), start + 1
                while end < len(leaves) and self._bucket_of(leaves[end][0]) == into:
                    end += 1
                self._store(into, leaves[start:end])
                start = end
        self._up(set(range(1 << (bits - 1), 1 << bits)))  # every place above the buckets, a level at a time

    def root(self) -> bytes:
        return self._hash_at(1)

    def node(self, place: str) -> Node | None:
        """The node state.apply's tree has at `place` (a text of bits), None where it has none. A leaf's value is
        not kept: a leaf is given with its key and hash, and value None."""
        if len(place) > DEPTH or place.strip("01"):
            return None
        depth, at = len(place), int(place or "0", 2)
        if depth <= self.bits:
            index = (1 << depth) | at
            count, above = self._counts[index], self._counts[index >> 1] if depth else 2
            if count == 0 or (count == 1 and above < 2):
                return None
            if count >= 2:
                return Node(self._hash_at(index))
            while depth < self.bits:  # the one leaf under it: down the side that has it
                index, depth = 2 * index if self._counts[2 * index] else 2 * index + 1, depth + 1
            key, digest = _unpacked(self._buckets[index - (1 << self.bits)])[0]
            return Node(digest, key)
        leaves = _unpacked(self._buckets[at >> (depth - self.bits)])
        keys = [int.from_bytes(key, "big") >> (DEPTH - depth) for key, _ in leaves]
        low, high = bisect.bisect_left(keys, at), bisect.bisect_right(keys, at)
        parent_count = bisect.bisect_right(keys, at | 1) - bisect.bisect_left(keys, at & ~1)
        if high - low == 0 or (high - low == 1 and parent_count < 2):
            return None
        if high - low == 1:
            return Node(leaves[low][1], leaves[low][0])
        return Node(_hash(leaves, low, high, depth))

    def size(self) -> int:
        """How many nodes state.apply's tree has: every leaf, and every place with two leaves or more under it."""
        above = sum(1 for index in range(1, 1 << self.bits) if self._counts[index] >= 2)
        return self.leaves + above + sum(_inner(leaves, 0, len(leaves), self.bits) for leaves in self._all())

    def _all(self) -> Iterator[Leaves]:
        for packed in self._buckets:
            yield _unpacked(packed)

    def matches(self, place: str, stored: Node) -> bool:
        """Whether a node read from the stored tree is the one this tree has at its place (a leaf's value by its
        hash: a leaf's hash is of its key and value)."""
        mine = self.node(place)
        if mine is None or mine.hash != stored.hash or mine.key != stored.key:
            return False
        if mine.key is None:  # an inner node holds no value
            return stored.value is None
        return stored.value is not None and leaf_hash(mine.key, stored.value) == stored.hash
