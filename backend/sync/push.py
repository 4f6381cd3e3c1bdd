"""POST /sync/push: apply a tablet's outbox, each mutation in its own SAVEPOINT, exactly once per mutation id.

Results: applied | duplicate (already seen: the stored answer) | rejected (reason) | superseded (a later or
dispatcher write won). Two rejections are transient and not stored, so the tablet sends the same mutation again:
`internal` (a fault of ours) and `retry` (a race with a concurrent push of the same mutation id). A mutation that
does not fit MutationIn is rejected on its own (reason naming the field); one whose mutation_id cannot key the
ledger is answered `invalid_mutation_id` without a ledger row. Whenever the server did not apply a mutation exactly
as sent, it marks the entity dirty in the *pusher's* scope, so the next pull overwrites the tablet's optimistic guess.
"""

from __future__ import annotations

import hashlib
import logging
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, TypeVar

import msgspec
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from backend.audit.service import record
from backend.dispatch import service as dispatch
from backend.dispatch.schemas import Reason
from backend.lib.clock import utcnow
from backend.lib.errors import ZanError
from backend.officers.auth import OfficerPrincipal
from backend.reports import appeals
from backend.reports import service as reports
from backend.reports.models import Report
from backend.reports.service import By
from backend.reports.workflow import GROUND_RANK, KEEPS_STATUS, Action, Outcome, Status, recorded_in_place
from backend.sync import blobs, sealed
from backend.sync import hlc as hlcs
from backend.sync.changes import mark_dirty, mark_report, max_seq, officer_scope, unit_scope
from backend.sync.custody import (
    closed_in_crews_hands,
    custody,
    former_custody,
    former_holder,
    held_when_written,
    past_custody,
    written_at,
)
from backend.sync.duty import OFF_DUTY_GRACE, ROLE_CHANGED, Duty, audit_push, held_then
from backend.sync.models import Evidence, EvidenceBlob, ReportField, ReportNote, SyncMutation
from backend.sync.schemas import TEXT_MAX_LENGTH, MutationId, MutationIn
from backend.sync.views import OFFICER_FIELDS, Viewer, report_visible

log = logging.getLogger("zan.sync")
_Row = TypeVar("_Row")
MAX_BATCH = 500
# the tablet's status lattice; a status never moves backwards from a tablet and never uses time
# the ground steps rank as the workflow ranks them (reports.ground_reached reads how far a crew got by the same)
LATTICE = {"assigned": 0, **{step.value: rank for step, rank in GROUND_RANK.items()}, "resolved": 3}
# where the statuses that say where the crew is stand on it; in_progress and awaiting_reporter say how the work goes
# instead, and the crew's own steps tell how far it got (_reached)
SERVER_RANK = {Status.ASSIGNED: 0, Status.EN_ROUTE: 1, Status.ON_SCENE: 2, Status.CLOSED: 3}
STEP_ACTION = {"en_route": Action.EN_ROUTE, "on_scene": Action.ON_SCENE, "resolved": Action.RESOLVE}
READ_ONLY = frozenset({"priority", "urgent", "unit_id", "assignee", "category", "department", "citizen_id",
                       "reporter", "anonymous", "number", "text", "deadline_at", "restricted", "resolution",
                       "duplicate_of", "lat", "lon", "accuracy_m", "district", "incident_id", "primary"})
REPORT_EXTRA = frozenset({"status", "outcome"})
ENTITIES = ("reports", "notes", "evidence")
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


@dataclass
class PushResult:
    results: list[dict[str, Any]]
    server_hlc: str
    write_checkpoint: int


class Rejected(Exception):
    def __init__(self, reason: str, **extra: Any) -> None:
        super().__init__(reason)
        self.reason = reason
        self.extra = extra


def _result(m: Mutation, status: str, reason: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"mutation_id": m.mutation_id, "status": status, "reason": reason, "applied_fields": [],
            "superseded_fields": [], "ignored_fields": [], **extra}


async def push(session: AsyncSession, *, officer: OfficerPrincipal, viewer: Viewer,
               mutations: Sequence[Mutation | Mapping[str, Any]], duty: Duty | None = None) -> PushResult:
    """`mutations`: raw JSON objects from the API, or Mutation objects; each is validated on its own. `duty`: the
    past field duty of an officer whose role is no longer a field role (backend.sync.duty): each mutation is applied
    as the field officer they were when it was written, or refused `role_changed`."""
    if len(mutations) > MAX_BATCH:
        raise ZanError("sync.batch_too_large", 413, extra={"max": MAX_BATCH})
    parsed = [parse_mutation(raw) for raw in mutations]
    session.info[_ABSENT], session.info[_HELD] = set(), []
    try:
        await _prefetch(session, officer, [m for m, invalid in parsed if invalid is None])
        results = []
        for m, invalid in parsed:
            acting = officer
            if duty is not None and invalid is None:
                acting, invalid = await _on_duty(session, officer, viewer, duty, m)
            results.append(await _one(session, acting, viewer, m, invalid))
        if duty is not None:
            await audit_push(session, officer, results)
        await session.commit()
    finally:
        session.info.pop(_ABSENT, None)
        session.info.pop(_HELD, None)
    return PushResult(results=results, server_hlc=str(hlcs.CLOCK.now()), write_checkpoint=await max_seq(session))


