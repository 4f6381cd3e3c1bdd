"""Missing child or missing adult: an age the question states decides (`who_ages`), before the words naming the
person; a sibling ('брат', 'сестра', 'іні', 'сіңлі', 'қарындас') or a son is either (a second reading found young
siblings answered with the adult item: УПК 185 ч. 1 and "prepare a photo" instead of ч. 2, the search at once)."""

from __future__ import annotations

import pytest

from ml.legal import LegalAssistant
from ml.legal.ages import stated_age


@pytest.mark.parametrize(
    "question",
    [
        "младший брат, ему 10 лет, не вернулся домой",
        "сестра 9 лет не пришла домой после уроков",
        "інім 9 жаста, үйге келмеді",
        "сіңлім 8 жаста үйге келмеді",
        "қарындасым үйге келмеді, 10 жаста",
    ],
)
def test_a_young_sibling_who_did_not_come_home_is_a_missing_child(assistant: LegalAssistant, question: str) -> None:
    answer = assistant.ask(question)
    assert answer.faq_id == "missing_child", (question, answer.faq_id)


@pytest.mark.parametrize(
    "question",
    [
        # an adult named by a place word of the child list ('школ*') or a child's relation word with an adult age:
        # the age is not read, so the child item ("search for the child") answers an adult's disappearance
        "учительница из школы пропала, не вернулась домой",
        "сын 40 лет не вернулся домой",
    ],
)
def test_an_adult_named_with_a_child_word_is_a_missing_person(assistant: LegalAssistant, question: str) -> None:
    answer = assistant.ask(question)
    assert answer.faq_id == "missing_person", (question, answer.faq_id)


@pytest.mark.parametrize(("question", "age"), [
    ("младший брат, ему 10 лет, не вернулся домой", 10), ("16-летний сын не пришёл", 16),
    ("ұлым 16 жастағы, үйге келмеді", 16), ("інім 9 жаста", 9), ("my son is 12 years old", 12),
    # a time ago or a duration is no age
    ("муж пропал 5 лет назад", None), ("уже 2 года не звонит", None), ("сын не пришёл домой", None),
])
def test_the_age_a_question_states(question: str, age: int | None) -> None:
    assert stated_age(question) == age


@pytest.mark.parametrize("question", [
    # the teller's own age comes first: it is not the missing child's
    "мне 35 лет, мой сын не вернулся из школы",
    "Я мама, мне 30 лет, дочь не пришла домой после уроков",
    # Russian states ages 1-4, 21-24 … with "год"/"года": a missing toddler was read as an adult
    "младшему брату 3 года, он пропал",
    "сестре 4 года, потерялась в парке",
])
def test_a_missing_child_stays_a_child(assistant: LegalAssistant, question: str) -> None:
    answer = assistant.ask(question)
    assert answer.faq_id == "missing_child", (question, answer.faq_id)


@pytest.mark.parametrize(("question", "age"), [
    ("брату 3 года", 3), ("сестре 4 года", 4), ("сыну 1 год", 1), ("ему 21 год", 21),
    ("I am 40, my son is 12 years old", 12),
    # the teller's age is not the person's the question is about
    ("мне 35 лет, мой сын не вернулся из школы", None), ("I am 38 years old, my son is missing", None),
    # a duration, as "5 лет назад"; a year word beside a person is one too when the matter follows
    ("брат пропал 10 лет как", None), ("брат 2 года не звонит", None),
])
def test_the_age_of_the_person_the_question_is_about(question: str, age: int | None) -> None:
    assert stated_age(question) == age
