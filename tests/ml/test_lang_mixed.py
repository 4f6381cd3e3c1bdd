"""Mixed and short texts ml/lang.py misread: a Kazakh sentence with Russian nouns in it ("сосед мені ұрды, заявление
жазсам бола ма") was Russian, so the answer went out in Russian; a Kazakh past tense after к ("Машина сокты") was
nothing; Russian typed in Latin with only a past tense ("sobaka ukusila") and Kazakh typed in Latin with a word
spelt like a short English one ("it kapty") were English."""

from __future__ import annotations

import pytest

from ml.lang import detect_language, reading_text


@pytest.mark.parametrize(
    "text",
    [
        # Kazakh grammar (pronoun, verbs, question particle) with Russian nouns in their dictionary form
        "сосед мені ұрды, заявление жазсам бола ма",
        "Участковый келмеди",
        # соқты (hit): the past tense after a stem's к
        "Машина сокты",
        # "it" is a dog here, a two-letter English word against a Kazakh past tense
        "it kapty",
    ],
)
def test_kazakh_grammar_makes_a_kazakh_text(text: str) -> None:
    assert detect_language(text) == "kk"


@pytest.mark.parametrize(
    "text",
    [
        # a Russian sentence that names a Kazakh word stays Russian: its verb and function words are Russian
        "Сосед шумит қазір",
        "Пьяный сосед кричит, полиция не едет, қазір",
        "Соседи ударили моего сына",
        # plurals of Russian -кт nouns end like соқты
        "Факты",
        "Контакты",
        "Продукты питания",
        # Russian typed in Latin whose only Russian mark is the past tense
        "sobaka ukusila",
        "upala chast dereva",
        "pisala zhalobu",
    ],
)
def test_russian_grammar_makes_a_russian_text(text: str) -> None:
    assert detect_language(text) == "ru"


@pytest.mark.parametrize("text", ["it is my car", "Dog bit me", "men are here", "my car is gone"])
def test_english_with_short_words_stays_english(text: str) -> None:
    assert detect_language(text) == "en"


def test_kazakh_in_latin_is_read_with_its_vowels() -> None:
    # "kuieu" is күйеу (ү, then й before е), "urip" ұрып: the words the lexicons and the router know
    assert reading_text("kuieuim urip zhatyr komek kerek") == "күйеуім ұрып жатыр комек керек"