def parse_mutation(raw: Mutation | Mapping[str, Any]) -> tuple[Mutation, Rejected | None]:
    """(the mutation, None) or (what could be read of it, why it is rejected): validated against MutationIn here,
    not when the body is decoded, so one malformed mutation does not 422 the batch."""
    try:
        valid = msgspec.convert(raw, MutationIn, strict=False, from_attributes=True)
    except msgspec.ValidationError as exc:
        return _unparsed(raw, str(exc))
    return Mutation(mutation_id=valid.mutation_id, entity=valid.entity, id=valid.id, op=valid.op, hlc=valid.hlc,
                    fields=valid.fields, device_time=valid.device_time), None


async def _on_duty(session: AsyncSession, officer: OfficerPrincipal, viewer: Viewer, duty: Duty,
                   m: Mutation) -> tuple[OfficerPrincipal, Rejected | None]:
    """A desk officer's mutation: (who applies it, None) as the field officer they were when it was written, on a
    report their crew had then; else (them, why it is refused): `role_changed` when written after they left field
    duty (final: the tablet drops it, its text kept for staff), `not_assigned` for a report their crew was given only
    after they left the field (a stamp dated back cannot reach work given out since)."""
    written = written_at(m.device_time, m.hlc)
    then = duty.at(written)
    report_id = _report_id_of(m)
    report = await _get(session, Report, report_id) if report_id is not None else None
    if then is None or utcnow() - then.ended > OFF_DUTY_GRACE:
        return officer, Rejected(ROLE_CHANGED, **await _kept_off_duty(session, officer, viewer, m, report, written))
    if report is not None and not await held_then(session, officer, viewer, report, written, then):
        # its text kept as a field officer's note for a unit they left is (unit_changed)
        return officer, Rejected("not_assigned", **await _kept_off_duty(session, officer, viewer, m, report, written))
    return replace(officer, role=then.role), None


async def _kept_off_duty(session: AsyncSession, officer: OfficerPrincipal, viewer: Viewer, m: Mutation,
                         report: Report | None, written: datetime | None) -> dict[str, Any]:
    """A `role_changed` refusal keeps the texts it carried, as a moved officer's late note is kept, on a report their
    crew has or had (no text reaches a report's record from an officer who never had it)."""
    texts = _texts(m) if m.entity == "reports" and m.op == "update" else {}
    text = str(m.fields.get("text") or "").strip()[:TEXT_MAX_LENGTH] if (m.entity, m.op) == ("notes", "create") else ""
    if report is None or not (texts or text):
        return {}
    if not (await custody(session, viewer, report)
            or (await past_custody(session, officer, report, written)).verdict is not None):
        return {}
    return {"kept": True, "_keep": {"report_id": str(report.id), **({"fields": texts} if texts else {"text": text})}}


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


# A batch reads what its mutations will look up in a few statements up front, instead of one lookup per mutation:
# rows that exist land in the session's identity map (session.get then answers without SQL), and keys found missing
# are remembered here (session.info) so their lookup is skipped too. A key leaves the set as soon as the batch
# creates that row, so a creation rolled back with its savepoint is simply looked up again.
_ABSENT, _HELD = "zan.sync.absent", "zan.sync.held"


async def _get(session: AsyncSession, model: type[_Row], key: Any) -> _Row | None:
    if (model, key) in session.info.get(_ABSENT, ()):
        return None
    return await session.get(model, key)


def _created(session: AsyncSession, model: type, key: Any) -> None:
    session.info.get(_ABSENT, set()).discard((model, key))


async def _prefetch(session: AsyncSession, officer: OfficerPrincipal, mutations: list[Mutation]) -> None:
    absent: set[tuple[type, Any]] = session.info[_ABSENT]
    # the identity map holds unmodified rows weakly: keep the prefetched ones alive for the batch
    held: list[Any] = session.info[_HELD]
    # lock every report the batch touches in one ordered statement: two devices pushing overlapping batches
    # queue behind each other instead of deadlocking (and read them fresh, after the lock)
    report_ids = sorted({rid for m in mutations if (rid := _report_id_of(m)) is not None})
    if report_ids:
        found = list(await session.scalars(
            select(Report).where(Report.id.in_(report_ids)).order_by(Report.id)  # type: ignore[attr-defined, arg-type]
            .with_for_update().execution_options(populate_existing=True)))
        held.extend(found)
        absent |= {(Report, rid) for rid in set(report_ids) - {r.id for r in found}}
    mutation_ids = list({m.mutation_id for m in mutations})
    seen = set(await session.scalars(select(SyncMutation.mutation_id).where(  # type: ignore[call-overload]
        SyncMutation.device_id == officer.device_id, SyncMutation.mutation_id.in_(mutation_ids))))  # type: ignore[arg-type, attr-defined]
    absent |= {(SyncMutation, (officer.device_id, mid)) for mid in mutation_ids if mid not in seen}
    note_ids = {nid for m in mutations if m.entity == "notes" and (nid := _uuid_or_none(m.id)) is not None}
    if note_ids:
        notes = set(await session.scalars(select(ReportNote.id).where(ReportNote.id.in_(note_ids))))  # type: ignore[call-overload, attr-defined]
        absent |= {(ReportNote, nid) for nid in note_ids - notes}
    field_keys = {(rid, name) for m in mutations if m.entity == "reports" and (rid := _report_id_of(m)) is not None
                  for name in OFFICER_FIELDS if name in m.fields}
    if field_keys:
        rows = list(await session.scalars(select(ReportField).where(  # type: ignore[call-overload]
            ReportField.report_id.in_({rid for rid, _ in field_keys}))))  # type: ignore[attr-defined]
        held.extend(rows)
        absent |= {(ReportField, key) for key in field_keys - {(f.report_id, f.field) for f in rows}}


