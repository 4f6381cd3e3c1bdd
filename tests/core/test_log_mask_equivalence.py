"""The log masker's fast paths (backend/lib/logging.py mask(), ml/pii.py find_numbers) mask exactly what the plain
version did: a pattern is skipped only on a line it cannot match, and tried only where it can start.

The plain version is frozen here (as it was before the fast paths), its unchanged patterns and helpers imported; it
is compared with the real one over a few thousand generated lines mixing IINs, phones, cards, names and secrets
under keys, headers, URLs with tokens, e-mails, ids, coordinates, PostgreSQL's DETAIL and ordinary text, glued
together every way a line may hold them."""

from __future__ import annotations

import random
import re
import string

import pytest

from backend.lib import logging as zan_logging
from backend.lib.logging import (
    _BOT_TOKEN,
    _EMAIL,
    _KEYED,
    _PG_VALUES,
    _SENSITIVE_HEADERS,
    _URL_SECRETS,
    _keyed,
    _masked,
    mask,
)
from ml import pii
from ml.pii import _GROUP, _MAX_DIGITS, _MIN_DIGITS, _UUID, Span, _classify, _digits, find_numbers, iin_check_digit

# ---- the plain version, frozen ----------------------------------------------------------------------------------

_OLD_RUN = re.compile(rf"(?<!\d)(?:\+\s?)?\(?\d+(?:{pii._SEP}\d+)*")
_OLD_COORDINATES = re.compile(r"(?<![\d.])-?\d{1,3}\.\d{3,}[ ,;]{1,3}-?\d{1,3}\.\d{3,}(?!\.?\d)")


def old_find_numbers(text: str, *, mistyped: bool = False) -> list[Span]:
    if not any(c.isdecimal() for c in text):
        return []
    scan = text
    for pattern in (_UUID, _OLD_COORDINATES):
        scan = pattern.sub(lambda m: "x" * len(m.group()), scan)
    found: list[Span] = []
    for run in _OLD_RUN.finditer(scan):
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
            start = run.start() if i == 0 else run.start() + parts[i].start()
            end = run.start() + parts[j - 1].end()
            found.append(Span(kind=hit[0], start=start, end=end, text=text[start:end], valid=hit[1]))
            i = j
    return found


def old_mask(text: str) -> str:
    text = _BOT_TOKEN.sub(lambda m: f"{m.group(1)}:***", text)
    text = _URL_SECRETS.sub(lambda m: f"{m.group(1)}***", text)
    text = _SENSITIVE_HEADERS.sub(lambda m: f"{m.group(1)}{m.group(2)}***", text)
    text = _KEYED.sub(_keyed, text)
    text = _PG_VALUES.sub(lambda m: f"{m.group('row') or m.group('key')}(***)", text)
    spans = old_find_numbers(text, mistyped=True)
    if spans:
        out: list[str] = []
        pos = 0
        for span in spans:
            out += [text[pos : span.start], _masked(span)]
            pos = span.end
        text = "".join(out) + text[pos:]
    return _EMAIL.sub(lambda m: f"{m.group(1)}***@{m.group(2)}", text)


# ---- generated lines ---------------------------------------------------------------------------------------------

_SEPARATORS = (" ", "-", ".", "  ", " - ", "", "\u00a0", "(", ") ")
_WORDS = (
    "report", "routed", "unit", "officer", "called", "about", "the", "citizen", "заявление", "принято", "район",
    "жолдама", "қабылданды", "ok", "GET", "POST", "None", "null", "True", "False", "name", "names", "title", "text",
    "bio", "token", "secret", "password", "passwd", "Bearer", "Basic", "Key", "Failing", "row",
)  # fmt: skip
# re.IGNORECASE reads İ and ı as i, ſ as s and the Kelvin sign as k: keys spelt with them must be masked alike
_KEYS = (
    "name", "first_name", "last_name", "full_name", "username", "sender_user_name", "patronymic", "surname", "title",
    "vcard", "bio", "text", "caption", "input_value", "author_signature", "secret_token", "telegram_officer_token",
    "password_hash", "passwd", "FULL_NAME", "Text", "ſecret", "tİtle", "TİTLE", "bıo", "to\u212aen", "xname", "names",
    "my_token_value", "token_" * 5, "unit-name", "name2",
)  # fmt: skip
_HEADERS = (
    "Authorization", "authorization", "Proxy-Authorization", "X-Signature", "x-zan-signature", "X-Citizen-IIN",
    "X-Telegram-Bot-Api-Secret-Token", "AUTHORİZATİON", "X-Zan-Timestamp",
)  # fmt: skip


