"""Background routing of a registered report: classify, geo rules, duplicates, then triage / redirect / dispatch."""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import TYPE_CHECKING, Any

import numpy as np
from sqlalchemy import select
from sqlmodel import col

from backend.jobs.registry import PermanentError, RetryLater, task
from backend.jobs.relay import notify as notify_relay
from backend.reports import deadlines
from backend.reports import service as reports
from backend.reports.models import Report
from backend.reports.service import SYSTEM, is_restricted
from backend.reports.workflow import Action, Status
from backend.routing.corrections import (
    leave_what_restriction_forbids,
    lock_incidents,
    offer_if_urgent,
    refuse_anonymous,
)
from backend.routing.duplicates import find_cluster, join
from backend.routing.failures import give_up_decision
from backend.routing.models import ReportEmbedding, RoutingDecision
from backend.routing.service import higher_priority, router
from ml.crime_cues import CRIME_CUES_VERSION
from ml.routing_rules import NO_RULE, decided_department
from ml.urgency import URGENCY_VERSION

if TYPE_CHECKING:
    from backend.context import Context

log = logging.getLogger("zan.routing")
MODEL_RETRY_S = 300.0
# closing a report by redirecting it is costlier than a human glance: only a confident model may do it alone
REDIRECT_MIN_CONFIDENCE = 0.85
# the reason recorded (decision and triage note) when no routing rule matched the report: a data error in the rules
NO_RULE_REASON = "no rule matched"


@task("reports.route")
async def route_report(ctx: Context, payload: dict[str, Any]) -> None:
    """Idempotent: a report already routed is left alone, so an at-least-once retry is harmless."""
    report_id = uuid.UUID(payload["report_id"])
    model = router(ctx) if ctx.settings.enable_routing else None
    if ctx.settings.enable_routing and (model is None or not model.available):
        # a human takes it now; the job keeps retrying (and reloading) so the report is classified once a model
        # is deployed
        await _fallback_to_triage(ctx, report_id, "router model unavailable",
                                  error=getattr(model, "model_error", None) or "no model")
        ctx.extras.pop("router", None)
        raise RetryLater(f"router model unavailable: {getattr(model, 'model_error', None)}", after_s=MODEL_RETRY_S)
    async with ctx.sessions() as session:
        report = await session.get(Report, report_id)
        if report is None:
            raise PermanentError(f"report {report_id} does not exist")
        if report.routing_state == "done":
            return
        text, lat, lon, at, hint = report.text, report.lat, report.lon, report.created_at, report.category_hint
    try:
        if model is None:
            decision, vector = None, None
        else:
            # the embedder and classifier are CPU work: keep the event loop (and intake) responsive
            decision = await asyncio.to_thread(model.route, text, lat, lon, at, hint)
            vector = await asyncio.to_thread(model.embedding, text)
    except Exception as exc:
        log.exception("classifier failed on report %s; routing to triage", report_id)
        await _fallback_to_triage(ctx, report_id, "classifier error", error=type(exc).__name__)
        async with ctx.sessions() as session:
            # the last attempt: its failure dead-letters the task. Say so on the report's record, so dispatchers
            # (GET /dispatch/routing-failures) and the history see that nothing will route it until `zan ml reroute`
            if await give_up_decision(session, report_id, error=type(exc).__name__):
                log.error("routing of report %s gave up after its last attempt (%s)", report_id, type(exc).__name__)
                await session.commit()
        raise  # retried by the outbox; the report already sits with a human meanwhile
    await _apply(ctx, report_id, decision, vector)


async def _fallback_to_triage(ctx: Context, report_id: uuid.UUID, why: str, *, error: str | None = None) -> None:
    async with ctx.sessions() as session:
        report = await reports.lock(session, report_id)
        if report is None or report.routing_state in ("failed", "done"):
            return
        # why no model decision is on record (yet): the first failure; retries add none until one succeeds
        session.add(RoutingDecision(report_id=report.id, source="fallback", abstained=True,
                                    inputs={"reason": why, "error": error}))
        if report.status == Status.REGISTERED:
            await reports.change_status(session, report, Action.TRIAGE, SYSTEM, internal_note=why, params={})
        report.routing_state = "failed"
        session.add(report)
        await offer_if_urgent(session, report)  # urgency is known from intake without a model: no waiting for one
        await session.commit()
    notify_relay(ctx)


