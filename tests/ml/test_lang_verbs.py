"""Short citizen texts ml/lang.py misread: Kazakh verbal nouns and a 1st person past tense typed without the Kazakh
letters ("Корку", қорқу; "Полицияга бардым") read as Russian, a Kazakh verb with two Russian nouns beside it
("Участковый сосед келмеди") was outweighed by them, Kazakh in Latin letters with a Russian loan in a Kazakh case
("politsiyaga habarlastym") was English, and English "-ship" ("my relationship") read as a Kazakh converb."""

from __future__ import annotations

import pytest

from ml.lang import detect_language


@pytest.mark.parametrize(
    "text",
    [
        # verbal nouns: after a consonant (a word of both languages: "корку" is a crust's accusative too), after a
        # vowel, and a causative
        "Корку",
        "Тонау",
        "Урлау",
        "Коркыту",
        # the 1st person past ("I went", "I called") and a loan in -ия with a Kazakh case ending
        "Полицияга бардым",
        "Полицияга хабарластым",
        "politsiyaga habarlastym",
        "policiyaga bardym",
        # a Kazakh verb is the sentence's grammar: the Russian nouns in their dictionary form beside it are loans
        "Участковый сосед келмеди",
        "Пьяный сосед урды",
        "uchastkovyi sosed kelmedi",
    ],
)
def test_kazakh_verbs_and_verbal_nouns_make_a_kazakh_text(text: str) -> None:
    assert detect_language(text) == "kk"


@pytest.mark.parametrize("text", ["my relationship", "relationship", "citizenship", "information please"])
def test_english_suffixes_are_english(text: str) -> None:
    assert detect_language(text) == "en"


@pytest.mark.parametrize(
    "text",
    [
        # a Kazakh word that is no verb leaves the Russian nouns their weight
        "Сосед шумит қазір",
        "Пьяный сосед шумит казир",
        # "корку" in a Russian sentence, Russian words ending like the new Kazakh endings
        "Снег превратился в неровную корку",
        "Твердым покрытием",
        "Каждым днем",
        "Видим, платим",
        "ДТП в Актау",
        # a lone Kazakh-looking verb ending on a Russian plural does not make the nouns beside it loans
        "Периодические перепады",
        "Наличие наледи",
    ],
)
def test_russian_stays_russian(text: str) -> None:
    assert detect_language(text) == "ru"
