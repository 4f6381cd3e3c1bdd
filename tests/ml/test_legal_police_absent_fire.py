"""Two misanswers of the legal assistant: the police not coming, told without a call word ("полиция келмеді", "the
police never came"), got no FAQ item since "полиция" ranks the disobeying-an-officer article (КоАП 613) first, not
the complaint item's; and a fire started by smoking got the smoking-fine item under the fire lead."""

from __future__ import annotations

import pytest

from ml.legal import LegalAssistant
from ml.legal.lexicon import query_terms
from tests.ml.legal_answers import cited

SMOKING_FINE = ("КоАП РК", "441")
CARELESS_FIRE = ("УК РК", "204")


# -- the police did not come ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("question", [
    "полиция келмеді",
    "politsiya kelmedi",
    "the police never came",
    "полиция так и не приехала на вызов",
    "полицейские не приехали, что делать",
])
def test_police_that_did_not_come_is_the_complaint_item(assistant: LegalAssistant, question: str) -> None:
    answer = assistant.ask(question)
    assert answer.faq_id == "complain_officer"
    assert not answer.urgent


def test_the_police_not_coming_to_a_noise_is_still_the_noise_item(assistant: LegalAssistant) -> None:
    assert assistant.ask("соседи шумят, участковый не приходит").faq_id == "noise_at_night"


def test_a_beating_while_the_police_did_not_come_stays_urgent(assistant: LegalAssistant) -> None:
    answer = assistant.ask("меня бьют, полиция не приехала")
    assert answer.urgent
    assert answer.faq_id != "complain_officer"


@pytest.mark.parametrize(("question", "lang"), [
    ("соседи шумят, участковый не приходит", "ru"),
    ("меня бьют, полиция не приехала", "ru"),
    # someone else not coming is no police matter
    ("he never came home", "en"),
    ("the plumber never came", "en"),
])
def test_only_the_police_not_coming_is_read_as_police_absent(question: str, lang: str) -> None:
    assert "police_absent" not in query_terms(question, lang).readings


# -- a fire started by smoking --------------------------------------------------------------------------------------


@pytest.mark.parametrize("question", [
    "курил в постели, теперь горит диван",
    "в подъезде много дыма",
])
def test_a_fire_is_not_answered_with_the_smoking_fine(assistant: LegalAssistant, question: str) -> None:
    answer = assistant.ask(question)
    assert answer.urgent
    assert "112" in answer.answer
    assert answer.faq_id != "smoking_in_public"
    assert SMOKING_FINE not in cited(answer)
    assert CARELESS_FIRE in cited(answer)


def test_what_the_law_says_after_a_fire_is_not_the_smoking_fine(assistant: LegalAssistant) -> None:
    answer = assistant.ask("а какая за это статья?", context=["курил в постели, теперь горит диван"])
    assert answer.urgent
    assert answer.faq_id != "smoking_in_public"
    assert SMOKING_FINE not in cited(answer)


def test_smoking_without_a_fire_is_still_the_smoking_item(assistant: LegalAssistant) -> None:
    answer = assistant.ask("курят в подъезде что делать")
    assert answer.faq_id == "smoking_in_public"
    assert not answer.urgent
