"""Which follow-ups ask what a code's general part answers, word by word (no index needed): someone's age named by a
pronoun or a role noun in the dative, and the time since the offence. Our own phrasings, ru / kk / en."""

from __future__ import annotations

import pytest

from ml.legal.corpus import load_corpus
from ml.legal.general_part import (
    AGE_OF_LIABILITY,
    LIMITATION,
    LIMITATION_PART,
    asks_age,
    asks_time_since,
    general_articles,
)


@pytest.mark.parametrize(
    "text",
    [
        "а если вору 15 лет?",
        "а если водителю 15 лет?",
        "а если шофёру было 15 лет?",
        "а если шоферу 15 лет?",
        "а если грабителю 14?",
        "а если нападавшему не исполнилось 16 лет?",
        "а если продавцу 15 лет?",
        "а если девочке 13 лет?",
        "а если подростку 15?",
        "а если ребёнку 12 лет?",
        "а если моему сыну 15?",
        "ал егер ұрыға 15 болса?",
        "ал егер урыга 15 болса?",  # Kazakh on a Russian keyboard
        "ал егер жүргізушіге 16 болса?",
        "ал егер баласына 14 болса?",
        "what if the mugger is 15?",
        "what if the driver was 16?",
    ],
)
def test_an_age_named_by_a_role(text: str) -> None:
    assert asks_age(text)


@pytest.mark.parametrize(
    "text",
    [
        "а если телефону 3 года?",
        "а если двигателю 15 лет?",
        "а если холодильнику 10 лет?",
        "а если счётчику 10 лет?",
        "а если воровству 5 лет?",  # the old pattern read any word beginning "вор" as the thief
        "а если брату дали 5 лет?",
        "ал егер ұрыға 5 жыл берсе?",  # a sentence: years, not an age
        "ал егер ұрыға 5 мың берсе?",
        "what if the car is 15?",
    ],
)
def test_a_things_years_or_a_sentence_is_no_age(text: str) -> None:
    assert not asks_age(text)


@pytest.mark.parametrize(
    "text",
    [
        "а если прошло 5 лет?",
        "а если прошло уже пять лет?",
        "а если 2 года прошло?",
        "а если прошёл год?",
        "а если прошло полгода?",
        "а если прошло 3 месяца?",
        "а если кража была 2 года назад?",
        "а если заявить спустя 3 года?",
        "а какой срок давности?",
        "ал егер 5 жыл өтсе?",
        "ал егер бұл 3 жыл бұрын болса?",
        "ал егер 2 жылдан кейін арыз берсем?",
        "ескіру мерзімі қандай?",
        "what if it was 2 years ago?",
        "what if 5 years have passed?",
        "what if I report it after two years?",
        "is there a statute of limitations?",
    ],
)
def test_the_time_since(text: str) -> None:
    assert asks_time_since(text)


@pytest.mark.parametrize(
    "text",
    [
        "а если дадут 5 лет?",
        "а если ему 15 лет?",
        "а если телефону 3 года?",
        "а если он бьёт меня уже 3 года?",
        "а если прошло 2 часа?",
        "ал егер оған 15 жас болса?",
        "ал егер ол 5 жыл отырса?",  # serves five years
        "what if the phone is 3 years old?",
        "what if he gets 5 years?",
    ],
)
def test_not_the_time_since(text: str) -> None:
    assert not asks_time_since(text)


def test_the_articles_by_code() -> None:
    theft = "Кража"
    assert general_articles("а если вору 15 лет?", "какое наказание за кражу?", "УК РК", theft) == [("15", None)]
    assert general_articles("а если прошло 5 лет?", "какое наказание за кражу?", "УК РК", theft) == [("71", "1")]
    assert general_articles("а если прошло 3 месяца?", "штраф за скорость", "КоАП РК", "Превышение") == [("62", "1")]
    assert general_articles("а если прошло 5 лет?", "как разделить наследство", "ГК РК", "Наследование") == []
    # the age is the buyer's when the topic or the offence's article is about a minor
    assert general_articles("а если ему 15 лет?", "продал алкоголь подростку", "КоАП РК", "Продажа") == []
    assert general_articles("а если ему 15?", "что будет", "УК РК", "Вовлечение несовершеннолетнего") == []


def test_the_articles_are_the_corpus_own() -> None:
    corpus = load_corpus()
    for table, part in ((AGE_OF_LIABILITY, None), (LIMITATION, LIMITATION_PART)):
        for code, number in table.items():
            article = corpus.article(code, number)
            assert article is not None and not article.repealed, (code, number)
            assert corpus.has(code, number, part), (code, number, part)
    assert "давности" in corpus.article("УК РК", "71").title  # type: ignore[union-attr]
    assert "давности" in corpus.article("КоАП РК", "62").title  # type: ignore[union-attr]
