"""Reports past the law's terms, for oversight: open past their consideration term, closed after it, or not
redirected out of police competence in time (backend.reports.deadlines). The escalations list only reports about to
lapse and still open; this list is what a prosecutor checks afterwards, so it keeps the closed ones too.

Who reads what is the console's rule (backend.dispatch.visibility): prosecutors, supervisors and admins, each of
their region, restricted reports included. Rows carry no citizen's text, IIN or phone, so a restricted report is
listed like any other (opening it is the card's audited read).

Newest registration first, paged by keyset over (created_at, id): a report registered while a reader pages goes
above the first page, so no row is skipped or repeated.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, TypeVar, get_args

from sqlalchemy import Row, Select, and_, or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from backend.dispatch.visibility import Scope, visible_to
from backend.lib.clock import ALMATY, as_utc, to_local
from backend.lib.errors import FieldProblem, ZanError
from backend.lib.i18n import Lang, pick
from backend.lib.pagination import older_than
from backend.officers.auth import OfficerPrincipal
from backend.officers.models import Unit
from backend.officers.rules import district_codes
from backend.oversight.messages import COLUMNS, STATES, YES_NO
from backend.oversight.schemas import StateFilter, TermRow, TermState
from backend.reports.deadlines import Calendar
from backend.reports.models import Report, terms_missed
from backend.reports.workflow import Resolution, Status

CURSOR_PURPOSE = "oversight-terms"
EXPORT_BATCH = 500
REGISTRATION_YEARS = (2000, 2100)  # what a `from`/`to` filter takes
STATE_FILTERS: tuple[str, ...] = get_args(StateFilter)
# every report that has missed a term or still may (open ones): a superset of each state's condition, a few per cent
# of the table. Kept in each page's WHERE as the partial index ix_reports_terms_missed (migration z1) holds it
# (reports.models.terms_missed), so that index serves every page on both databases: SQLite matches a partial index's
# terms as written, and a page walks it backwards to its limit instead of reading the whole region
_CANDIDATES_SQL = f"({terms_missed('reports')})"
# OWASP "CSV injection": a spreadsheet runs a cell starting with one of these as a formula
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


_Query = TypeVar("_Query", bound=Select[*tuple[Any, ...]])


@dataclass(frozen=True)
class Filters:
    state: str = "all"
    registered_from: date | None = None  # registration dates, Almaty time, both ends included
    registered_to: date | None = None
    district: str | None = None
    unit: str | None = None  # a unit's code

    def __post_init__(self) -> None:
        if self.registered_from and self.registered_to and self.registered_to < self.registered_from:
            raise ZanError("validation.failed", 422, errors=[FieldProblem("#query/to", "out_of_range")])

    @classmethod
    def parse(
        cls, state: str, registered_from: str | None, registered_to: str | None, district: str | None, unit: str | None
    ) -> Filters:
        """The filters as the query gave them; each refusal points at the query parameter the client named."""
        if state not in STATE_FILTERS:
            raise ZanError("validation.failed", 422, errors=[FieldProblem("#query/state", "invalid")])
        # a mistyped district matched no report, and its empty list (zero figures) read as "nothing past its term";
        # a known district of another region stays an empty answer (the region rule narrows it, no IDOR)
        if district is not None and district not in district_codes():
            raise ZanError("validation.failed", 422, errors=[FieldProblem("#query/district", "not_found")])
        return cls(state, _day(registered_from, "from"), _day(registered_to, "to"), district, unit)

    def narrow(self, query: _Query) -> _Query:
        """`query` (of reports joined with their unit) narrowed to the registration dates, district and unit."""
        if self.registered_from:
            query = query.where(col(Report.created_at) >= _local_midnight(self.registered_from))
        if self.registered_to:
            query = query.where(col(Report.created_at) < _local_midnight(self.registered_to + timedelta(days=1)))
        if self.district:
            query = query.where(col(Report.district) == self.district)
        if self.unit:
            query = query.where(col(Unit.code) == self.unit)
        return query

    async def check_unit(self, session: AsyncSession) -> None:
        """A unit code no unit has is a 422 at its pointer, as a mistyped district is (see parse). Any unit of the
        country is known: one of another region lists nothing, as its district would."""
        if self.unit is not None and await session.scalar(select(col(Unit.id)).where(col(Unit.code) == self.unit)) \
                is None:
            raise ZanError("validation.failed", 422, errors=[FieldProblem("#query/unit", "not_found")])

    def audit(self) -> dict[str, Any]:
        """The filters as an audit line's data (no personal data: codes and dates only)."""
        return {
            "state": self.state,
            "from": self.registered_from.isoformat() if self.registered_from else None,
            "to": self.registered_to.isoformat() if self.registered_to else None,
            "district": self.district,
            "unit": self.unit,
        }


