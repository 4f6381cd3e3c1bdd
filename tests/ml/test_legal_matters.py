"""Which police matter a follow-up names by a noun (the router's taxonomy cues, no index needed): another matter than
the topic's stands alone, a thing, an amount, a time or a person adds to it. Our own phrasings, ru / kk / en."""

from __future__ import annotations

import pytest

from ml.legal.matters import matters, names_another_matter

THEFT_RU, THEFT_KK, THEFT_EN = "какое наказание за кражу?", "ұрлық үшін қандай жаза", "my phone was stolen"

ANOTHER_MATTER = [
    ("а если ДТП?", "ru", THEFT_RU),
    ("а как насчёт аварии?", "ru", THEFT_RU),
    ("а если драка?", "ru", THEFT_RU),
    ("а пожар?", "ru", THEFT_RU),
    ("ал жол апаты ше?", "kk", THEFT_KK),
    ("ал төбелес ше?", "kk", THEFT_KK),
    ("what about a car accident?", "en", THEFT_EN),
    ("what about drugs?", "en", THEFT_EN),
]

SAME_OR_NONE = [
    ("а как насчёт кражи велосипеда?", "ru", THEFT_RU),  # the theft itself
    ("а если сумма маленькая?", "ru", THEFT_RU),
    ("а если ночью?", "ru", THEFT_RU),
    ("а если ему 15 лет?", "ru", THEFT_RU),  # an age is the child class: a person, not a matter
    ("а если это муж?", "ru", "меня избили"),  # a spouse: who, not what
    ("а если в интернете?", "ru", "меня оскорбили"),  # a thing outside police work
    ("ал велосипед ше?", "kk", THEFT_KK),
    ("ал егер ол 14 жаста болса?", "kk", THEFT_KK),
    ("what about my bike?", "en", THEFT_EN),
    ("what if the amount is small?", "en", THEFT_EN),
]


@pytest.mark.parametrize(("text", "language", "topic"), ANOTHER_MATTER)
def test_a_noun_naming_another_police_matter_is_another_matter(text: str, language: str, topic: str) -> None:
    assert names_another_matter(text, language, topic), matters(text, language)


@pytest.mark.parametrize(("text", "language", "topic"), SAME_OR_NONE)
def test_a_thing_an_amount_or_a_person_names_no_other_matter(text: str, language: str, topic: str) -> None:
    assert not names_another_matter(text, language, topic), matters(text, language)


def test_the_topic_is_read_with_its_glossary_terms() -> None:
    """ "ұрлық" (theft) is not a form the router's cues know ("ұрла-" is); its glossary term "кража" is."""
    assert "theft" in matters(THEFT_KK, "kk")
    assert not names_another_matter("ал ұрлық ше?", "kk", "у меня украли телефон")
