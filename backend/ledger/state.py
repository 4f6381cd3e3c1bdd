"""The state of the record: every scope's chain head (its last entry's number and leaf hash), in one sparse Merkle
tree whose root each seal signs (`LedgerSeal.state_root`). A report's proof then shows where the report's chain
ends as of a signed seal: the head leaf of its scope, with its path up to that root. Without it a proof could leave
out a report's latest entries (a later "closed: unfounded", a reassignment) and still check, since nothing after
the last listed entry names it.

The tree is keyed by sha256(scope), 256 levels deep, with shortcut leaves: a subtree holding one leaf is that leaf,
so a path is about log₂(scopes) hashes long and a seal rewrites O(touched scopes × that) nodes. A node's place is
the bits of the keys under it ('0'/'1' text, "" the root). Hashes are domain-separated from the seals' entry tree
(merkle.py): leaf = SHA-256(0x02 ‖ key ‖ value), inner = SHA-256(0x03 ‖ left ‖ right), an empty subtree 32 zero
bytes; value = SHA-256 of "scope TAB seq TAB link".

Why a path is sound: the sealer builds the tree honestly (its root is signed, and `zan ledger verify` recomputes it
from the entries), so a scope's leaf can only sit on its key's bits; a path that ends at a leaf of this scope, or at
an empty place or another scope's leaf on those bits, pins what the signed tree holds there (SHA-256 collision
resistance, leaves and inner nodes hashed apart).

Pure functions on bytes: the offline proof checker uses them without a database.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, MutableMapping, Sequence
from typing import NamedTuple

EMPTY = bytes(32)
DEPTH = 256


class Node(NamedTuple):
    """A node of the tree: its hash, and for a leaf the key and value it holds."""

    hash: bytes
    key: bytes | None = None
    value: bytes | None = None


def key_of(scope: str) -> bytes:
    return hashlib.sha256(scope.encode()).digest()


def head_value(scope: str, seq: int, link: str) -> bytes:
    """What a scope's leaf holds: its chain's last entry (number, and leaf hash: chain.link)."""
    return hashlib.sha256(f"{scope}\t{seq}\t{link}".encode()).digest()


def leaf_hash(key: bytes, value: bytes) -> bytes:
    return hashlib.sha256(b"\x02" + key + value).digest()


def inner_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x03" + left + right).digest()


def bits(key: bytes) -> str:
    """The key's 256 bits as text: a node's place is a prefix of it."""
    return format(int.from_bytes(key, "big"), f"0{DEPTH}b")


def _hash(node: Node | None) -> bytes:
    return EMPTY if node is None else node.hash


def root(nodes: Mapping[str, Node]) -> bytes:
    return _hash(nodes.get(""))


def apply(nodes: MutableMapping[str, Node], heads: Mapping[bytes, bytes]) -> set[str]:
    """Set each key's leaf to its value (key → value). `nodes` must hold every node on the keys' paths, and both
    children of each inner node there (`needed` says which); returns the places written."""
    written: set[str] = set()
    dirty: set[str] = set()  # inner nodes to hash again, deepest first
    for key, value in sorted(heads.items()):
        place, leaf, depth = bits(key), Node(leaf_hash(key, value), key, value), 0
        while True:
            at = place[:depth]
            node = nodes.get(at)
            if node is None or node.key == key:
                nodes[at] = leaf
                written.add(at)
                break
            if node.key is not None:  # another scope's leaf here: it moves one level down, this place turns inner
                nodes[bits(node.key)[:depth + 1]] = node
                written.add(bits(node.key)[:depth + 1])
                nodes[at] = Node(EMPTY)
            dirty.add(at)
            depth += 1
    for at in sorted(dirty, key=len, reverse=True):
        nodes[at] = Node(inner_hash(_hash(nodes.get(at + "0")), _hash(nodes.get(at + "1"))))
        written.add(at)
    return written


def needed(nodes: Mapping[str, Node], places: Iterable[str], depth: int) -> tuple[set[str], list[str]]:
    """For a store read level by level: given what is read down to `depth`, the places to read at `depth` + 1
    (both children of each inner node on a wanted key's path) and the keys (as bits) still going down."""
    wanted: set[str] = set()
    going: list[str] = []
    for place in places:
        node = nodes.get(place[:depth])
        if node is not None and node.key is None:
            wanted |= {place[:depth] + "0", place[:depth] + "1"}
            going.append(place)
    return wanted, going


def holds(nodes: Mapping[str, Node], expanded: Iterable[str]) -> bool:
    """Whether nodes read from a store hash up as a tree: each leaf is the hash of its key and value and sits on its
    key's bits, and each `expanded` inner node (both children read) is the hash of its two children. With the root
    equal to a signed root, every hash read (the siblings' included) is then the one the signed tree has there:
    without this, a node rewritten below an unchanged root (an older head put back in a report's leaf) was taken as
    a sibling by the next seal, which signed it into its own root."""
    for place, node in nodes.items():
        if node.key is not None and (node.value is None or node.hash != leaf_hash(node.key, node.value)
                                     or not bits(node.key).startswith(place)):
            return False
    for place in expanded:
        inner = nodes.get(place)
        if inner is None or inner.key is not None or inner.hash != inner_hash(_hash(nodes.get(place + "0")),
                                                                              _hash(nodes.get(place + "1"))):
            return False
    return True


def path(nodes: Mapping[str, Node], key: bytes) -> tuple[list[bytes], Node | None]:
    """The siblings from the root down to where the key's walk ends, and the node it ends at: the key's own leaf,
    another key's leaf on its bits, or None (an empty place)."""
    place, depth = bits(key), 0
    siblings: list[bytes] = []
    while True:
        node = nodes.get(place[:depth])
        if node is None or node.key is not None:
            return siblings, node
        siblings.append(_hash(nodes.get(place[:depth] + ("1" if place[depth] == "0" else "0"))))
        depth += 1


def leads_to(root_hash: bytes, key: bytes, start: bytes, siblings: Sequence[bytes]) -> bool:
    """Does `start` (a node's hash at depth len(siblings) on `key`'s bits) lead up `siblings` to `root_hash`?"""
    if len(siblings) > DEPTH:
        return False
    place, node = bits(key), start
    for depth in range(len(siblings) - 1, -1, -1):
        node = inner_hash(siblings[depth], node) if place[depth] == "1" else inner_hash(node, siblings[depth])
    return node == root_hash
