"""One mutation of a tablet's outbox (the wire shape: backend.sync.schemas.MutationIn): read on its own, refused
with a reason code when it does not fit, and what its fields say (the report it is about, its HLC stamp and device
time, the officer's texts it carries). Shared by the steps that apply mutations (backend.sync.push and the modules it
hands each entity to)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import msgspec

from backend.lib.clock import utcnow
from backend.officers.auth import OfficerPrincipal
from backend.reports.service import By
from backend.sync import hlc as hlcs
from backend.sync.schemas import MutationId, MutationIn
from backend.sync.views import OFFICER_FIELDS

# a MutationIn field that fails validation → the reason code the tablet gets (the same codes the apply step uses)
INVALID_REASON = {"mutation_id": "invalid_mutation_id", "entity": "unknown_entity", "op": "unknown_op",
                  "id": "invalid_id", "hlc": "invalid_hlc", "fields": "invalid_fields",
                  "device_time": "invalid_device_time"}
_FIELD_IN_ERROR = re.compile(r"(?:`\$\.|required field `)(\w+)")


@dataclass
class Mutation:
    mutation_id: str
    entity: str
    id: str
    op: str
    hlc: str
    fields: dict[str, Any]
    device_time: datetime | None = None


class Rejected(Exception):
    def __init__(self, reason: str, **extra: Any) -> None:
        super().__init__(reason)
        self.reason = reason
        self.extra = extra


def result_of(m: Mutation, status: str, reason: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"mutation_id": m.mutation_id, "status": status, "reason": reason, "applied_fields": [],
            "superseded_fields": [], "ignored_fields": [], **extra}


def parse_mutation(raw: Mutation | Mapping[str, Any]) -> tuple[Mutation, Rejected | None]:
    """(the mutation, None) or (what could be read of it, why it is rejected): validated against MutationIn here,
    not when the body is decoded, so one malformed mutation does not 422 the batch."""
    try:
        valid = msgspec.convert(raw, MutationIn, strict=False, from_attributes=True)
    except msgspec.ValidationError as exc:
        return _unparsed(raw, str(exc))
    return Mutation(mutation_id=valid.mutation_id, entity=valid.entity, id=valid.id, op=valid.op, hlc=valid.hlc,
                    fields=valid.fields, device_time=valid.device_time), None


def _unparsed(raw: Mutation | Mapping[str, Any], detail: str) -> tuple[Mutation, Rejected]:
    def text(name: str) -> str:
        value = raw.get(name) if isinstance(raw, Mapping) else getattr(raw, name, None)
        return value if isinstance(value, str) else ""

    sent_id = raw.get("mutation_id") if isinstance(raw, Mapping) else getattr(raw, "mutation_id", None)
    m = Mutation(mutation_id=text("mutation_id"), entity=text("entity"), id=text("id"), op=text("op"), hlc="",
                 fields={})
    try:
        msgspec.convert(sent_id, MutationId)
    except msgspec.ValidationError:
        # echoed as sent (results are also in batch order), so the tablet can still drop it from its outbox
        return m, Rejected("invalid_mutation_id", mutation_id=sent_id, detail=detail)
    field = _FIELD_IN_ERROR.search(detail)
    return m, Rejected(INVALID_REASON.get(field.group(1), "invalid_mutation") if field else "invalid_mutation",
                       detail=detail)


def uuid_or_none(raw: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(raw))
    except (ValueError, TypeError):
        return None


def report_id_of(m: Mutation) -> uuid.UUID | None:
    return uuid_or_none(m.id if m.entity == "reports" else m.fields.get("report_id"))


def client_uuid(raw: str) -> uuid.UUID:
    try:
        return uuid.UUID(raw)
    except ValueError as exc:
        raise Rejected("invalid_id") from exc


def by_tablet(officer: OfficerPrincipal) -> By:
    return By(officer.actor, str(officer.officer_id), "tablet")


def stamp_of(m: Mutation) -> hlcs.Hlc:
    try:
        stamp = hlcs.parse(m.hlc)
    except ValueError as exc:
        raise Rejected("invalid_hlc") from exc
    if stamp.counter > hlcs.MAX_COUNTER:
        # stored as "<ms:13>-<counter:05>-<node:40>" in a 60-character column: a longer counter would fail the
        # write on PostgreSQL, an `internal` answer the tablet would resend for ever
        raise Rejected("invalid_hlc")
    return hlcs.CLOCK.accept(stamp)


def device_time_of(m: Mutation, stamp: hlcs.Hlc) -> datetime:
    when = m.device_time or datetime.fromtimestamp(stamp.ms / 1000, UTC)
    return min(when, utcnow())


def texts_of(m: Mutation) -> dict[str, Any]:
    """The officer's text fields a report update carries, as sent (what a refusal keeps: `kept`)."""
    return {name: m.fields[name] for name in OFFICER_FIELDS if name in m.fields}


def keeping(report_id: uuid.UUID, *, fields: Mapping[str, Any] | None = None, text: str = "") -> dict[str, Any]:
    """A refusal's extras that keep the officer's texts on the server: the report's text fields (`fields`, a
    write-up's) or else a note's `text`. `kept: true` tells the tablet; `_keep` the ledger stores with its row and
    seals into the report's record (ledger._record_kept, sealed.text_kept), never sent back. The caller decides
    whether the officer's crew has or had the report: a stranger's text never enters a report's record."""
    return {"kept": True, "_keep": {"report_id": str(report_id), **({"fields": fields} if fields else {"text": text})}}