def _uuid_or_none(raw: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(raw))
    except (ValueError, TypeError):
        return None


def _report_id_of(m: Mutation) -> uuid.UUID | None:
    return _uuid_or_none(m.id if m.entity == "reports" else m.fields.get("report_id"))


class _Duplicate(Exception):
    pass


async def _one(session: AsyncSession, officer: OfficerPrincipal, viewer: Viewer, m: Mutation,
               invalid: Rejected | None = None) -> dict[str, Any]:
    if invalid is not None and invalid.reason == "invalid_mutation_id":
        # no ledger row can be keyed by it; the answer is final all the same (the id will not get any better)
        return _finish(session, officer, m, _result(m, "rejected", invalid.reason, **invalid.extra))
    ledger_key = (officer.device_id, m.mutation_id)
    stored = await _get(session, SyncMutation, ledger_key)
    if stored is not None:
        return _duplicate(session, officer, m, stored)
    try:
        async with session.begin_nested():
            if invalid is not None:
                raise invalid
            result = await _apply(session, officer, viewer, m)
            result = _finish(session, officer, m, result)
            await session.flush()
            # the ledger row commits with the change or not at all: a concurrent request with the same mutation id
            # blocks on this insert, then hits the conflict and rolls its own change back, so a mutation can never
            # take effect twice
            session.add(SyncMutation(device_id=officer.device_id, mutation_id=m.mutation_id,
                                     officer_id=officer.officer_id, result={**result, SENT: _sent(m)}))
            _created(session, SyncMutation, ledger_key)
            try:
                await session.flush()
            except IntegrityError as exc:
                raise _Duplicate from exc
            return result
    except _Duplicate:
        again = await session.get(SyncMutation, ledger_key, populate_existing=True)
        return _duplicate(session, officer, m, again) if again is not None else _result(m, "rejected", "retry")
    except Rejected as exc:
        extra = dict(exc.extra)
        keep = extra.pop("_keep", None)
        result = _result(m, "rejected", exc.reason, **extra)
        if keep is not None:
            return await _store_rejected(session, officer, m, _finish(session, officer, m, result), keep)
    except ZanError as exc:
        result = _result(m, "rejected", exc.code)
    except Exception:  # one bad mutation must never sink the batch or answer 500
        log.exception("mutation %s failed", m.mutation_id)
        # not written to the ledger: a fault of ours may be passing (a lost connection, a bug fixed by the next
        # deploy), and a ledger row would answer every resend with `duplicate` of this rejection, losing the
        # officer's change for good. The tablet keeps the mutation and sends it again
        result = _finish(session, officer, m, _result(m, "rejected", "internal"))
        return result
    return await _store_rejected(session, officer, m, _finish(session, officer, m, result))


async def _store_rejected(session: AsyncSession, officer: OfficerPrincipal, m: Mutation, result: dict[str, Any],
                          keep: dict[str, Any] | None = None) -> dict[str, Any]:
    """Record a final rejection in the ledger; `keep`: what the mutation carried that must outlive the tablet's
    outbox (a moved officer's late note), stored with it and never sent back."""
    ledger_key = (officer.device_id, m.mutation_id)
    try:
        async with session.begin_nested():
            session.add(SyncMutation(device_id=officer.device_id, mutation_id=m.mutation_id,
                                     officer_id=officer.officer_id,
                                     result={**result, SENT: _sent(m), **({KEPT: keep} if keep is not None else {})}))
            _created(session, SyncMutation, ledger_key)
            if keep is not None:
                await _record_kept(session, officer, m, result["reason"], keep)
    except IntegrityError:
        again = await session.get(SyncMutation, ledger_key, populate_existing=True)
        if again is not None:
            return _duplicate(session, officer, m, again)
    return result


async def _record_kept(session: AsyncSession, officer: OfficerPrincipal, m: Mutation, reason: str,
                       keep: dict[str, Any]) -> None:
    """A refused text kept (`kept: true`) goes into its report's record too, as an internal `text_kept` event
    (sealed; staff read it in the report's history, sealed.TEXT_KEPT): in the ledger row alone no one could read it.
    In the ledger row's savepoint, so a concurrent resend that wins the row leaves no second event."""
    report = await _report(session, keep.get("report_id"))
    if report is None:
        return
    written = written_at(m.device_time, m.hlc)
    await reports.append_event(session, report, sealed.TEXT_KEPT, by_tablet(officer), public=False,
                               device_time=written,
                               data=sealed.text_kept(keep, reason=reason, mutation_id=m.mutation_id, entity=m.entity,
                                                     entity_id=m.id, officer_id=officer.officer_id,
                                                     unit_id=officer.unit_id, device_id=officer.device_id,
                                                     written=written))