def _day(value: str | None, name: str) -> date | None:
    if value is None:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError as exc:
        raise ZanError("validation.failed", 422, errors=[FieldProblem(f"#query/{name}", "invalid")]) from exc
    # far-off years would overflow on the way to UTC (a 500 rather than an answer); no report is registered there
    if not REGISTRATION_YEARS[0] <= day.year <= REGISTRATION_YEARS[1]:
        raise ZanError("validation.failed", 422, errors=[FieldProblem(f"#query/{name}", "out_of_range")])
    return day


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=ALMATY)


def _open() -> Any:
    return col(Report.status) != Status.CLOSED.value


def _closed() -> Any:
    return col(Report.status) == Status.CLOSED.value


def _closed_late_now() -> Any:
    return and_(_closed(), col(Report.closed_at) > col(Report.deadline_at))


def lapses(now: datetime) -> dict[TermState, Any]:
    """Each state's condition. A report is closed late if its current closing came after its term, or a closing
    that did was set aside by a reopening (`late_closed_at`): a decision given late is a term missed, whether the
    report is open again, closed anew in term, or closed again by the appeal's withdrawal. A redirect term is missed
    by a report still open past it, or redirected after it (one the police took on themselves instead was not
    redirected at all: its consideration term is what counts)."""
    redirect_due = col(Report.redirect_due_at)
    return {
        "open_overdue": and_(_open(), col(Report.deadline_at) < now),
        "closed_late": or_(_closed_late_now(), col(Report.late_closed_at).is_not(None)),
        "redirect_overdue": and_(
            redirect_due.is_not(None),
            or_(
                and_(_open(), redirect_due < now),
                and_(
                    _closed(),
                    col(Report.resolution) == Resolution.REDIRECTED.value,
                    col(Report.closed_at) > redirect_due,
                ),
            ),
        ),
    }


