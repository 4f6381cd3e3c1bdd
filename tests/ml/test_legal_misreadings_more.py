"""More red-team misreadings of the legal-help assistant and of the urgency patterns (which also route citizen
reports): a stolen cat answered with the item on an animal that strayed in, cigarette smoke read as a fire, Kazakh
slang for the police ("менттер") read as a private intrusion, a spouse threatening to take the children read as
domestic violence, a spouse nobody can find read as a family matter, and English ages in words not read."""

from __future__ import annotations

import pytest

from ml.legal import LegalAssistant, answer_if_urgent
from ml.legal.ages import stated_age
from ml.legal.general_part import asks_age
from ml.legal.numerals import with_digits
from ml.urgency import detect_urgency
from tests.ml.legal_answers import cited

THEFT = ("УК РК", "188")
DOMESTIC = ("КоАП РК", "73")
CHILD_RESIDENCE = ("КоБС РК", "73")


# -- a stolen pet ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("question", ["у меня украли кота", "у нас украли собаку со двора"])
def test_a_stolen_pet_is_a_theft_not_an_animal_that_strayed_in(assistant: LegalAssistant, question: str) -> None:
    answer = assistant.ask(question)
    assert answer.faq_id != "animal_got_in", answer
    assert THEFT in cited(answer), answer


@pytest.mark.parametrize(("question", "item"), [
    ("чужой кот постоянно залезает ко мне в квартиру", "animal_got_in"),
    ("Соседская собака забежала к нам во двор, что делать?", "animal_got_in"),
    # killed: cruelty, whoever took it
    ("у меня украли кота и убили", "animal_cruelty"),
])
def test_other_animal_questions_keep_their_items(assistant: LegalAssistant, question: str, item: str) -> None:
    assert assistant.ask(question).faq_id == item


# -- smoke ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "соседи курят на балконе, дым идет ко мне",
    "сосед курит в подъезде, дым ко мне в квартиру",
    "көрші балконда темекі шегеді, түтіні бізге келеді",
    "my neighbours smoke on the balcony and the smoke comes into my flat",
])
def test_cigarette_smoke_is_no_fire(text: str) -> None:
    assert not detect_urgency(text).urgent


def test_a_neighbour_smoking_gets_the_smoking_item_without_a_fire_lead(assistant: LegalAssistant) -> None:
    question = "соседи курят на балконе, дым идет ко мне"
    answer = assistant.ask(question)
    assert not answer.urgent and answer.faq_id == "smoking_in_public", answer
    assert answer_if_urgent(question) is None


@pytest.mark.parametrize("text", [
    "из квартиры соседей идёт дым",
    "пахнет гарью, дым из подъезда",
    "пожар в подъезде, дым",
    "дым идет ко мне в квартиру",
    # smoke out of a flat or heavy smoke is a fire whoever smoked
    "сосед курил в постели, из квартиры идет дым",
    "валит черный дым, соседи курили",
    "пәтерден түтін шығып жатыр",
    "smoke coming from the neighbours flat",
    "I see smoke in the stairwell",
])
def test_smoke_of_a_fire_stays_urgent(text: str) -> None:
    assert "fire" in detect_urgency(text).reasons


@pytest.mark.parametrize(("question", "action"), [
    ("пожар в подъезде, дым", "call_112"),
    ("меня бьют прямо сейчас, что делать", "call_102"),
])
def test_emergencies_keep_their_lead(assistant: LegalAssistant, question: str, action: str) -> None:
    answer = assistant.ask(question)
    assert answer.urgent and answer.suggested_action == action, answer


# -- Kazakh slang for the police ------------------------------------------------------------------------------------


@pytest.mark.parametrize("question", [
    "менттер үйге кіріп кетті",
    "mentter uige kirip ketti",
    "менттер қазір үйге кіріп жатыр",
])
def test_menty_in_kazakh_are_officials_entering(assistant: LegalAssistant, question: str) -> None:
    answer = assistant.ask(question)
    assert not answer.urgent and answer.faq_id == "home_entry_by_officials", answer
    assert answer_if_urgent(question) is None


def test_someone_else_getting_in_now_stays_an_urgent_intrusion(assistant: LegalAssistant) -> None:
    answer = assistant.ask("біреу қазір үйге кірді")
    assert answer.urgent and answer.faq_id == "home_intrusion", answer


# -- a spouse gone to someone else ----------------------------------------------------------------------------------


@pytest.mark.parametrize("question", [
    "муж ушёл к другой и угрожает забрать детей",
    "Күйеуім басқа әйелге кетіп, балаларды тартып аламын деп қорқытады",
    "my husband threatens to take the kids",
])
def test_a_threat_to_take_the_children_is_a_family_court_matter(assistant: LegalAssistant, question: str) -> None:
    """Where the children live after a separation is the parents' agreement or a court's decision (КоБС 73 ч. 2),
    not domestic violence: no "call 102" action, no КоАП 73."""
    answer = assistant.ask(question)
    assert answer.faq_id == "child_residence" and answer.suggested_action == "legal_aid", answer
    assert CHILD_RESIDENCE in cited(answer) and DOMESTIC not in cited(answer), answer


@pytest.mark.parametrize("question", [
    "муж угрожает убить и забрать детей",
    "муж бьет меня и угрожает забрать детей",
])
def test_violence_beside_the_children_stays_domestic_violence(assistant: LegalAssistant, question: str) -> None:
    assert assistant.ask(question).faq_id == "domestic_violence"


def test_a_spouse_nobody_can_find_is_a_missing_person(assistant: LegalAssistant) -> None:
    answer = assistant.ask("муж ушёл к другой, телефон выключен, никто не знает где он")
    assert answer.faq_id == "missing_person" and answer.suggested_action == "call_102", answer


def test_a_spouse_gone_to_someone_else_asking_about_alimony_is_still_referred(assistant: LegalAssistant) -> None:
    answer = assistant.ask("муж ушёл к другой, как подать на алименты")
    assert answer.faq_id is None and answer.suggested_action == "legal_aid" and not cited(answer), answer


# -- English ages in words ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "digits"), [
    ("my son is fifteen", "my son is 15"),
    ("she's twelve", "she's 12"),
    ("he is twenty-one", "he is 21"),
    ("twenty one years old", "21 years old"),
    # "one" alone is no age
    ("he is one of them", "he is one of them"),
    ("no one came", "no one came"),
    ("сыну десять лет", "сыну 10 лет"),
])
def test_english_numbers_in_words_are_read_as_digits(text: str, digits: str) -> None:
    assert with_digits(text) == digits


@pytest.mark.parametrize(("question", "age"), [
    ("my son is fifteen", 15),
    ("she's twelve and she's missing", 12),
    ("my son is 15, he stole a phone", 15),
    ("he is fifteen years old", 15),
    ("I am 40, my son is twelve", 12),
    ("he is 15 minutes late", None),
    ("he is one of them", None),
])
def test_english_stated_ages(question: str, age: int | None) -> None:
    assert stated_age(question) == age


def test_an_english_follow_up_with_an_age_in_words_cites_the_age_of_liability(assistant: LegalAssistant) -> None:
    assert asks_age("what if he is fifteen?")
    answer = assistant.ask("what if he is fifteen?", context=["what is the penalty for theft?"])
    assert ("УК РК", "15") in cited(answer), answer


def test_a_missing_girl_of_twelve_in_english_gets_the_missing_child_item(assistant: LegalAssistant) -> None:
    answer = assistant.ask("she's twelve and she's missing")
    assert answer.faq_id == "missing_child" and answer.suggested_action == "call_102", answer
