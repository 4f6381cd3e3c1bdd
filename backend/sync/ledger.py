"""Each mutation of a push applied at most once: in its own SAVEPOINT, with its answer written to the ledger
(sync_mutations, keyed by device and mutation id) in the same savepoint. A resend is answered from the ledger
(`duplicate`); a final refusal is stored too (with the text it carried, when kept); a fault of ours is not, so the
tablet sends the mutation again. Whatever the server did not apply exactly as sent is marked dirty in the pusher's
scope, so the next pull overwrites the tablet's optimistic guess."""

from __future__ import annotations

import hashlib
import json
import logging
import unicodedata
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from backend.lib.errors import ZanError
from backend.officers.auth import OfficerPrincipal
from backend.reports import service as reports
from backend.sync import hlc as hlcs
from backend.sync import sealed
from backend.sync.changes import mark_dirty, officer_scope
from backend.sync.custody import written_at
from backend.sync.lookups import created, lookup, report_by_id
from backend.sync.models import SyncMutation
from backend.sync.mutation import Mutation, Rejected, by_tablet, result_of
from backend.sync.notes_evidence import create_evidence, create_note, delete_note
from backend.sync.report_update import request_info, update_report
from backend.sync.views import Viewer

log = logging.getLogger("zan.sync")
ENTITIES = ("reports", "notes", "evidence")


class _Duplicate(Exception):
    pass


# the refusals the tablet answers by sending the mutation again (`mutation_id_reused`: under a new id); none is stored
SENT_AGAIN = frozenset({"internal", "retry", "mutation_id_reused"})


def sent_again(result: dict[str, Any]) -> bool:
    """Whether the tablet keeps this mutation in its outbox and sends it again (the answer is not final)."""
    return result["status"] == "rejected" and result["reason"] in SENT_AGAIN


async def apply_one(session: AsyncSession, officer: OfficerPrincipal, viewer: Viewer, m: Mutation,
                    invalid: Rejected | None = None, *, waits: bool = False) -> dict[str, Any]:
    """Apply one mutation (`invalid`: why it was refused before, parse_mutation or push._on_duty) and answer it:
    from the ledger when it was seen before, else applied or refused with its ledger row in one savepoint.
    `waits`: it undoes what a mutation of the batch answered `sent_again` was to do (push.push): `retry`, unstored."""
    if invalid is not None and invalid.reason == "invalid_mutation_id":
        # no ledger row can be keyed by it; the answer is final all the same (the id will not get any better)
        return _finish(session, officer, m, result_of(m, "rejected", invalid.reason, **invalid.extra))
    ledger_key = (officer.device_id, m.mutation_id)
    stored = await lookup(session, SyncMutation, ledger_key)
    if stored is not None:
        return _duplicate(session, officer, m, stored)
    if waits:
        # a note's delete whose note is not there, as its create failed in this batch for a reason the tablet sends
        # the create again for: judged now, it finds no note (`not_found`, final, dropped from the outbox), and the
        # create, applied on its resend, brings back the note the officer removed. Not stored: it comes again
        return _finish(session, officer, m, result_of(m, "rejected", "retry"))
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
                                     officer_id=officer.officer_id, result={**result, **_stamped(m)}))
            created(session, SyncMutation, ledger_key)
            try:
                await session.flush()
            except IntegrityError as exc:
                raise _Duplicate from exc
            return result
    except _Duplicate:
        again = await session.get(SyncMutation, ledger_key, populate_existing=True)
        return _duplicate(session, officer, m, again) if again is not None else result_of(m, "rejected", "retry")
    except Rejected as exc:
        extra = dict(exc.extra)
        keep = extra.pop("_keep", None)
        result = result_of(m, "rejected", exc.reason, **extra)
        if keep is not None:
            return await _store_rejected(session, officer, m, _finish(session, officer, m, result), keep)
    except ZanError as exc:
        result = result_of(m, "rejected", exc.code)
    except Exception:  # one bad mutation must never sink the batch or answer 500
        log.exception("mutation %s failed", m.mutation_id)
        # not written to the ledger: a fault of ours may be passing (a lost connection, a bug fixed by the next
        # deploy), and a ledger row would answer every resend with `duplicate` of this rejection, losing the
        # officer's change for good. The tablet keeps the mutation and sends it again
        result = _finish(session, officer, m, result_of(m, "rejected", "internal"))
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
                                     result={**result, **_stamped(m), **({KEPT: keep} if keep is not None else {})}))
            created(session, SyncMutation, ledger_key)
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
    report = await report_by_id(session, keep.get("report_id"))
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
# and of its content (_sent_fields); a separate key, so the rows stored before it was kept still answer resends
SENT_FIELDS = "sent_fields"
_LEDGER_ONLY = (KEPT, SENT, SENT_FIELDS)