def terms_query(
    principal: OfficerPrincipal,
    scope: Scope,
    filters: Filters,
    now: datetime,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> Select[*tuple[Any, ...]]:
    """One page: the reports `principal` may read (visibility's rule, region and all) past a term, newest first."""
    conditions = lapses(now)
    chosen = or_(*conditions.values()) if filters.state == "all" else conditions[filters.state]  # type: ignore[index]
    query = (
        visible_to(principal, scope)
        .with_only_columns(
            col(Report.id),
            col(Report.number),
            col(Report.category),
            col(Report.district),
            col(Unit.code),
            col(Report.created_at),
            col(Report.deadline_at),
            col(Report.original_deadline_at),
            col(Report.redirect_due_at),
            col(Report.closed_at),
            col(Report.late_closed_at),
            col(Report.late_deadline_at),
            col(Report.status),
            col(Report.resolution),
            col(Report.restricted),
        )
        .outerjoin(Unit, col(Unit.id) == col(Report.unit_id))
        .where(text(_CANDIDATES_SQL), chosen)
    )
    query = filters.narrow(query)
    if after is not None:
        query = query.where(older_than(col(Report.created_at), col(Report.id), after))
    return query.order_by(col(Report.created_at).desc(), col(Report.id).desc()).limit(limit)


def working_days_past(calendar: Calendar, term: datetime, until: datetime) -> int:
    """Working days after the term's last day, up to and including the day of `until` (Almaty dates): a term
    ending on Friday and closed on Monday is one working day late; one closed on Saturday, none."""
    last, end = to_local(term).date(), to_local(until).date()
    return sum(1 for n in range(1, (end - last).days + 1) if calendar.is_working_day(last + timedelta(days=n)))


def _late_now(row: Row[Any]) -> bool:
    """Whether the report's current closing came after its term (not a closing set aside)."""
    return (row.status == Status.CLOSED.value and row.closed_at is not None
            and as_utc(row.closed_at) > as_utc(row.deadline_at))


def state_of(row: Row[Any], wanted: str, now: datetime) -> TermState:
    """The lapse a row is listed for: the one filtered for, else the weightiest it has (a term running out now
    outweighs one missed before; a consideration term missed outweighs a redirect term missed)."""
    if wanted != "all":
        return wanted  # type: ignore[return-value]
    if row.status != Status.CLOSED.value and as_utc(row.deadline_at) < now:
        return "open_overdue"
    if _late_now(row) or row.late_closed_at is not None:
        return "closed_late"
    return "redirect_overdue"


def to_row(row: Row[Any], wanted: str, now: datetime, calendar: Calendar) -> TermRow:
    state = state_of(row, wanted, now)
    closed_at = as_utc(row.closed_at) if row.closed_at is not None else None
    deadline, original = as_utc(row.deadline_at), as_utc(row.original_deadline_at)
    extended = deadline != original
    # listed closed late for a closing a reopening set aside (the current one, if any, came in term): that closing
    # and the term it missed are what the row shows and counts its days by, not the fresh term the reopening began
    set_aside = state == "closed_late" and not _late_now(row) and row.late_closed_at is not None
    if set_aside:
        closed_at, deadline = as_utc(row.late_closed_at), as_utc(row.late_deadline_at)
    term = as_utc(row.redirect_due_at) if state == "redirect_overdue" else deadline
    return TermRow(
        id=row.id,
        number=row.number,
        category=row.category,
        district=row.district,
        unit_code=row.code,
        registered_at=as_utc(row.created_at),
        deadline_at=deadline,
        original_deadline_at=original,
        extended=extended,
        redirect_due_at=as_utc(row.redirect_due_at) if row.redirect_due_at else None,
        closed_at=closed_at,
        restricted=row.restricted,
        state=state,
        days_overdue=working_days_past(calendar, term, closed_at or now),
        set_aside=set_aside,
    )


async def page(
    session: AsyncSession,
    principal: OfficerPrincipal,
    scope: Scope,
    filters: Filters,
    now: datetime,
    calendar: Calendar,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> list[TermRow]:
    """Up to `limit` rows past `after` (read with limit + 1 by the caller to know whether more follow)."""
    rows = (await session.execute(terms_query(principal, scope, filters, now, after, limit))).all()
    return [to_row(row, filters.state, now, calendar) for row in rows]


def cursor_key(row: TermRow) -> tuple[datetime, uuid.UUID]:
    return row.registered_at, row.id


# -- the export -----------------------------------------------------------------------------------------------------


def safe_cell(value: str) -> str:
    """A cell a spreadsheet shows as text, never runs as a formula (OWASP CSV injection). Looked at past leading
    spaces: a spreadsheet that trims them on import (LibreOffice's option) reads " =1+1" as a formula too."""
    return "'" + value if value.lstrip(" \u00a0").startswith(FORMULA_STARTS) else value


def _when(value: datetime | None) -> str:
    # Almaty wall-clock time, in a form Excel reads as a date in every locale
    return to_local(value).strftime("%Y-%m-%d %H:%M:%S") if value is not None else ""


def csv_cells(row: TermRow, lang: Lang) -> list[str]:
    values: dict[str, str] = {
        "id": str(row.id),
        "number": row.number,
        "category": row.category or "",
        "district": row.district or "",
        "unit_code": row.unit_code or "",
        "registered_at": _when(row.registered_at),
        "deadline_at": _when(row.deadline_at),
        "original_deadline_at": _when(row.original_deadline_at),
        "extended": pick(YES_NO[row.extended], lang),
        "redirect_due_at": _when(row.redirect_due_at),
        "closed_at": _when(row.closed_at),
        "set_aside": pick(YES_NO[row.set_aside], lang),
        "restricted": pick(YES_NO[row.restricted], lang),
        "state": pick(STATES[row.state], lang),
        "days_overdue": str(row.days_overdue),
    }
    return [safe_cell(values[key]) for key in COLUMNS]


def delimiter_for(lang: Lang) -> str:
    """Excel splits a CSV it opens on the locale's list separator: ";" where the decimal mark is a comma (ru, kk)."""
    return "," if lang == "en" else ";"


def _encode(lines: Sequence[list[str]], delimiter: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerows(lines)
    return out.getvalue().encode("utf-8")


async def export(
    sessions: async_sessionmaker[AsyncSession],
    principal: OfficerPrincipal,
    scope: Scope,
    filters: Filters,
    now: datetime,
    calendar: Calendar,
    lang: Lang,
) -> AsyncIterator[bytes]:
    """The whole list as CSV, UTF-8 with a BOM (Excel reads it as UTF-8 only with one), headers in `lang`; read in
    keyset batches in a session of its own (the request's is closed before the body is streamed)."""
    delimiter = delimiter_for(lang)
    yield "\ufeff".encode() + _encode([[safe_cell(pick(texts, lang)) for texts in COLUMNS.values()]], delimiter)
    after: tuple[datetime, uuid.UUID] | None = None
    async with sessions() as session:
        while True:
            rows = await page(session, principal, scope, filters, now, calendar, after, EXPORT_BATCH)
            # ended before the rows go to a client who may read them slowly: an open transaction on SQLite holds the
            # one write lock (BEGIN IMMEDIATE), and every report, push and job waited on the download, then got 503
            await session.commit()
            if rows:
                yield _encode([csv_cells(row, lang) for row in rows], delimiter)
            if len(rows) < EXPORT_BATCH:
                return
            after = cursor_key(rows[-1])
