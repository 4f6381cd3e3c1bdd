"""Figures for oversight: how the reports registered in a period fared, per district, category or unit: how many
were registered, closed within the law's term or after it, are open past it, had their term extended, were reopened
(an appeal or oversight), withdrawn, and how their citizens rated the closing. What a prosecutor's monthly check or
a head's review of a district starts from, where the terms list (service.py) names the reports one by one.

Counted over the reports the officer may read (the console's rule, region and restricted reports alike, as the terms
list: figures carry no citizen's text or data), in one aggregate query; "open past the term" is as of now.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Integer, and_, case, func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from backend.dispatch.visibility import Scope, visible_to
from backend.officers.auth import OfficerPrincipal
from backend.officers.models import Unit
from backend.oversight.schemas import StatsRow
from backend.oversight.service import Filters, lapses
from backend.reports.models import Report
from backend.reports.workflow import Resolution, Status

GroupBy = Literal["district", "category", "unit", "none"]
GROUPS: dict[str, Any] = {"district": col(Report.district), "category": col(Report.category), "unit": col(Unit.code)}


def _count(condition: Any) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0).cast(Integer)


def measures(now: datetime) -> dict[str, Any]:
    """Each figure of a row, as an aggregate over the group's reports. The terms missed are the terms list's own
    conditions (service.lapses), so a report the list names is counted under the same lapse."""
    closed = col(Report.status) == Status.CLOSED.value
    missed = lapses(now)
    return {
        "registered": func.count(col(Report.id)),
        "open": _count(~closed),
        "closed": _count(closed),
        "closed_in_term": _count(and_(closed, col(Report.closed_at) <= col(Report.deadline_at))),
        "closed_late": _count(missed["closed_late"]),
        "open_overdue": _count(missed["open_overdue"]),
        "redirect_overdue": _count(missed["redirect_overdue"]),
        "extended": _count(col(Report.deadline_at) != col(Report.original_deadline_at)),
        "reopened": _count(col(Report.reopen_count) > 0),
        "withdrawn": _count(col(Report.resolution) == Resolution.WITHDRAWN.value),
        "rated": func.count(col(Report.satisfaction)),
        "satisfaction_avg": func.avg(col(Report.satisfaction)),
    }


async def figures(session: AsyncSession, principal: OfficerPrincipal, scope: Scope, filters: Filters, by: GroupBy,
                  now: datetime) -> tuple[list[StatsRow], StatsRow]:
    """The rows (one per group, largest first) and their total."""
    wanted = measures(now)
    key = GROUPS.get(by)
    query = filters.narrow(visible_to(principal, scope).with_only_columns(*wanted.values()).outerjoin(
        Unit, col(Unit.id) == col(Report.unit_id)))
    [total] = (await session.execute(query)).all()
    rows = [] if key is None else (await session.execute(query.add_columns(key).group_by(key))).all()
    shown = sorted((_row(row[:-1], row[-1]) for row in rows), key=lambda r: (-r.registered, r.key or ""))
    return shown, _row(total, None)


def _row(values: Any, key: str | None) -> StatsRow:
    figures = dict(zip(measures(datetime.min), values, strict=True))
    average = figures.pop("satisfaction_avg")
    return StatsRow(key=key, satisfaction_avg=round(float(average), 2) if average is not None else None,
                    **{name: int(value) for name, value in figures.items()})
