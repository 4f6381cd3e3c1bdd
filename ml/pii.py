"""Personal data in report texts: find it and mask it before a text leaves the restricted circle.

Reports are shown to dispatchers, officers and (for statistics) analysts; citizens routinely paste their IIN, phone
and even card numbers into the text. Kinds found:

- ``iin``   — Kazakh individual identification number: 12 digits, YYMMDD + century/sex digit + serial + check
  digit. ``iin_is_valid`` checks the structure and the official check digit; a 12-digit number with a plausible
  birth date but a wrong check digit is still reported (``valid=False``): a mistyped IIN is personal data too.
- ``phone`` — Kazakh (+7 7xx…, 8 7xx…, 7 7xx… without the plus, 7xx… without prefix, landlines with a 4-digit
  area code) and other +7 numbers, with spaces/dots/dashes/parentheses, in any usual grouping (3-3-2-2, 3-2-2-3…).
- ``card``  — bank card numbers, 13–19 digits, Luhn-valid.
- ``email``.
- ``document`` — ID card / passport numbers after a keyword ("удостоверение №…", "паспорт N…", "куәлік…"), also
  with its usual qualifiers between ("удостоверение личности №…", "уд.л.", "паспорт РК N…").
- ``iban``  — Kazakh bank accounts: KZ + 18 letters and digits, whole or grouped.

Characters that show nothing (zero-width spaces and joiners, soft hyphens, bidi marks) are read as absent: a number
copied from a web page or a messenger with one inside is the number the reader sees.

IINs, cards and phones are recognised however their digits are grouped (one or two spaces, dots or dashes between
groups): ``find_numbers``, which the log masker (backend.lib.logging) uses too.

Masks keep the last digits so a dispatcher can still match a number a citizen reads out over the phone.
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
from dataclasses import dataclass, replace
from typing import Literal

PiiKind = Literal["iin", "phone", "card", "email", "document", "iban"]

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
# the words people put between the keyword and the number ("удостоверение личности №…", "уд.л.", "паспорт
# гражданина РК N…"): without them the commonest spelling of all, "удостоверение личности № 041234567", was left
_DOCUMENT_QUALIFIER = r"(?:\s*(?:личност\w*|гражданин\w*|л\.|РК|ҚР|Республики\s+Казахстан)){0,3}"
_DOCUMENT = re.compile(
    r"(?:удостоверени\w*|уд\.|паспорт\w*|куәлі\w*|куали\w*|жеке куәлік\w*|id card|passport)"
    rf"{_DOCUMENT_QUALIFIER}\s*(?:№|N|No\.?|нөмірі)?\s*"
    r"(?P<num>[A-ZА-Я]?\d{8,9})(?!\d)",
    re.IGNORECASE,
)
# A Kazakh IBAN: KZ, 2 check digits, then 16 letters and digits (a 3-digit bank code and the account), whole or with
# a space or dash anywhere ("KZ86 125K ZT50 0410 0100"). Letters typed in the Cyrillic layout that look like Latin
# ones ("125КZТ…") are the same account. Latin letters and digits may not touch it on either side: no longer code
# holds one; a Cyrillic word glued to it ("KZ…тенге") does not make it less an account.
_IBAN_LETTER = "0-9A-ZАВЕКМНОРСТХ"
_IBAN = re.compile(
    rf"(?<![0-9A-Za-z])[KК]Z[ \u00a0\u202f-]?\d\d(?:[ \u00a0\u202f-]?[{_IBAN_LETTER}]){{16}}(?![0-9A-Za-z])",
    re.IGNORECASE,
)
_CYRILLIC_TO_LATIN = str.maketrans("АВЕКМНОРСТХ", "ABEKMHOPCTX")


def _iban_chars(iban: str) -> str:
    """An IBAN as written, in its Latin letters and digits only (separators dropped, Cyrillic look-alikes read)."""
    return re.sub(r"[^0-9A-Z]", "", iban.upper().translate(_CYRILLIC_TO_LATIN))


def iban_is_valid(iban: str) -> bool:
    """The ISO 13616 check (mod 97) of a Kazakh IBAN as written (separators and Cyrillic look-alikes allowed)."""
    s = _iban_chars(iban)
    if len(s) != 20 or not s.startswith("KZ"):
        return False
    return int("".join(str(int(c, 36)) for c in s[4:] + s[:4])) % 97 == 1


# Numbers (IIN, card, phone) are found in two steps: first the whole run of digit groups, then what it is. People
# group the same number every way ("900 101 300 126", "9001 0130 0126", "4400.4301.2345.6789", "8 700 12 34 567"),
# so a pattern per grouping always missed some, and a pattern that stopped early left the other digits readable
# ("4400 430123 456789" matched as an IIN after its first group). Between groups: one or two spaces, dots or dashes
# (no newline or comma: those end a number), a dash or dot with a space on either side ("8 - 701 - 123 45 67"), or a
# parenthesis around a phone's code. A comma keeps "51.1694, 71.4491" and lists of amounts apart. Guards are
# digit-only: a number glued to a word ("ИИН900101300127", "тел87012345678", "87011234567срочно") is still personal
# data.
# Spaces: every Unicode space a keyboard or an editor puts between digit groups (no-break, thin U+2009, figure U+2007
# made for grouping digits, narrow no-break U+202F…). Dashes: the hyphen and what editors and phone books turn it into
# (hyphen U+2010, non-breaking hyphen U+2011, figure dash U+2012 made for phone numbers, en/em dashes, minus U+2212):
# "8–701–123–45–67" from Word was left whole
_SPACE_CHARS = " \t\u00a0\u2000-\u200a\u202f\u205f\u3000"
_DASH_CHARS = "\\-\u2010-\u2014\u2212"
_SPACE = f"[{_SPACE_CHARS}]"
_DOT_DASH = f"[{_SPACE_CHARS}.{_DASH_CHARS}]"
_SEP = rf"(?:{_DOT_DASH}{{1,2}}|{_SPACE}[.{_DASH_CHARS}]{_SPACE}|{_DOT_DASH}?[()]{_DOT_DASH}?)"
# A run starts where no digit stands before it: a "+", a "(" or a digit, the lookbehind after it (written before it,
# the regex engine tried it at every character of a text; starting with a character class, it skips to the next
# "+", "(" or digit), then what follows each: "+ (701…", "(701…", "701…"
_RUN = re.compile(rf"[+(\d](?<!\d[+(\d])(?:(?<=\+)\s?\(?\d+|(?<=\()\d+|(?<=\d)\d*)(?:{_SEP}\d+)*")
_GROUP = re.compile(r"\d+")
# The fewest and most digits one number has (a phone without its prefix; a 19-digit card): a longer run is several
# numbers, a shorter part of one is none
_MIN_DIGITS, _MAX_DIGITS = 10, 19
# The fewest digits a number has, each two at most a separator apart (_SEP: at most three of its characters, spaces,
# dots, dashes and parentheses). A text without them holds no number, and most log lines (times, ports, short ids)
# have none: the log masker runs on every line, and found and split the runs of one in Python for nothing (about half
# of its time on an access line)
_ENOUGH_DIGITS = re.compile(rf"\d(?:(?:{_DOT_DASH}|[()]){{0,3}}+\d){{{_MIN_DIGITS - 1}}}")
# Never personal data, though their digit runs look like some: a UUID's last group can read like a mobile
# ("…-ab7012345678"), its groups like a card; a pair of coordinates written without a comma, "47.0512 51.2345",
# like an IIN grouped 2-4-2-4. A log line is followed by its ids, and a report's place is no personal data.
_UUID = re.compile(r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}")
# (its first character, "-" or a digit, before the lookbehind that no digit or dot stands before it: see _RUN)
# (between the two, a comma or semicolon and any of the spaces that may stand between a number's groups: with a
# no-break or thin space between, a pair was read as an IIN)
_COORDINATES = re.compile(
    r"[-\d](?<![\d.][-\d])(?:(?<=-)\d{1,3}|(?<=\d)\d{0,2})\.\d{3,}"
    rf"[,;{_SPACE_CHARS}]{{1,3}}-?\d{{1,3}}\.\d{{3,}}(?!\.?\d)"
)
# what each needs, found fast (each starts with a literal): a log line rarely has either
_UUID_HINT = re.compile(r"-[0-9A-Fa-f]{4}-")
_COORDINATES_HINT = re.compile(r"\.\d{3}")


def _digits(s: str) -> str:
    # ASCII, so that the checks below also see a number typed in full-width digits ("９００１０１…") as one
    return "".join(str(int(c)) for c in s if c.isdecimal())


def _iin_kind(groups: list[str], d: str, mistyped: bool) -> bool | None:
    """None when 12 digits are no IIN, else whether the IIN is valid.

    Written whole or 6 + 6 (how people type it) a birth date and century digit are enough: a mistyped IIN is
    personal data too. Grouped any other way the check digit must be right as well: joined groups are far more often
    two numbers that happen to stand side by side (a date and a time, "05.12.2026 14.30")."""
    if iin_is_valid(d):
        return True
    plain = len(groups) == 1 or [len(g) for g in groups] == [6, 6]
    if plain and d[6] in "0123456" and _iin_birth_date(d) is not None:
        return False
    if mistyped and len(groups) == 1:
        return False
    return None


def _card_shape(groups: list[str]) -> bool:
    # written whole, or from a 4-digit first group ("4400 4301 2345 6789", "4400 430123 456789", Amex 4-6-5): a run
    # that starts otherwise is a phone or an amount followed by other numbers ("87011234567 15 000")
    return len(groups) == 1 or (len(groups[0]) == 4 and all(len(g) <= 6 for g in groups[1:]))


def _national_shape(groups: list[str]) -> bool:
    """The 10 digits after a phone's prefix: whole, or an operator/area code of 3 or 4 digits (or 6+ digits glued to
    it) followed by groups of 2 and more ("700 12 34 567", "7172 12-34-56", "701 1234567"). A first group of 1 or 2
    digits or a last one of 1 is how amounts are grouped ("7 000 000 000", "77 000 000 000"), not phones.

    A district's area code has 5 digits (71636, 72531…, never an amount's group) and its 5-digit local number is
    written "2-12-34": after it, the local number's first group alone may have one digit."""
    if len(groups[0]) == 5:
        return all(len(g) >= 2 for g in groups[2:])
    return (len(groups[0]) in (3, 4) or len(groups[0]) >= 6) and all(len(g) >= 2 for g in groups[1:])


