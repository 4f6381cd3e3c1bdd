"""Sync API shapes (msgspec Structs)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

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
    # each checked against MutationIn by push; the docs still show MutationIn ("extra" → Litestar's schema_extra
    # overrides the generated `items`). Any JSON value, not only objects: an entry the tablet's store lost (null, a
    # bare id) is one bad mutation, rejected alone (invalid_mutation_id); typed as an object here, it 422'd the whole
    # batch, and every resend of it, so nothing queued behind it ever reached the server
    mutations: Annotated[list[Any], msgspec.Meta(extra_json_schema={
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


class ConversationEntry(msgspec.Struct, omit_defaults=True):
    """One line of a report row's `conversation` (backend.sync.views._conversations), oldest first."""

    # police: a question to the reporter, staff's message or internal note; reporter: what the reporter wrote
    from_: Literal["police", "reporter"] = msgspec.field(name="from")
    text: str  # masked as the report's text is
    at: str
    internal: bool  # a staff note the reporter never read: not to be quoted to them
    # questions only (requests for information), as the console's card reads them (backend.dispatch.questions):
    # standing, answered, withdrawn (a step that did not wait for the answer ended it) or ended (otherwise,
    # unanswered); `current_unit`: asked since the unit holding the report took it (false: asked before, by the
    # console or a crew it was taken from: not this crew's to wait for)
    state: Literal["standing", "answered", "withdrawn", "ended"] | None = None
    current_unit: bool | None = None


class BlobOut(msgspec.Struct):
    sha256: str
    size: int
    received: int
    complete: bool
