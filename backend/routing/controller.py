"""Routing preview for partner apps (suggest a category while the citizen types)."""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Annotated

from litestar import Controller, Response, get, post
from litestar.di import Provide
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from backend.deps import AskedLangDep, CtxDep, LangDep, SessionDep, provide_asked_lang
from backend.dispatch import etag
from backend.dispatch.controller import STALE
from backend.dispatch.service import get_visible, readable, regional_units
from backend.jobs.relay import notify
from backend.lib.blank import blank
from backend.lib.errors import PROBLEM_JSON, FieldProblem, Problem, ZanError
from backend.lib.i18n import pick
from backend.lib.pagination import decode_cursor, next_cursor
from backend.officers.auth import DISPATCH_ROLES, OfficerDep, OfficerPrincipal, officer_guard, provide_officer
from backend.partners.auth import PrincipalDep, partner_guard
from backend.reports.models import Report
from backend.reports.service import By
from backend.reports.texts import NEUTRAL_CATEGORY
from backend.routing import corrections, failures, labels
from backend.routing.schemas import (
    Alternative,
    IncidentOut,
    LabelIn,
    LabelledOut,
    MergeIn,
    PreviewIn,
    PreviewOut,
    ReclassifiedOut,
    ReclassifyIn,
    RoutingFailureOut,
    RoutingFailurePage,
)
from backend.routing.service import (
    asked_language,
    district_index,
    preview_slot,
    router,
    routing_rules,
    rule_priority,
)
from backend.sync.changes import mark_report
from ml.routing_rules import decided_department
from ml.taxonomy import load_taxonomy

log = logging.getLogger("zan.routing")
FAILURES_CURSOR = "routing-failures"
# a label's own refusals, documented beside If-Match's: a client generated from the schema learns where an open
# report goes instead
LABEL_REFUSALS = {
    **STALE,
    409: ResponseSpec(data_container=Problem, media_type=PROBLEM_JSON, generate_examples=False,
                      description="The report is not closed (routing.label_report_open; `report_status`, and "
                                  "`reclassify`: the route that corrects an open report): nothing was changed"),
    422: ResponseSpec(data_container=Problem, media_type=PROBLEM_JSON, generate_examples=False,
                      description="As reclassify: an unknown category (report.unknown_category, /category) or a "
                                  "reason of blanks (validation.failed, /reason too_short)"),
}


class RoutingController(Controller):
    path = "/api/v1/routing"
    tags = ["routing"]

    @post("/preview", status_code=200, guards=[partner_guard], summary="Suggest category, department and urgency",
          dependencies={"asked_lang": Provide(provide_asked_lang, sync_to_thread=False)})
    async def preview(self, ctx: CtxDep, principal: PrincipalDep, lang: LangDep, asked_lang: AskedLangDep,
                      data: JSONBody[PreviewIn]) -> PreviewOut:
        del principal  # authenticated, but a preview touches no citizen data
        if blank(data.text):
            # as intake refuses it: a suggestion ("drugs?") for spaces or invisible characters is for a report that
            # cannot be filed, and the model's pass on nothing is CPU the gate keeps for texts
            raise ZanError("validation.failed", 422, errors=[FieldProblem("/text", "too_short")])
        # the language the report will be registered in: "ДТП" from a Kazakh app is a Kazakh report (an app that
        # passes the preview's language on as ReportCreate.language would otherwise make it a Russian one)
        told = asked_language(data.text, asked_lang)
        taxonomy = load_taxonomy()
        if data.category is not None and not taxonomy.has_category(data.category):
            raise ZanError("validation.failed", 422, errors=[FieldProblem("/category", "invalid")])
        if (data.lat is None) != (data.lon is None):
            # half a point is no place: ignored, the app would show a district-free suggestion as if it had one
            missing = "/lon" if data.lon is None else "/lat"
            raise ZanError("validation.failed", 422, errors=[FieldProblem(missing, "required")])
        lat, lon = data.lat, data.lon
        model = router(ctx)
        decision = None
        if model is not None:
            async with preview_slot(ctx):  # a full house is a 503 (routing.busy), not a failure to hide
                try:
                    decision = await asyncio.to_thread(model.route, data.text, lat, lon, None, data.category)
                except Exception:
                    # a crashing classifier must not fail the citizen's form: suggest as without a model (the
                    # routing job, not the preview, is where a failure is retried and recorded)
                    log.exception("routing preview: the classifier failed; answering without a model")
        if decision is None:
            from ml.lang import detect_language
            from ml.urgency import detect_urgency

            language = told or detect_language(data.text)
            urgency = detect_urgency(data.text, language, data.category)
            # as at intake: a restricted pick makes the report restricted, with or without a model
            restricted = bool(data.category and taxonomy.category(data.category).restricted)
            located = district_index(ctx).locate_accepted(lat, lon) if lat is not None and lon is not None else None
            district = located.code if located is not None else None
            # ranked as registration will rank it (the pick's rule, else its default), not "normal" for every pick
            priority = rule_priority(ctx, data.category, district, urgent=urgency.urgent)
            return PreviewOut(category=None, category_name=pick(NEUTRAL_CATEGORY, lang) if restricted else None,
                              confidence=None, department=None, restricted=restricted, priority=priority,
                              urgent=urgency.urgent, advise=list(urgency.advise), language=language,
                              district=district, alternatives=[], model_version=None)
        restricted_codes = taxonomy.restricted_codes()
        # a restricted category is never offered as a runner-up either: "domestic violence?" on the screen tells
        # the person looking over the citizen's shoulder as much as the top suggestion would
        alternatives = [Alternative(category=c, confidence=round(p, 4))
                        for c, p in decision.alternatives if c not in restricted_codes][:3]
        if decision.restricted or decision.category in restricted_codes:
            # named neutrally, as backend.reports.views.routing_view names a restricted report: the person the
            # report is about may see the screen, and a department (internal security…) would tell as much.
            # Urgency and the numbers to call stay: they may be what keeps the citizen safe
            return PreviewOut(
                category=None, category_name=pick(NEUTRAL_CATEGORY, lang), confidence=None, department=None,
                restricted=True, priority=decision.priority, urgent=decision.urgent, advise=list(decision.advise),
                language=told or decision.language, district=decision.district, alternatives=alternatives,
                model_version=decision.model_version,
            )
        name = taxonomy.category(decision.category).names.get(lang) if decision.category else None
        return PreviewOut(
            category=decision.category, category_name=name, confidence=decision.confidence,
            department=decided_department(decision.department, decision.category), restricted=False,
            priority=decision.priority, urgent=decision.urgent,
            advise=list(decision.advise), language=told or decision.language, district=decision.district,
            alternatives=alternatives, model_version=decision.model_version,
        )


