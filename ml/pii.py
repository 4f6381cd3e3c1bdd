"""Personal data in report texts: find it and mask it before a text leaves the restricted circle.

Reports are shown to dispatchers, officers and (for statistics) analysts; citizens routinely paste their IIN, phone
and even card numbers into the text. Kinds found:

- ``iin``   — Kazakh individual identification number: 12 digits, YYMMDD + century/sex digit + serial + check
  digit. ``iin_is_valid`` checks the structure and the official check digit; a 12-digit number with a plausible
  birth date but a wrong check digit is still reported (``valid=False``): a mistyped IIN is personal data too.
- ``phone`` — Kazakh (+7 7xx…, 8 7xx…, 7 7xx… without the plus, 7xx… without prefix, landlines with a 4-digit
  area code) and other +7 numbers, with spaces/dashes/parentheses.
- ``card``  — bank card numbers, 13–19 digits, Luhn-valid.
- ``email``.
- ``document`` — ID card / passport numbers after a keyword ("удостоверение №…", "паспорт N…", "куәлік…").

Masks keep the last digits so a dispatcher can still match a number a citizen reads out over the phone.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal

PiiKind = Literal["iin", "phone", "card", "email", "document"]

_IIN_WEIGHTS_1 = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)
_IIN_WEIGHTS_2 = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)
# 7th digit: 1/2 — born in the 1800s (male/female), 3/4 — 1900s, 5/6 — 2000s; 0 is used for some foreigners
_CENTURY = {"1": 1800, "2": 1800, "3": 1900, "4": 1900, "5": 2000, "6": 2000}


@dataclass(frozen=True, slots=True)
class Span:
    kind: PiiKind
    start: int
    end: int
    text: str
    valid: bool = True


def iin_check_digit(first11: str) -> int | None:
    """The IIN/BIN check digit for 11 leading digits, or None when no valid number can have them."""
    digits = [int(c) for c in first11]
    for weights in (_IIN_WEIGHTS_1, _IIN_WEIGHTS_2):
        rest = sum(d * w for d, w in zip(digits, weights, strict=True)) % 11
        if rest < 10:
            return rest
    return None


def _iin_birth_date(iin: str) -> dt.date | None:
    century = _CENTURY.get(iin[6])
    try:
        if century is None:
            # foreigners' IINs (7th digit 0) carry no century: accept any real month/day
            return dt.date(2000, int(iin[2:4]), int(iin[4:6]))
        return dt.date(century + int(iin[0:2]), int(iin[2:4]), int(iin[4:6]))
    except ValueError:
        return None


def iin_is_valid(iin: str) -> bool:
    """True for a structurally valid IIN: 12 digits, a real birth date, a known century digit, the right check digit.

    Spaces and dashes are ignored ("900101 300123" is accepted).
    """
    iin = re.sub(r"[\s-]", "", iin)
    if len(iin) != 12 or not iin.isascii() or not iin.isdigit():
        return False
    if iin[6] not in "0123456" or _iin_birth_date(iin) is None:
        return False
    return iin_check_digit(iin[:11]) == int(iin[11])


def iin_birth_date(iin: str) -> dt.date | None:
    """Birth date encoded in a valid IIN (None for invalid ones and for foreigners' IINs without a century)."""
    iin = re.sub(r"[\s-]", "", iin)
    if not iin_is_valid(iin) or iin[6] == "0":
        return None
    return _iin_birth_date(iin)


def luhn_is_valid(number: str) -> bool:
    digits = [int(c) for c in number if c.isdigit()]
    if not digits:
        return False
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-zA-Zа-яА-Я]{2,}(?![\w@])")
# Guards are digit-only: a number glued to a word ("ИИН900101300127", "тел87012345678", "87012345678срочно") is
# still personal data; only a longer run of digits makes it a different number.
_CARD = re.compile(r"(?<!\d)\d{4}(?:[ -]?\d{4}){2}[ -]?\d{1,4}(?:[ -]?\d{1,3})?(?!\d)")
_TWELVE = re.compile(r"(?<!\d)\d{6}[ -]?\d{6}(?!\d)")
_PHONE = re.compile(
    # prefix "+7" / "8" / "7" (the +7 number without its plus, as WhatsApp shows it); then either a mobile or
    # 3-digit area code (3-3-2-2) or a 4-digit Kazakh area code (Astana 7172, Karaganda 7212: 4-2-2-2)
    r"(?<![\d+])(?:\+\s?\d{1,3}|8|7)?[\s\-(]{0,3}"
    r"(?:\d{3}[\s\-)]{0,3}\d{3}|\d{4}[\s\-)]{0,3}\d{2})[\s-]?\d{2}[\s-]?\d{2}(?!\d)"
)
_DOCUMENT = re.compile(
    r"(?:удостоверени\w*|уд\.|паспорт\w*|куәлі\w*|куали\w*|жеке куәлік\w*|id card|passport)\s*(?:№|N|No\.?|нөмірі)?\s*"
    r"(?P<num>[A-ZА-Я]?\d{8,9})(?!\d)",
    re.IGNORECASE,
)


