"""A reading of urgency 12p: a child stolen or dragged into a car, or taken with a threat, was not urgent; impostors
"in police uniform" lost the legal assistant's lead; negated dangers ("дыма нет", "не похитили", "не убили") were
read as dangers; smoke coming in ("түтін кіріп жатыр") read as someone getting in; and a habit of smoke hid a child
choking today. Each case failed before the fix (urgency-2026-12q)."""

from __future__ import annotations

import pytest

from ml.lang import detect_language
from ml.urgency import detect_urgency

# -- a child or a person taken ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "кто-то украл моего ребенка",
    "мужчина затащил девочку в машину",
    "he threatened to kidnap my son and now he has taken him",
    "бывший муж забрал ребенка и угрожает убить его",
    "бір еркек қызды көлікке сүйреп әкетті",
    "bir erkek qyzdy kolikke suirep aketti",
    "бұрынғы күйеуім баланы алып кетті, өлтіремін деп қорқытып жатыр",
    "buryngy kuieuim balany alyp ketti, oltiremin dep qorqytyp jatyr",
])
def test_a_child_or_person_taken_by_force_or_under_threat_is_kidnapping(text: str) -> None:
    u = detect_urgency(text)
    assert u.urgent and "kidnapping" in u.reasons and u.advise[:2] == ["102", "112"], u


@pytest.mark.parametrize("text", [
    "бывший муж забрал ребенка",
    "муж забрал детей, не знаю где они",
    "күйеуім балаларды алып кетті, қайда екенін білмеймін",
    "my ex took my son and won't give him back",
    "бывший угрожает забрать детей",
    "украли велосипед сына",
    "у ребенка украли телефон",
    "дочь украла деньги у бабушки",
])
def test_a_parent_taking_the_child_or_a_theft_from_a_child_is_no_kidnapping(text: str) -> None:
    assert "kidnapping" not in detect_urgency(text).reasons, detect_urgency(text)


# -- impostors --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "кто-то в форме полиции ворвался в квартиру",
    "люди в форме полиции ворвались в квартиру",
    "бандиты в форме полиции ворвались в квартиру",
])
def test_someone_in_police_uniform_breaking_in_keeps_the_legal_lead(text: str) -> None:
    u = detect_urgency(text, detect_language(text))
    assert u.urgent and "break_in_progress" in u.reasons, u


def test_men_dressed_as_police_breaking_in_are_a_break_in() -> None:
    u = detect_urgency("two men dressed as police officers are breaking into our flat")
    assert u.urgent and "break_in_progress" in u.reasons, u


@pytest.mark.parametrize("text", ["менты ворвались в квартиру", "police officers are breaking into our flat"])
def test_officers_getting_in_stay_no_emergency(text: str) -> None:
    assert not detect_urgency(text, detect_language(text)).urgent


# -- negations --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "дыма нет, но ребенок кашляет",
    "ребенка не похитили, он нашелся",
    "собаку и хозяина не убили",
    "түтін жоқ, бірақ бала жөтеліп жатыр",
    "баланы ұрлаған жоқ, ол табылды",
    "balany urlaghan joq, ol tabyldy",
])
def test_a_danger_said_not_to_be_is_no_emergency(text: str) -> None:
    assert not detect_urgency(text).urgent, detect_urgency(text)


@pytest.mark.parametrize(("text", "reason"), [
    ("в квартире дым, ребенок кашляет", "smoke_inhalation"),
    ("ребенка похитили", "missing_child"),
    ("убили собаку и хозяина", "killing"),
    ("баланы ұрлап кетті", "missing_child"),
])
def test_the_same_dangers_told_stay_urgent(text: str, reason: str) -> None:
    u = detect_urgency(text)
    assert u.urgent and reason in u.reasons, u


# -- smoke or water coming in -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["түнде түтін кіріп жатыр", "tunde tutin kirip jatyr", "үйге су кіріп жатыр"])
def test_smoke_or_water_coming_in_is_no_break_in(text: str) -> None:
    assert "break_in_progress" not in detect_urgency(text).reasons, detect_urgency(text)


@pytest.mark.parametrize("text", ["қазір біреу үйге кіріп жатыр", "түтін шығып жатыр, біреу үйге кіріп жатыр"])
def test_someone_coming_in_stays_a_break_in(text: str) -> None:
    assert "break_in_progress" in detect_urgency(text).reasons, detect_urgency(text)


# -- a habit of smoke and a child choking today -----------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "сосед курит каждый день на балконе, дым идет к нам, сегодня ребенок задыхается",
    "корші күнде темекі шегеді, түтін бізге келеді, бүгін бала тұншығып жатыр",
    "korshi kunde temeki shegedi, tutin bizge keledi, bugin bala tunshyghyp jatyr",
])
def test_an_acute_sign_today_outweighs_a_habit_of_smoke(text: str) -> None:
    u = detect_urgency(text)
    assert u.urgent and "smoke_inhalation" in u.reasons, u


def test_a_cough_beside_a_habit_of_smoke_stays_a_neighbours_matter() -> None:
    assert not detect_urgency("сосед постоянно курит в подъезде, дым идет к нам, ребенок кашляет").urgent