def _grouped(digits: str, rng: random.Random) -> str:
    cuts = sorted(rng.sample(range(1, len(digits)), rng.randint(0, min(4, len(digits) - 1))))
    parts = [digits[a:b] for a, b in zip([0, *cuts], [*cuts, len(digits)], strict=True)]
    sep = rng.choice(_SEPARATORS)
    return sep.join(parts)


def _iin(rng: random.Random) -> str:
    first11 = f"{rng.randint(0, 99):02}{rng.randint(1, 12):02}{rng.randint(1, 28):02}{rng.choice('0123456')}"
    first11 += f"{rng.randint(0, 9999):04}"
    check = iin_check_digit(first11)
    last = str(check if check is not None and rng.random() < 0.7 else rng.randint(0, 9))
    iin = first11 + last
    return rng.choice([iin, iin, f"{iin[:6]} {iin[6:]}", _grouped(iin, rng)])


def _luhn_digit(first: str) -> str:
    return next(d for d in "0123456789" if pii.luhn_is_valid(first + d))


def _card(rng: random.Random) -> str:
    length = rng.choice([13, 15, 16, 16, 16, 19])
    first = rng.choice("2345") + "".join(rng.choice(string.digits) for _ in range(length - 2))
    card = first + (_luhn_digit(first) if rng.random() < 0.7 else rng.choice(string.digits))
    if length == 16 and rng.random() < 0.5:
        return rng.choice(" -.").join(card[i : i + 4] for i in range(0, 16, 4))
    return rng.choice([card, _grouped(card, rng)])


def _phone(rng: random.Random) -> str:
    national = "7" + "".join(rng.choice(string.digits) for _ in range(9))
    prefix = rng.choice(["+7", "+7 ", "8", "8 ", "7", "", "+44 ", "+"])
    if rng.random() < 0.5:
        return f"{prefix}{national[:3]} {national[3:6]} {national[6:8]} {national[8:]}"
    if rng.random() < 0.5:
        return f"{prefix}({national[:3]}) {national[3:6]}-{national[6:8]}-{national[8:]}"
    return prefix + rng.choice([national, _grouped(national, rng)])


def _value(rng: random.Random) -> str:
    return rng.choice(["Дана Омарова", "Айгерим", "aigerim_s", "s3cr3t-Webhook_token", "None", "O'Brien", "x", ""])


def _keyed_value(rng: random.Random) -> str:
    key, value = rng.choice(_KEYS), _value(rng)
    shapes = [
        f"{key}='{value}'", f'{key}="{value}"', f"'{key}': '{value}'", f'"{key}": "{value}"', f'"{key}":"{value}"',
        f"{key}: {value}, unit: P-3", f"{key}={value} role=officer", f'\\"{key}\\":\\"{value}\\"', f"{key} = {value}",
        f"{key}=b'{value}'", f"{key}=None", f"{key}:{value}", f"-{key}={value}", f"{key}s={value}",
    ]  # fmt: skip
    return rng.choice(shapes)


def _header(rng: random.Random) -> str:
    name, secret = rng.choice(_HEADERS), rng.choice(["eyJhbGciOi.eyJzdWIi.Zm9yZ2Vk", "5f0c8e3b1d2a", "s3cr3t"])
    shapes = [
        f"{name}: Bearer {secret}", f"'{name}': '{secret}'", f"(b'{name.lower()}', b'{secret}')",
        f"{name}={secret}", f'"{name}":"{secret}"', f"{name} header missing",
    ]  # fmt: skip
    return rng.choice(shapes)


def _url(rng: random.Random) -> str:
    return rng.choice(
        [
            f"https://api.telegram.org/bot{rng.randint(1, 10**10)}:AA-bb_Cc{rng.randint(0, 99)}/sendMessage",
            f"GET /media/files?token={rng.randint(0, 10**12)}&page=2",
            "https://s3.example/b/k?X-Amz-Credential=AKIA/20261206&X-Amz-Signature=5f0c8e3b&Signature=abc",
            f'10.42.3.{rng.randint(0, 255)}:{rng.randint(1, 65535)} - "GET /api/v1/reports/{_uuid(rng)} HTTP/1.1" 200',
        ]
    )


