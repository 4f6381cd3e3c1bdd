"""What the fourth reading (the legal-misreadings commit) left: officials forcing a door read as a break-in through the
violence pattern "ломится", a son of a stated adult age as a missing child, ages in words in a follow-up not read, a
police that did not come without a call word answered with no FAQ item; and what a red-team reading of that commit
found: violence going on beside "полиция не приехала" was no emergency, and a spouse gone to someone else asked in
English (or beside alimony) was quoted the domestic-violence article (КоАП 73)."""

from __future__ import annotations

import pytest

from ml.legal import LegalAssistant, answer_if_urgent
from ml.legal.ages import of_age
from ml.legal.general_part import asks_age
from ml.urgency import detect_urgency
from tests.ml.legal_answers import cited

HOME_INTRUSION = ("УК РК", "149")
DOMESTIC = ("КоАП РК", "73")
COMPLAINT_ARTICLES = {("УПК РК", "105"), ("УПК РК", "106")}


# -- officials at the door ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("question", [
    "менты ломятся в квартиру",
    "полиция ломится в дверь без ордера",
    "приставы ломятся в квартиру",
])
def test_officials_forcing_the_door_is_the_lawful_entry_item(assistant: LegalAssistant, question: str) -> None:
    answer = assistant.ask(question)
    assert not answer.urgent and answer.faq_id == "home_entry_by_officials", answer
    assert answer_if_urgent(question) is None


@pytest.mark.parametrize("question", [
    "кто-то ломится в квартиру",
    "пьяный сосед ломится в квартиру",
    "незнакомец ломится в дверь, полицию уже вызвала",
    "выламывают дверь в квартиру",
])
def test_someone_else_forcing_the_door_stays_an_urgent_break_in(assistant: LegalAssistant, question: str) -> None:
    answer = assistant.ask(question)
    assert answer.urgent and answer.suggested_action == "call_102", answer
    assert HOME_INTRUSION in cited(answer), answer


# -- a son or a daughter of age -----------------------------------------------------------------------------------


@pytest.mark.parametrize("question", [
    "сыну сорок лет, не вернулся домой",
    "сын студент не вернулся домой уже сутки",
    "ұлым студент, екі күн үйге келмеді",
    "дочери 25 лет, пропала вчера",
])
def test_a_son_or_daughter_of_a_stated_adult_age_is_no_child_emergency(
        assistant: LegalAssistant, question: str) -> None:
    """A missing adult: the police take the report at once (the missing-person item, its "call 102" action), but
    without a danger told there is no emergency lead, and the lead no longer disagrees with the item answering."""
    answer = assistant.ask(question)
    assert not answer.urgent and answer.faq_id == "missing_person", answer
    assert answer.suggested_action == "call_102"


@pytest.mark.parametrize("question", [
    "сыну 17 лет, не вернулся домой",
    "сын пропал два дня назад",
    # an adult's age beside a child's: the child is missing
    "парню 20 лет, с ним ушла дочь 15 лет и не вернулась",
    "дочь студентка 9 класса не пришла из школы",
])
def test_a_missing_minor_stays_an_emergency(assistant: LegalAssistant, question: str) -> None:
    answer = assistant.ask(question)
    assert answer.urgent and answer.suggested_action == "call_102", answer


@pytest.mark.parametrize(("question", "adult"), [
    ("сыну сорок лет", True), ("дочь студентка", True), ("ей двадцать два года", True),
    ("сыну 17 лет", False), ("парню 20 лет, с ним ушла дочь 15 лет", False), ("сын пропал", False),
    ("мне 40 лет, сын пропал", False),
])
def test_of_age_needs_every_age_told_to_be_an_adults(question: str, adult: bool) -> None:
    assert of_age(question) is adult


# -- a follow-up's age in words ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "asks"), [
    ("а если ему пятнадцать?", True),
    ("а если вору четырнадцать лет?", True),
    ("ал егер ұрыға он төрт жаста болса?", True),
    ("ал егер оған он төрт болса?", True),
    # a number of something else than years, in words or digits
    ("а если ему два раза звонили?", False),
    ("а если ему 5 тысяч должны?", False),
])
def test_a_follow_up_age_in_words_is_read(text: str, asks: bool) -> None:
    assert asks_age(text) is asks


def test_a_follow_up_age_in_words_cites_the_age_of_liability(assistant: LegalAssistant) -> None:
    answer = assistant.ask("а если ему пятнадцать?", context=["какое наказание за кражу?"])
    assert answer.follow_up and ("УК РК", "15") in cited(answer), answer


# -- the police did not come --------------------------------------------------------------------------------------


@pytest.mark.parametrize("question", [
    "полиция не приехала",
    "полиция так и не приехала",
    "вызвал полицию, никто не приехал",
    "полицияны шақырдым, ешкім келмеді",
])
def test_a_police_that_did_not_come_is_a_complaint(assistant: LegalAssistant, question: str) -> None:
    assert assistant.ask(question).faq_id == "complain_officer"


def test_violence_going_on_while_the_police_did_not_come_is_an_emergency(assistant: LegalAssistant) -> None:
    question = "полиция не приехала, а сосед продолжает бить жену"
    assert detect_urgency(question, "ru").urgent
    answer = assistant.ask(question)
    assert answer.urgent and answer.suggested_action == "call_102" and answer.faq_id != "complain_officer", answer


def test_a_child_not_home_beside_the_police_not_come_cites_no_complaint(assistant: LegalAssistant) -> None:
    answer = assistant.ask("полиция не приехала, сын не пришёл домой")
    assert answer.urgent and not COMPLAINT_ARTICLES & set(cited(answer)), answer


# -- a spouse gone to someone else --------------------------------------------------------------------------------


@pytest.mark.parametrize("question", [
    "my husband left me for another woman, what can I do",
    "husband left to another woman",
    "муж ушел к другой, теперь не платит алименты",
])
def test_a_spouse_gone_to_someone_else_is_never_domestic_violence(assistant: LegalAssistant, question: str) -> None:
    answer = assistant.ask(question)
    referral = next(r for r in assistant.topics.referrals if r.id == "spouse_left")
    assert answer.answer.startswith(referral.answer[answer.language]), (question, answer)
    assert DOMESTIC not in cited(answer) and not answer.urgent, answer


def test_a_beating_now_stays_urgent(assistant: LegalAssistant) -> None:
    answer = assistant.ask("меня бьют прямо сейчас, что делать")
    assert answer.urgent and answer.suggested_action == "call_102", answer
