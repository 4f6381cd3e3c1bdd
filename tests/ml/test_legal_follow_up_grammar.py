"""How a follow-up is read, word by word (no index needed): an event of its own, or a circumstance of the earlier
one; a question about age. Our own phrasings, ru / kk / en."""

from __future__ import annotations

import pytest

from ml.legal.events import own_event, same_act
from ml.legal.general_part import asks_age

NEW_EVENTS = [
    ("а если сосед затопил квартиру?", "ru"),
    ("а если хозяин квартиры выгоняет меня?", "ru"),
    ("а если магазин не возвращает деньги за товар?", "ru"),
    ("а если у соседа собака лает всю ночь?", "ru"),
    ("ал егер үй иесі мені пәтерден қуып шықса?", "kk"),
    ("ал егер дүкен тауардың ақшасын қайтармаса?", "kk"),
    ("what if my landlord evicts me?", "en"),
    ("and if my employer fires me?", "en"),
    ("what if my boss doesn't pay my salary?", "en"),
]

CIRCUMSTANCES = [
    ("а если сумма маленькая?", "ru"),
    ("а если ему 15 лет?", "ru"),
    ("а если это сделал родственник?", "ru"),  # a stand-in for the earlier act, and "это" points back
    ("а если я получил сотрясение мозга?", "ru"),  # the asker's own part of the earlier event
    ("а если в интернете?", "ru"),
    ("ал егер ол кәмелетке толмаған болса?", "kk"),
    ("ал қайталанса ше?", "kk"),
    ("ал егер көп ақша болса?", "kk"),
    ("what if it was my neighbour?", "en"),
    ("and if the thief is 15?", "en"),
    ("what if my little brother was the thief?", "en"),
    ("what if the amount is large?", "en"),
    ("what about a car accident?", "en"),  # names a thing, tells no event
    # a verb of a state or a value: what the earlier event's things or people were like, not what someone did
    ("а если телефон стоил 500 тысяч?", "ru"),
    ("а если ущерб составляет миллион?", "ru"),
    ("а если синяки остались?", "ru"),
    ("а если ребёнок пострадал?", "ru"),
    ("а если телефон обошёлся в 300 тысяч?", "ru"),
    ("ал егер телефон 500 мың тұрса?", "kk"),
    ("ал егер көгерген іздер қалса?", "kk"),
    ("what if the phone cost 500k?", "en"),
    ("what if the damage amounts to a million?", "en"),
]


@pytest.mark.parametrize(("text", "language"), NEW_EVENTS)
def test_a_follow_up_telling_someone_else_doing_something_else_is_an_event_of_its_own(text: str, language: str) -> None:
    assert own_event(text, language), text


@pytest.mark.parametrize(("text", "language"), CIRCUMSTANCES)
def test_a_circumstance_of_the_earlier_event_is_not(text: str, language: str) -> None:
    assert own_event(text, language) == [], text


@pytest.mark.parametrize(
    ("text", "language", "topic"),
    [
        ("а если украл сосед?", "ru", "какое наказание за кражу?"),
        ("ал егер көршім ұрласа?", "kk", "ұрлық үшін қандай жаза"),
        ("what if my neighbour stole my bike?", "en", "у меня украли велосипед"),
    ],
)
def test_a_verb_naming_the_topics_own_act_is_the_same_act(text: str, language: str, topic: str) -> None:
    verbs = own_event(text, language)
    assert verbs and same_act(verbs, language, topic)


PHONE_RU, PHONE_KK, PHONE_EN = "у меня украли телефон", "телефонымды ұрлап кетті", "my phone was stolen"


@pytest.mark.parametrize(
    ("text", "language", "topic"),
    [
        ("а если телефон разбили?", "ru", PHONE_RU),
        ("а если в метро телефон разбили?", "ru", PHONE_RU),  # a place is no one taking part
        ("а если разбили?", "ru", PHONE_RU),
        ("ал егер телефонды сындырса?", "kk", PHONE_KK),
        ("ал егер метрода телефонды сындырса?", "kk", PHONE_KK),
        ("what if the phone broke?", "en", PHONE_EN),
    ],
)
def test_a_verb_with_nobody_new_taking_part_tells_no_event(text: str, language: str, topic: str) -> None:
    """Its subject left out or the topic's own thing: what happened to the stolen phone, not another event."""
    assert own_event(text, language, topic) == [], text


@pytest.mark.parametrize(
    ("text", "language", "topic"),
    [
        ("а если сосед разбил телефон?", "ru", PHONE_RU),
        ("ал егер көршім телефонды сындырса?", "kk", PHONE_KK),
        ("what if my neighbour broke the phone?", "en", PHONE_EN),
    ],
)
def test_the_same_verb_with_someone_new_is_an_event(text: str, language: str, topic: str) -> None:
    assert own_event(text, language, topic), text


def test_a_verb_of_another_act_is_not() -> None:
    assert not same_act(own_event("а если сосед затопил квартиру?", "ru"), "ru", "у меня украли телефон")


@pytest.mark.parametrize(
    "text",
    [
        "а если ему 15 лет?",
        "а если вор несовершеннолетний?",
        "ал егер оған 15 жас болса?",
        "ал егер ол 14 жаста болса?",
        "ал егер ол кәмелетке толмаған болса?",
        "and if the thief is 15?",
        "what if he is a minor?",
        "а если вору 15 лет?",
        "а если ему было 15 лет?",
        "а если ему не исполнилось 16 лет?",
        "а если он украл в 15 лет?",
        "what if he's 15 years old?",
        "what if the thief was a 15-year-old?",
        "and if the boy is 12?",
    ],
)
def test_an_age_question(text: str) -> None:
    assert asks_age(text)


@pytest.mark.parametrize(
    "text",
    [
        "а если сумма маленькая?",
        "а если 5000 тенге?",
        "what if it was my neighbour?",
        "ал егер көп ақша болса?",
        # years that are not a person's age: time since, a thing's age, a sentence
        "а если кража была 2 года назад?",
        "а если это было 3 года назад?",
        "а если прошло 5 лет?",
        "а если дадут 5 лет?",
        "а если телефону 3 года?",
        "а если сосед 2 года назад украл?",
        "ал егер олар 2 жыл бұрын ұрласа?",
        "what if it was 2 years ago?",
        "what if the phone is 3 years old?",
        "what if he did it 2 years ago?",
    ],
)
def test_not_an_age_question(text: str) -> None:
    assert not asks_age(text)
