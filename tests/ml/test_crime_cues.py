"""The crime cues (ml.crime_cues) that let an anonymous report of a category allowing no anonymity through
(ml.anonymity): what a crime is (УК РК) and what is only an administrative offence or a complaint (КоАП РК)."""

from __future__ import annotations

import pytest

from ml.anonymity import anonymous_considered
from ml.crime_cues import cues_in


@pytest.mark.parametrize(("text", "cue"), [
    ("Инспектор ДПС вымогал у меня 20 тысяч, чтобы не составлять протокол", "bribery"),
    ("Гаишник отпустил за 10 тысяч без протокола", "bribery"),
    ("Патрульный взял взядку у водителя", "bribery"),  # a typo
    ("Участковый берет деньги с торговцев на рынке", "bribery"),
    ("Жол полициясы қызметкері хаттамасыз ақша сұрады", "bribery"),
    ("Учаскелік базардағы саудагерлерден пара алады", "bribery"),
    ("Полиция кызметкери пара сурады", "bribery"),  # Kazakh typed without its letters
    ("A traffic officer demanded money to let me go", "bribery"),
    ("Полицейские избили задержанного в отделе", "violence"),
    ("Патрульдер мені бөлімде ұрып-соқты", "violence"),
    ("Учаскелик мени урды", "violence"),
    ("Police officers beat my brother at the station", "violence"),
    ("Полицейские подкинули наркотики моему сыну при обыске", "framing"),
    ("Полицейлер ұлыма есірткі салып қойды", "framing"),
    ("Водитель сбил пешехода и скрылся с места", "person_hit"),
    ("Көлік баланы қағып кетті", "person_hit"),
    ("Пьяный водитель, его лишили прав в прошлом году, снова за рулем", "drunk_while_deprived"),
    ("На рынке продают травматы и патроны", "gun_sale"),
    ("На рынке продают паленую водку, сосед отравился", "poisonous_alcohol"),
    # a negation that denies nothing of the crime told, or is itself part of the cue
    ("Он не просто бил, а избивал задержанного", "violence"),
    ("Полицейский не бил, а душил меня", "violence"),
    ("Не бил меня, но потом избил брата", "violence"),
    ("Дал ему деньги, чтобы не забрали в отдел", "bribery"),
    ("Учаскелік пара алды, хаттама толтырған жоқ", "bribery"),  # took a bribe and drew up no protocol
    ("They planted drugs on my son", "framing"),
    ("The officer hit my son", "violence"),
])
def test_a_crime_is_told(text: str, cue: str) -> None:
    assert cue in cues_in(text)
    assert anonymous_considered("police_complaint", text)


@pytest.mark.parametrize("text", [
    "Участковый нахамил мне и не принял заявление",  # rudeness, inaction
    "Полицейский грубо разговаривал и оскорблял меня",
    "Вызывали полицию три раза, никто не приехал",
    "Учаскелік дөрекі сөйледі, арызымды қабылдамады",
    "Полиция шақырдым, келмеді",
    "The officer was rude to me",
    "Пьяный водитель ездит по двору",  # КоАП 608 unless deprived of the licence
    "Машина задела мою машину и уехала",  # КоАП 611: no one hurt
    "Қызыл көлік соғып кетті де қашып кетті",  # a red car crashed and fled: "қызыл" is no girl
    "Торгуют без лицензии у метро",  # КоАП 204
    "Продают алкоголь ночью",  # КоАП 200
    "Пару раз полицейский проезжал мимо, пара алкашей пьет",  # Russian "пара" is no bribe
    "Машина постоянно паркуется на газоне во дворе, нарушает правила парковки",
])
def test_no_crime_is_told(text: str) -> None:
    assert cues_in(text) == ()
    assert not anonymous_considered("police_complaint", text)


def test_a_category_allowing_anonymity_or_none_yet_is_considered_whatever_its_text() -> None:
    assert anonymous_considered("theft", "Во дворе шумят")
    assert anonymous_considered(None, "Во дворе шумят")
    assert anonymous_considered("no_such_category", "Во дворе шумят")
    assert not anonymous_considered("traffic_violation", "Во дворе шумят")


@pytest.mark.parametrize("text", [
    # rudeness whose citizen says what did not happen: a denied bribe or beating tells no crime
    "Инспектор взятку не просил, но нагрубил",
    "Взятку у меня не требовали, просто хамили",
    "Я ему не давал взятку, а он нахамил",
    "Полицейский не бил меня, но оскорблял",
    "Меня никто не бил, но участковый хамил",
    "Полиция пара сұраған жоқ, бірақ дөрекі сөйледі",
    "Учаскелік мені ұрған жоқ, бірақ дөрекі сөйледі",
    "Учаскелік пара сұрамады, бірақ дөрекі сөйледі",
    "Учаскелік пара талап етпеді, бірақ арызымды қабылдамады",
    "The officer was rude, he did not beat me",
    "I was not beaten but the officer was rude",
    "He didn't ask for a bribe but he was rude",
    # no one hurt: a fall, a table, a car, trees
    "Участковый поскользнулся и ударился головой, потом нахамил",
    "The officer was rude and hit my car with his hand",
    "The police planted trees instead of patrolling",
])
def test_what_did_not_happen_or_hurt_no_one_tells_no_crime(text: str) -> None:
    assert cues_in(text) == ()
    assert not anonymous_considered("police_complaint", text)