async def _apply(ctx: Context, report_id: uuid.UUID, decision: Any, vector: np.ndarray | None) -> None:
    async with ctx.sessions() as session:
        # the report may have been merged into an incident while routing was pending; becoming restricted takes
        # it out of it, which writes the other members: lock them the one way every incident change does
        await lock_incidents(session, [report_id])
        report = await session.get(Report, report_id)
        if report is None or report.routing_state == "done":
            return
        was_restricted = is_restricted(report)
        # no rule matched (a rule set without a catch-all): the model's category is kept, and a human decides where
        # the report goes; retrying would find no rule either
        no_rule = decision is not None and decision.rule_id == NO_RULE
        if decision is None:
            session.add(RoutingDecision(report_id=report.id, source="fallback", abstained=True,
                                        inputs={"reason": "routing disabled or model unavailable"}))
            if report.status == Status.REGISTERED:
                await reports.change_status(session, report, Action.TRIAGE, SYSTEM, internal_note="no model")
            report.routing_state = "done"
            session.add(report)
            await offer_if_urgent(session, report)
            await session.commit()
            notify_relay(ctx)
            return
        # the rule's department, else the category's own, as a reclassification to the same category gives it; none
        # when no rule matched at all (a data error: the report waits in triage for a human, who reclassifies it)
        department = None if no_rule else decided_department(decision.department, decision.category)
        session.add(RoutingDecision(
            report_id=report.id, source="model", model_version=decision.model_version, embedder=decision.embedder,
            category=decision.category, confidence=decision.confidence, abstained=decision.abstained,
            department=department, unit=decision.unit, rule_id=decision.rule_id, priority=decision.priority,
            urgent=decision.urgent, district=decision.district, language=decision.language,
            scores={"scores": decision.scores, "alternatives": decision.alternatives,
                    "category_source": decision.category_source, "urgency_reasons": decision.urgency_reasons},
            inputs={"text_sha1": _sha1(report.text), "lat": report.lat, "lon": report.lon,
                    "at": report.created_at.isoformat(), "category_hint": report.category_hint,
                    "rules_version": decision.rules_version, "lexicon": decision.lexicon,
                    "urgency_rules": URGENCY_VERSION, "crime_cues": CRIME_CUES_VERSION,
                    **({"reason": NO_RULE_REASON} if no_rule else {})},
        ))
        # a dispatcher who reclassified the report while the model was away (routing pending, or failed and being
        # retried) decided: the model's guess is recorded, and changes neither the category nor the next step
        corrected = await session.scalar(select(col(RoutingDecision.id)).where(
            col(RoutingDecision.report_id) == report.id, col(RoutingDecision.source) == "dispatcher").limit(1))
        if vector is not None:
            session.add(ReportEmbedding(report_id=report.id, embedder=decision.embedder or "unknown",
                                        vector=np.asarray(vector, dtype=np.float32).tobytes()))
        if report.status == Status.CLOSED:
            # closed while routing was pending or retrying (staff redirected or closed it from the queue, its
            # citizen withdrew it): the closing was made, and is overseen, on the report as it stood. The model's
            # guess is recorded above and rewrites neither the category nor the redirect term (one redirected past
            # its term left the prosecutors' list when a late "theft" cleared it), as a reclassify may not either
            pass
        elif corrected is None:
            report.category = decision.category
            report.category_confidence = decision.confidence
            report.department = department
            # out of police competence: the law's redirect term, which the SLA job watches (dispatch.jobs). It runs
            # from the current consideration, as a reclassify's does: routing that comes late, after an appeal
            # reopened the report, must not date it from registration and escalate it at once
            report.redirect_due_at = deadlines.redirect_term(
                report.category, await reports.consideration_start(session, report), ctx.calendar)
            report.priority = higher_priority(report.priority, decision.priority)
        elif decision.urgent:
            # the dispatcher's category (and the term and priority it set) stand: the priority the model gives its
            # own guess of the category would overrule them. Danger read in the text still makes the report urgent
            report.priority = "urgent"
        report.urgent = report.urgent or decision.urgent
        report.restricted = report.restricted or decision.restricted
        report.district = report.district or decision.district
        report.routing_state = "done"
        session.add(report)
        await session.flush()
        if is_restricted(report) and not was_restricted:
            # routing that arrives late (the report waited in triage, a dispatcher merged or assigned it meanwhile)
            # restricts it as a reclassify would: the same consequences
            await leave_what_restriction_forbids(session, report, SYSTEM)
        if no_rule:
            if report.status == Status.REGISTERED and corrected is None:
                await reports.change_status(session, report, Action.TRIAGE, SYSTEM, internal_note=NO_RULE_REASON)
        elif corrected is None and _confident(decision) and await refuse_anonymous(session, report, source="model"):
            # also from triage, where a report waits when the model was away at first: the rule is the model's
            # category's, whoever holds the report now (never an urgent one, never one being worked)
            pass
        elif report.status == Status.REGISTERED and corrected is None:
            await _next_step(session, report, decision, vector)
        await offer_if_urgent(session, report)
        await session.commit()
    notify_relay(ctx)


