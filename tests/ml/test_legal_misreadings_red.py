"""Red-team of the stolen-pet / cigarette-smoke / child-residence misreadings fix, and its leftovers: smoking told as
what set a fire is no cigarette smoke (urgency also routes citizen reports), a killed or poisoned pet is cruelty to
an animal and no emergency unless it is going on, a stolen pet in Kazakh or English is a theft, an English age
without "years old" makes a missing child, and a separated parent who fights is no mere residence dispute."""

from __future__ import annotations

import pytest

from ml.legal import LegalAssistant, answer_if_urgent
from ml.urgency import detect_urgency
from tests.ml.legal_answers import cited

THEFT = ("УК РК", "188")
CHILD_RESIDENCE = ("КоБС РК", "73")


# -- smoking that started a fire ------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    # asleep with a cigarette, smoking in bed: the smoke is a fire's
    "сосед курил в постели, теперь дым из его квартиры",
    "темекі шегіп отырып ұйықтап қалды, үйде түтін",
    "he fell asleep smoking and the room is full of smoke",
    # smoke too thick to see through, whoever smoked
    "муж курил на кухне, дым по всей квартире, ничего не видно",
    # smoke out of someone's flat, however the flat is named
    "из соседской квартиры дым",
    "дым из-под двери соседа, он много курит",
    # smoke in the forms "дыму", "дыма"
    "весь подъезд в дыму",
    "в подъезде много дыма",
])
def test_smoke_of_a_fire_started_by_smoking_stays_urgent(text: str) -> None:
    assert "fire" in detect_urgency(text).reasons


@pytest.mark.parametrize("text", [
    "дым в подъезде, кто-то курит",
    "түтін шығып жатыр, көрші темекі шегеді",
    "smoke in the stairwell and someone is smoking",
    "соседи курят, весь подъезд в дыму",
])
def test_cigarette_smoke_still_is_no_fire(text: str) -> None:
    assert not detect_urgency(text).urgent


# -- a killed pet ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("question", [
    "убили кошку, есть ли статья",
    "сосед убил мою собаку",
    "сосед отравил мою собаку",
    "украли собаку и убили",
    "көршім итімді өлтірді",
    "my neighbour killed my dog",
    "someone poisoned my cat",
])
def test_a_killed_pet_is_animal_cruelty_without_an_emergency_lead(assistant: LegalAssistant, question: str) -> None:
    """Killing an animal is an offence to report (УК 316, КоАП 407-1), not a 102/103 emergency: no one to save."""
    assert not detect_urgency(question).urgent
    assert answer_if_urgent(question) is None
    answer = assistant.ask(question)
    assert not answer.urgent and answer.faq_id == "animal_cruelty", answer


@pytest.mark.parametrize("text", [
    # a person killed, or killed by an animal, stays an emergency
    "собака убила ребенка",
    "the dog killed a child",
    "ит баланы өлтірді, бала өлік",
    "собака лает, сосед убил жену",
    "убили соседа и его собаку",
    "отравился ребенок, без сознания",
])
def test_a_person_killed_stays_urgent(text: str) -> None:
    assert detect_urgency(text).urgent


@pytest.mark.parametrize("text", [
    "живодер убивает собак во дворе прямо сейчас",
    "сосед мучает кошку прямо сейчас",
    "итті өлтіріп жатыр",
    "he is killing a cat right now",
])
def test_cruelty_to_an_animal_going_on_is_urgent_for_the_police_only(text: str) -> None:
    urgency = detect_urgency(text)
    assert urgency.urgent and urgency.advise == ["102"], urgency


# -- a stolen pet in Kazakh and English -----------------------------------------------------------------------------


@pytest.mark.parametrize("question", [
    "мысығымды ұрлап кетті",
    "итімді ұрлап кетті",
    "someone stole my dog",
    "my dog was stolen from the yard",
    "сосед украл мою собаку",
])
def test_a_stolen_pet_in_any_language_is_a_theft(assistant: LegalAssistant, question: str) -> None:
    answer = assistant.ask(question)
    assert answer.faq_id == "theft" and THEFT in cited(answer), answer


# -- a child's age in English without "years old" -------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "she's 12 and she's missing",
    "she's twelve and she's missing",
    "he's nine and he is missing since the morning",
    "ей 12 лет, она пропала",
])
def test_a_missing_child_of_a_stated_age_gets_the_emergency_lead(assistant: LegalAssistant, text: str) -> None:
    assert "missing_child" in detect_urgency(text).reasons
    answer = assistant.ask(text)
    assert answer.urgent and answer.suggested_action == "call_102", answer


@pytest.mark.parametrize("text", ["he is 15 minutes late and he is not answering", "she is 12 km away, lost"])
def test_other_numbers_are_no_child_age(text: str) -> None:
    assert "missing_child" not in detect_urgency(text).reasons


# -- a parent taking the children -----------------------------------------------------------------------------------


@pytest.mark.parametrize("question", [
    "бывшая жена увезла ребенка в другой город без моего согласия",
    "my ex took my son and won't give him back",
])
def test_a_parent_taking_the_child_away_is_a_residence_dispute(assistant: LegalAssistant, question: str) -> None:
    answer = assistant.ask(question)
    assert answer.faq_id == "child_residence" and CHILD_RESIDENCE in cited(answer), answer


@pytest.mark.parametrize("question", [
    "бывший угрожает забрать детей, он пьёт и дерётся",
    "my ex-husband threatens to take the kids and punches me",
])
def test_a_parent_who_fights_is_no_mere_residence_dispute(assistant: LegalAssistant, question: str) -> None:
    assert assistant.ask(question).faq_id != "child_residence"


def test_the_residence_answer_keeps_the_condition_on_contact(assistant: LegalAssistant) -> None:
    """КоБС 73 ч. 1: the parent the child lives with must not prevent contact *if it does not harm the child*."""
    for lang, words in (("ru", "не вредит"), ("kk", "зиян келтірмесе"), ("en", "unless it harms")):
        answer = assistant.ask("Муж угрожает забрать детей, если я подам на развод, что делать?", language=lang)
        assert answer.faq_id == "child_residence" and words in answer.answer, answer