KEPT = "kept_fields"  # the ledger row's copy of a rejected-but-kept mutation's content
SENT = "sent"  # the ledger row's digest of the mutation it answered (_sent)


def _sent(m: Mutation) -> str:
    """What identifies the mutation a ledger row answered, beyond its id: a resend of the same outbox entry carries
    the same entity, id, op and HLC stamp."""
    try:  # the stamp as the clock reads it: an app update may write the same one another way ("-1-" for "-00001-")
        stamp = str(hlcs.parse(m.hlc))
    except ValueError:
        stamp = m.hlc
    return hashlib.sha256("\n".join((m.entity, m.id, m.op, stamp)).encode()).hexdigest()[:16]


def _duplicate(session: AsyncSession, officer: OfficerPrincipal, m: Mutation,
               stored: SyncMutation) -> dict[str, Any]:
    if stored.result.get(SENT, _sent(m)) != _sent(m):
        # the tablet's id names another mutation the ledger answered (an app whose outbox numbering restarted after
        # its data was cleared, on the same device id): "duplicate" would have it drop a change that was never
        # applied. Not stored (the id is taken): the tablet sends it again under a new mutation id
        return _finish(session, officer, m, _result(m, "rejected", "mutation_id_reused"))
    answer = {k: v for k, v in stored.result.items() if k not in (KEPT, SENT)}
    return {**answer, "status": "duplicate", "original_status": stored.result.get("status")}


def _finish(session: AsyncSession, officer: OfficerPrincipal, m: Mutation, result: dict[str, Any]) -> dict[str, Any]:
    if not _as_sent(m, result):
        _mark_for_pusher(session, officer, m.entity, m.id)
        if result.get("existing_id"):  # the row the server kept in its place: the tablet gets it instead
            _mark_for_pusher(session, officer, m.entity, result["existing_id"])
    result.pop("foreign_scope", None)
    return result


def _as_sent(m: Mutation, result: dict[str, Any]) -> bool:
    """The server now holds what the tablet applied optimistically: nothing rejected, superseded or ignored, in the
    tablet's own scope and under the tablet's own id. Anything less and the tablet's guess must be overwritten."""
    return (result["status"] == "applied" and not result.get("superseded_fields")
            and not result.get("ignored_fields") and not result.get("foreign_scope")
            and result.get("existing_id", m.id) == m.id)


def _mark_for_pusher(session: AsyncSession, officer: OfficerPrincipal, entity: str, entity_id: str) -> None:
    # sync_changes.entity_id holds 64 characters; a longer id was rejected and never reached the replica as a key
    # the server could name anyway
    if entity in ENTITIES and 0 < len(entity_id) <= 64:
        mark_dirty(session, officer_scope(officer.officer_id), entity, entity_id)


async def _apply(session: AsyncSession, officer: OfficerPrincipal, viewer: Viewer, m: Mutation) -> dict[str, Any]:
    if m.entity == "reports" and m.op == "update":
        return await _update_report(session, officer, viewer, m)
    if m.entity == "reports" and m.op == "request_info":
        return await _request_info(session, officer, viewer, m)
    if m.entity == "notes" and m.op in ("create", "delete"):
        return await (_create_note if m.op == "create" else _delete_note)(session, officer, viewer, m)
    if m.entity == "evidence" and m.op == "create":
        return await _create_evidence(session, officer, viewer, m)
    raise Rejected("unknown_entity" if m.entity not in ("reports", "notes", "evidence") else "unknown_op")


def by_tablet(officer: OfficerPrincipal) -> By:
    return By(officer.actor, str(officer.officer_id), "tablet")


def _stamp(m: Mutation) -> hlcs.Hlc:
    try:
        stamp = hlcs.parse(m.hlc)
    except ValueError as exc:
        raise Rejected("invalid_hlc") from exc
    if stamp.counter > hlcs.MAX_COUNTER:
        # stored as "<ms:13>-<counter:05>-<node:40>" in a 60-character column: a longer counter would fail the
        # write on PostgreSQL, an `internal` answer the tablet would resend for ever
        raise Rejected("invalid_hlc")
    return hlcs.CLOCK.accept(stamp)


def _device_time(m: Mutation, stamp: hlcs.Hlc) -> datetime:
    when = m.device_time or datetime.fromtimestamp(stamp.ms / 1000, UTC)
    return min(when, utcnow())