async def _still_offered(ctx: Context, report_id: str) -> Report | None:
    """The report, unless it was taken or closed since the offer was queued (then no offer is needed). Taken means a
    unit holds it, not a status: the duty officer may ask the reporter before any unit is sent (awaiting_reporter
    with no unit, still in the dispatch queue), and the crews on shift must still be offered it."""
    async with ctx.sessions() as session:
        report = await session.get(Report, uuid.UUID(report_id))
    if report is None or report.status == Status.CLOSED:
        return None
    return report if report.unit_id is None or report.status in (Status.REGISTERED, Status.TRIAGE) else None


@task("reports.offer_urgent")
async def offer_urgent(ctx: Context, payload: dict[str, Any]) -> None:
    """Urgent reports go to the duty bot of linked officers on shift in the district, with one-tap Accept."""
    from bots.officer.push import push_urgent_report

    if (report := await _still_offered(ctx, payload["report_id"])) is not None:
        await push_urgent_report(ctx, report)


@task("reports.offer_urgent_chat")
async def offer_urgent_chat(ctx: Context, payload: dict[str, Any]) -> None:
    """The offer again, to one chat Telegram could not be reached for, or that its flood control held back."""
    from bots.officer.push import offer_to_chat

    if (report := await _still_offered(ctx, payload["report_id"])) is not None:
        await offer_to_chat(ctx, report, int(payload["chat_id"]))


def _confident(decision: Any) -> bool:
    """Whether the model may close a report alone on this decision (a redirect, an anonymous appeal refused)."""
    return not decision.abstained and (decision.confidence or 0) >= REDIRECT_MIN_CONFIDENCE


async def _next_step(session: Any, report: Report, decision: Any, vector: np.ndarray | None) -> None:
    # never for an urgent report: someone may be in danger whatever else it is about, and a closed report is
    # offered to no officer. Nor for one a dispatcher merged while its routing was queued: its closing would be
    # followed by the incident's other reports, other citizens' reports closed on the model's reading of one text
    if (decision.redirect and not decision.urgent and not report.urgent and report.incident_id is None
            and decision.redirect.get("target") == "akimat" and _confident(decision)):
        # out of police competence: redirect within 3 working days, with notice to the applicant (law on appeals)
        await reports.change_status(session, report, Action.REDIRECT, SYSTEM,
                                    params={"target": decision.redirect.get("names", {})},
                                    data={"redirect": decision.redirect})
        return
    # a report a dispatcher merged while its routing was queued is grouped already: joining the model's match would
    # move it out of that incident without regrouping the rest (its other members left following a report that
    # follows another incident), undoing the human's step as a late category may not either
    if vector is not None and not report.restricted and not decision.abstained and report.incident_id is None:
        match = await find_cluster(session, report, np.asarray(vector, dtype=np.float32))
        if match is not None:
            await join(session, report, *match)
    # a report that joined an incident already being worked follows its unit and needs no triage
    if report.status == Status.REGISTERED and (
            decision.abstained or report.restricted or decision.category in ("emergency", "not_police")
            or decision.hint_disagrees or (report.urgent and decision.redirect)
            # an anonymous appeal the model was not sure enough to refuse (or an urgent one): a human decides
            or (report.anonymous and not decision.anonymous_allowed)):
        await reports.change_status(session, report, Action.TRIAGE, SYSTEM,
                                    internal_note="low confidence" if decision.abstained else "needs a human")


def _sha1(text: str) -> str:
    import hashlib

    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()
