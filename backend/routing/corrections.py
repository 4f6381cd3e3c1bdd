"""Staff corrections: reclassify a report (kept as training data), merge and split incident clusters; and the
anonymity rule a category decided by staff or by routing may call for (refuse_anonymous)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from backend.audit.service import record
from backend.dispatch import service as dispatch
from backend.jobs.service import enqueue
from backend.lib.errors import FieldProblem, ZanError
from backend.officers.models import Unit
from backend.reports import appeals
from backend.reports.deadlines import calendar_of, redirect_term
from backend.reports.models import Report
from backend.reports.service import (
    SYSTEM,
    By,
    append_event,
    change_status,
    consideration_start,
    ensure_open,
    is_restricted,
    regroup,
)
from backend.reports.texts import ANONYMOUS_NOT_CONSIDERED
from backend.reports.workflow import Action, Status, can
from backend.routing.examples import checked_correction, drop_examples, keep_example
from backend.routing.models import RoutingDecision
from backend.routing.service import higher_priority
from ml.anonymity import anonymous_considered
from ml.crime_cues import CRIME_CUES_VERSION
from ml.routing_rules import RuleSet, decided_department, load_rules
from ml.urgency import URGENCY_VERSION, detect_urgency


async def reclassify(session: AsyncSession, report: Report, category: str, reason: str, by: By,
                     rules: RuleSet | None = None) -> Report:
    """A dispatcher's correction wins over the model and becomes a labelled example for the next retrain. `rules`:
    the process's routing rules (backend.routing.service.routing_rules); None, the bundled ones.

    Only while the report is open (else 409 `report.transition_forbidden`): a closed report's category, priority
    and redirect term are the record its closing was made and is overseen on (a report redirected after its term
    reclassified out of the redirect categories left the prosecutors' list of missed terms), and a dispatcher whose
    console still showed a report its citizen withdrew meanwhile must learn that it closed, not see a 200. A
    reopened report is open again and may be reclassified."""
    ensure_open(report, "reclassify")
    # the grounds oversight reads in the history and the decision, and a category the taxonomy knows (422 else)
    target = checked_correction(category, reason)
    # the department as routing would pick it for this category: the first routing rule matching the report's
    # district and the time it was made (e.g. vandalism at night goes to the patrol shift), else the category's own
    rules = rules or load_rules()
    match = rules.decide(category, report.district, report.created_at)
    department = decided_department(match.department, category)
    # the decision this correction overrides (the model's, a fallback's or an earlier dispatcher's)
    overridden = await session.scalar(
        select(col(RoutingDecision.id)).where(col(RoutingDecision.report_id) == report.id)
        .order_by(col(RoutingDecision.created_at).desc(), col(RoutingDecision.id).desc()).limit(1))
    previous, previous_priority = report.category, report.priority
    report.category = category
    report.category_confidence = 1.0
    report.department = department
    # urgency as the routing job reads it for this category: the text may be urgent for the category the
    # dispatcher found (a theft or family violence happening now, an emergency) where it was not for the model's.
    # Only ever raised: someone may be in danger whatever the report turns out to be about
    urgency = detect_urgency(report.text, report.language, category)
    became_urgent = urgency.urgent and not report.urgent
    report.urgent = report.urgent or urgency.urgent
    # the priority exactly as the routing job gives it (the rule's override, else the category's default; urgent
    # stays urgent), and as there, never lower than the report's (a dispatcher may have raised it by hand)
    decided = match.decided_priority(target.default_priority, urgent=report.urgent)
    report.priority = higher_priority(report.priority, decided)
    # a category out of police competence starts the redirect term (from registration, or from the appeal that
    # reopened the report: a term run out with the closing would be escalated at once); any other ends it
    report.redirect_due_at = redirect_term(category, await consideration_start(session, report), calendar_of(session))
    # restriction only ever goes up: a report once treated as domestic violence stays protected
    report.restricted = report.restricted or target.restricted
    session.add(report)
    await leave_what_restriction_forbids(session, report, by)
    session.add(RoutingDecision(report_id=report.id, source="dispatcher", category=category, confidence=1.0,
                                department=department, unit=match.unit, rule_id=match.rule_id,
                                priority=decided, urgent=report.urgent,
                                district=report.district, language=report.language, actor_id=by.actor_id,
                                inputs={"previous": previous, "previous_priority": previous_priority,
                                        "reason": reason, "rules_version": rules.version,
                                        "at": report.created_at.isoformat(), "urgency_rules": URGENCY_VERSION,
                                        "urgency_reasons": list(urgency.reasons),
                                        "overrides": str(overridden) if overridden is not None else None}))
    # this correction supersedes the report's earlier ones (examples.keep_example: one per report, masked, none for
    # a restricted report — restricted by now if the category is, as restriction only goes up above)
    await keep_example(session, report, category, previous, by, restricted=is_restricted(report))
    await append_event(session, report, "reclassified", by, public=False, reason=reason,
                       data={"from": previous, "to": category, "priority_from": previous_priority,
                             "priority_to": report.priority, "rule_id": match.rule_id,
                             "rules_version": rules.version, "became_urgent": became_urgent,
                             "redirect_due_at": report.redirect_due_at.isoformat() if report.redirect_due_at else None})
    # audited as every other staff step on a report (assign, close, extend, fields): oversight reads who moved a
    # report where (the reason is free text and may hold personal data: it stays in the report's own history)
    await record(session, actor_type=by.actor.value, actor_id=by.actor_id, action="report.reclassify",
                 target_type="report", target_id=report.id,
                 data={"from": previous, "to": category, "rule_id": match.rule_id, "restricted": report.restricted})
    await refuse_anonymous(session, report, source=by.actor.value, by=by)
    if became_urgent:
        await offer_if_urgent(session, report)  # as routing does: the duty officers on shift get it at once
    return report


async def offer_if_urgent(session: AsyncSession, report: Report) -> None:
    """Offer an urgent report to the duty officers once (the key keeps it to one offer whichever path asks)."""
    if report.urgent and report.status != Status.CLOSED:
        await enqueue(session, "reports.offer_urgent", {"report_id": str(report.id)},
                      dedupe_key=f"offer-urgent:{report.id}")


async def leave_what_restriction_forbids(session: AsyncSession, report: Report, by: By) -> None:
    """What a report newly restricted (by a dispatcher's reclassify, or by routing that finished late) may no longer
    keep: a shared incident (whose steps would carry over to it, and whose "me too" count would expose it) and a
    unit not designated for its category (which can no longer see it, while no queue lists it), and its text as
    training data (`drop_examples`). One function so both paths stay the same. Callers must hold `lock_incidents`
    for the report (`split` writes the rest)."""
    if is_restricted(report) and report.incident_id is not None:
        await split(session, report, by)
    if is_restricted(report):
        await drop_examples(session, report)
    await dispatch.release_if_not_designated(session, report, by)


async def refuse_anonymous(session: AsyncSession, report: Report, *, source: str, by: By = SYSTEM) -> bool:
    """Close an anonymous report whose category the law considers only from a named applicant (the taxonomy's
    `anonymous_allowed`) and whose text tells no crime (ml.anonymity, the rule intake applies), as rejected with a
    public reason in every language; True if it did. Intake refuses such a report when it can tell (422), but admits
    it when the classifier abstains or is away: the category then comes from routing or a dispatcher (`source`:
    "model", or the dispatcher's role), and lands here.

    Never an urgent report (someone may be in danger whatever it is about), and never one already being worked
    (the workflow rejects only unworked reports: its unit and dispatcher decide). The closing is the system's, as
    the rule's, and audited as every closing; the report leaves its incident first, so the other reporters' reports
    neither close with it nor lose their primary. `by`: whose step brought the category (a dispatcher's
    reclassification): the officer whose closing the citizen's pending appeal complains of may not close it this way
    either (APPK; reports.appeals): the report stays open for another officer."""
    if not report.anonymous or report.urgent or not report.category:
        return False
    if anonymous_considered(report.category, report.text):
        return False  # its category allows anonymity (or is unknown), or its text tells a crime: the law considers it
    if not can(Action.REJECT, Status(report.status), SYSTEM.actor, held=report.unit_id is not None):
        return False
    if await appeals.decides_own_appeal(session, report, by.actor, by.actor_id):
        return False
    if report.incident_id is not None:
        await split(session, report, SYSTEM)
    rule: dict[str, object] = {"rule": "anonymous_not_allowed", "category": report.category, "source": source,
                               "crime_cues": CRIME_CUES_VERSION}
    await change_status(session, report, Action.REJECT, SYSTEM,
                        reason=f"anonymous appeal: {report.category} is considered only from a named applicant",
                        params={"reason": ANONYMOUS_NOT_CONSIDERED}, data=rule)
    await record(session, actor_type=SYSTEM.actor.value, actor_id=None, action="report.close.rejected",
                 target_type="report", target_id=report.id, data=rule)
    return True


async def merge(session: AsyncSession, reports: list[Report], by: By, *, visible: Select[Report] | None = None,
                sendable: Select[Unit] | None = None) -> uuid.UUID:
    """One incident for the officer and every reporter informed: its primary is the earliest open report, and if
    that is already being worked, the other open reports follow its unit. Restricted reports never join one.
    Concurrent callers must hold `lock_incidents` for these reports first (the endpoints do).

    `visible` (the reports the merging officer may read) and `sendable` (the units they may send): a merge is that
    officer's step, and, as their assigning of a primary, it moves to the primary's unit only reports they may read,
    and only to a unit they could send themselves. An incident can span a region's border (routing joins nearby
    reports across it): an Astana duty officer merging two Astana reports into an incident led by a Karaganda report
    sent both to the Karaganda crew, a unit the same officer's assign answers 404 for. None: no such limit."""
    for index, report in enumerate(reports):
        if is_restricted(report):
            raise ZanError("validation.failed", 422, errors=[FieldProblem(f"/report_ids/{index}", "restricted")])
    cluster: dict[uuid.UUID, Report] = {}
    for index, report in enumerate(reports):
        if report.incident_id is not None:
            # merging clusters: bring the other reports of each along; a restricted one among them (restricted
            # after it joined, e.g. by routing that finished late) must not be pulled into a new shared incident
            for other in await members(session, report.incident_id):
                if is_restricted(other):
                    raise ZanError("validation.failed", 422,
                                   errors=[FieldProblem(f"/report_ids/{index}", "restricted")])
                cluster[other.id] = other
        cluster[report.id] = report
    # each report's own `incident_merged` below records the move
    incident_id = await regroup(session, list(cluster.values()), by, recorded=cluster.keys())
    if incident_id is None:
        raise ZanError("validation.failed", 422, errors=[FieldProblem("/report_ids", "too_short")])
    primary = cluster[incident_id]
    movable = await _may_follow(session, primary, list(cluster), visible, sendable)
    for report in cluster.values():
        await append_event(session, report, "incident_merged", by, public=False,
                           data={"incident_id": str(incident_id)})
        await record(session, actor_type=by.actor.value, actor_id=by.actor_id, action="report.merge",
                     target_type="report", target_id=report.id, data={"incident_id": str(incident_id)})
        if report is not primary and report.status != Status.CLOSED and report.id in movable:
            await dispatch.follow_primary_unit(session, primary, report, by)
    return incident_id


async def _may_follow(session: AsyncSession, primary: Report, report_ids: list[uuid.UUID],
                      visible: Select[Report] | None, sendable: Select[Unit] | None) -> set[uuid.UUID]:
    """Of `report_ids`, those a merge may move to `primary`'s unit (see `merge`): none if that unit is not one
    `sendable` holds, else those `visible` holds."""
    if primary.unit_id is not None and sendable is not None and await session.scalar(
            sendable.with_only_columns(col(Unit.id)).where(col(Unit.id) == primary.unit_id)) is None:
        return set()
    if visible is None:
        return set(report_ids)
    return set(await session.scalars(visible.with_only_columns(col(Report.id)).where(col(Report.id).in_(report_ids))))


async def split(session: AsyncSession, report: Report, by: By) -> None:
    """Take a report out of its incident: from now on it neither follows nor leads it. The rest keep their primary
    while it is open (else the earliest open report leads); a single report left is no incident. Concurrent
    callers must hold `lock_incidents` for it first (the endpoints do): `regroup` writes the rest of the incident."""
    old = report.incident_id
    if old is None:
        return
    report.incident_id = None
    session.add(report)
    rest = [r for r in await members(session, old) if r.id != report.id]
    kept = next((r for r in rest if r.id == old and r.status != Status.CLOSED), None)
    # the rest moved by this (to another primary, or out of an incident of one) say so in their own histories
    await regroup(session, rest, by, prefer=kept, cause={"split": str(report.id)})
    await append_event(session, report, "incident_split", by, public=False, data={"incident_id": str(old)})
    await record(session, actor_type=by.actor.value, actor_id=by.actor_id, action="report.split",
                 target_type="report", target_id=report.id, data={"incident_id": str(old)})


async def members(session: AsyncSession, incident_id: uuid.UUID) -> list[Report]:
    """Every report of an incident, oldest first."""
    return list(await session.scalars(
        select(Report).where(Report.incident_id == incident_id)  # type: ignore[arg-type]
        .order_by(Report.created_at, Report.id)  # type: ignore[arg-type]
    ))


async def lock_incidents(session: AsyncSession, report_ids: Iterable[uuid.UUID]) -> None:
    """Lock `report_ids` and every other report of their incidents, in the one order every incident change uses,
    reading them afresh. Call it before writing anything.

    The order is that of a tablet's push (`sync.lookups.prefetch` locks the reports it touches by id, then
    `reports.incident_followers` locks a primary's other reports oldest first): first the incidents' primaries
    (and reports in no incident) by id, then their other reports oldest first. Whoever holds a primary thus holds
    its whole incident, and two changes of one incident queue on its primary instead of deadlocking (PostgreSQL
    would otherwise kill one of them: a 500 for a dispatcher, `rejected: internal` for a tablet).

    Membership is read before the locks are taken, so a merge or split that committed while we waited may have
    moved a report to another incident (or out of one): we then lock that one too, until what we hold no longer
    changes. On SQLite (one writer at a time) FOR UPDATE renders nothing and nothing moves while we read."""
    wanted = set(report_ids)
    locked: dict[uuid.UUID, Report] = {}
    heads: set[uuid.UUID] = set()  # incidents (primary ids) and lone reports already locked
    while True:
        # rows we hold cannot move any more; the rest are read as committed now
        current = {r.incident_id or r.id for r in locked.values()}
        pending = wanted - locked.keys()
        if pending:
            rows = await session.execute(
                select(Report.id, Report.incident_id).where(Report.id.in_(pending)))  # type: ignore[call-overload, attr-defined]
            current |= {incident_id or report_id for report_id, incident_id in rows}
        new = current - heads
        if not new:  # every report wanted is held with its whole incident (ids that do not exist are skipped)
            return
        heads |= new
        primaries = await session.scalars(
            select(Report).where(Report.id.in_(new)).order_by(Report.id)  # type: ignore[attr-defined, arg-type]
            .with_for_update().execution_options(populate_existing=True))
        locked.update((r.id, r) for r in primaries)
        # a member that left the incident while we waited for its primary no longer matches here (PostgreSQL
        # re-checks the condition on the row it locks); the next round finds it where it went
        others = await session.scalars(
            select(Report).where(Report.incident_id.in_(new), Report.id.not_in(list(locked)))  # type: ignore[union-attr, attr-defined]
            .order_by(Report.created_at, Report.id)  # type: ignore[arg-type]
            .with_for_update().execution_options(populate_existing=True))
        locked.update((r.id, r) for r in others)
