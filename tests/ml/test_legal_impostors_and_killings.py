"""Impostors getting into a home, questions about a killing, and what follows an emergency lead.

Someone in a police uniform or posing as an officer got the lawful-entry item (what officials may do, УПК 17/254/220):
"полиции" next to the entering verb read as officials entering. A disguise is no official's entry but an intrusion
(УК 149): the glossary's impostor words (`word_groups.impostors`) veto the lawful-entry reading and read the entry as an
intrusion. A killing cited no article or the threats item's (УК 115): the murder item (УК 99, 104) answers it, and a
killing the urgency patterns read is cited as murder under the emergency lead. Under the lead of a fight going on the
noise item no longer answers, nor under a person choking or not breathing a family or labour item a child's words
drew. Each case failed before the fix."""

from __future__ import annotations

import pytest

from ml.legal import LegalAssistant
from ml.legal.emergency import without_repeated_call
from ml.legal.faq import cached_faq
from tests.ml.legal_answers import cited

HOME_INTRUSION = ("УК РК", "149")
LAWFUL_ENTRY = {("УПК РК", "17"), ("УПК РК", "254"), ("УПК РК", "220")}
MURDER = ("УК РК", "99")


@pytest.mark.parametrize("question", [
    "кто-то в форме полиции ворвался в квартиру",
    "какая статья если человек в форме полиции вошел в квартиру",
    "пришли якобы из полиции, хотят войти в квартиру",
    "под видом сотрудников полиции вошли в квартиру",
    "полиция формасын киген біреулер үйге кіріп кетті",
])
def test_an_impostor_getting_in_is_an_intrusion_not_a_lawful_entry(assistant: LegalAssistant, question: str) -> None:
    answer = assistant.ask(question)
    assert answer.faq_id != "home_entry_by_officials", answer
    assert cited(answer)[:1] == [HOME_INTRUSION], answer
    assert not LAWFUL_ENTRY & set(cited(answer)[:1])


@pytest.mark.parametrize("question", [
    "полицейские под видом проверки вошли в квартиру",
    "полиция вошла в дом без ордера, законно ли?",
])
def test_officers_with_a_pretext_still_get_the_lawful_entry_answer(assistant: LegalAssistant, question: str) -> None:
    answer = assistant.ask(question)
    assert answer.faq_id == "home_entry_by_officials", answer


@pytest.mark.parametrize("question", [
    "моего брата убили, что делать?",
    "его убили, какая статья?",
    "соседа убили, что будет убийце?",
    "ағамды өлтірді, не істеу керек?",
    "a man was murdered in our building",
    "my brother was killed, what should I do?",
])
def test_a_killing_cites_the_murder_article(assistant: LegalAssistant, question: str) -> None:
    answer = assistant.ask(question)
    assert MURDER in cited(answer), answer
    assert answer.faq_id != "threats", answer


@pytest.mark.parametrize("question", [
    "Мне угрожают убийством, что делать?",
    "бывший пишет что убьет меня если не вернусь к нему",
    "өлтіремін деп қорқытып жүр, не істеуге болады",
])
def test_a_threat_of_murder_keeps_the_threats_item(assistant: LegalAssistant, question: str) -> None:
    assert assistant.ask(question).faq_id == "threats"


def test_the_killing_lead_does_not_repeat_its_call() -> None:
    """Under the emergency lead the murder item's own "call 102 and 103 now" sentence goes (without_repeated_call)."""
    item = next(i for i in cached_faq() if i.id == "murder")
    for lang in ("ru", "kk", "en"):
        kept = without_repeated_call(item.answer[lang], "102 / 103", lang)
        assert "102" not in kept and "99" in kept, (lang, kept)


# -- what follows the lead of a fight or of a person choking ----------------------------------------------------------


def test_a_fight_going_on_gets_the_lead_not_the_noise_item(assistant: LegalAssistant) -> None:
    answer = assistant.ask("the neighbours are fighting loudly and police never came")
    assert answer.urgent and answer.faq_id != "noise_at_night", answer


@pytest.mark.parametrize("question", [
    "түтін жоқ, бірақ бала тұншығып жатыр",
    "бала тұншығып жатыр",
    "ребенок не дышит",
])
def test_a_child_choking_hears_no_family_or_labour_item(assistant: LegalAssistant, question: str) -> None:
    """A child's words drew the divorce or the dismissal item under the ambulance's lead."""
    answer = assistant.ask(question)
    assert answer.urgent and answer.suggested_action == "call_112", answer
    assert answer.faq_id is None or answer.faq_id in {"murder", "domestic_violence", "kidnapping"}, answer


def test_a_killing_under_a_health_lead_keeps_its_item(assistant: LegalAssistant) -> None:
    answer = assistant.ask("его убили, он не дышит")
    assert answer.urgent and answer.faq_id == "murder", answer
