"""Sync API shapes (msgspec Structs)."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec

from backend.lib.clock import Instant


class MutationIn(msgspec.Struct):
    mutation_id: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    entity: Annotated[str, msgspec.Meta(max_length=30)]
    id: Annotated[str, msgspec.Meta(max_length=64)]
    op: Annotated[str, msgspec.Meta(max_length=10)]
    hlc: Annotated[str, msgspec.Meta(max_length=80)]
    fields: dict[str, Any] = msgspec.field(default_factory=dict)
    device_time: Instant | None = None


class PushIn(msgspec.Struct):
    device_id: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    mutations: list[MutationIn]


class PushOut(msgspec.Struct):
    results: list[dict[str, Any]]
    server_hlc: str
    write_checkpoint: int


class PullOut(msgspec.Struct):
    changes: dict[str, dict[str, list[Any]]]
    cursor: str
    has_more: bool
    server_hlc: str


class BlobOut(msgspec.Struct):
    sha256: str
    size: int
    received: int
    complete: bool