def _phone_kind(groups: list[str], d: str, plus: bool) -> bool:
    if plus:
        # any international number written with a plus is a phone, however its country groups it; +7 has 11 digits
        return 10 <= len(d) <= 15 and (not d.startswith("7") or len(d) == 11)
    if len(d) == 11 and d[0] in "78" and d[1] == "7":
        # the prefix 8 / 7 (a +7 number without its plus, as WhatsApp shows it), alone or glued to the code: "8701…"
        if len(groups[0]) == 1:
            return _national_shape(groups[1:])
        return len(groups[0]) >= 4 and all(len(g) >= 2 for g in groups[1:])
    # without a prefix only the Kazakh 7xx plan is recognised, to leave other 10-digit numbers alone
    return len(d) == 10 and d[0] == "7" and _national_shape(groups)


def _classify(groups: list[str], plus: bool, mistyped: bool) -> tuple[PiiKind, bool] | None:
    """What the digit groups `groups` (ASCII digits) are written together, or None when no number."""
    d = "".join(groups)
    if plus:
        return ("phone", True) if _phone_kind(groups, d, plus) else None
    if len(d) == 12:
        valid = _iin_kind(groups, d, mistyped)
        return None if valid is None else ("iin", valid)
    if 13 <= len(d) <= _MAX_DIGITS:
        if _card_shape(groups) and luhn_is_valid(d):
            return ("card", True)
        # 16 digits written whole or 4-4-4-4 are a card with a typo
        card16 = len(d) == 16 and (len(groups) == 1 or [len(g) for g in groups] == [4, 4, 4, 4])
        return ("card", False) if mistyped and card16 else None
    if len(d) in (10, 11) and _phone_kind(groups, d, plus):
        return ("phone", True)
    return None


