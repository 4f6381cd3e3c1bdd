"""Questions the bundled codes cannot answer get an honest "not found, here is who to ask", never articles presented as
the answer: another country's law ("статья 158 УК РФ" was answered with УК РК 158, on journalists, at confidence 1.0),
text repeated to the 2,000-character limit (quoted three unrelated КоАП articles), and a lone generic word ("закон"
quoted УК 6, the retroactivity of criminal law, as "the provision that applies")."""

from __future__ import annotations

import pytest

from ml.legal import LegalAssistant
from tests.ml.legal_answers import cited

KAZAKHSTAN = {"ru": "Казахстан", "kk": "Қазақстан", "en": "Kazakhstan"}


@pytest.mark.parametrize(("question", "language"), [
    ("статья 158 УК РФ", "ru"),
    ("какое наказание за кражу по законам России?", "ru"),
    ("как в Узбекистане наказывают за кражу?", "ru"),
    ("Ресейде ұрлық үшін қандай жаза?", "kk"),
    ("what is the punishment for theft in Germany?", "en"),
    ("what does Russian law say about theft?", "en"),
])
def test_another_countrys_law_is_not_answered_with_kazakh_articles(assistant: LegalAssistant, question: str,
                                                                   language: str) -> None:
    answer = assistant.ask(question)
    assert answer.language == language
    assert cited(answer) == [] and answer.confidence == 0.0 and answer.suggested_action == "legal_aid", answer
    # says what it answers about, and whom to ask instead
    assert KAZAKHSTAN[language] in answer.answer, answer.answer


@pytest.mark.parametrize(("question", "article"), [
    ("меня обманул гражданин России, что делать?", ("УК РК", "190")),
    ("в Казахстане какое наказание за кражу, не как в России?", ("УК РК", "188")),
    ("украли телефон, вор уехал в Узбекистан", ("УК РК", "188")),
])
def test_a_foreigner_or_a_country_named_beside_kazakh_law_is_still_answered(
        assistant: LegalAssistant, question: str, article: tuple[str, str]) -> None:
    assert article in cited(assistant.ask(question))


@pytest.mark.parametrize("question", [
    "меня избил китаец, какое наказание?",
    "украинец украл телефон, какое наказание?",
    "россиянин украл кошелёк, что ему грозит?",
    "what is the punishment for a Chinese thief who stole my phone?",
    "қытайлық азамат телефонымды ұрлады, қандай жаза?",
])
def test_a_foreigner_named_by_nationality_is_still_answered(assistant: LegalAssistant, question: str) -> None:
    """A nationality says who did it, not whose law applies: the question is about Kazakhstan's law, and is answered
    from its codes, not told that only Kazakh law is covered."""
    answer = assistant.ask(question)
    assert cited(answer) != [], answer


@pytest.mark.parametrize("phrase", ["бла ", "aaaa ", "😀 ", "ok ok "])
def test_text_repeated_to_the_limit_quotes_no_article(assistant: LegalAssistant, phrase: str) -> None:
    question = (phrase * 2000)[:2000]
    answer = assistant.ask(question)
    assert cited(answer) == [] and answer.suggested_action == "legal_aid", answer


def test_a_question_repeated_is_answered_as_once(assistant: LegalAssistant) -> None:
    once = assistant.ask("кража телефона")
    assert cited(assistant.ask(("кража телефона " * 200)[:2000])) == cited(once)


@pytest.mark.parametrize("word", ["закон", "право", "law", "законы"])
def test_a_lone_generic_word_quotes_no_article(assistant: LegalAssistant, word: str) -> None:
    answer = assistant.ask(word)
    assert cited(answer) == [] and answer.confidence == 0.0 and answer.suggested_action == "legal_aid", answer
