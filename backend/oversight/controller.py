"""Oversight API, for prosecutors, supervisors and admins of their region: reports past the law's terms
(GET /api/v1/oversight/terms) and their CSV export, every read an audit line with the filters it used; and the
reopening of a report closed unlawfully or on an incomplete check (POST /api/v1/oversight/reports/{id}/reopen)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, TypeAlias

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.response import Stream

from backend.audit.service import record
from backend.deps import CtxDep, LangDep, SessionDep
from backend.dispatch import etag
from backend.dispatch.controller import STALE, card, tagged
from backend.dispatch.schemas import ReportCard
from backend.dispatch.service import by_for
from backend.dispatch.visibility import Scope, get_visible, scope_of
from backend.jobs.relay import notify
from backend.lib.clock import utcnow
from backend.lib.pagination import decode_cursor, next_cursor
from backend.officers.auth import OfficerDep, OfficerPrincipal, Role, client_ip, officer_guard, provide_officer
from backend.oversight import service
from backend.oversight import stats as stats_service
from backend.oversight.schemas import ReopenIn, StatsOut, TermsPage
from backend.oversight.stats import GroupBy
from backend.reports import service as reports

OVERSIGHT_ROLES = (Role.PROSECUTOR, Role.SUPERVISOR, Role.ADMIN)
CSV = "text/csv"
# what a filter takes: a district code and a unit code are as long as their columns
District = Annotated[str | None, QueryParameter(min_length=1, max_length=80)]
UnitCode = Annotated[str | None, QueryParameter(min_length=1, max_length=40)]
From = Annotated[
    str | None, QueryParameter(name="from", format="date", description="registered on or after (Almaty date)")
]
# "state" is Litestar's reserved name for the app's state, so the parameter is named otherwise; and Litestar's own
# validation would point a refusal at that Python name, not at the client's: state, from and to are read as text and
# checked by service.Filters.parse, which points at what the client sent
State = Annotated[str, QueryParameter(name="state", enum=list(service.STATE_FILTERS), description="which lapse")]
To = Annotated[
    str | None, QueryParameter(name="to", format="date", description="registered on or before (Almaty date)")
]


def wants_csv(request: Request[Any, Any, Any]) -> bool:
    """Accept: text/csv preferred over JSON (a client sending */* or nothing gets JSON)."""
    return request.accept.best_match(["application/json", CSV]) == CSV


def provide_filters(lapse: State = "all", registered_from: From = None, registered_to: To = None,
                    district: District = None, unit: UnitCode = None) -> service.Filters:
    """The list's and the export's filters, from the query (one definition of the query parameters for both)."""
    return service.Filters.parse(lapse, registered_from, registered_to, district, unit)


def provide_period(registered_from: From = None, registered_to: To = None, district: District = None,
                   unit: UnitCode = None) -> service.Filters:
    """The figures' filters: the list's, but for the lapse (the figures count every report)."""
    return service.Filters.parse("all", registered_from, registered_to, district, unit)


FiltersDep: TypeAlias = NamedDependency[service.Filters]


class OversightController(Controller):
    path = "/api/v1/oversight"
    tags = ["oversight"]
    dependencies = {"officer": Provide(provide_officer, sync_to_thread=False),
                    "filters": Provide(provide_filters, sync_to_thread=False)}

    @get(
        "/terms",
        guards=[officer_guard(*OVERSIGHT_ROLES)],
        responses={200: ResponseSpec(TermsPage, description="A page (JSON); with Accept: text/csv, the export")},
        summary="Reports past the law's terms: open past the deadline, closed after it, not redirected in time "
        "(audited; Accept: text/csv for the export)",
    )
    async def terms(
        self,
        ctx: CtxDep,
        session: SessionDep,
        officer: OfficerDep,
        lang: LangDep,
        request: Request[Any, Any, Any],
        filters: FiltersDep,
        cursor: FromQuery[str | None] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=200)] = 50,
    ) -> Response[Any]:
        """Newest registration first; `next_cursor` pages on (stable while reports are registered meanwhile).
        Restricted reports are listed for these roles too: no row carries a citizen's text, IIN or phone."""
        if wants_csv(request):
            return await _export(ctx, session, officer, request, lang, filters)
        after = decode_cursor(ctx.settings.secret_key, service.CURSOR_PURPOSE, cursor) if cursor else None
        scope = await _audited(session, officer, request, "oversight.terms", filters,
                               {"cursor": cursor is not None, "limit": limit})
        now = utcnow()
        rows = await service.page(session, officer, scope, filters, now, ctx.calendar, after, limit + 1)
        await session.commit()
        return Response(
            TermsPage(
                items=rows[:limit],
                next_cursor=next_cursor(
                    ctx.settings.secret_key, service.CURSOR_PURPOSE, rows, limit, service.cursor_key
                ),
            )
        )

    @get("/stats", guards=[officer_guard(*OVERSIGHT_ROLES)], dependencies={"filters": Provide(provide_period,
                                                                                             sync_to_thread=False)},
         summary="How the reports registered in a period fared, per district, category or unit (audited)")
    async def stats(self, session: SessionDep, officer: OfficerDep, request: Request[Any, Any, Any],
                    filters: FiltersDep, by: Annotated[GroupBy, QueryParameter()] = "district") -> StatsOut:
        """Registered, closed in term or late, open past the term (as of now), extended, reopened, withdrawn and
        the citizens' ratings, per group and in total, over the reports the officer may read."""
        scope = await _audited(session, officer, request, "oversight.stats", filters, {"by": by})
        rows, total = await stats_service.figures(session, officer, scope, filters, by, utcnow())
        await session.commit()
        return StatsOut(by=by, rows=rows, total=total)

    @post(
        "/reports/{report_id:uuid}/reopen",
        status_code=200,
        guards=[officer_guard(*OVERSIGHT_ROLES)],
        responses=STALE,
        summary="Reopen a closed report for a new consideration, with the grounds (audited; the reporter is told)",
    )
    async def reopen(self, ctx: CtxDep, session: SessionDep, officer: OfficerDep, request: Request[Any, Any, Any],
                     report_id: FromPath[uuid.UUID], data: JSONBody[ReopenIn],
                     if_match: etag.IfMatch = None) -> Response[ReportCard]:
        """A prosecutor's protest, or the head's own review, of a closing found unlawful or unfounded: the report
        goes back to dispatch's queue with a fresh 15-working-day term, as a citizen's appeal does, and its
        reporter is told why. The workflow allowed it (reports.workflow) but no endpoint did, so a closing
        oversight found wrong could only be flagged, not undone. A withdrawn report may be reopened too: a
        withdrawal made under pressure (a family's, an offender's) is what oversight is there to catch."""
        report = await get_visible(session, officer, report_id, lock=True)
        await etag.ensure_unchanged(session, report, if_match)
        await reports.reopen(session, report, by_for(officer), data.reason)
        await record(session, actor_type=officer.role.value, actor_id=officer.officer_id, action="report.reopen",
                     # its length only, as closing and asking for information record theirs: the grounds quote the
                     # report (names, addresses) and are in the reopen event for those who may read them
                     target_type="report", target_id=report.id, data={"reason_len": len(data.reason)},
                     ip=client_ip(request))
        await session.commit()
        notify(ctx)
        return tagged(await card(session, report, officer))

    @get(
        "/terms.csv",
        guards=[officer_guard(*OVERSIGHT_ROLES)],
        media_type=CSV,
        summary="The same list as CSV for Excel: UTF-8 with BOM, headers in the requester's language (audited)",
    )
    async def terms_csv(
        self,
        ctx: CtxDep,
        session: SessionDep,
        officer: OfficerDep,
        lang: LangDep,
        request: Request[Any, Any, Any],
        filters: FiltersDep,
    ) -> Stream:
        """Every row the filters select, no paging; cells a spreadsheet would run as a formula are quoted with a
        leading apostrophe. No citizen's text, IIN or phone."""
        return await _export(ctx, session, officer, request, lang, filters)


async def _audited(session: SessionDep, officer: OfficerPrincipal, request: Request[Any, Any, Any], action: str,
                   filters: service.Filters, extra: dict[str, Any]) -> Scope:
    """The officer's reading scope, and the read recorded as an audit line with its filters (and `extra`), once
    they are known good: a unit code no unit has is refused first (a refusal handed nothing out)."""
    await filters.check_unit(session)
    await record(session, actor_type=officer.role.value, actor_id=officer.officer_id, action=action,
                 target_type="reports", target_id=None, data={**filters.audit(), **extra}, ip=client_ip(request))
    return await scope_of(session, officer)


async def _export(
    ctx: CtxDep,
    session: SessionDep,
    officer: OfficerPrincipal,
    request: Request[Any, Any, Any],
    lang: LangDep,
    filters: service.Filters,
) -> Stream:
    # the export is recorded before its first byte: a download cut short was still handed out
    scope = await _audited(session, officer, request, "oversight.export", filters, {})
    await session.commit()
    body = service.export(ctx.sessions, officer, scope, filters, utcnow(), ctx.calendar, lang)
    return Stream(
        body,
        media_type=f"{CSV}; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="oversight-terms.csv"', "Content-Language": lang},
    )