# Characters that show nothing: zero-width space/non-joiner/joiner, bidi marks and embeddings (WhatsApp and phones
# wrap a number copied from a contact in them), the soft hyphen, word joiner and invisible operators, the BOM. A
# number copied with one inside ("990101\u200b300122") reads as one number and must be masked as one
_INVISIBLE_CHARS = "\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff"
_INVISIBLE = re.compile(f"[{_INVISIBLE_CHARS}]")
_SHOWN = re.compile(f"[^{_INVISIBLE_CHARS}]", re.DOTALL)


def _visible(text: str) -> tuple[str, list[int] | None]:
    """`text` without its invisible characters, and where each character left stands in `text` (None when none were
    there: the usual case, checked at C speed)."""
    if not _INVISIBLE.search(text):
        return text, None
    where = [m.start() for m in _SHOWN.finditer(text)]
    return "".join(text[i] for i in where), where


def _in_text(spans: list[Span], text: str, where: list[int] | None) -> list[Span]:
    """Spans found in `_visible(text)` put back on `text`: an invisible character inside a number is masked with it."""
    if where is None:
        return spans
    placed = []
    for s in spans:
        start, end = where[s.start], where[s.end - 1] + 1
        placed.append(replace(s, start=start, end=end, text=text[start:end]))
    return placed


