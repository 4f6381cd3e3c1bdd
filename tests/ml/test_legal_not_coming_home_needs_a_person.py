""""үйге келмеді" is a disappearance when a person did not come home, not when a service did not come to the house:
"жедел жәрдем үйге келмеді" (the ambulance did not come) and "учаскелік үйге келмеді" (the district officer did
not come) got the missing-person / missing-child answer ("call 102", УПК 180) after 9a4c575's in_context entry
(words "келмеді" with "үй", no unless). Now a service named as the one that did not come (`not_by`) is no
disappearance, and the question is read as "service_absent", which the missing items and the false-call item never
answer (`FaqItem.not_read_as`)."""

from __future__ import annotations

import pytest

from ml.legal import LegalAssistant


@pytest.mark.parametrize("question", [
    "жедел жәрдем үйге келмеді",
    "учаскелік үйге келмеді, шағымды қабылдамады",
])
def test_a_service_that_did_not_come_is_no_missing_person(assistant: LegalAssistant, question: str) -> None:
    answer = assistant.ask(question)
    assert answer.faq_id not in {"missing_person", "missing_child"}, answer


def test_the_ambulance_not_coming_is_no_false_call(assistant: LegalAssistant) -> None:
    # the false-call item (КоАП 438) is about whoever called for nothing, not about a service that never came
    answer = assistant.ask("жедел жәрдем үйге келмеді")
    assert answer.faq_id != "false_call", answer
    assert ("УК РК", "149") not in [(c.code, c.article) for c in answer.citations], answer


@pytest.mark.parametrize("question", [
    "учаскелік үйге келмеді, шағымды қабылдамады",
    "участковый не пришел, заявление не принял",
])
def test_an_officer_who_did_not_come_is_a_complaint(assistant: LegalAssistant, question: str) -> None:
    assert assistant.ask(question).faq_id == "complain_officer"


@pytest.mark.parametrize(("question", "item"), [
    ("балам үйге келмеді", "missing_child"),
    ("күйеуім үйге келмеді, телефонын алмайды", "missing_person"),
    # a service named beside a person who is missing keeps the disappearance
    ("скорая не приехала, а ребенок пропал", "missing_child"),
])
def test_a_person_not_coming_home_is_still_missing(assistant: LegalAssistant, question: str, item: str) -> None:
    assert assistant.ask(question).faq_id == item


@pytest.mark.parametrize("question", [
    "полиция не приехала на вызов",
    "полиция келмеді, шақырдым",
    "участковый не пришел по вызову",
    "полицияға қоңырау шалдым, учаскелік келмеді",
])
def test_police_that_did_not_come_is_an_inaction_complaint(assistant: LegalAssistant, question: str) -> None:
    """A call the police left unanswered (a call word beside the officer who did not come) is a complaint about their
    inaction even without a complaint word ("куда жаловаться"): it was cited КоАП 438 (a knowingly false call to the
    emergency services) first, as the ambulance was before it (a third reading of a9c415e)."""
    answer = assistant.ask(question)
    cited = [(c.code, c.article) for c in answer.citations]
    assert ("КоАП РК", "438") not in cited, (question, answer.faq_id, cited)
    assert answer.faq_id == "complain_officer", (question, answer.faq_id, cited)


def test_a_beating_now_the_police_did_not_come_to_is_still_a_beating(assistant: LegalAssistant) -> None:
    # the danger comes first: the complaint reading needs a complaint word when someone is being beaten now
    answer = assistant.ask("меня бьют, полиция не приехала")
    assert answer.urgent and answer.faq_id != "complain_officer", answer
    assert ("УК РК", "109-1") in [(c.code, c.article) for c in answer.citations], answer
