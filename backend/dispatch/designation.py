"""Which units may hold a restricted report: one rule for the console's assignments and reads
(backend.dispatch.service, backend.dispatch.visibility), the duty bot's offers and a tablet's view
(backend.sync.views).

A restricted report goes only to a unit designated for the restricted category it is restricted under: its category
when that is a restricted one, else the restricted category it was restricted under before — the citizen's own
choice (they chose domestic violence, the model filed public_order) or a category routing or a dispatcher gave it
earlier (reclassified out of child_incident). Restriction only goes up (backend.reports.access.is_restricted) while
units are designated only for the restricted categories, so matching the current category alone left such a report
with no unit that could ever take it: every assignment answered 409 `dispatch.unit_not_designated` and the report —
likely a family-violence or child case — waited in the queue for ever. "Restricted = visible only to the designated
unit and supervisors" still holds: the unit designated for that category, and nobody else, may hold and read it.

`may_hold` is the rule on a loaded report, `held_clause` the same rule in SQL (for the lists), and `history_of` (one
report) or `unit_history` (a tablet's unit) reads the history both take: the restricted categories the report's
routing decisions (the model's, fallbacks' and dispatchers' corrections, never overwritten) gave it."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable
from typing import Any

from sqlalchemy import exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from backend.reports.access import is_restricted, not_restricted, ordinary_category
from backend.reports.models import Report
from backend.reports.workflow import Status
from backend.routing.models import RoutingDecision
from ml.taxonomy import load_taxonomy


def restricted_under(report: Report, earlier: Iterable[str | None] = ()) -> frozenset[str]:
    """The restricted categories `report` is restricted under: its own category when restricted; else the citizen's
    chosen one and the earlier ones (`earlier`: the categories its routing decisions gave it) that are restricted."""
    codes = load_taxonomy().restricted_codes()
    if report.category in codes:
        return frozenset({report.category})
    return frozenset(c for c in (report.category_hint, *earlier) if c in codes)


def may_hold(designated: Collection[str], report: Report, earlier: Iterable[str | None] = ()) -> bool:
    """Whether a unit designated for `designated` may hold (be assigned, read on a tablet) `report`: any unit an
    ordinary one, a designated one a restricted one it is restricted under (`restricted_under`)."""
    return not is_restricted(report) or bool(restricted_under(report, earlier) & set(designated))


def held_clause(designated: Collection[str]) -> Any:
    """`may_hold` in SQL over `Report` rows (the earlier categories read from routing_decisions)."""
    mine = sorted(set(designated) & load_taxonomy().restricted_codes())
    if not mine:
        return not_restricted()
    # a report whose current category is ordinary: only then does its history decide (`restricted_under`)
    earlier = exists().where(col(RoutingDecision.report_id) == col(Report.id), col(RoutingDecision.category).in_(mine))
    before = ordinary_category() & or_(col(Report.category_hint).in_(mine), earlier)
    return not_restricted() | col(Report.category).in_(mine) | before


async def unit_history(session: AsyncSession, unit_id: uuid.UUID) -> dict[uuid.UUID, tuple[str, ...]]:
    """Per report, the restricted categories its routing decisions gave it (`history_of`), for the unit's open
    restricted reports whose current category is ordinary, in one query:
    the others' current category decides (`restricted_under`), so their history is never read."""
    codes = sorted(load_taxonomy().restricted_codes())
    rows = await session.execute(
        select(col(RoutingDecision.report_id), col(RoutingDecision.category))
        .join(Report, col(Report.id) == col(RoutingDecision.report_id))
        .where(col(Report.unit_id) == unit_id, col(Report.status) != Status.CLOSED.value,
               col(Report.restricted).is_(True), ordinary_category(), col(RoutingDecision.category).in_(codes)))
    return _grouped(rows)


def _grouped(rows: Iterable[Any]) -> dict[uuid.UUID, tuple[str, ...]]:
    """(report id, category) rows → per report, its categories sorted, without repeats."""
    out: dict[uuid.UUID, set[str]] = {}
    for report_id, category in rows:
        if category is not None:  # the queries' condition: for the type checker
            out.setdefault(report_id, set()).add(category)
    return {report_id: tuple(sorted(categories)) for report_id, categories in out.items()}


async def history_of(session: AsyncSession, report: Report) -> tuple[str, ...]:
    """The restricted categories the report's routing decisions gave it, sorted; no query when its current category
    decides (`restricted_under`)."""
    codes = load_taxonomy().restricted_codes()
    if not is_restricted(report) or report.category in codes:
        return ()
    rows = await session.execute(select(col(RoutingDecision.report_id), col(RoutingDecision.category)).where(
        col(RoutingDecision.report_id) == report.id, col(RoutingDecision.category).in_(sorted(codes))))
    return _grouped(rows).get(report.id, ())


def departments_under(report: Report, earlier: Iterable[str | None] = ()) -> set[str]:
    """The departments of the restricted categories `report` is restricted under (the taxonomy's): a designated
    unit of theirs may take the report although its current category belongs to another department."""
    taxonomy = load_taxonomy()
    return {taxonomy.category(code).department for code in restricted_under(report, earlier)}
