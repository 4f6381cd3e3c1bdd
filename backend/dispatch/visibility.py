"""What each staff role may read of reports: one rule (`visible_to`) for every part of the console built on it —
cards, files, history, proof, the queue and its incident cards, escalations, and every step taken on a report (a
report outside it is a 404, never a 403: no IDOR) — and for the routing corrections and the duty bot.

Least privilege by role (restricted reports only for oversight roles and designated units: see
backend.dispatch.designation; field officers their unit's and district's reports) and, for dispatch roles and
prosecutors, by region (backend.dispatch.regions).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from backend.dispatch.designation import held_clause
from backend.dispatch.regions import districts_for
from backend.lib.errors import ZanError
from backend.officers.auth import DISPATCH_ROLES, FIELD_ROLES, OfficerPrincipal, Role
from backend.officers.models import Unit
from backend.reports.access import not_restricted
from backend.reports.models import Report


@dataclass(frozen=True)
class Scope:
    """What an officer may read besides their role's rule: the restricted categories their unit is designated for,
    and the districts of their region (None: the whole country; see backend.dispatch.regions)."""

    designated: list[str]
    districts: tuple[str, ...] | None = None


async def scope_of(session: AsyncSession, principal: OfficerPrincipal) -> Scope:
    # field officers are scoped by their unit and district in visible_to, not by region
    districts = None if principal.role in FIELD_ROLES else await districts_for(session, principal)
    return Scope(await designated_categories(session, principal), districts)


def in_region(scope: Scope, table: Any) -> Any:
    """A report of the officer's region, or of none (see backend.dispatch.regions); anything for national scope."""
    if scope.districts is None:
        return true()
    return table.district.in_(scope.districts) | table.district.is_(None)


def visible_to(principal: OfficerPrincipal, scope: Scope) -> Select[Report]:
    """Reports this officer may read. Dispatch roles and prosecutors: those of their region (all, for an officer
    of no region); restricted ones only for supervisors, admins and prosecutors. Field officers: their unit's
    assignments, or their district — restricted reports only while their unit holds them and is designated for the
    category they are restricted under (backend.dispatch.designation). Anything else is a 404 (no IDOR)."""
    query = select(Report)
    if principal.role in (Role.SUPERVISOR, Role.ADMIN, Role.PROSECUTOR):
        return query.where(in_region(scope, Report))
    if principal.role in DISPATCH_ROLES:
        # no restricted report, by its flag or its category (the flag alone let a report of a category the taxonomy
        # restricted later through)
        return query.where(not_restricted(), in_region(scope, Report))
    mine = Report.unit_id == principal.unit_id if principal.unit_id else Report.id.is_(None)  # type: ignore[attr-defined, union-attr]
    query = query.where(or_(mine, Report.district == principal.district))  # type: ignore[arg-type]
    # a restricted report only while their unit holds it and may (backend.dispatch.designation, the rule its
    # assignment passed): designated for the restricted category it is restricted under
    return query.where(not_restricted() | held_clause(scope.designated) & (Report.unit_id == principal.unit_id))  # type: ignore[arg-type]


async def designated_categories(session: AsyncSession, principal: OfficerPrincipal) -> list[str]:
    if principal.unit_id is None:
        return []
    unit = await session.get(Unit, principal.unit_id)
    return list(unit.restricted_categories or []) if unit else []


async def readable(session: AsyncSession, principal: OfficerPrincipal) -> Select[Report]:
    """`visible_to` over the principal's scope, looked up: the reports they may read, and so the only ones a step of
    theirs may reach (an incident can span a region's border or hold a restricted report: closing or assigning its
    primary must not reach a member its officer could not even open)."""
    return visible_to(principal, await scope_of(session, principal))


async def get_visible(session: AsyncSession, principal: OfficerPrincipal, report_id: uuid.UUID, *,
                      lock: bool = False) -> Report:
    query = (await readable(session, principal)).where(Report.id == report_id)  # type: ignore[arg-type]
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    report = await session.scalar(query)
    if report is None:
        raise ZanError("report.not_found", 404)
    return report
