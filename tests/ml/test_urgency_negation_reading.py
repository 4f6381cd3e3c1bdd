"""A reading of urgency 12q: negation read too widely or too narrowly, and false alarms of the new taking patterns.

"пока не убили" is "until they killed", "чуть не убили" an attempt on a life; a nominative beside "нет" is the next
clause run on without a comma ("дым нет возможности выйти"); "балам … жоқ" read "балам жоғалған жоқ" (my child is not
missing) as a missing child; things carried into a car or a thing of a child's stolen read as a kidnapping; a day named
anywhere outweighed a habit of smoke. Each case failed before the fix (urgency-2026-12r)."""

from __future__ import annotations

import pytest

from ml.urgency import detect_urgency

# -- "не" that denies nothing ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "reason"), [
    ("его избивали, пока не убили", "killing"),
    ("били пока не убили", "killing"),
    ("меня чуть не убили, он еще здесь", "killing"),
    ("мужчина чуть не похитил ребенка, он еще во дворе", "kidnapping"),
    ("мужчина едва не затащил девочку в машину", "kidnapping"),
])
def test_until_or_nearly_is_no_denial(text: str, reason: str) -> None:
    u = detect_urgency(text)
    assert u.urgent and reason in u.reasons, u


@pytest.mark.parametrize("text", ["собаку и хозяина не убили", "ребенка не похитили, он нашелся", "не убили его"])
def test_a_denial_still_denies(text: str) -> None:
    assert not detect_urgency(text).urgent, detect_urgency(text)


# -- smoke said absent, and smoke with "нет" beside it -----------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "в подъезде дым нет возможности выйти",
    "дым нет сил дышать",
    "света нет дым в подъезде",
])
def test_smoke_in_the_nominative_beside_net_is_smoke(text: str) -> None:
    u = detect_urgency(text)
    assert u.urgent and "fire" in u.reasons, u


@pytest.mark.parametrize("text", ["дыма нет", "нет дыма", "дыма нету, все спокойно", "түтін жоқ"])
def test_smoke_said_absent_is_no_fire(text: str) -> None:
    assert not detect_urgency(text).urgent, detect_urgency(text)


# -- Kazakh "жоқ": gone, or a verb denied ------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "балам жоғалған жоқ",
    "balam zhogalgan zhoq",
    "балам жоғалып кеткен жоқ, үйде отыр",
    "балам ештеңе ұрлаған жоқ",
    "балам ауырған жоқ",
])
def test_a_kazakh_verb_denied_with_zhoq_is_no_missing_child(text: str) -> None:
    assert "missing_child" not in detect_urgency(text).reasons, detect_urgency(text)


@pytest.mark.parametrize("text", [
    "балам жоқ",
    "қызым үйде жоқ",
    "балам мектептен әлі келген жоқ",
    "улым үйге қайтқан жоқ",
    "балам жоғалды көрген жоқ",
    "балам жоғалды, ешкім көрген жоқ",
])
def test_a_kazakh_child_gone_stays_missing(text: str) -> None:
    u = detect_urgency(text)
    assert u.urgent and "missing_child" in u.reasons, u


# -- things carried, a child's things stolen ---------------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "сосед затащил диван в подъезд",
    "затащил сумки в машину и уехал",
    "грузчики затолкали шкаф в газель",
    "затащил его сумку в машину",
    "дочь затащила пакеты в машину",
    "машинаны гаражға итеріп кіргіздік",
    "телефон сына украли в школе",
    "велосипед ребенка украли",
    "коляску малыша украли из подъезда",
])
def test_things_carried_or_a_childs_things_stolen_are_no_kidnapping(text: str) -> None:
    assert "kidnapping" not in detect_urgency(text).reasons, detect_urgency(text)


@pytest.mark.parametrize("text", [
    "мужчина затащил девочку в машину",
    "девочку затащили в машину",
    "ее силой затолкали в машину",
    "в машину затащили девочку",
    "затащили мою дочь в машину",
    "бір еркек қызды көлікке сүйреп әкетті",
    "вчера ребенка украли",
    "сына украли",
    "кто-то украл моего ребенка",
])
def test_a_person_forced_or_a_child_stolen_stays_kidnapping(text: str) -> None:
    u = detect_urgency(text)
    assert u.urgent and "kidnapping" in u.reasons, u


# -- a day named beside a habit of smoke -------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "сосед постоянно курит в подъезде, дым идет к нам, ребенок кашляет, сегодня пишу жалобу",
    "сосед каждый день курит, дым к нам, ребенок кашляет, прошу сегодня принять меры",
])
def test_a_day_named_for_something_else_keeps_the_habit(text: str) -> None:
    assert not detect_urgency(text).urgent, detect_urgency(text)


def test_a_cough_today_beside_a_habit_stays_urgent() -> None:
    u = detect_urgency("сосед каждый день курит на балконе, дым идет к нам, сегодня ребенок сильно кашляет")
    assert u.urgent and "smoke_inhalation" in u.reasons, u