async def _update_report(session: AsyncSession, officer: OfficerPrincipal, viewer: Viewer,
                         m: Mutation) -> dict[str, Any]:
    report = await _report(session, m.id)
    if report is None:
        raise Rejected("not_assigned")
    # the crew's write-up queued behind its own "resolved" (typed on scene after marking it, pushed in one batch)
    # lands on the report that step closed, and so does one typed on scene while its citizen withdrew it;
    # dispatcher-only fields keep the visibility rule
    write_up = ("status" not in m.fields and not set(m.fields) & READ_ONLY
                and any(name in m.fields for name in OFFICER_FIELDS))
    after_close = not report_visible(report, viewer)
    # so does a crewmate's step on a report its crew closed meanwhile (two tablets of one car, both offline, both
    # marking it resolved): the step is one the crew already recorded, superseded by _advance_status, and the
    # write-up sent with it is applied, not lost with a `not_assigned` for a report the crew did hold
    own_step = "status" in m.fields and not set(m.fields) & READ_ONLY
    if after_close and not ((write_up or own_step) and await closed_in_crews_hands(session, viewer, report)):
        # a write-up typed before the officer was moved to another unit is kept on the report the old unit holds
        written = written_at(m.device_time, m.hlc)
        former = await former_holder(session, officer, report, written) if write_up else None
        texts = _texts(m)
        if former is None:
            if write_up and await held_when_written(session, viewer, report, written):
                # typed while the crew held the report, which dispatch has since given to another unit or closed:
                # the dispatcher's decision wins (not applied), but what the crew found on scene is kept with the
                # answer, as a moved officer's is, not dropped from the tablet with nothing left
                raise Rejected("not_assigned", kept=True, _keep={"report_id": str(report.id), "fields": texts})
            raise Rejected("not_assigned")
        if former == "after":
            raise Rejected("unit_changed", kept=True, _keep={"report_id": str(report.id), "fields": texts})
    read_only = sorted(set(m.fields) & READ_ONLY)
    if read_only:
        raise Rejected("read_only", read_only_fields=read_only)
    stamp = _stamp(m)
    # an outcome only rides along with a status step; alone it changes nothing
    known = set(OFFICER_FIELDS) | (REPORT_EXTRA if "status" in m.fields else set())
    # applied to a report the tablet no longer holds: _finish marks it for the pusher, whose next pull removes it
    result = _result(m, "applied", ignored_fields=sorted(set(m.fields) - known), foreign_scope=after_close)
    by = by_tablet(officer)
    closed_before = report.status == Status.CLOSED
    overwritten: dict[str, dict[str, Any]] = {}  # another writer's text this push replaces, and who wrote it
    outrun: dict[str, dict[str, Any]] = {}  # this push's text that another writer's later one already replaced
    for name in OFFICER_FIELDS:
        if name not in m.fields:
            continue
        value = m.fields[name]
        new_value = None if value is None else str(value)[:TEXT_MAX_LENGTH]
        current = await _get(session, ReportField, (report.id, name))
        if current is not None and hlcs.parse(current.hlc) >= stamp:
            result["superseded_fields"].append(name)
            if (new_value is not None and new_value != current.value
                    and current.actor_id not in (None, str(officer.officer_id))):
                outrun[name] = {"text": new_value, "kept": current}
            continue
        if current is None:
            current = ReportField(report_id=report.id, field=name, hlc=str(stamp), actor_type=officer.role.value)
            _created(session, ReportField, (report.id, name))
        if (current.value is not None and current.value != new_value
                and current.actor_id not in (None, str(officer.officer_id))):
            overwritten[name] = {**current.written(), "value": current.value, "new_value": new_value}
        current.value = new_value
        current.hlc, current.actor_type, current.actor_id = str(stamp), officer.role.value, str(officer.officer_id)
        current.updated_at = utcnow()
        session.add(current)
        result["applied_fields"].append(name)
    if overwritten:
        # a crewmate's (or a dispatcher's) findings replaced from a tablet: the rows are rewritten in place, so an
        # internal event, sealed like every event, keeps what was there and who wrote it, as a dispatcher's
        # correction does (backend.dispatch.service.set_fields). An officer revising their own text is a draft
        # and leaves no event.
        await _record_overwritten(session, report, by, {
            "fields": sorted(overwritten), "report_status": report.status,
            "previous": {name: {k: v for k, v in was.items() if k != "new_value"} for name, was in overwritten.items()},
            "values": {name: was["new_value"] for name, was in overwritten.items()}})
    if outrun:
        # the same texts the other way round: a crewmate's (or a dispatcher's) text stamped later reached the server
        # first. The later one stands, as it would have in clock order, but this officer's text is kept in the record
        # as it would then have been (a `fields_overwritten` naming its writer and what replaced it): which texts
        # the record holds must not depend on which tablet found the network first
        await _record_overwritten(session, report, by, {
            "fields": sorted(outrun), "report_status": report.status, "arrived_after": True,
            "mutation_id": m.mutation_id,
            "previous": {name: {"actor_type": officer.role.value, "actor_id": str(officer.officer_id),
                                "hlc": str(stamp), "updated_at": None, "length": len(lost["text"]),
                                "value": lost["text"]} for name, lost in outrun.items()},
            "values": {name: lost["kept"].value for name, lost in outrun.items()},
            "replaced_by": {name: lost["kept"].written() for name, lost in outrun.items()}})
    # the status step after the texts: a "resolved" sent with the write-up closes the report on it, so the record
    # the closing makes (sealed.FIELDS_RECORDED, reports.service.change_status) holds the texts it was resolved with
    if "status" in m.fields:
        try:
            moved = await _advance_status(session, report, str(m.fields["status"]), m, by, _device_time(m, stamp),
                                          viewer.unit_id)
        except Rejected as exc:
            texts = _texts(m)
            if exc.reason != "invalid_outcome" or not texts:
                raise
            # a "resolved" without its outcome (an app that does not send one) is refused with the texts it carried,
            # which roll back with it: the tablet drops the mutation, so they are kept with the answer
            raise Rejected("invalid_outcome", kept=True, _keep={"report_id": str(report.id), "fields": texts}) from exc
        result["applied_fields" if moved else "superseded_fields"].insert(0, "status")
    if closed_before and result["applied_fields"]:
        # the crew's write-up landing after the closing (queued behind its own resolve): the record made at the
        # closing lacks it, so the texts as they now stand are recorded again
        await reports.append_event(session, report, sealed.FIELDS_RECORDED, by, public=False,
                                   data={"fields": await sealed.write_up(session, report.id),
                                         "after_close": True, "mutation_id": m.mutation_id})
    if result["applied_fields"]:
        mark_report(session, report)
    elif result["superseded_fields"]:
        result["status"] = "superseded"
    return result


