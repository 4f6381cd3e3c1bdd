"""Who does what a question tells (`ml.legal.actors`), as the glossary's cues read it: an official named anywhere is
not an official entering, an animal named anywhere is not an animal getting in, a service named is not a person who
did not come home. No index or embedder needed."""

from __future__ import annotations

import dataclasses

import pytest

from ml.legal.actors import actor_at, layout
from ml.legal.corpus import load_corpus
from ml.legal.faq import load_faq, validate_faq
from ml.legal.lexicon import query_terms, word_forms


def _readings(question: str) -> frozenset[str]:
    lang = "kk" if any(ch in question for ch in "әғқңөұүһі") else "ru"
    return query_terms(question, lang).readings


@pytest.mark.parametrize(("question", "reading"), [
    # a private intrusion whose teller names the police, or an animal as what the intruder looks at
    ("бывший муж зашел в мою квартиру без разрешения, полиция ничего не делает", "intrusion"),
    ("незнакомый мужчина ворвался в квартиру, полицию вызвали", "intrusion"),
    ("сосед залез ко мне в дом, я вызвала полицию, что ему будет?", "intrusion"),
    ("бөтен адам үйге кіріп кетті, полиция келмеді", "intrusion"),
    ("в мою квартиру залез незнакомец и смотрит на кота", "intrusion"),
    ("полиция приехала, а они уже залезли в квартиру", "intrusion"),
    # officials entering: the subject before or after the verb, carried over a comma, or the one let in
    ("может ли полиция войти в квартиру без разрешения", "official_entry"),
    ("в квартиру вошли полицейские", "official_entry"),
    ("пришли полицейские, хотят войти в квартиру", "official_entry"),
    ("сотрудники полиции зашли в квартиру без постановления", "official_entry"),
    ("должна ли я пустить полицию в квартиру", "official_entry"),
    ("сот орындаушылары менсіз есікті ашып, пәтерге кіріп кетті", "official_entry"),
    ("пришли с обыском, а постановления суда нет", "official_entry"),
    # an animal getting in
    ("кот соседа залез к нам в квартиру", "animal_entry"),
    ("көршінің иті үйге кіріп кетті", "animal_entry"),
    # a service that did not come
    ("жедел жәрдем үйге келмеді", "service_absent"),
    ("участковый не пришел, заявление не принял", "service_absent"),
])
def test_who_acts_decides_the_reading(question: str, reading: str) -> None:
    assert reading in _readings(question)


@pytest.mark.parametrize(("question", "reading"), [
    ("бывший муж зашел в мою квартиру без разрешения, полиция ничего не делает", "official_entry"),
    ("кто-то зашел в мою квартиру пока меня не было, полиция не приехала", "official_entry"),
    ("незнакомый мужчина ворвался в квартиру и я вызвала полицию", "official_entry"),
    ("в мою квартиру залез незнакомец и смотрит на кота", "animal_entry"),
    ("в квартиру вошли полицейские", "intrusion"),
    ("кот соседа залез к нам в квартиру", "intrusion"),
    ("балам үйге келмеді", "service_absent"),
    ("скорая не приехала, а ребенок пропал", "service_absent"),
])
def test_a_mention_is_no_actor(question: str, reading: str) -> None:
    assert reading not in _readings(question)


def test_the_actor_is_the_nearest_subject_of_the_verbs_clause() -> None:
    text = "сосед залез ко мне в дом, я вызвала полицию"
    forms = word_forms(text)
    actors = [("полиция",), ("сосед",), ("я",)]
    assert actor_at(forms, layout(text), 1, 2, actors) == 0  # "сосед", not the later clause's "я" or "полицию"
    text = "пришли полицейские, хотят войти"
    assert actor_at(word_forms(text), layout(text), 3, 4, [("полицейские",)]) == 1
    # clauses after the verb never count, nor a subject across a contrast
    text = "кто-то зашел, полиция не приехала"
    assert actor_at(word_forms(text), layout(text), 2, 3, [("полиция",)]) is None
    text = "полиция приехала, а они залезли"
    assert actor_at(word_forms(text), layout(text), 4, 5, [("полиция",)]) is None


def test_an_item_whose_own_question_is_not_read_as_it_needs_is_reported() -> None:
    items = load_faq()
    entry = next(i for i in items if i.id == "home_entry_by_officials")
    assert entry.read_as == frozenset({"official_entry"})
    # a neighbour entering is no officials' entry: the lawful-entry item would never answer its own question
    ru = (*entry.questions["ru"], "сосед зашел в квартиру")
    broken = dataclasses.replace(entry, questions={**entry.questions, "ru": ru})
    assert any("not read as the item needs" in p for p in validate_faq([broken], load_corpus()))


@pytest.mark.parametrize(("question", "intrusion"), [
    ("кто-то ходит по квартире, кот спрятался под диван", True),
    ("ночью кто-то ходит по квартире", True),
    ("кот ходит по квартире", False),
    ("по квартире ходит собака", False),
])
def test_someone_walking_about_the_flat_is_an_intrusion_unless_it_is_the_cat(question: str, intrusion: bool) -> None:
    assert ("незаконное вторжение в жилище" in query_terms(question, "ru").phrases) is intrusion
