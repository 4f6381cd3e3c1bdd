"""Legal deadlines on the Kazakh working-day calendar (АППК / law on appeals).

- consideration: 15 working days, counted from the day after registration, ending at 23:59:59 Almaty time; a report
  that arrives on a non-working day is registered on the next working day (APPK art. 64 p.3, art. 76 p.2);
- redirect out of police competence, and notice of an extension: 3 working days (from the day it arrived, art. 65);
- extension by a reasoned decision: at most two calendar months beyond the original deadline in total;
- a term whose last day is a non-working day ends on the next working day (art. 76 p.5): an extension's named day
  and its cap, and the appeal term;
- a complaint about the decision (the citizen's appeal): three calendar months from the day they learned of it
  (APPK art. 92). A late one is still taken (art. 92 p.3): the reasons are ascertained when it is considered.

The calendar is the deployment's (ZAN_HOLIDAYS_FILE, else the bundled file), loaded once when the Context is built:
code holding the Context uses `ctx.calendar`, code holding only a session `calendar_of(session)` (the Context's
sessions carry the same calendar). Without a calendar the functions below use the bundled one (tests, tools).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from backend.lib.clock import ALMATY, as_utc, to_local, utcnow
from backend.lib.metrics import HOLIDAY_CALENDAR_LAST_YEAR
from ml.taxonomy import load_taxonomy

CONSIDERATION_WORKING_DAYS = 15
REDIRECT_WORKING_DAYS = 3
EXTENSION_NOTICE_WORKING_DAYS = 3
MAX_EXTENSION_MONTHS = 2
APPEAL_MONTHS = 3
DEFAULT_HOLIDAYS = Path(__file__).with_name("data") / "holidays_kz.json"
# where the Context's sessions carry the configured calendar (Session.info)
CALENDAR_KEY = "zan.calendar"

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

log = logging.getLogger("zan.deadlines")


@dataclass(frozen=True)
class Coverage:
    """Whether the calendar knows this year's and next year's movable days (its `by_year` entries)."""

    year: int
    current_year: bool
    next_year: bool
    last_year: int | None  # the last year with an entry

    @property
    def ok(self) -> bool:
        return self.current_year and self.next_year


@dataclass(frozen=True)
class Calendar:
    days_off: frozenset[date]
    working_weekends: frozenset[date]
    # years with a `by_year` entry: the fixed holidays repeat by themselves, but Kurban Ait moves and the
    # government's transfers of days off are decreed year by year, so a year without an entry counts terms wrong
    years: frozenset[int] = frozenset()

    def coverage(self, today: date | None = None) -> Coverage:
        year = (today or utcnow().astimezone(ALMATY).date()).year
        return Coverage(year=year, current_year=year in self.years, next_year=year + 1 in self.years,
                        last_year=max(self.years, default=None))

    def is_working_day(self, day: date) -> bool:
        if day in self.working_weekends:
            return True
        return day.weekday() < 5 and day not in self.days_off

    def working_day_from(self, day: date) -> date:
        """`day` if it is a working day, else the next working day."""
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def add_working_days(self, start: date, n: int) -> date:
        """The n-th working day after `start` (start itself is not counted)."""
        day = start
        counted = 0
        while counted < n:
            day += timedelta(days=1)
            if self.is_working_day(day):
                counted += 1
        return day


def _build(raw: dict[str, object], years: range) -> Calendar:
    days_off: set[date] = set()
    working: set[date] = set()
    fixed = raw.get("fixed", [])
    assert isinstance(fixed, list)
    by_year = raw.get("by_year", {})
    assert isinstance(by_year, dict)
    for year in years:
        for item in fixed:
            month, day = (int(x) for x in str(item["date"]).split("-"))
            holiday = date(year, month, day)
            days_off.add(holiday)
        extra = by_year.get(str(year), {})
        for key in ("holidays", "extra_days_off"):
            days_off.update(date.fromisoformat(d) for d in extra.get(key, []))
        working.update(date.fromisoformat(d) for d in extra.get("working_weekends", []))
    # Labour Code art. 85: a (non-religious) holiday on a weekend moves the day off to the next working day
    for year in years:
        for item in fixed:
            if not item.get("carry_over"):
                continue
            month, day = (int(x) for x in str(item["date"]).split("-"))
            holiday = date(year, month, day)
            if holiday.weekday() >= 5:
                moved = holiday + timedelta(days=1)
                while moved.weekday() >= 5 or moved in days_off:
                    moved += timedelta(days=1)
                days_off.add(moved)
    # a year counts as covered only if its entry was applied (within `years`)
    return Calendar(frozenset(days_off), frozenset(working), frozenset(int(y) for y in by_year) & frozenset(years))


@lru_cache(maxsize=4)
def load_calendar(path: str | None = None) -> Calendar:
    raw = json.loads(Path(path or DEFAULT_HOLIDAYS).read_text(encoding="utf-8"))
    return _build(raw, range(2020, 2041))


def configured_calendar(path: Path | None, *, today: date | None = None) -> Calendar:
    """The deployment's calendar; a missing or malformed file stops startup rather than silently counting legal
    terms on another calendar. One without this year's or next year's movable days still starts (the dates of a
    year not yet decreed must not be guessed, and refusing citizens is worse), but says so loudly."""
    try:
        calendar = load_calendar(str(path) if path is not None else None)
    except (OSError, ValueError, KeyError, TypeError, AttributeError, AssertionError) as exc:
        raise ValueError(f"ZAN_HOLIDAYS_FILE {path}: not a usable holiday calendar ({exc!r})") from exc
    coverage = calendar.coverage(today)
    where = path or DEFAULT_HOLIDAYS
    if not coverage.current_year:
        # every term counted now misses Kurban Ait and any transferred day off: deadlines end too early
        log.error("holiday calendar %s has no by_year entry for %d: legal terms are counted without that year's "
                  "Kurban Ait and transferred days off; add the year (README, \"Adding a year to the holiday "
                  "calendar\")", where, coverage.year)
    if not coverage.next_year:
        # a 15-working-day term registered from December on already ends in the next year
        log.warning("holiday calendar %s has no by_year entry for %d: terms reaching into it miss its movable "
                    "holidays; add the year once the government has decreed its days off", where, coverage.year + 1)
    HOLIDAY_CALENDAR_LAST_YEAR.set(coverage.last_year or 0)
    return calendar


def calendar_of(session: AsyncSession) -> Calendar:
    """The calendar configured for the Context that made this session."""
    try:
        calendar: Calendar = session.info[CALENDAR_KEY]
    except KeyError:
        # a session from elsewhere would count terms on whatever calendar happened to be at hand
        raise RuntimeError("this session was not made by a Context: it carries no holiday calendar") from None
    return calendar


def _end_of_local_day(day: date) -> datetime:
    return datetime.combine(day, time(23, 59, 59), tzinfo=ALMATY).astimezone(UTC)


def working_days_after(registered_at: datetime, n: int, calendar: Calendar | None = None) -> datetime:
    cal = calendar or load_calendar()
    return _end_of_local_day(cal.add_working_days(to_local(registered_at).date(), n))


def deadline_for(registered_at: datetime, calendar: Calendar | None = None) -> datetime:
    """When the answer is due: end of the 15th working day after registration. A report is numbered at once, but one
    that arrives on a non-working day is registered, for its term, on the next working day (APPK art. 64 p.3), and the
    term starts the day after (art. 76 p.2): counted from the arrival, a Saturday's report was due a working day early,
    the same day as Friday's."""
    cal = calendar or load_calendar()
    registered = cal.working_day_from(to_local(registered_at).date())
    return _end_of_local_day(cal.add_working_days(registered, CONSIDERATION_WORKING_DAYS))


