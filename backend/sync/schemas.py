"""Sync API shapes (msgspec Structs)."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec

from backend.lib.clock import Instant

# the idempotency ledger's key column (sync_mutations.mutation_id)
MutationId = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
# "<ms:13>-<counter:05>-" (20 characters) + the device's node: a device id takes up to 100 characters
HLC_MAX_LENGTH = 20 + 100
# an officer text field (findings, summary, address details) or a note: a tablet's longer text is cut to this, and
# a dispatcher's correction of a field may be no longer
TEXT_MAX_LENGTH = 10_000


# push converts each mutation on its own (push.parse_mutation); the docstring is the published description
class MutationIn(msgspec.Struct):
    """One outbox entry. Each is validated on its own: a malformed one is answered `rejected` (the reason names the
    field), the rest of the batch applies."""

    mutation_id: MutationId
    entity: Annotated[str, msgspec.Meta(max_length=30)]
    id: Annotated[str, msgspec.Meta(max_length=64)]
    # create, update, delete, request_info
    op: Annotated[str, msgspec.Meta(max_length=20)]
    hlc: Annotated[str, msgspec.Meta(max_length=HLC_MAX_LENGTH)]
    fields: dict[str, Any] = msgspec.field(default_factory=dict)
    device_time: Instant | None = None


def _mutation_schema() -> dict[str, Any]:
    (_,), components = msgspec.json.schema_components([MutationIn], ref_template="#/components/schemas/{name}")
    return dict(components["MutationIn"])


class PushIn(msgspec.Struct):
    """Only the envelope is strict: a tablet's queue must never stick on one bad row (tablet-sync.md)."""

    device_id: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    # objects, each checked against MutationIn by push; the docs still show MutationIn ("extra" → Litestar's
    # schema_extra overrides the generated `items`)
    mutations: Annotated[list[dict[str, Any]], msgspec.Meta(extra_json_schema={
        "description": "Outbox entries (MutationIn). Each is validated on its own: a malformed one is answered "
                       "`rejected` with a reason naming the field (invalid_hlc, invalid_mutation_id, …), the rest "
                       "of the batch applies.",
        "extra": {"items": _mutation_schema()}})]


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
