"""Citizens' own wording around a home, an animal, a disappearance and a thanks (informal, slang, typed Kazakh): each
question here was answered wrongly — the intrusion article for a bailiff, a hit-and-run for a brother out of reach,
a dog bite for a dog that only got in, "nothing found" for a thanks."""

from __future__ import annotations

import pytest

from ml.legal import LegalAssistant
from ml.legal.follow_up import acknowledges
from ml.legal.messages import message
from tests.ml.legal_answers import cited

HOME_INTRUSION = ("УК РК", "149")
THEFT = ("УК РК", "188")
MISSING = ("УПК РК", "180")


@pytest.mark.parametrize(
    "question",
    [
        "можно ли не пускать полицию домой если нет постановления суда",
        "могут ли менты зайти ко мне домой без ордера???",
        "приставы выломали дверь пока меня не было законно?",
    ],
)
def test_officials_at_the_door_get_when_the_law_lets_them_in(assistant: LegalAssistant, question: str) -> None:
    answer = assistant.ask(question)
    assert answer.faq_id == "home_entry_by_officials", answer
    assert HOME_INTRUSION not in cited(answer) and not answer.urgent, answer


@pytest.mark.parametrize(
    "question",
    [
        "хозяйка квартиры зашла в мою комнату без спроса пока меня не было",
        "в дом залезли но ничего не украли, кто-то просто зашёл",
    ],
)
def test_an_entry_without_a_theft_is_an_intrusion(assistant: LegalAssistant, question: str) -> None:
    answer = assistant.ask(question)
    assert cited(answer)[:1] == [HOME_INTRUSION] and THEFT not in cited(answer), answer


def test_someone_walking_about_the_home_now_cites_the_intrusion_first(assistant: LegalAssistant) -> None:
    answer = assistant.ask("сейчас кто то ходит по квартире я в ванной закрылась")
    assert answer.urgent and cited(answer)[:1] == [HOME_INTRUSION], answer


def test_a_break_in_now_cites_the_intrusion_even_when_nothing_else_does(assistant: LegalAssistant) -> None:
    """No FAQ item or article named it, and the emergency's own articles cited the theft (УК 188) alone."""
    answer = assistant.ask("сейчас кто-то пытается открыть нашу дверь")
    assert answer.urgent and HOME_INTRUSION in cited(answer), answer


@pytest.mark.parametrize(
    "question",
    [
        "жена не пришла домой",
        "мужик не вернулся с рыбалки уже сутки",
        "братан уехал в алматы и не выходит на связь 3 дня",
        "бабуля ушла в магазин и нет уже 5 часов, она с альцгеймером",
        "анам кеше кетіп әлі келген жоқ, телефоны өшірулі",
    ],
)
def test_an_adult_out_of_reach_is_missing(assistant: LegalAssistant, question: str) -> None:
    answer = assistant.ask(question)
    assert answer.faq_id == "missing_person" and cited(answer)[:1] == [MISSING], answer


def test_a_little_sister_is_a_child(assistant: LegalAssistant) -> None:
    answer = assistant.ask("сестренка 15 лет ушла из дома после ссоры")
    assert answer.faq_id == "missing_child" and cited(answer)[:1] == [MISSING], answer


@pytest.mark.parametrize(
    "question",
    [
        "бывшая жена забрала ребенка и не отвечает на звонки",
        "жена ушла к маме и не отвечает на звонки",
    ],
)
def test_a_spouse_who_left_is_not_missing(assistant: LegalAssistant, question: str) -> None:
    assert assistant.ask(question).faq_id not in {"missing_person", "missing_child"}


@pytest.mark.parametrize(
    "question",
    [
        "ит үйге кіріп кетті, не істеймін",
        "соседский кот постоянно лезет ко мне домой и гадит",
        "кот залез в дом соседа",
    ],
)
def test_an_animal_that_got_in_is_answered_as_such(assistant: LegalAssistant, question: str) -> None:
    """Not the dog-bite item's trauma centre and rabies shots, nor the intrusion article."""
    answer = assistant.ask(question)
    assert answer.faq_id == "animal_got_in", answer
    assert HOME_INTRUSION not in cited(answer) and not answer.urgent


@pytest.mark.parametrize("question", ["меня укусила соседская собака", "көршінің иті баламды қауып алды"])
def test_a_bite_keeps_the_dog_bite_item(assistant: LegalAssistant, question: str) -> None:
    assert assistant.ask(question).faq_id == "dog_attack"


@pytest.mark.parametrize(
    ("question", "language"),
    [
        ("спасибо большое, вы очень помогли", "ru"),
        ("спасибо за ответ", "ru"),
        ("рақмет сізге, көп көмектестіңіз", "kk"),
        ("thanks a lot", "en"),
        ("thank you so much", "en"),
    ],
)
def test_a_warmer_thanks_is_still_a_thanks(assistant: LegalAssistant, question: str, language: str) -> None:
    answer = assistant.ask(question, language)
    assert answer.answer == message("thanks", language) and not answer.citations, answer


@pytest.mark.parametrize("text", ["спасибо, помогите ещё", "thanks, help me", "большое", "спасибо, а что ему будет?"])
def test_courtesy_words_alone_or_with_a_request_are_no_thanks(text: str) -> None:
    assert not acknowledges(text)
