"""Entering a home that is not a break-in: officials who may enter, an animal that got in, someone who did not come
home. Each got the home-intrusion answer (УК 149, "call 102") because it shares the entering words or "үй" (home),
while a break-in itself keeps that answer and its urgency."""

from __future__ import annotations

import pytest

from ml.legal import LegalAssistant
from ml.legal.lexicon import query_terms
from tests.ml.legal_answers import cited

HOME_INTRUSION = ("УК РК", "149")
# УПК 17 (the home is inviolable), 254 (a search needs a judge's sanction), 220 (inspecting a home)
LAWFUL_ENTRY = {("УПК РК", "17"), ("УПК РК", "254"), ("УПК РК", "220")}
MISSING = ("УПК РК", "180")


@pytest.mark.parametrize("question", [
    "могут ли приставы войти в квартиру без разрешения?",
    "полиция вошла в дом без ордера, законно ли?",
    "сот орындаушысы пәтерге рұқсатсыз кіре ала ма?",
    "полиция үйге ордерсіз кірді",
])
def test_officials_entering_a_home_get_when_the_law_lets_them(assistant: LegalAssistant, question: str) -> None:
    """Not the intrusion offence and its "call 102 now": when a search or an inspection of a home is lawful."""
    answer = assistant.ask(question)
    assert answer.faq_id == "home_entry_by_officials", answer
    assert not answer.urgent and answer.suggested_action not in {"call_102", "call_112"}
    assert set(cited(answer)) <= LAWFUL_ENTRY and HOME_INTRUSION not in cited(answer), answer


@pytest.mark.parametrize("question", ["кот залез в дом соседа", "мысық көршінің үйіне кіріп кетті"])
def test_an_animal_getting_into_a_home_is_no_intrusion(assistant: LegalAssistant, question: str) -> None:
    answer = assistant.ask(question)
    assert not answer.urgent and answer.faq_id != "home_intrusion"
    assert cited(answer)[:1] != [HOME_INTRUSION], answer


@pytest.mark.parametrize("question", ["үйге келмеді", "күйеуім үйге келмеді", "ағам үйге оралмады"])
def test_someone_who_did_not_come_home_is_missing(assistant: LegalAssistant, question: str) -> None:
    answer = assistant.ask(question)
    assert cited(answer)[:1] == [MISSING], answer
    assert answer.faq_id in {"missing_person", "missing_child"}


def test_not_coming_home_reads_home_as_the_way_home_not_a_dwelling() -> None:
    phrases = query_terms("үйге келмеді", "kk").phrases
    assert "безвестное исчезновение лица" in phrases and "жилище" not in phrases
    # "үй" alone still is a dwelling
    assert "жилище" in query_terms("біреу үйге басып кірді", "kk").phrases


@pytest.mark.parametrize(("question", "urgent", "first"), [
    ("ко мне в дом ломится пьяный сосед", True, HOME_INTRUSION),
    ("кто-то залез ко мне в дом", False, HOME_INTRUSION),
    ("көршім үйге кіріп кетті", False, HOME_INTRUSION),
    ("в прошлом месяце залезли воры, что мне сейчас делать?", False, ("УК РК", "188")),
    ("меня бьют прямо сейчас, что делать", True, None),
    ("ребёнок не пришёл домой", True, MISSING),
])
def test_a_break_in_and_its_neighbours_keep_their_answers(
        assistant: LegalAssistant, question: str, urgent: bool, first: tuple[str, str] | None) -> None:
    answer = assistant.ask(question)
    assert answer.urgent is urgent, answer
    if first is not None:
        assert cited(answer)[:1] == [first], answer