def _texts(m: Mutation) -> dict[str, Any]:
    """The officer's text fields a report update carries, as sent (what a refusal keeps: `kept`)."""
    return {name: m.fields[name] for name in OFFICER_FIELDS if name in m.fields}


async def _record_overwritten(session: AsyncSession, report: Report, by: By, data: dict[str, Any]) -> None:
    """Another writer's text replaced, or this push's outrun by it: an internal `fields_overwritten` event, sealed
    like every event, keeps the texts and who wrote them (as a dispatcher's correction does,
    backend.dispatch.service.set_fields), and an audit line as the console's correction has (no text: names,
    writers), with the tablet it came from."""
    event = await reports.append_event(session, report, "fields_overwritten", by, public=False, data=data)
    await record(session, actor_type=by.actor.value, actor_id=by.actor_id, action="report.fields",
                 target_type="report", target_id=report.id,
                 data={"fields": data["fields"], "report_status": report.status, "event_id": str(event.id),
                       "previous": {name: {k: v for k, v in was.items() if k != "value"}
                                    for name, was in data["previous"].items()}})


async def _advance_status(session: AsyncSession, report: Report, target: str, m: Mutation, by: By,
                          device_time: datetime, unit_id: uuid.UUID | None) -> bool:
    """Move forward along assigned < en_route < on_scene < resolved; anything not forward is superseded. `unit_id`:
    the crew's, which holds the report (only a visible report gets a status step)."""
    if target not in LATTICE:
        raise Rejected("invalid_status")
    current = await _reached(session, report)
    if current is None or LATTICE[target] <= current:
        return False
    outcome = m.fields.get("outcome")
    # the citizen is told the outcome in plain words: a "resolved" without one would tell them of measures nobody
    # chose, so the officer must pick it (no default)
    if target == "resolved" and not outcome:
        raise Rejected("invalid_outcome")
    try:
        chosen = Outcome(outcome) if outcome else None
    except ValueError as exc:
        raise Rejected("invalid_outcome") from exc
    if recorded_in_place(STEP_ACTION[target], Status(report.status), by.actor):
        await _record_in_place(session, report, STEP_ACTION[target], by, device_time, {"mutation_id": m.mutation_id})
    else:
        try:
            await reports.change_status(session, report, STEP_ACTION[target], by, device_time=device_time,
                                        outcome=chosen if target == "resolved" else None,
                                        data={"mutation_id": m.mutation_id})
        except ZanError as exc:
            if exc.code == appeals.OWN_DECISION:
                # not stale: this officer may not decide the appeal against their own closing at all, so the
                # mutation is rejected with the code (its write-up with it) and the next pull puts the row back
                raise
            return False  # e.g. the dispatcher moved it meanwhile: the tablet's step is stale
    # a field step is a staff action like a console's (a "resolved" closes the report): its audit line names the
    # tablet and login session it came from (backend.audit.origin), so the history tells a stolen tablet's steps
    # from its owner's; the event alone names the officer only
    outcome_taken = chosen.value if chosen is not None and target == "resolved" else None
    await record(session, actor_type=by.actor.value, actor_id=by.actor_id, action=f"report.{STEP_ACTION[target]}",
                 target_type="report", target_id=report.id,
                 data={"mutation_id": m.mutation_id, "outcome": outcome_taken, "device_time": device_time.isoformat()})
    if target in ("en_route", "on_scene") and unit_id is not None:
        # the crew is on the job: on an incident's primary, the members its unit holds too (one job)
        await reports.accept_job(session, report, unit_id)
    return True


async def _reached(session: AsyncSession, report: Report) -> int | None:
    """How far along the lattice the crew holding the report has got. A status that says how the work goes
    (workflow.KEEPS_STATUS: asked to wait for the reporter, back in work after the answer) may have come before the
    crew got there (asked while en route), so the crew's steps recorded since the report was last assigned tell."""
    status = Status(report.status)
    if status not in KEEPS_STATUS:
        return SERVER_RANK.get(status)
    return await reports.ground_reached(session, report)


