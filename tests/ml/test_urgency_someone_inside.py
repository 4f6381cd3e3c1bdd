"""Someone in the home or getting in right now is urgent without a break-in verb: "кто-то сейчас в доме", "қазір
біреу үйде жүр", "терезеден кірмек болып жатыр" (is about to get in through the window) were missed (urgency 12i).
A break-in told in the past stays calm however "now" the question is."""

from __future__ import annotations

import pytest

from ml.dataset import load_examples
from ml.urgency import detect_urgency


@pytest.mark.parametrize("text", [
    "біреу терезеден кірмек болып жатыр қазір",
    "кто-то сейчас в доме, я слышу шаги внизу",
    "қазір біреу үйде жүр, мен жатын бөлмеде жасырындым",
    "кто то в квартире, мы заперлись в ванной",
    "біреу пәтерде жүр",
    "в доме кто-то есть прямо сейчас",
    "кто-то сейчас у меня дома, что делать",
    "қазір біреу үйде бар",
])
def test_someone_inside_now_is_a_break_in_in_progress(text: str) -> None:
    u = detect_urgency(text)
    assert u.urgent and "break_in_progress" in u.reasons and u.advise[0] == "102", u


@pytest.mark.parametrize("text", [
    "в прошлом месяце залезли воры, что мне сейчас делать?",
    "кто-то был в доме, пока нас не было",
    "вчера кто-то в доме разбил окно",
    "кеше біреу үйге кіріп кетті",
])
def test_someone_inside_in_the_past_is_not_urgent(text: str) -> None:
    assert not detect_urgency(text).urgent, detect_urgency(text)


def test_a_beating_now_asked_about_stays_urgent() -> None:
    assert detect_urgency("меня бьют прямо сейчас, что делать").urgent


def test_no_calm_bundled_example_reads_as_a_break_in() -> None:
    for e in load_examples():
        if not e.urgent:
            assert "break_in_progress" not in detect_urgency(e.text, e.language, e.category).reasons, e.text


@pytest.mark.parametrize(("text", "language"), [
    # someone at home, with no "now" and no verb of moving about, is a question about the law (urgency 12j): the
    # "now" of 12i's patterns was optional and these became a break-in in progress (102 lead, urgent routing)
    ("должен ли кто-то дома присутствовать при обыске?", "ru"),
    ("когда кто-то дома не открывает дверь участковому, штраф есть?", "ru"),
    ("біреу үйде бар ма, полиция тексере ала ма?", "kk"),
])
def test_someone_at_home_in_a_question_is_no_break_in(text: str, language: str) -> None:
    urgency = detect_urgency(text, language)
    assert not urgency.urgent, (text, urgency.reasons)
