"""Deadline arithmetic on the Kazakh working-day calendar, across holidays and carried-over days off."""

from __future__ import annotations

import json
import logging
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from prometheus_client import REGISTRY

from backend.context import build_context
from backend.lib.clock import ALMATY
from backend.reports.deadlines import (
    Calendar,
    Coverage,
    add_months,
    configured_calendar,
    deadline_for,
    extension_allowed,
    load_calendar,
    max_extended_deadline,
    redirect_due,
)
from tests.conftest import make_settings


def local(dt: datetime) -> date:
    return dt.astimezone(ALMATY).date()


def test_plain_weeks() -> None:
    # Monday 2026-02-02 → 15 working days later (no holidays in between) = Monday 2026-02-23
    assert local(deadline_for(datetime(2026, 2, 2, 6, tzinfo=UTC))) == date(2026, 2, 23)


def test_deadline_ends_at_end_of_local_day() -> None:
    due = deadline_for(datetime(2026, 2, 2, 6, tzinfo=UTC)).astimezone(ALMATY)
    assert (due.hour, due.minute, due.second) == (23, 59, 59)


def test_nauryz_and_carried_over_weekend_days() -> None:
    # Nauryz 21-23 March 2026 falls Sat-Mon: Sat and Sun carry over to Tue 24 and Wed 25
    cal = load_calendar()
    for day in (date(2026, 3, 23), date(2026, 3, 24), date(2026, 3, 25)):
        assert not cal.is_working_day(day)
    assert cal.is_working_day(date(2026, 3, 26))
    assert local(deadline_for(datetime(2026, 3, 16, 5, tzinfo=UTC))) == date(2026, 4, 9)


def test_new_year_and_independence_day() -> None:
    assert local(deadline_for(datetime(2026, 12, 10, 5, tzinfo=UTC))) == date(2027, 1, 5)


def test_registration_late_in_the_evening_counts_in_almaty_time() -> None:
    # 20:30 UTC on Thursday is already Friday 01:30 in Almaty: Friday is day 0, not day 1
    thursday_evening_utc = datetime(2026, 2, 5, 20, 30, tzinfo=UTC)
    assert local(deadline_for(thursday_evening_utc)) == date(2026, 2, 27)
    assert local(deadline_for(datetime(2026, 2, 5, 10, 0, tzinfo=UTC))) == date(2026, 2, 26)


def test_religious_holiday_does_not_carry_over_and_working_weekend_counts() -> None:
    cal = Calendar(days_off=frozenset({date(2026, 5, 27)}), working_weekends=frozenset({date(2026, 5, 30)}))
    assert not cal.is_working_day(date(2026, 5, 27))
    assert cal.is_working_day(date(2026, 5, 30))
    assert cal.add_working_days(date(2026, 5, 26), 4) == date(2026, 6, 1)


def test_redirect_within_three_working_days() -> None:
    assert local(redirect_due(datetime(2026, 12, 14, 5, tzinfo=UTC))) == date(2026, 12, 18)


@pytest.mark.parametrize(("start", "months", "expected"), [
    (date(2026, 1, 31), 1, date(2026, 2, 28)), (date(2026, 11, 30), 2, date(2027, 1, 30)),
    (date(2024, 12, 31), 2, date(2025, 2, 28)), (date(2026, 3, 15), 2, date(2026, 5, 15)),
])
def test_add_months_clamps(start: date, months: int, expected: date) -> None:
    assert add_months(start, months) == expected


def test_extension_is_capped_at_two_months() -> None:
    original = deadline_for(datetime(2026, 2, 2, 6, tzinfo=UTC))
    cap = max_extended_deadline(original)
    assert local(cap) == date(2026, 4, 23)
    assert extension_allowed(original, cap)
    assert not extension_allowed(original, cap + timedelta(days=1))
    assert not extension_allowed(original, original)


def test_custom_holiday_file(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "h.json"
    path.write_text('{"fixed": [], "by_year": {"2026": {"holidays": ["2026-02-03"]}}}')
    cal = load_calendar(str(path))
    assert not cal.is_working_day(date(2026, 2, 3))
    assert local(deadline_for(datetime(2026, 2, 2, 6, tzinfo=UTC), cal)) == date(2026, 2, 24)


def _calendar_file(tmp_path: Path, *years: int) -> Path:
    path = tmp_path / f"holidays-{'-'.join(map(str, years))}.json"  # load_calendar caches by path
    path.write_text(json.dumps({"fixed": [], "by_year": {str(y): {"holidays": [], "extra_days_off": [],
                                                                  "working_weekends": []} for y in years}}))
    return path


def _said(caplog: pytest.LogCaptureFixture, level: int) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "zan.deadlines" and r.levelno == level]


def test_the_bundled_calendar_covered_its_release_year_and_the_next() -> None:
    """Checked at a fixed date, not today: a suite that starts failing on 1 January with no change is no reminder
    anyone can act on in CI. The running service says it instead (an ERROR or WARNING at startup and the
    zan_holiday_calendar_last_year metric) once the file runs out."""
    coverage = load_calendar().coverage(date(2026, 12, 5))
    assert coverage.ok and coverage.last_year >= 2027, coverage


def test_a_calendar_missing_next_years_movable_days_is_a_warning(tmp_path: Path,
                                                                  caplog: pytest.LogCaptureFixture) -> None:
    path = _calendar_file(tmp_path, 2025, 2026)
    with caplog.at_level(logging.WARNING, logger="zan.deadlines"):
        calendar = configured_calendar(path, today=date(2026, 6, 1))
    assert calendar.coverage(date(2026, 6, 1)) == Coverage(year=2026, current_year=True, next_year=False,
                                                           last_year=2026)
    assert not _said(caplog, logging.ERROR)
    assert [m for m in _said(caplog, logging.WARNING) if "2027" in m and str(path) in m]
    assert REGISTRY.get_sample_value("zan_holiday_calendar_last_year") == 2026


def test_a_calendar_missing_this_years_movable_days_is_an_error(tmp_path: Path,
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    path = _calendar_file(tmp_path, 2025, 2026)
    with caplog.at_level(logging.WARNING, logger="zan.deadlines"):
        configured_calendar(path, today=date(2027, 1, 10))
    assert [m for m in _said(caplog, logging.ERROR) if "2027" in m and "Kurban Ait" in m]
    assert [m for m in _said(caplog, logging.WARNING) if "2028" in m]
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="zan.deadlines"):  # a covered year says nothing
        configured_calendar(_calendar_file(tmp_path, 2026, 2027), today=date(2026, 3, 1))
    assert not _said(caplog, logging.ERROR) and not _said(caplog, logging.WARNING)


@pytest.mark.anyio
async def test_starting_with_a_calendar_that_lacks_this_year_logs_an_error(tmp_path: Path,
                                                                          caplog: pytest.LogCaptureFixture) -> None:
    """At startup, on today's date: the process builds its Context, and the calendar's gap is in the log."""
    this_year = datetime.now(ALMATY).year
    settings = make_settings(f"sqlite+aiosqlite:///{tmp_path / 'zan.db'}", tmp_path,
                             holidays_file=_calendar_file(tmp_path, this_year - 2))
    with caplog.at_level(logging.WARNING, logger="zan.deadlines"):
        ctx = build_context(settings, null_pool=True)
    await ctx.close()
    assert [m for m in _said(caplog, logging.ERROR) if str(this_year) in m]
    assert [m for m in _said(caplog, logging.WARNING) if str(this_year + 1) in m]
    assert ctx.calendar.coverage().last_year == this_year - 2
