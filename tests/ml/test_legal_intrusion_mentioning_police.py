"""A private person entering someone's home is the intrusion offence (УК 149) even when the citizen says they called
the police or the police did nothing: the lawful-entry answer (what officials may do, УПК 17/254/220) is for officials
entering, not for a neighbour, an ex-husband or a stranger. Found by the second reading of 9a4c575: the intrusion
entries' "unless" lists took any "полиц*"/"полиция*" (and "кот", "сотрудник*") as the entrant, and the new
lawful-entry in_context entry fired on "полиц*" + "зашел"/"кірді", so these got home_entry_by_officials instead.
Now who enters is read (`ml.legal.actors`: the entering verb's nearest subject) and the lawful-entry item answers
only a question read as officials entering (`FaqItem.read_as`)."""

from __future__ import annotations

import pytest

from ml.legal import LegalAssistant
from tests.ml.legal_answers import cited

HOME_INTRUSION = ("УК РК", "149")
LAWFUL_ENTRY = ("УПК РК", "17")


@pytest.mark.parametrize("question", [
    "бывший муж зашел в мою квартиру без разрешения, полиция ничего не делает",
    "кто-то зашел в мою квартиру пока меня не было, полиция не приехала",
    "незнакомый мужчина ворвался в квартиру, полицию вызвали",
    "сосед залез ко мне в дом, я вызвала полицию, что ему будет?",
    "бөтен адам үйге кіріп кетті, полиция келмеді",
    "в мою квартиру залез незнакомец и смотрит на кота",
    # the police came first, but "они" who got in after the contrast are no officials
    "полиция приехала, а они уже залезли в квартиру",
])
def test_a_private_intrusion_mentioning_the_police_is_still_an_intrusion(
        assistant: LegalAssistant, question: str) -> None:
    answer = assistant.ask(question)
    assert answer.faq_id != "home_entry_by_officials", answer
    assert cited(answer)[:1] == [HOME_INTRUSION], answer


@pytest.mark.parametrize("question", [
    # the official is the subject of the entering verb, before or after it, or of the clause it continues
    "пришли полицейские, хотят войти в квартиру",
    "ко мне зашел участковый без разрешения, это законно?",
    "можно ли полиции входить в дом ночью",
    # the official is the one let in
    "должна ли я пустить полицию в квартиру",
    "үйге полиция кіріп кетті, бұл заңды ма",
    "полицейлер үйге рұқсатсыз кірді",
])
def test_officials_entering_still_get_the_lawful_entry_answer(assistant: LegalAssistant, question: str) -> None:
    answer = assistant.ask(question)
    assert answer.faq_id == "home_entry_by_officials", answer
    assert LAWFUL_ENTRY in cited(answer), answer