def _sent(m: Mutation) -> str:
    """What identifies the mutation a ledger row answered, beyond its id: a resend of the same outbox entry carries
    the same entity, id, op and HLC stamp."""
    try:  # the stamp as the clock reads it: an app update may write the same one another way ("-1-" for "-00001-")
        stamp = str(hlcs.parse(m.hlc))
    except ValueError:
        stamp = m.hlc
    return hashlib.sha256("\n".join((m.entity, m.id, m.op, stamp)).encode()).hexdigest()[:16]


def _sent_fields(m: Mutation) -> str:
    """What the mutation carried: an outbox entry edited in place under its id and stamp (other findings, another
    outcome) is another change, not a resend; answered `duplicate`, it would be dropped from the outbox unapplied
    while the tablet kept showing it. Only what the content says counts (_canonical), never how it was written:
    an unchanged entry the app serialises another way (after an update, or reloaded from its store) must be answered
    `duplicate`, since `mutation_id_reused` has it sent again re-stamped, which could outrun a crewmate's later text."""
    body = json.dumps(_canonical(m.fields), sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(body.encode()).hexdigest()[:16]


def _canonical(value: Any) -> Any:
    """The content as JSON means it: key order aside (sort_keys), texts in one Unicode form (NFC: "й" typed as one
    character or as "и" and a combining breve is the same text), a number the same whether written 5 or 5.0 (JSON
    has one number type; JavaScript writes 5, Kotlin's Double 5.0), and a key sent as null the same as one left out
    (serialisers that skip nulls; no field reads null otherwise than absent but a text field's, which an edit of the
    outbox never turns into an absent key)."""
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {_canonical(str(k)): _canonical(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    return value


def _stamped(m: Mutation) -> dict[str, str]:
    return {SENT: _sent(m), SENT_FIELDS: _sent_fields(m)}


def _duplicate(session: AsyncSession, officer: OfficerPrincipal, m: Mutation,
               stored: SyncMutation) -> dict[str, Any]:
    # each digest once: a row stored before a digest existed lacks its key and matches on it
    if any(stored.result.get(key, sent) != sent for key, sent in _stamped(m).items()):
        # the tablet's id names another mutation the ledger answered (an app whose outbox numbering restarted after
        # its data was cleared, on the same device id, or an outbox entry edited after it was sent): "duplicate"
        # would have it drop a change that was never applied. Not stored (the id is taken): the tablet sends it
        # again under a new mutation id
        return _finish(session, officer, m, result_of(m, "rejected", "mutation_id_reused"))
    answer = {k: v for k, v in stored.result.items() if k not in _LEDGER_ONLY}
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
        return await update_report(session, officer, viewer, m)
    if m.entity == "reports" and m.op == "request_info":
        return await request_info(session, officer, viewer, m)
    if m.entity == "notes" and m.op in ("create", "delete"):
        return await (create_note if m.op == "create" else delete_note)(session, officer, viewer, m)
    if m.entity == "evidence" and m.op == "create":
        return await create_evidence(session, officer, viewer, m)
    raise Rejected("unknown_entity" if m.entity not in ("reports", "notes", "evidence") else "unknown_op")