class StaffRoutingController(Controller):
    """Dispatcher corrections of routing: reclassify (becomes training data), merge and split incidents."""

    path = "/api/v1/dispatch"
    tags = ["dispatch"]
    guards = [officer_guard(*DISPATCH_ROLES)]
    dependencies = {"officer": Provide(provide_officer, sync_to_thread=False)}

    @get("/routing-failures", summary="Reports routing failed for, newest first")
    async def routing_failures(self, ctx: CtxDep, session: SessionDep, officer: OfficerDep,
                               cursor: FromQuery[str | None] = None,
                               limit: Annotated[int, QueryParameter(ge=1, le=200)] = 50) -> RoutingFailurePage:
        """Open reports in triage because routing failed (a classifier that crashes), and whether routing still
        retries or `gave_up`: those wait for a dispatcher's category, or for `zan ml reroute`."""
        after = decode_cursor(ctx.settings.secret_key, FAILURES_CURSOR, cursor) if cursor else None
        visible = await readable(session, officer)
        rows = await failures.failures_page(session, visible, after, limit + 1)
        items = [RoutingFailureOut(
            report_id=f.report.id, number=f.report.number, status=f.report.status, urgent=f.report.urgent,
            priority=f.report.priority, district=f.report.district, created_at=f.report.created_at,
            gave_up=f.gave_up, attempts=f.attempts, retry_at=f.retry_at, failed_since=f.since, reason=f.reason,
            error=f.error) for f in rows[:limit]]
        return RoutingFailurePage(items=items, next_cursor=next_cursor(
            ctx.settings.secret_key, FAILURES_CURSOR, rows, limit, lambda f: (f.report.created_at, f.report.id)))

    @post("/reports/{report_id:uuid}/reclassify", status_code=200, responses=STALE,
          summary="Correct a report's category")
    async def reclassify(self, ctx: CtxDep, session: SessionDep, officer: OfficerDep, report_id: FromPath[uuid.UUID],
                         data: JSONBody[ReclassifyIn], if_match: etag.IfMatch = None) -> Response[ReclassifiedOut]:
        # a restricted category splits the report off its incident: lock that in the incidents' order first
        # (primary, then the others), never the report alone before its primary — see corrections.lock_incidents
        await corrections.lock_incidents(session, [report_id])
        report = await get_visible(session, officer, report_id)  # checked on the row as locked
        await etag.ensure_unchanged(session, report, if_match)
        await corrections.reclassify(session, report, data.category, data.reason, _staff(officer),
                                     rules=routing_rules(ctx))
        mark_report(session, report)
        await session.commit()
        notify(ctx)
        tag = await etag.current(session, report)
        return Response(ReclassifiedOut(id=report.id, category=report.category, department=report.department,
                                        restricted=report.restricted, etag=tag), headers={"ETag": tag})

    @post("/reports/{report_id:uuid}/label", status_code=200, responses=LABEL_REFUSALS,
          summary="Keep a closed report's right category as training data")
    async def label(self, session: SessionDep, officer: OfficerDep, report_id: FromPath[uuid.UUID],
                    data: JSONBody[LabelIn], if_match: etag.IfMatch = None) -> Response[LabelledOut]:
        """A closed report found afterwards to be of another category: the label becomes the report's training
        example for `zan ml retrain` (replacing its earlier one, as a reclassify does; none for a restricted report
        or a restricted category), while the report stays as it was closed — but for its restriction, which only
        goes up: labelled into a restricted category, it is restricted from then on. Its history gets an internal
        `label_corrected` line (who, from, to, why), its audit trail `report.label`.

        For the roles and reports reclassify is for (a restricted report: supervisors and admins; others 404). Only a
        closed report: an open one answers 409 `routing.label_report_open` (its `reclassify` member names the route
        to use). 422 as reclassify for a blank `reason` or an unknown `category`; If-Match as every card step."""
        # a restricted category's label restricts the report, which splits it off its incident: locked in the
        # incidents' order as reclassify locks (two labels at once then leave one example, the later's)
        await corrections.lock_incidents(session, [report_id])
        report = await get_visible(session, officer, report_id)  # checked on the row as locked
        await etag.ensure_unchanged(session, report, if_match)
        stored = await labels.label(session, report, data.category, data.reason, _staff(officer))
        await session.commit()
        tag = await etag.current(session, report)
        return Response(LabelledOut(id=report.id, category=report.category, label=data.category,
                                    example_stored=stored, etag=tag), headers={"ETag": tag})

    @post("/incidents/merge", status_code=200, responses=STALE, summary="Merge reports into one incident")
    async def merge(self, ctx: CtxDep, session: SessionDep, officer: OfficerDep, data: JSONBody[MergeIn],
                    if_match: etag.IfMatchAll = None) -> IncidentOut:
        """The earliest open report becomes the primary; if it is being worked by a unit the officer may send, the
        others the officer may read follow its unit (corrections.merge).

        If-Match lists the tag of every report named (each card's `etag`): the merge writes each of them (its
        incident, and the unit of the open ones that follow the primary), so a card that has moved on — reassigned,
        closed, reclassified, merged elsewhere — is refused rather than overwritten. The primary is one of the
        reports named or of their incidents: a merge appends a history line to every member of the incident it grows,
        so the named report's tag moves with it, and tags of members the console was not shown are not asked for."""
        report_ids = list(dict.fromkeys(data.report_ids))
        # locked incident by incident, each primary first, not in the order the console listed them: locking a
        # member before its primary deadlocks with a tablet's step or a split on the same incident
        await corrections.lock_incidents(session, report_ids)
        reports = [await get_visible(session, officer, rid) for rid in report_ids]  # checked on the rows as locked
        await etag.ensure_all_unchanged(session, reports, if_match)
        # its officer's step: only reports they may read follow the primary's unit, and only to a unit of theirs
        incident_id = await corrections.merge(session, reports, _staff(officer),
                                              visible=await readable(session, officer),
                                              sendable=await regional_units(session, officer))
        await session.commit()
        notify(ctx)  # members that followed the primary's unit have news for their reporters
        return await _incident_seen_by(session, officer, incident_id)

    @post("/reports/{report_id:uuid}/split", status_code=200, responses=STALE,
          summary="Take a report out of its incident")
    async def split(self, session: SessionDep, officer: OfficerDep, report_id: FromPath[uuid.UUID],
                    if_match: etag.IfMatch = None) -> IncidentOut:
        # its primary before the report itself (see corrections.lock_incidents), then checked on the row as locked
        await corrections.lock_incidents(session, [report_id])
        report = await get_visible(session, officer, report_id)
        await etag.ensure_unchanged(session, report, if_match)
        await corrections.split(session, report, _staff(officer))
        await session.commit()
        return IncidentOut(incident_id=None, report_ids=[report.id], size=1,
                           etags=await _tags(session, [report]))


async def _incident_seen_by(session: AsyncSession, officer: OfficerPrincipal, incident_id: uuid.UUID) -> IncidentOut:
    """The incident as this officer may see it: routing joins nearby reports across a region's border, and a
    regional dispatcher must learn neither the other region's report ids nor, through the size, that they exist."""
    shown = set(await session.scalars(
        (await readable(session, officer)).with_only_columns(col(Report.id))
        .where(col(Report.incident_id) == incident_id)))
    members = [m for m in await corrections.members(session, incident_id) if m.id in shown]
    return IncidentOut(incident_id=incident_id, report_ids=[m.id for m in members], size=len(members),
                       etags=await _tags(session, members))


async def _tags(session: AsyncSession, reports: list[Report]) -> dict[str, str]:
    """The reports' tags as If-Match checks them (etag.current_tags), by id."""
    return {str(report_id): tag for report_id, tag in (await etag.current_tags(session, reports)).items()}


def _staff(officer: OfficerPrincipal) -> By:
    return By(officer.role.actor, str(officer.officer_id), "console")