def find_numbers(text: str, *, mistyped: bool = False) -> list[Span]:
    """IINs, cards and phones in `text`, in text order. Shared with the log masker (backend.lib.logging), which
    needs the same spellings found; this module imports only the standard library so that logging stays cheap.
    Invisible characters are read as absent (see _INVISIBLE).

    Each run of digit groups is taken whole first; a run that is no number (longer than any, or two numbers side
    by side) is tried from its left, longest part first.

    `mistyped`: also what is most likely a number with a typo: every unbroken 12-digit number (an IIN, whatever its
    birth date) and 16 digits written as a card's whose Luhn digit is wrong (the logs' choice: nobody needs such a
    number there, so a wrong guess costs nothing; the views keep ordinary numbers readable).
    """
    visible, where = _visible(text)
    return _in_text(_find_numbers(visible, mistyped), text, where)


def _find_numbers(text: str, mistyped: bool) -> list[Span]:
    # blanking ids and coordinates (below) only takes digits away: a text short of them as written is short of them
    if not _ENOUGH_DIGITS.search(text):
        return []
    scan = text
    for pattern, hint in ((_UUID, _UUID_HINT), (_COORDINATES, _COORDINATES_HINT)):
        if hint.search(scan):
            # blanked, not removed: positions in `scan` stay those in `text`
            scan = pattern.sub(lambda m: "x" * len(m.group()), scan)
    found: list[Span] = []
    for run in _RUN.finditer(scan):
        if run.end() - run.start() < _MIN_DIGITS:  # fewer characters, so fewer digits, than any number has
            continue
        parts = list(_GROUP.finditer(run.group()))
        groups = [_digits(p.group()) for p in parts]
        plus = run.group().startswith("+")
        i = 0
        while i < len(groups):
            longest, count = i, 0
            while longest < len(groups) and count + len(groups[longest]) <= _MAX_DIGITS:
                count += len(groups[longest])
                longest += 1
            hit = None
            for j in range(longest, i, -1):
                if count < _MIN_DIGITS:
                    break
                hit = _classify(groups[i:j], plus and i == 0, mistyped)
                if hit is not None:
                    break
                count -= len(groups[j - 1])
            if hit is None:
                i += 1
                continue
            # the whole run's start for its first number (a "+" or "(" before the digits goes with them)
            start = run.start() if i == 0 else run.start() + parts[i].start()
            end = run.start() + parts[j - 1].end()
            found.append(Span(kind=hit[0], start=start, end=end, text=text[start:end], valid=hit[1]))
            i = j
    return found


def find_pii(text: str) -> list[Span]:
    """All personal-data spans in `text`, non-overlapping, in text order."""
    original = text
    text, where = _visible(text)
    found: list[Span] = []
    # the spans taken so far, sorted and disjoint, so their ends are sorted too: a new span overlaps one of them only
    # if it overlaps the last that starts before it ends (each span was compared with all taken before it: quadratic,
    # ~37 s for 400 kB of IINs)
    starts: list[int] = []
    ends: list[int] = []

    def add(span: Span) -> None:
        i = bisect.bisect_left(starts, span.end)
        if i and ends[i - 1] > span.start:
            return
        starts.insert(i, span.start)
        ends.insert(i, span.end)
        found.append(span)

    for m in _EMAIL.finditer(text):
        add(Span(kind="email", start=m.start(), end=m.end(), text=m.group()))
    # before the numbers: an all-digit account's last 16 digits can pass for a card ("KZ06 4400 4301 2345 6789")
    for m in _IBAN.finditer(text):
        add(Span(kind="iban", start=m.start(), end=m.end(), text=m.group(), valid=iban_is_valid(m.group())))
    for span in _find_numbers(text, False):
        if span.text.startswith("(") and ")" not in span.text:
            # a bracket around the number, not its area code's ("(87011234567)"): left in the text with its ")"
            span = replace(span, start=span.start + 1, text=span.text[1:])
        add(span)
    for m in _DOCUMENT.finditer(text):
        add(Span(kind="document", start=m.start("num"), end=m.end("num"), text=m.group("num")))
    found.sort(key=lambda s: s.start)
    return _in_text(found, text=original, where=where)


_LABELS: dict[PiiKind, str] = {
    "iin": "ИИН", "phone": "тел.", "card": "карта", "email": "email", "document": "док.", "iban": "IBAN",
}


def mask_span(span: Span) -> str:
    """Replacement text for one span: the kind and only the last digits (first letter + domain for e-mail)."""
    if span.kind == "email":
        local, _, domain = span.text.partition("@")
        return f"[email {local[:1]}***@{domain}]"
    if span.kind == "iban":
        # an account ends in letters or digits: its last four characters, in Latin ones
        return f"[{_LABELS['iban']} ***{_iban_chars(span.text)[-4:]}]"
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