def redirect_due(registered_at: datetime, calendar: Calendar | None = None,
                 working_days: int = REDIRECT_WORKING_DAYS) -> datetime:
    """When an appeal out of police competence must have been redirected (`working_days`: the category's term)."""
    return working_days_after(registered_at, working_days, calendar)


def redirect_term(category: str | None, registered_at: datetime, calendar: Calendar | None = None) -> datetime | None:
    """By when a report of this category must be redirected out of police competence (the category's own term,
    counted from registration, or from the appeal that reopened it: the law's clock runs from the appeal, not from
    its classification); None for a category police handle themselves."""
    taxonomy = load_taxonomy()
    redirect = taxonomy.category(category).redirect if category and taxonomy.has_category(category) else None
    # a term of 0 (emergency → 112) is advice to call at once, given at intake: no paperwork term to escalate
    if redirect is None or redirect.within_working_days <= 0:
        return None
    return redirect_due(registered_at, calendar, redirect.within_working_days)


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    # clamp 31 Jan + 1 month to the end of February
    for candidate_day in range(day.day, 27, -1):
        try:
            return date(year, month, candidate_day)
        except ValueError:
            continue
    return date(year, month, min(day.day, 28))


def _last_day_end(day: date, calendar: Calendar | None) -> datetime:
    """The end (23:59:59 Almaty time) of a term whose last day is `day`, or of the next working day when `day` is off
    (APPK art. 76 p.5), which is when the term really lapses and what the citizen is told ("by 15.01.2027")."""
    return _end_of_local_day((calendar or load_calendar()).working_day_from(day))


def term_end(instant: datetime, calendar: Calendar | None = None) -> datetime:
    """The end of a term whose last day is the local day of `instant` (an extension's named day)."""
    return _last_day_end(to_local(instant).date(), calendar)


def max_extended_deadline(original_deadline: datetime, calendar: Calendar | None = None) -> datetime:
    """The latest an extension may run to: two months beyond the original term, as the term named on it would."""
    return _last_day_end(add_months(to_local(original_deadline).date(), MAX_EXTENSION_MONTHS), calendar)


def appeal_term_end(closed_at: datetime, calendar: Calendar | None = None) -> datetime:
    """The end of the term for appealing a decision made (and told to the citizen) at `closed_at`: the same day
    APPEAL_MONTHS later."""
    return _last_day_end(add_months(to_local(closed_at).date(), APPEAL_MONTHS), calendar)


def extension_allowed(original_deadline: datetime, new_deadline: datetime, calendar: Calendar | None = None) -> bool:
    return as_utc(original_deadline) < as_utc(new_deadline) <= max_extended_deadline(original_deadline, calendar)


def term_lapsed(deadline: datetime, now: datetime | None = None) -> bool:
    """Whether the term ending at `deadline` has run out: only a running term may be extended."""
    return as_utc(deadline) <= (now or utcnow())
