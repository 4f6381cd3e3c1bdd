"""Accept-Language as clients really send it, and as they should not (RFC 9110 §12.4.2, §12.5.4): which of kk / ru / en
an API answer and its problem+json are in. The tie-break and the weight's range are what the first version got wrong:
earlier entries won ties by a penalty per position, so a long header (1,000 entries and more) let a later entry's
lower weight win; and any number was a weight, so "en;q=inf" or "en;q=2" outranked every "q=1"."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import msgspec
import pytest

from backend.lib.errors import problem
from backend.lib.i18n import negotiate
from backend.lib.messages import ERRORS


@pytest.mark.parametrize(("header", "expected"), [
    ("kk-KZ", "kk"),
    ("ru-RU,ru;q=0.9", "ru"),
    ("en-US,en;q=0.9,ru;q=0.8", "en"),
    ("KK-kz", "kk"),
    ("kk_KZ", "kk"),
    ("kz", "kk"),
    # the ISO 639-2 codes Java's Locale.getISO3Language() gives
    ("kaz", "kk"),
    ("kaz-KZ, rus;q=0.5", "kk"),
    ("rus", "ru"),
    ("eng, kaz;q=0.5", "en"),
    # no language of ours, or none at all: the fallback (Russian)
    ("*", "ru"),
    ("qq", "ru"),
    ("", "ru"),
    (None, "ru"),
    ("   ", "ru"),
    (",,,", "ru"),
    (";q=1", "ru"),
    ("x" * 10_000, "ru"),
    ("de-DE, fr;q=0.9", "ru"),
    # a language named after ones we lack is still found
    ("de-DE, fr;q=0.9, kk;q=0.1", "kk"),
    # equal weights: the earlier entry
    ("ru;q=0.5, kk;q=0.5", "ru"),
    ("kk, en", "kk"),
    # weights with three decimals are weights
    ("en;q=0.8, kk;q=0.801", "kk"),
])
def test_the_language_an_answer_is_in(header: str | None, expected: str) -> None:
    assert negotiate(header) == expected


@pytest.mark.parametrize("padding", [10, 1_001, 3_000])
def test_a_long_header_does_not_turn_a_higher_weight_into_a_lower_one(padding: int) -> None:
    # entries we do not speak between them change nothing: 0.501 beats 0.5 however far apart the two are
    header = "en;q=0.5, " + "x-y, " * padding + "kk;q=0.501"
    assert negotiate(header) == "kk"
    assert negotiate(header, None) == "kk"
    # ... and an equal weight stays the earlier entry's
    assert negotiate("en;q=0.5, " + "x-y, " * padding + "kk;q=0.5") == "en"


@pytest.mark.parametrize(("header", "expected"), [
    # a weight out of 0..1 is malformed, read like an unreadable one ("q=abc": the entry refused)
    ("kk, en;q=inf", "kk"),
    ("kk, en;q=2", "kk"),
    ("kk, en;q=1e3", "kk"),
    ("en;q=nan, kk;q=0.1", "kk"),
    ("kk;q=-1, en;q=0.1", "en"),
    ("en;q=abc, kk;q=0.2", "kk"),
    ("en;q=, kk;q=0.2", "kk"),
    # a weight of zero refuses a language; refusing all of ours leaves the fallback
    ("kk;q=0, en", "en"),
    ("kk;q=0", "ru"),
])
def test_a_malformed_weight_does_not_outrank_a_well_formed_one(header: str, expected: str) -> None:
    assert negotiate(header) == expected


def _problem_body(header: str | None) -> tuple[dict[str, Any], str]:
    headers = {} if header is None else {"accept-language": header}
    request: Any = SimpleNamespace(headers=headers, url=SimpleNamespace(path="/api/v1/reports/x"))
    response = problem(request, "report.not_found", 404)
    return msgspec.json.decode(response.content), response.headers["Content-Language"]


@pytest.mark.parametrize(("header", "lang"), [
    ("kk-KZ,kk;q=0.9,ru;q=0.8", "kk"),
    ("ru-RU,ru;q=0.9", "ru"),
    ("en-GB", "en"),
    ("*", "ru"),
    (None, "ru"),
    ("kk, en;q=inf", "kk"),
    ("en;q=0.5, " + "x-y, " * 1_500 + "kk;q=0.501", "kk"),
])
def test_a_problem_is_told_in_the_negotiated_language(header: str | None, lang: str) -> None:
    body, content_language = _problem_body(header)
    assert content_language == lang
    assert body["title"] == body["detail"] == ERRORS["report.not_found"][lang]
