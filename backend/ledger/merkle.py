"""The Merkle tree over a seal's entries (RFC 9162 §2.1: leaf = SHA-256(0x00 ‖ line), node = SHA-256(0x01 ‖ left ‖
right), split at the largest power of two below the size). One row's inclusion in a seal is then proven by
log₂(n) hashes, so a proof of one report's rows reveals nothing of the other rows in the same seal.

Pure functions on bytes and hex: the offline proof checker uses them without a database.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence


def leaf_line(table: str, row_id: str, scope: str, row_hash: str, seq: int | None = None,
              prev: str | None = None) -> str:
    """An entry as a line: what the seal's flat digest and its tree are both made of. An entry in its scope's chain
    (backend/ledger/chain.py) adds its number there and the leaf hash of the scope's entry before it; entries
    sealed before the chains keep the four fields their seals were made over."""
    if seq is None:
        return f"{table}\t{row_id}\t{scope}\t{row_hash}\n"
    return f"{table}\t{row_id}\t{scope}\t{row_hash}\t{seq}\t{prev}\n"


def leaf_hash(line: str) -> bytes:
    return hashlib.sha256(b"\x00" + line.encode()).digest()


def _node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two below n (n ≥ 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def _root(leaves: Sequence[bytes]) -> bytes:
    if len(leaves) == 1:
        return leaves[0]
    k = _split(len(leaves))
    return _node(_root(leaves[:k]), _root(leaves[k:]))


def root(lines: Sequence[str]) -> str:
    """The tree's root over the sorted lines (hex); the empty tree's is SHA-256 of nothing."""
    if not lines:
        return hashlib.sha256(b"").hexdigest()
    return _root([leaf_hash(line) for line in sorted(lines)]).hex()


def _path(index: int, leaves: Sequence[bytes]) -> list[bytes]:
    if len(leaves) == 1:
        return []
    k = _split(len(leaves))
    if index < k:
        return [*_path(index, leaves[:k]), _root(leaves[k:])]
    return [*_path(index - k, leaves[k:]), _root(leaves[:k])]


def inclusion(lines: Sequence[str], wanted: Sequence[str]) -> dict[str, tuple[int, list[str]]]:
    """For each wanted line: its index among the sorted lines and its audit path (hex)."""
    ordered = sorted(lines)
    leaves = [leaf_hash(line) for line in ordered]
    position = {line: index for index, line in enumerate(ordered)}
    return {line: (position[line], [h.hex() for h in _path(position[line], leaves)]) for line in wanted}


def verify_inclusion(line: str, index: int, size: int, path: Sequence[str], root_hex: str) -> bool:
    """RFC 9162 §2.1.3.2: does `line`, at `index` of a tree of `size` leaves, lead up `path` to `root_hex`?"""
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf_hash(line)
    for step in path:
        if sn == 0:
            return False
        p = bytes.fromhex(step)
        if fn & 1 or fn == sn:
            r = _node(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
        else:
            r = _node(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r.hex() == root_hex
