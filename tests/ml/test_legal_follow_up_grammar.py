"""How a follow-up is read, word by word (no index needed): an event of its own, or a circumstance of the earlier
one; a question about age. Our own phrasings, ru / kk / en."""

from __future__ import annotations

import pytest

from ml.legal.follow_up import asks_age, own_event, same_act

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
]


@pytest.mark.parametrize(("text", "language"), NEW_EVENTS)
def test_a_follow_up_telling_someone_else_doing_something_else_is_an_event_of_its_own(text: str,
                                                                                       language: str) -> None:
    assert own_event(text, language), text


@pytest.mark.parametrize(("text", "language"), CIRCUMSTANCES)
def test_a_circumstance_of_the_earlier_event_is_not(text: str, language: str) -> None:
    assert own_event(text, language) == [], text


@pytest.mark.parametrize(("text", "language", "topic"), [
    ("а если украл сосед?", "ru", "какое наказание за кражу?"),
    ("ал егер көршім ұрласа?", "kk", "ұрлық үшін қандай жаза"),
    ("what if my neighbour stole my bike?", "en", "у меня украли велосипед"),
])
def test_a_verb_naming_the_topics_own_act_is_the_same_act(text: str, language: str, topic: str) -> None:
    verbs = own_event(text, language)
    assert verbs and same_act(verbs, language, topic)


def test_a_verb_of_another_act_is_not() -> None:
    assert not same_act(own_event("а если сосед затопил квартиру?", "ru"), "ru", "у меня украли телефон")


@pytest.mark.parametrize("text", [
    "а если ему 15 лет?", "а если вор несовершеннолетний?", "ал егер оған 15 жас болса?", "ал егер ол 14 жаста болса?",
    "ал егер ол кәмелетке толмаған болса?", "and if the thief is 15?", "what if he is a minor?",
])
def test_an_age_question(text: str) -> None:
    assert asks_age(text)


@pytest.mark.parametrize("text", ["а если сумма маленькая?", "а если 5000 тенге?", "what if it was my neighbour?",
                                  "ал егер көп ақша болса?"])
def test_not_an_age_question(text: str) -> None:
    assert not asks_age(text)
