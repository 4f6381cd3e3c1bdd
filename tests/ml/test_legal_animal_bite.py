"""An animal that got in and bit or attacked someone is a dog attack (КоАП 407-2, УК 114), not the "animal only got
in" item (КоАП 407-2, ГК 246 on stray animals): the glossary reads a bite or an attack by an animal as
"animal_harm", which `animal_got_in` never answers (`FaqItem.not_read_as`) (a third reading of a9c415e)."""

from __future__ import annotations

import pytest

from ml.legal import LegalAssistant


@pytest.mark.parametrize("question", [
    "собака забежала во двор и покусала ребенка",
    "соседская собака забежала к нам во двор и укусила сына",
    "көршінің иті ауламызға кіріп, баланы тістеп алды",
])
def test_an_animal_that_got_in_and_bit_is_a_dog_attack(assistant: LegalAssistant, question: str) -> None:
    answer = assistant.ask(question)
    assert answer.faq_id == "dog_attack", (question, answer.faq_id)
    assert ("УК РК", "114") in [(c.code, c.article) for c in answer.citations], answer


@pytest.mark.parametrize("question", [
    "Соседская собака забежала к нам во двор, что делать?",
    "Көршінің иті ауламызға кіріп кетті, не істеймін?",
])
def test_an_animal_that_only_got_in_is_still_that(assistant: LegalAssistant, question: str) -> None:
    assert assistant.ask(question).faq_id == "animal_got_in", question
