"""Someone who did not come home: a spouse is no domestic-violence matter, and an adult relative is no child.

"муж не пришёл домой" got the domestic-violence item (the husband's words added "супруг", "семейно-бытовых"), and
"әкем үйге келмеді" (my father did not come home) the missing-child item: the right articles, but words about a
child. The two missing-person items tell one matter for different people (`who` in faq.json); the person the question
names chooses between them, however the question is worded."""

from __future__ import annotations

import dataclasses

import pytest

from ml.legal import LegalAssistant
from ml.legal.corpus import load_corpus
from ml.legal.faq import for_whom, load_faq, validate_faq
from ml.legal.lexicon import query_terms, word_forms
from tests.ml.legal_answers import cited

MISSING = ("УПК РК", "180")


# a spouse: no domestic-violence matter (the husband's words pulled it there)
SPOUSES = [
    "муж не пришёл домой",
    "муж не пришел домой",
    "муж не ночевал дома",
    "муж не пришёл домой и не отвечает на звонки",
    "жена не ночевала дома",
    "күйеуім үйге қайтпады",
    "әйелім жоғалып кетті",
    "әйелім үйге келмеді",
]
# an adult relative: no child
ADULT_RELATIVES = [
    "әкем үйге келмеді",
    "анам үйге келмеді",
    "атам үйге қайтпады",
    "отец не вернулся домой",
    "мама не пришла домой",
    "брат не пришел домой",
    "сестра не пришла домой",
    "дедушка ушел из дома и не вернулся",
]


@pytest.mark.parametrize("question", [*SPOUSES, *ADULT_RELATIVES])
def test_a_missing_adult_gets_the_missing_person_item(assistant: LegalAssistant, question: str) -> None:
    answer = assistant.ask(question)
    assert answer.faq_id == "missing_person", answer
    assert cited(answer)[:1] == [MISSING], answer


@pytest.mark.parametrize(
    "question",
    [
        "ребёнок не пришёл домой",
        "сын не пришёл домой",
        "дочь не вернулась из школы",
        "қызым үйге келмеді",
        "ұлым мектептен оралмады",
        "балам үйге қайтпады",
    ],
)
def test_a_child_keeps_the_missing_child_item(assistant: LegalAssistant, question: str) -> None:
    answer = assistant.ask(question)
    assert answer.faq_id == "missing_child", answer
    assert cited(answer)[:1] == [MISSING], answer


@pytest.mark.parametrize("question", ["муж бьёт меня, что делать?", "күйеуім мені ұрады"])
def test_a_husband_who_beats_is_still_domestic_violence(assistant: LegalAssistant, question: str) -> None:
    assert assistant.ask(question).faq_id == "domestic_violence"


@pytest.mark.parametrize(
    ("question", "language"),
    [
        ("муж не пришёл домой", "ru"),
        ("жена не ночевала дома", "ru"),
        ("муж второй день не отвечает на звонки", "ru"),
        ("күйеуім үйге келмеді, телефонын алмайды", "kk"),
    ],
)
def test_a_spouse_gone_missing_adds_no_family_violence_terms(question: str, language: str) -> None:
    assert "семейно-бытовых" not in query_terms(question, language).phrases


def test_a_spouse_otherwise_still_adds_them() -> None:
    assert "семейно-бытовых" in query_terms("муж бьёт меня", "ru").phrases
    assert "семейно-бытовых" in query_terms("жена оскорбляет дома", "ru").phrases


def test_the_person_named_chooses_between_the_missing_items_only_when_one_is_named() -> None:
    items = load_faq()

    def instead(question: str) -> dict[str, str]:
        forms = word_forms(question)
        return {k: v.id for k, v in for_whom(items, lambda item: item.who.found_in(forms)).items()}

    assert instead("әкем үйге келмеді") == {"missing_child": "missing_person"}
    assert instead("сын не пришёл из школы") == {"missing_person": "missing_child"}
    # both named or neither: the scores decide
    assert instead("муж и сын не вернулись домой") == {}
    assert instead("үйге келмеді") == {}


def test_items_answering_for_one_another_must_cite_the_same_articles() -> None:
    items = load_faq()
    assert validate_faq(items, load_corpus()) == []
    child = next(i for i in items if i.id == "missing_child")
    changed = [dataclasses.replace(child, citations=child.citations[:1]) if i is child else i for i in items]
    assert any("missing_child: cites other articles" in p for p in validate_faq(changed, load_corpus()))
