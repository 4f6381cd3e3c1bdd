"""A report that arrives on a day off: the 15-working-day term counts from the next working day's registration.

APPK art. 64 p.3: an appeal is registered on the day it arrives; one that arrives on a non-working day is registered
on the nearest working day after it. Art. 76 p.2: the term starts the day after registration. So a report sent on
Saturday is registered on Monday and its term starts on Tuesday. Before, the term started on Monday (the day after
the Saturday), so the report was due a working day early: the same day as one registered on Friday, escalated as
near its term and listed for prosecutors as closed late on a day the law still gave. The redirect term (art. 65:
three working days "from the day it arrived") is counted from the arrival as before.
"""

from __future__ import annotations

from datetime import date, datetime, time

from backend.lib.clock import ALMATY
from backend.reports.deadlines import deadline_for, redirect_due


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """An instant on the Almaty wall clock."""
    return datetime.combine(day, time(hour, minute), tzinfo=ALMATY)


def due_day(registered: datetime) -> date:
    return deadline_for(registered).astimezone(ALMATY).date()


def test_a_report_sent_on_saturday_is_registered_on_monday_and_due_a_working_day_after_fridays() -> None:
    # Friday 2026-02-06: the term runs Mon 9 .. Fri 27 February (15 working days, no holidays)
    assert due_day(at(date(2026, 2, 6), 23, 59)) == date(2026, 2, 27)
    # two minutes later it is Saturday in Almaty: registered on Monday the 9th, the term runs Tue 10 .. Mon 2 March
    assert due_day(at(date(2026, 2, 7), 0, 1)) == date(2026, 3, 2)
    assert due_day(at(date(2026, 2, 8), 15)) == date(2026, 3, 2)  # Sunday: the same Monday registration
    assert due_day(at(date(2026, 2, 9), 9)) == date(2026, 3, 2)   # sent on that Monday itself


def test_a_report_sent_on_new_years_day_is_registered_on_the_first_working_day() -> None:
    # 1-2 January 2026 (Thu, Fri) are holidays, 3-4 the weekend: registered Monday 5 January, the term starts on
    # Tuesday 6 and skips Christmas (7 January): 6, 8, 9, 12-16, 19-23, 26, 27
    assert due_day(at(date(2026, 1, 1), 12)) == date(2026, 1, 27)


def test_a_decreed_working_sunday_registers_on_that_day() -> None:
    # Sunday 5 January 2025 was worked (the day off moved to Friday 3 January): a report sent that day is registered
    # that day, and its term starts on Monday 6 and skips Christmas (7 January): 6, 8-10, 13-17, 20-24, 27
    assert due_day(at(date(2025, 1, 5), 11)) == date(2025, 1, 27)


def test_the_redirect_term_still_counts_from_the_day_the_report_arrived() -> None:
    # art. 65: "not later than three working days from the day it arrived": Saturday → Mon, Tue, Wed
    assert redirect_due(at(date(2026, 2, 7), 10)).astimezone(ALMATY).date() == date(2026, 2, 11)
