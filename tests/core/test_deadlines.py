"""Deadline arithmetic on the Kazakh working-day calendar, across holidays and carried-over days off."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from backend.lib.clock import ALMATY
from backend.reports.deadlines import (
    Calendar,
    add_months,
    deadline_for,
    extension_allowed,
    load_calendar,
    max_extended_deadline,
    redirect_due,
)


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
