"""What citizens' keyboards and copy-paste put into a question, and the call button of an emergency answer."""

from __future__ import annotations

import pytest

from ml.legal import LegalAssistant, answer_if_urgent
from ml.legal.question import normalize_question


def _cited(assistant: LegalAssistant, question: str) -> list[tuple[str, str]]:
    return [(c.code, c.article) for c in assistant.ask(question).citations]


@pytest.mark.parametrize("question", [
    "ст. １８８ УК",  # full-width digits
    "статья ١٨٨ УК",  # Arabic-Indic digits
    "ст.\u200b188\u200bУК",  # zero-width spaces
    "ст. 188\x00УК",
])
def test_article_numbers_from_any_keyboard_find_the_article(assistant: LegalAssistant, question: str) -> None:
    answer = assistant.ask(question)
    assert [(c.code, c.article) for c in answer.citations] == [("УК РК", "188")], answer.answer
    assert answer.confidence == 1.0


def test_a_stress_mark_does_not_hide_the_word(assistant: LegalAssistant) -> None:
    assert _cited(assistant, "кра\u0301жа телефона наказание")[:1] == [("УК РК", "188")]


def test_a_lone_surrogate_is_dropped_not_a_crash(assistant: LegalAssistant) -> None:
    answer = assistant.ask("\ud83d кража телефона наказание")
    assert ("УК РК", "188") in [(c.code, c.article) for c in answer.citations]


def test_normal_form_keeps_kazakh_letters_and_spacing() -> None:
    assert normalize_question("  Ұрлық\tүшін\n қандай жаза? ") == "Ұрлық үшін қандай жаза?"
    assert normalize_question("\u202eст.\u00a0１８８ УК\u0301") == "ст. 188 УК"


@pytest.mark.parametrize(("question", "numbers", "action"), [
    ("Человек без сознания на улице", "103 / 112", "call_112"),
    ("Утечка газа в подъезде", "104 / 112", "call_112"),
    ("У соседей пожар, горит квартира", "112 / 101", "call_112"),
    ("Муж бьёт меня прямо сейчас, угрожает ножом", "102", "call_102"),
])
def test_an_emergency_offers_the_number_it_names(assistant: LegalAssistant, question: str, numbers: str,
                                                 action: str) -> None:
    answer = assistant.ask(question)
    assert answer.urgent and numbers in answer.answer.split("\n")[0], answer.answer
    assert answer.suggested_action == action
    urgent_only = answer_if_urgent(question)
    assert urgent_only is not None and urgent_only.suggested_action == action and urgent_only.urgent


def test_urgent_only_is_none_for_an_ordinary_question(assistant: LegalAssistant) -> None:
    assert answer_if_urgent("Какое наказание за кражу?") is None
    assert answer_if_urgent("\x00 ") is None


@pytest.mark.parametrize(("question", "missing"), [
    ("ҚК 99999-бап", "99999"),
    ("статья 18888 УК", "18888"),
    ("article 123456 of the criminal code", "123456"),
])
def test_a_long_article_number_is_said_not_found_not_answered_with_another(assistant: LegalAssistant,
                                                                            question: str, missing: str) -> None:
    answer = assistant.ask(question)
    assert answer.citations == [] and answer.suggested_action == "legal_aid", answer.answer
    assert missing in answer.answer


def test_leading_zeros_name_the_article(assistant: LegalAssistant) -> None:
    assert _cited(assistant, "статья 00188 УК") == [("УК РК", "188")]
    assert _cited(assistant, "ст. 0188-1 УК") == [("УК РК", "188-1")]


def test_a_long_amount_next_to_a_code_is_no_article(assistant: LegalAssistant) -> None:
    answer = assistant.ask("штраф 50000 КоАП")
    assert "50000" not in answer.answer


@pytest.mark.parametrize("question", ["188", "статья", "кодекс", "Article", "ч. 2", "бап", "ст.", "КоАП"])
def test_reference_words_alone_quote_no_law(assistant: LegalAssistant, question: str) -> None:
    answer = assistant.ask(question)
    assert answer.citations == [] and answer.suggested_action == "legal_aid" and answer.confidence == 0.0


def test_reference_words_around_a_matter_are_still_searched(assistant: LegalAssistant) -> None:
    assert _cited(assistant, "Что говорит статья 188?") == [("УК РК", "188")]
    assert _cited(assistant, "кража статья")[:1] == [("УК РК", "188")]
    assert _cited(assistant, "Theft")[:1] == [("УК РК", "188")]
