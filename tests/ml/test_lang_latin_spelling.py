"""Russian typed in Latin in a few words that no list or known ending tells ("policeiskii vzyal vzyatku") was read as
English, so the router and the crime cues read it as typed and found nothing; its spelling, which no English word has
("vz-", "zh-", "-ii", "-yal"), tells it (ml/lang_latin.py)."""

from __future__ import annotations

import pytest

from ml.lang import decided_language, detect_language, reading_text


@pytest.mark.parametrize(("text", "reading"), [
    ("policeiskii vzyal vzyatku", "полисеискии взял взятку"),
    ("gaishnik vzyal vzyatku", "гаишник взял взятку"),
    ("inspektor vzyal vzyatku", "инспектор взял взятку"),
    ("sosed zhenu izbil", "сосед жену избил"),
])
def test_russian_spelling_decides_a_short_latin_text(text: str, reading: str) -> None:
    assert decided_language(text) == "ru"
    assert reading_text(text) == reading


@pytest.mark.parametrize("text", [
    "vzyal",  # one word tells less than the citizen's asked language
    "inspektor vzyatku",  # one word spelt so, one not: Russian, undecided
])
def test_one_such_word_reads_russian_but_does_not_decide(text: str) -> None:
    assert detect_language(text) == "ru"
    assert decided_language(text) is None


@pytest.mark.parametrize("text", [
    "noisy neighbours upstairs",
    "Kazakh police officer",
    "Hawaii vacation scam",
    "loyal royal",
    "Vladimir stole my wallet",
])
def test_english_stays_english(text: str) -> None:
    assert detect_language(text) == "en"
