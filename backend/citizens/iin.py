"""Whether an IIN a partner app vouches for can be anyone's: its structure and check digit (ml.pii), and a birth
date that has come.

The check digit and a real calendar date (no month 13, no 31 February) are what `ml.pii.iin_is_valid` checks; it
also serves PII masking, where a future-dated IIN in a text is still personal data to mask. Here the date must
also not be after today in Kazakhstan: the checksum does not cover the date's meaning, so "born tomorrow" passes it,
and such a number belongs to no citizen (a client's bug, or a made-up number).
"""

from __future__ import annotations

import datetime as dt

from backend.lib.clock import to_local, utcnow
from ml.pii import iin_birth_date, iin_is_valid


def iin_problem(iin: str, *, today: dt.date | None = None) -> str | None:
    """None for an IIN to accept, else the field problem's code: "invalid" (not exactly twelve ASCII digits, a
    date that does not exist, an unknown century digit, a wrong check digit) or "in_future" (born after `today`,
    by default today's date in Asia/Almaty). Spaces and dashes are refused: "900101 300123" passes the checksum,
    but would hash to another citizen."""
    if len(iin) != 12 or not iin.isascii() or not iin.isdigit() or not iin_is_valid(iin):
        return "invalid"
    born = iin_birth_date(iin)  # None for a 7th digit 0 (some foreigners): no century, so no date to compare
    if born is not None and born > (today or to_local(utcnow()).date()):
        return "in_future"
    return None
