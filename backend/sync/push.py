"""POST /sync/push: apply a tablet's outbox, each mutation in its own SAVEPOINT, exactly once per mutation id.

Results: applied | duplicate (already seen: the stored answer) | rejected (reason) | superseded (a later or
dispatcher write won). Two rejections are transient and not stored, so the tablet sends the same mutation again:
`internal` (a fault of ours) and `retry` (a race with a concurrent push of the same mutation id, or a note's delete
whose create in the same batch the tablet is to send again: ledger.apply_one's `waits`). A mutation that
does not fit MutationIn is rejected on its own (reason naming the field); one whose mutation_id cannot key the
ledger is answered `invalid_mutation_id` without a ledger row. Whenever the server did not apply a mutation exactly
as sent, it marks the entity dirty in the *pusher's* scope, so the next pull overwrites the tablet's optimistic guess.

The steps live beside it: mutation (reading one), lookups (the batch's rows read up front), ledger (each mutation once,
in its savepoint), report_update (write-ups, status steps, requests to the reporter) and notes_evidence.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from backend.lib.clock import utcnow
from backend.lib.errors import FieldProblem, ZanError
from backend.officers.auth import OfficerPrincipal
from backend.reports.models import Report
from backend.sync import hlc as hlcs
from backend.sync.changes import max_seq
from backend.sync.custody import crew_has_or_had, written_at
from backend.sync.duty import OFF_DUTY_GRACE, ROLE_CHANGED, Duty, audit_push, held_then
from backend.sync.ledger import apply_one, sent_again
from backend.sync.lookups import batch_lookups, lookup, prefetch
from backend.sync.models import ReportNote
from backend.sync.mutation import (
    Mutation,
    Rejected,
    by_tablet,
    keeping,
    parse_mutation,
    report_id_of,
    texts_of,
    uuid_or_none,
)
from backend.sync.schemas import TEXT_MAX_LENGTH
from backend.sync.views import Viewer

# the names importers use (the controller, tests, bench): the module they always came from
__all__ = ["MAX_BATCH", "Mutation", "PushResult", "Rejected", "by_tablet", "parse_mutation", "push"]


MAX_BATCH = 500


@dataclass
class PushResult:
    results: list[dict[str, Any]]
    server_hlc: str
    write_checkpoint: int


async def push(session: AsyncSession, *, officer: OfficerPrincipal, viewer: Viewer,
               mutations: Sequence[Mutation | Mapping[str, Any]], duty: Duty | None = None) -> PushResult:
    """`mutations`: raw JSON objects from the API, or Mutation objects; each is validated on its own. `duty`: the
    past field duty of an officer whose role is no longer a field role (backend.sync.duty): each mutation is applied
    as the field officer they were when it was written, or refused `role_changed`."""
    if len(mutations) > MAX_BATCH:
        raise ZanError("sync.batch_too_large", 413, errors=[FieldProblem("/mutations", "too_long")],
                       extra={"max": MAX_BATCH})
    parsed = [parse_mutation(raw) for raw in mutations]
    with batch_lookups(session):
        await prefetch(session, officer, [m for m, invalid in parsed if invalid is None])
        answers: dict[int, dict[str, Any]] = {}
        waiting: set[uuid.UUID] = set()  # notes whose create the tablet sends again (ledger.sent_again)
        for index in applying_order(parsed):
            m, invalid = parsed[index]
            acting = officer
            if duty is not None and invalid is None:
                acting, invalid = await _on_duty(session, officer, viewer, duty, m)
            gone = _note_of(m, invalid, "delete")
            # judged now, a delete whose note is still to come would be `not_found` (final): held back instead
            waits = gone in waiting and await lookup(session, ReportNote, gone) is None
            answer = answers[index] = await apply_one(session, acting, viewer, m, invalid, waits=waits)
            made = _note_of(m, invalid, "create")
            if made is not None and sent_again(answer):
                waiting.add(made)
            elif made is not None:  # a create of the same note applied after all: its delete finds it
                waiting.discard(made)
        results = [answers[index] for index in range(len(parsed))]
        if duty is not None:
            await audit_push(session, officer, results)
        await session.commit()
    return PushResult(results=results, server_hlc=str(hlcs.CLOCK.now()), write_checkpoint=await max_seq(session))


def _note_of(m: Mutation, invalid: Rejected | None, op: str) -> uuid.UUID | None:
    """The note a valid `op` ("create" or "delete") of a note names; None for any other mutation."""
    return uuid_or_none(m.id) if invalid is None and (m.entity, m.op) == ("notes", op) else None


def applying_order(parsed: Sequence[tuple[Mutation, Rejected | None]]) -> list[int]:
    """The batch's indexes in the order its mutations are applied: as sent, but a note's delete that comes before
    the note's create in the same batch (an outbox that moved a failed create to its back) is applied right after
    that create. Applied first, it found no note (`not_found`, final), then the create brought back the note the
    officer had removed. Answers stay in batch order. (A create the tablet must send again holds its delete back
    too: push, ledger.apply_one's `waits`.)"""
    creates: dict[uuid.UUID, list[int]] = {}
    for index, (m, invalid) in enumerate(parsed):
        if (note := _note_of(m, invalid, "create")) is not None:
            creates.setdefault(note, []).append(index)
    order: list[int] = []
    deferred: dict[int, list[int]] = {}
    for index, (m, invalid) in enumerate(parsed):
        note = _note_of(m, invalid, "delete")
        later = next((at for at in creates.get(note, ()) if at > index), None) if note is not None else None
        if later is not None:
            deferred.setdefault(later, []).append(index)
            continue
        order.append(index)
        order.extend(deferred.pop(index, ()))
    return order


async def _on_duty(session: AsyncSession, officer: OfficerPrincipal, viewer: Viewer, duty: Duty,
                   m: Mutation) -> tuple[OfficerPrincipal, Rejected | None]:
    """A desk officer's mutation: (who applies it, None) as the field officer they were when it was written, on a
    report their crew had then; else (them, why it is refused): `role_changed` when written after they left field
    duty (final: the tablet drops it, its text kept for staff), `not_assigned` for a report their crew was given only
    after they left the field (a stamp dated back cannot reach work given out since)."""
    written = written_at(m.device_time, m.hlc)
    then = duty.at(written)
    report_id = report_id_of(m)
    report = await lookup(session, Report, report_id) if report_id is not None else None
    if then is None or utcnow() - then.ended > OFF_DUTY_GRACE:
        return officer, Rejected(ROLE_CHANGED, **await _kept_off_duty(session, officer, viewer, m, report))
    if report is not None and not await held_then(session, officer, viewer, report, written, then):
        # its text kept as a field officer's note for a unit they left is (unit_changed)
        return officer, Rejected("not_assigned", **await _kept_off_duty(session, officer, viewer, m, report))
    return replace(officer, role=then.role), None


async def _kept_off_duty(session: AsyncSession, officer: OfficerPrincipal, viewer: Viewer, m: Mutation,
                         report: Report | None) -> dict[str, Any]:
    """A `role_changed` refusal keeps the texts it carried, as a moved officer's late note is kept, on a report their
    crew has or had (no text reaches a report's record from an officer who never had it)."""
    texts = texts_of(m) if m.entity == "reports" and m.op == "update" else {}
    text = str(m.fields.get("text") or "").strip()[:TEXT_MAX_LENGTH] if (m.entity, m.op) == ("notes", "create") else ""
    if report is None or not (texts or text):
        return {}
    if not await crew_has_or_had(session, officer, viewer, report):
        return {}
    return keeping(report.id, fields=texts, text=text)
