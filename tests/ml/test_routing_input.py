"""What keyboards, apps and copy-paste put into a report's text must not change where it goes or whether it is urgent.

A zero-width space or soft hyphen inside a word (Telegram and web pages carry them), a stress mark pasted from a
dictionary, a combining accent or a decomposed letter hid the word from the urgency lexicon and the classifier: an
urgent report was not flagged urgent, a theft went to triage, drug dealing to traffic police. The router, the urgency
and language detectors read the text in one normal form (ml.text.normalize_input), the one the legal assistant
reads questions in.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

import pytest

from ml.lang import detect_language, reading_text
from ml.legal.question import normalize_question
from ml.router import Router
from ml.text import normalize_input
from ml.urgency import detect_urgency


def _inside_words(mark: str) -> Callable[[str], str]:
    """`mark` after the second letter of every word longer than three letters."""
    return lambda text: " ".join(w[:2] + mark + w[2:] if len(w) > 3 else w for w in text.split())


TYPED: dict[str, Callable[[str], str]] = {
    "zero-width-space": _inside_words("\u200b"),
    "zero-width-joiner": _inside_words("\u200d"),
    "word-joiner": _inside_words("\u2060"),
    "soft-hyphen": _inside_words("\u00ad"),
    "stress-mark": _inside_words("\u0301"),
    "grave-accent": _inside_words("\u0300"),
    "decomposed": lambda text: unicodedata.normalize("NFD", text),
    "byte-order-mark": lambda text: "\ufeff" + text,
}
URGENT = [
    pytest.param("Муж бьёт меня сейчас, убьёт", id="beating"),
    pytest.param("Пожар в доме, горит квартира", id="fire"),
    pytest.param("Человек не дышит, нужна скорая", id="not-breathing"),
    pytest.param("У него нож, угрожает убить", id="knife"),
    pytest.param("Казир коршим айелин урып жатыр", id="kk-beating"),
]
ROUTED = [
    pytest.param("Украли велосипед из подъезда, замок перекусили", "theft", id="theft"),
    pytest.param("Сосед продаёт наркотики во дворе", "drugs", id="drugs"),
    pytest.param("Водитель проехал на красный и сбил пешехода", "traffic_violation", id="traffic"),
    pytest.param("Казир коршим айелин урып жатыр", "violence", id="kk-violence"),
]


@pytest.mark.parametrize("typed", TYPED)
@pytest.mark.parametrize("text", URGENT)
def test_urgent_stays_urgent_whatever_is_typed_into_the_words(text: str, typed: str) -> None:
    clean = detect_urgency(text)
    assert clean.urgent, text
    as_typed = detect_urgency(TYPED[typed](text))
    assert (as_typed.urgent, as_typed.reasons, as_typed.advise) == (clean.urgent, clean.reasons, clean.advise)


@pytest.mark.parametrize("typed", TYPED)
def test_the_language_is_read_through_invisible_characters(typed: str) -> None:
    text = "Казир коршим айелин урып жатыр, комектесиниздер"
    assert detect_language(text) == "kk"
    assert detect_language(TYPED[typed](text)) == "kk"


@pytest.mark.parametrize("typed", ["zero-width-space", "soft-hyphen", "stress-mark"])
@pytest.mark.parametrize(("text", "category"), ROUTED)
def test_a_report_is_routed_as_its_clean_text_whatever_is_typed_into_the_words(
        router: Router, text: str, category: str, typed: str) -> None:
    clean = router.route(text, 51.13, 71.43)
    assert clean.category == category
    decision = router.route(TYPED[typed](text), 51.13, 71.43)
    assert (decision.category, decision.department, decision.urgent, decision.language) == (
        clean.category, clean.department, clean.urgent, clean.language)


def test_a_lone_surrogate_does_not_crash_routing(router: Router) -> None:
    """`zan ml route` with undecodable bytes in its argument (Python hands them over as lone surrogates): the
    embedder refused the text with UnicodeEncodeError."""
    decision = router.route("Украли велосипед \udcff из подъезда, замок перекусили", 51.13, 71.43)
    assert decision.category == "theft"


@pytest.mark.parametrize(("typed", "normal"), [
    pytest.param("изб\u200bили", "избили", id="zero-width-space"),
    pytest.param("изби\u0301ли", "избили", id="stress-mark"),
    pytest.param("по\u00adмогите", "помогите", id="soft-hyphen"),
    pytest.param("звоню \uff11\uff10\uff12", "звоню 102", id="full-width-digits"),
    pytest.param("звоню \u0661\u0660\u0662", "звоню 102", id="arabic-indic-digits"),
    pytest.param("звоню \u06f1\u06f0\u06f2", "звоню 102", id="extended-arabic-indic-digits"),
    pytest.param("й ё Ә қ", "й ё Ә қ", id="composed-letters-kept"),
    pytest.param("и\u0306 е\u0308", "й ё", id="decomposed-letters-composed"),
    pytest.param("\u041a\u0301", "\u041a", id="stressed-ka-stays-ka"),
    pytest.param("a\udcffb", "ab", id="lone-surrogate"),
    pytest.param("  один\t\nдва\x07три ", "один два три", id="controls-and-whitespace"),
])
def test_the_normal_form(typed: str, normal: str) -> None:
    assert normalize_input(typed) == normal
    assert reading_text(typed) == normal  # what the router and the urgency lexicon read
    assert normalize_question(typed) == normal  # the legal assistant reads questions in the same form