async def _record_in_place(session: AsyncSession, report: Report, action: Action, by: By, device_time: datetime,
                           data: dict[str, object]) -> None:
    """The crew's en_route or on_scene while the report waits for the reporter or is back in work after the answer
    (workflow.recorded_in_place): the step is in the record, dated by the device, and the citizen is told the officer
    is on the way or has arrived, but the status stays, so the citizen still sees that their answer is needed."""
    await reports.append_event(session, report, action.value, by, from_status=report.status,
                               to_status=report.status, device_time=device_time, data=data)
    # an incident's other reports follow the primary's step, as reports.change_status has them follow any step
    await reports.follow_primary(session, report, action, by, data=data, device_time=device_time)


async def _request_info(session: AsyncSession, officer: OfficerPrincipal, viewer: Viewer,
                        m: Mutation) -> dict[str, Any]:
    """The officer on scene asks the reporter for a detail (which entrance, a photo of the car): the console's
    request for information (backend.dispatch.service.request_info: "needs your input" for the citizen, an audit line
    naming the officer and the tablet), from the crew that holds the report only. Not a lattice step: the workflow
    decides where it is allowed (assigned, en_route, on_scene, in_progress) and anywhere else it is rejected with
    the workflow's code, never superseded, since no later write of the tablet's own made it stale."""
    report = await _report(session, m.id)
    # no custody from a former unit, no write after closing: a status change is the holding crew's alone
    if report is None or not report_visible(report, viewer):
        raise Rejected("not_assigned")
    raw = m.fields.get("reason")
    try:
        # public (the reporter reads it) and bounded as the console's is (dispatch.schemas.Reason)
        reason = msgspec.convert(raw.strip() if isinstance(raw, str) else raw, Reason)
    except msgspec.ValidationError as exc:
        raise Rejected("invalid_reason") from exc
    await dispatch.request_info(session, report, reason, by_tablet(officer), device_time=_device_time(m, _stamp(m)))
    # the crew is working the report: an urgent one it has not stepped on yet no longer waits "unaccepted", nor,
    # on an incident's primary, do the members its unit holds (one job), as the crew's steps on it accept them
    if viewer.unit_id is not None:  # always, for a visible report
        await reports.accept_job(session, report, viewer.unit_id)
    return _result(m, "applied", applied_fields=["status"], ignored_fields=sorted(set(m.fields) - {"reason"}))


async def _report(session: AsyncSession, raw_id: Any) -> Report | None:
    report_id = _uuid_or_none(raw_id)
    return await _get(session, Report, report_id) if report_id is not None else None


def _client_uuid(raw: str) -> uuid.UUID:
    try:
        return uuid.UUID(raw)
    except ValueError as exc:
        raise Rejected("invalid_id") from exc


async def _create_note(session: AsyncSession, officer: OfficerPrincipal, viewer: Viewer, m: Mutation) -> dict[str, Any]:
    note_id = _client_uuid(m.id)
    report = await _report(session, m.fields.get("report_id"))
    if report is None:
        raise Rejected("not_assigned")
    text = str(m.fields.get("text") or "").strip()[:TEXT_MAX_LENGTH]
    written = written_at(m.device_time, m.hlc)
    # the crew the note is recorded (and sealed) as written in: one the officer has left since, that held the
    # report, when written before the move (a note queued on scene is that crew's, even if the officer's new unit
    # held the report at some time too), else theirs now
    past = await past_custody(session, officer, report, written)
    writer_unit = past.unit or officer.unit_id
    if not await custody(session, viewer, report):
        if past.verdict is None:
            raise Rejected("not_assigned")
        if past.verdict == "after" and text:
            # written for the old unit's report after the officer left it: not attached to the report, but its
            # text is kept with the answer in the ledger (never lost), and the tablet can show why
            raise Rejected("unit_changed", kept=True, _keep={"report_id": str(report.id), "text": text})
    if not text:
        raise Rejected("invalid_text")
    ignored = sorted(set(m.fields) - {"report_id", "text"})
    existing = await _get(session, ReportNote, note_id)
    if existing is not None:
        if existing.officer_id != officer.officer_id or existing.report_id != report.id:
            raise Rejected("id_conflict")
        if existing.text != text:
            # notes are append-only: other text under the same id is an edit, refused (the tablet gets the
            # stored text back on its next pull)
            raise Rejected("immutable", immutable_fields=["text"])
        return _result(m, "applied", ignored_fields=ignored)  # the same note sent again
    stamp = _stamp(m)
    note = ReportNote(id=note_id, report_id=report.id, officer_id=officer.officer_id, unit_id=writer_unit,
                      device_id=officer.device_id, text=text, device_time=_device_time(m, stamp))
    session.add(note)
    _created(session, ReportNote, note_id)
    await session.flush()
    # the note table is not sealed: its content goes into an internal event, which is (sealed.py)
    await reports.append_event(session, report, sealed.NOTE_ADDED, by_tablet(officer), public=False,
                               device_time=note.device_time, data=sealed.note_added(note))
    if report.unit_id is not None:
        mark_dirty(session, unit_scope(report.unit_id), "notes", note.id)
    return _result(m, "applied", applied_fields=["text"], ignored_fields=ignored,
                   foreign_scope=not report_visible(report, viewer))


