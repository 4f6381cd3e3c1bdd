"""How a follow-up is read, word by word, round 3 (no index needed): harm done by nobody new is the earlier event's
consequence ("а если сломали руку?" after a beating), and a procedural act by an officer ("участковый составил
протокол", "учаскелік хаттама жасаса") is a matter of its own, neither a value nor a stand-in for the earlier act.
Our own phrasings, ru / kk / en."""

from __future__ import annotations

import pytest

from ml.legal.events import adds_consequence, own_event

BEATING = "меня избили"

# harm with its doers left unnamed: the words after a Russian plural verb, a Kazakh accusative are what was harmed
CONSEQUENCES = [
    ("а если сломали руку?", "ru"),
    ("а если сломали челюсть?", "ru"),
    ("а если разбили машину?", "ru"),
    ("ал егер қолымды сындырса?", "kk"),
    ("ал егер қолын сындырып кетсе?", "kk"),
]

NOT_CONSEQUENCES = [
    ("а если сосед сломал руку?", "ru"),  # someone new did it
    ("а если сосед затопил квартиру?", "ru"),
    ("а если участковый составил протокол?", "ru"),  # no harm: a procedural act
    ("а если сумма маленькая?", "ru"),  # no verb
    ("а за угон машины?", "ru"),
    ("ал егер дүкен тауардың ақшасын қайтармаса?", "kk"),
    ("what if they broke my arm?", "en"),  # "they" points back: read with the topic already
]

# an officer's procedural act, with the verbs that elsewhere tell a value or stand for the earlier act
PROCEDURAL_ACTS = [
    ("а если участковый составил протокол?", "ru"),
    ("а если составили протокол?", "ru"),
    ("а если инспектор составил акт?", "ru"),
    ("ал егер учаскелік хаттама жасаса?", "kk"),
    ("ал егер полиция хаттама жасаса?", "kk"),
]

# the same verbs as a value (beside an amount) or a stand-in for the earlier act (no officer)
STILL_CIRCUMSTANCES = [
    ("а если ущерб составил 500 тысяч?", "ru"),
    ("а если ущерб составляет миллион?", "ru"),
    ("ал егер көршім жасаса?", "kk"),
]


@pytest.mark.parametrize(("text", "language"), CONSEQUENCES)
def test_harm_done_by_nobody_new_is_a_consequence_of_the_earlier_event(text: str, language: str) -> None:
    assert own_event(text, language, BEATING) == [], text
    assert adds_consequence(text, language, BEATING), text


@pytest.mark.parametrize(("text", "language"), NOT_CONSEQUENCES)
def test_someone_new_or_no_harm_is_no_consequence(text: str, language: str) -> None:
    assert not adds_consequence(text, language, BEATING), text


@pytest.mark.parametrize(("text", "language"), PROCEDURAL_ACTS)
def test_a_procedural_act_by_an_officer_is_an_event_of_its_own(text: str, language: str) -> None:
    assert own_event(text, language, "у меня украли телефон"), text


@pytest.mark.parametrize(("text", "language"), STILL_CIRCUMSTANCES)
def test_a_value_or_a_stand_in_for_the_earlier_act_is_still_a_circumstance(text: str, language: str) -> None:
    assert own_event(text, language, "у меня украли телефон") == [], text
