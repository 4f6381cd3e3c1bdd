"""Kazakh "ұрлау" is both to steal and to kidnap: with a person as its object ("мені ұрлап кетті", "қызымды ұрлап
кетті") it is a kidnapping, and the legal assistant answered with the theft item under the kidnapping lead. A noise
told with a fight and the police not coming got the noise item (round 6's noise reading). Both failed before."""

from __future__ import annotations

import pytest

from ml.legal import LegalAssistant
from tests.ml.legal_answers import cited

KIDNAPPING = ("УК РК", "125")
THEFT = ("УК РК", "188")


@pytest.mark.parametrize("question", [
    "мені ұрлап кетті",
    "қызымды ұрлап кетті",
    "ұлымды ұрлап кетті",
    "meni urlap ketti",
])
def test_a_person_taken_in_kazakh_is_the_kidnapping_item(assistant: LegalAssistant, question: str) -> None:
    answer = assistant.ask(question)
    assert answer.urgent and answer.faq_id == "kidnapping", answer
    assert KIDNAPPING in cited(answer) and THEFT not in cited(answer), answer


@pytest.mark.parametrize("question", [
    "телефонымды ұрлап кетті, ұрыға не болады",
    "итімізді ұрлап кетті, бұл ұрлық па",
    "мені тонап, телефонымды ұрлап кетті",
])
def test_a_thing_taken_in_kazakh_is_still_theft(assistant: LegalAssistant, question: str) -> None:
    answer = assistant.ask(question)
    assert answer.faq_id == "theft" and not answer.urgent, answer


def test_a_threatened_taking_stays_the_residence_item(assistant: LegalAssistant) -> None:
    answer = assistant.ask("бұрынғы күйеуім баланы ұрлап кетемін деп қорқытады")
    assert answer.faq_id == "child_residence" and not answer.urgent, answer


def test_a_fight_with_the_police_not_coming_is_no_noise_item(assistant: LegalAssistant) -> None:
    answer = assistant.ask("көршілер төбелесіп жатыр, шулайды, полиция келмеді")
    assert answer.urgent and answer.faq_id != "noise_at_night", answer