async def _delete_note(session: AsyncSession, officer: OfficerPrincipal, viewer: Viewer, m: Mutation) -> dict[str, Any]:
    note = await _get(session, ReportNote, _client_uuid(m.id))
    if note is None:
        raise Rejected("not_found")
    if note.officer_id != officer.officer_id:
        raise Rejected("not_author")
    if note.deleted_at is None:
        note.deleted_at = utcnow()
        report = await session.get(Report, note.report_id)
        if report is not None:
            await reports.append_event(session, report, sealed.NOTE_REMOVED, by_tablet(officer), public=False,
                                       device_time=min(m.device_time, utcnow()) if m.device_time else None,
                                       data=sealed.note_removed(note))
        if report is not None and report.unit_id is not None:
            mark_dirty(session, unit_scope(report.unit_id), "notes", note.id)
    return _result(m, "applied")


async def _create_evidence(session: AsyncSession, officer: OfficerPrincipal, viewer: Viewer,
                           m: Mutation) -> dict[str, Any]:
    evidence_id = _client_uuid(m.id)
    report = await _report(session, m.fields.get("report_id"))
    written = written_at(m.device_time, m.hlc)
    if report is None or not (await custody(session, viewer, report)
                              or await former_custody(session, officer, report, written) == "before"):
        raise Rejected("not_assigned")
    sha = str(m.fields.get("sha256") or "").lower()
    size = m.fields.get("size")
    if len(sha) != 64 or any(c not in "0123456789abcdef" for c in sha):
        raise Rejected("invalid_sha256")
    if not isinstance(size, int) or not 0 < size <= 200 * 1024 * 1024:
        raise Rejected("invalid_size")
    # locked: the stale-upload purge (blobs.purge_stale_uploads) deletes a row no evidence names yet, and must not
    # do so between this read and the commit of the item that names it (it skips a locked row; after its delete
    # this reads None and declares the file anew)
    blob = await session.get(EvidenceBlob, sha, with_for_update=True, populate_existing=True)
    # a size is only a claim until the bytes hash right: once they did it is fixed, but another size declared for an
    # upload that never completed (a buggy tablet's, or this one's) must not block this declaration, nor may this
    # one reset an upload in progress. It gets an upload of its own (blobs.stage_declared_size)
    conflicting = blob is not None and blob.size != size
    if blob is None:
        session.add(EvidenceBlob(sha256=sha, size=size))
    elif conflicting and blob.complete:
        raise Rejected("size_mismatch")
    # a hash and size are no secret: a known blob is linked without an upload only for an officer who already holds
    # it (blobs.holds_verified); anyone else is told it is missing and uploads the bytes to their own staging
    verified = blob is None or await blobs.holds_verified(session, officer, sha)
    if conflicting and verified:
        await blobs.stage_declared_size(session, officer, sha, size)
    same_id = await _get(session, Evidence, evidence_id)
    if same_id is not None and (same_id.officer_id != officer.officer_id or same_id.report_id != report.id
                                or same_id.sha256 != sha):
        # the tablet's id names someone else's item: "applied" would tell it its file is attached when it is not
        raise Rejected("id_conflict")
    same_hash = await session.scalar(select(Evidence).where(Evidence.report_id == report.id,  # type: ignore[arg-type]
                                                            Evidence.sha256 == sha))  # type: ignore[arg-type]
    caption = str(m.fields["caption"])[:2000] if m.fields.get("caption") else None
    kept = same_hash or same_id
    if kept is not None:
        # content-addressed: the same bytes attached twice is a no-op. Under another id than the tablet's, _finish
        # marks both for the pusher: its own id is deleted from the replica, the kept item arrives instead. Another
        # caption sent with them is not applied either (evidence is append-only), and saying so makes _finish mark
        # the kept item, so the tablet's edited caption is overwritten on its next pull
        ignored = ["caption"] if "caption" in m.fields and caption != kept.caption else []
        owed = bool(await blobs.pending_proofs(session, [kept.id]))
        if conflicting and not verified:  # a stranger's other size: staged for the kept item (their upload)
            await blobs.stage_declared_size(session, officer, sha, size)
        return _result(m, "applied", ignored_fields=ignored,
                       upload_complete=bool(blob and blob.complete and not owed), existing_id=str(kept.id))
    stamp = _stamp(m)
    item = Evidence(id=evidence_id, report_id=report.id, officer_id=officer.officer_id, device_id=officer.device_id,
                    sha256=sha, size=size,
                    content_type=str(m.fields.get("content_type") or "application/octet-stream")[:100],
                    caption=caption, device_time=_device_time(m, stamp))
    session.add(item)
    if not verified:
        session.add(EvidenceBlob(sha256=blobs.proof_key(item.id), size=size))
    await session.flush()
    if report.unit_id is not None:
        mark_dirty(session, unit_scope(report.unit_id), "evidence", item.id)
    return _result(m, "applied", upload_complete=bool(blob and blob.complete and verified),
                   foreign_scope=not report_visible(report, viewer))