def _uuid(rng: random.Random) -> str:
    h = "".join(rng.choice("0123456789abcdef") for _ in range(32))
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _ordinary(rng: random.Random) -> str:
    return rng.choice(
        [
            " ".join(rng.choice(_WORDS) for _ in range(rng.randint(1, 6))),
            _uuid(rng),
            f"{rng.uniform(-90, 90):.4f} {rng.uniform(-180, 180):.6f}",
            f"{rng.uniform(40, 55):.4f}, {rng.uniform(50, 80):.4f}",
            f"2026-12-0{rng.randint(1, 9)}T15:30:00.123456+05:00",
            f"report ZP-2026-{rng.randint(0, 9999999):07} took {rng.randint(0, 999999)} us",
            f"amount {rng.randint(1, 999)} 000 тенге, {rng.randint(1, 9)} 500 000 тг",
            "DETAIL:  Failing row contains (42, Дана Омарова, null).\n\nThe above exception was",
            f"Key (badge_number)=(KZ-{rng.randint(0, 9999)}) already exists",
            f"user.name+{rng.randint(0, 9)}@example.kz",
            "a@b.co x@y",
            "".join(rng.choice("0123456789 .-()+@:='\"\\İıſ\u212akxa_\n") for _ in range(rng.randint(1, 30))),
        ]
    )


_FRAGMENTS = (_iin, _card, _phone, _keyed_value, _header, _url, _ordinary, _ordinary)
_JOINERS = (" ", " ", "", ", ", "\n", "=", ": ", "'", '"', "\\", "-", "(", ")", "&", "?", "/", "; ")


def generated_lines(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    lines = []
    for _ in range(count):
        fragments = [rng.choice(_FRAGMENTS)(rng) for _ in range(rng.randint(1, 8))]
        line = fragments[0]
        for fragment in fragments[1:]:
            line += rng.choice(_JOINERS) + fragment
        lines.append(line)
    return lines


# the fast paths' edges, written out
EDGES = [
    "",
    "no digits, no keys",
    "1234567890",
    "123456789",
    "12 34 56 78 90",
    "12 - 34 - 56 - 78 - 90",
    "1(2)3(4)5(6)7(8)9(0)",
    "12+34 567 890 12",
    "9+7 701 123 45 67",
    "8(701)1234567",
    "6f1c2a3e-9b4d-4c1e-8f2a-1234567890ab 87011234567",
    "47.0512 51.2343 900101300126",
    "-47.0512 51.2343",
    "1-47.0512 51.2343",
    ".47.0512 51.2343",
    "TİTLE='Дана' AUTHORİZATİON: Bearer abc",
    "ſecret_token=abc to\u212aen=xyz bıo: Дана",
    "token_" * 2000 + "=abc",
    "x" + "token_" * 200 + " token=abc",
    "unit-name=Дана name-x=1 -name=2 \\name=3 \\'name'='4'",
    "Authorization: Bearer name=abc",
    "x-signature: text=abc",
    "Failing row contains (Дана)\nHINT: x Key (a)=(b) already exists",
    "name" * 500 + ": Дана",
]


def test_the_fast_paths_mask_the_edges_as_the_plain_version() -> None:
    for line in EDGES:
        assert mask(line) == old_mask(line), line
        for mistyped in (False, True):
            assert find_numbers(line, mistyped=mistyped) == old_find_numbers(line, mistyped=mistyped), line


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_generated_lines_are_masked_as_by_the_plain_version(seed: int) -> None:
    lines = generated_lines(1000, seed)
    masked = 0
    for line in lines:
        expected = old_mask(line)
        assert mask(line) == expected, line
        masked += expected != line
        for mistyped in (False, True):
            assert find_numbers(line, mistyped=mistyped) == old_find_numbers(line, mistyped=mistyped), line
    # the lines do hold what is masked (most), and some hold nothing
    assert len(lines) * 0.5 < masked < len(lines), masked


def test_the_hints_see_every_spelling_the_case_insensitive_patterns_match() -> None:
    """A key or header is looked for in the lower-cased line: every character re.IGNORECASE matches to an ASCII
    letter must be lowered (or translated) to it, in its place, and \\w must be what the word walk takes for one."""
    letters = re.compile("[a-z]", re.IGNORECASE)
    word = re.compile(r"\w")
    for code in range(0x110000):
        char = chr(code)
        folded = zan_logging._folded(char)
        if letters.fullmatch(char):
            assert folded in string.ascii_lowercase, hex(code)
        assert len(folded) == 1, hex(code)
        assert bool(word.fullmatch(char)) == (char.isalnum() or char == "_"), hex(code)