def _digits(s: str) -> str:
    return "".join(c for c in s if c.isdigit())


def _phone_ok(raw: str) -> bool:
    d = _digits(raw)
    if raw.lstrip().startswith("+"):
        # any international number written with a plus is a phone; +7 must have 11 digits
        return 10 <= len(d) <= 15 and (not d.startswith("7") or len(d) == 11)
    if len(d) == 11:
        return d[0] in "78" and d[1] == "7"
    # without a prefix only the Kazakh 7xx plan is recognised, to leave other 10-digit numbers alone
    return len(d) == 10 and d[0] == "7"


def find_pii(text: str) -> list[Span]:
    """All personal-data spans in `text`, non-overlapping, in text order."""
    found: list[Span] = []
    taken: list[tuple[int, int]] = []

    def add(kind: PiiKind, start: int, end: int, valid: bool = True) -> None:
        if any(start < e and s < end for s, e in taken):
            return
        taken.append((start, end))
        found.append(Span(kind=kind, start=start, end=end, text=text[start:end], valid=valid))

    for m in _EMAIL.finditer(text):
        add("email", m.start(), m.end())
    for m in _TWELVE.finditer(text):
        raw = _digits(m.group())
        if iin_is_valid(raw):
            add("iin", m.start(), m.end())
        elif raw[6] in "0123456" and _iin_birth_date(raw) is not None:
            add("iin", m.start(), m.end(), valid=False)
    for m in _CARD.finditer(text):
        d = _digits(m.group())
        if 13 <= len(d) <= 19 and luhn_is_valid(d):
            add("card", m.start(), m.end())
    for m in _PHONE.finditer(text):
        if _phone_ok(m.group()):
            start = m.start() + (len(m.group()) - len(m.group().lstrip()))
            add("phone", start, m.end())
    for m in _DOCUMENT.finditer(text):
        add("document", m.start("num"), m.end("num"))
    found.sort(key=lambda s: s.start)
    return found


_LABELS: dict[PiiKind, str] = {"iin": "ИИН", "phone": "тел.", "card": "карта", "email": "email", "document": "док."}


def mask_span(span: Span) -> str:
    """Replacement text for one span: the kind and only the last digits (first letter + domain for e-mail)."""
    if span.kind == "email":
        local, _, domain = span.text.partition("@")
        return f"[email {local[:1]}***@{domain}]"
    d = _digits(span.text)
    keep = 2 if span.kind == "document" else 4
    return f"[{_LABELS[span.kind]} ***{d[-keep:]}]"


def mask_pii(text: str) -> str:
    """`text` with every personal-data span replaced, e.g. "ИИН 900101300127" → "ИИН [ИИН ***0127]"."""
    out: list[str] = []
    pos = 0
    for span in find_pii(text):
        out.append(text[pos : span.start])
        out.append(mask_span(span))
        pos = span.end
    out.append(text[pos:])
    return "".join(out)


def contains_pii(text: str) -> bool:
    return bool(find_pii(text))
