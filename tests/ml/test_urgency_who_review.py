"""A review of urgency 12o (`ml.urgency_who`): officers who get in and hurt or rob someone lost their urgency, smoke
said to be absent made a cough urgent, and a question about a person killed beside an animal read as a killing now.
Each case failed before the fix."""

from __future__ import annotations

import pytest

from ml.urgency import detect_urgency, detect_urgency_among


@pytest.mark.parametrize("text", [
    "менты ворвались, избили мужа",
    "полицейские ворвались и избили меня",
    "полиция ворвалась, ударили ребенка",
])
def test_officers_getting_in_and_hurting_someone_stay_urgent_by_category(text: str) -> None:
    """Violence by officers is an offence, not a question of lawful entry: the classifier's violence category and
    "ворвались" (now) keep it urgent, as they did before 12o."""
    u = detect_urgency_among(text, None, ["violence", "domestic_violence"])
    assert u.urgent and "in_progress" in u.reasons, u


def test_officers_robbing_a_flat_now_is_a_break_in_in_progress() -> None:
    u = detect_urgency("полицейские ворвались, сейчас грабят квартиру")
    assert u.urgent and "break_in_progress" in u.reasons, u


@pytest.mark.parametrize(("text", "categories"), [
    ("менты ворвались", ["violence"]),
    ("менты ворвались в квартиру", ["violence", "theft"]),
])
def test_officers_only_getting_in_are_still_no_emergency(text: str, categories: list[str | None]) -> None:
    assert not detect_urgency_among(text, None, categories).urgent


@pytest.mark.parametrize("text", [
    "сосед курит, ребенок кашляет, дыма нет",
    "көрші темекі шегеді, бала жөтеліп жатыр, түтін жоқ",
])
def test_a_cough_with_smoke_said_to_be_absent_is_not_smoke_inhalation(text: str) -> None:
    u = detect_urgency(text)
    assert "smoke_inhalation" not in u.reasons, u


def test_smoke_and_a_cough_stay_urgent() -> None:
    u = detect_urgency("в квартире дым, дети кашляют, сосед курит")
    assert u.urgent and "smoke_inhalation" in u.reasons, u


@pytest.mark.parametrize("text", ["что будет если убили собаку и хозяина", "какая статья, если убили собаку и хозяина"])
def test_a_question_about_a_person_killed_beside_an_animal_is_no_emergency(text: str) -> None:
    """The English signal reads "what is the penalty if…" as a question; the Russian one now does too."""
    assert not detect_urgency(text).urgent, detect_urgency(text)
