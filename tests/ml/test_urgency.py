from __future__ import annotations

import pytest

from ml.dataset import load_examples, split
from ml.urgency import detect_urgency


@pytest.mark.parametrize(
    ("text", "category", "reason"),
    [
        ("муж угрожает ножом, я заперлась в ванной", None, "weapon"),
        ("стреляют во дворе, слышала выстрелы", None, "shooting"),
        ("пахнет газом в подъезде", None, "gas"),
        ("горит машина во дворе!!", None, "fire"),
        ("мужчина лежит без сознания на остановке", None, "unconscious"),
        ("Балам мектептен келмеді, телефоны өшірулі", None, "missing_child"),
        ("пропал ребенок 7 лет, вышел во двор и не вернулся", None, "missing_child"),
        ("Қазір көршім әйелін ұрып жатыр", None, "violence_in_progress"),
        ("пышақпен қорқытты", None, "weapon"),
        ("үйде өрт шықты, түтін", None, "fire"),
        ("сбили пешехода на переходе", None, "hit_person"),
        ("пьяный водитель едет по Абая и виляет", None, "drunk_driver"),
        # typed on a Russian keyboard
        ("казир коршим айелин урып жатыр", None, "violence_in_progress"),
        # category context: "now" in a theft report means in progress
        ("прямо сейчас кто-то возится у двери соседей", "theft", "in_progress"),
        ("дочь 15 лет ушла из дома и не отвечает", "child_incident", "missing_child"),
    ],
)
def test_urgent(text: str, category: str | None, reason: str) -> None:
    u = detect_urgency(text, category=category)
    assert u.urgent
    assert reason in u.reasons
    assert u.advise


@pytest.mark.parametrize(
    "text",
    [
        "яма на дороге по Сейфуллина",
        "продают вейпы школьникам в магазине на абая 12",
        "вчера был пожар в гараже, подозреваю поджог",
        "ДТП на перекрестке, пострадавших нет",
        "муж постоянно бьет меня уже 3 года",  # chronic, serious, but not an emergency in progress
        "муж угрожает что убьет меня если подам на развод",
        "Машины ставят на газон и на пожарный проезд",
        "өрт сөндіру жолына машиналар тұрып алады",
        "не горят фонари во дворе",
        "во дворе молодежь взрывает петарды ночью",
        "машины бьют колеса в яме",
    ],
)
def test_not_urgent(text: str) -> None:
    assert not detect_urgency(text).urgent, detect_urgency(text)


def test_advise_numbers() -> None:
    assert detect_urgency("сильно пахнет газом").advise[:2] == ["104", "112"]
    assert "103" in detect_urgency("сбили ребенка, нога в крови").advise
    emergency = detect_urgency("что-то случилось", category="emergency")
    assert emergency.urgent and emergency.advise == ["112"]
    assert detect_urgency("нож у соседа", category="violence").advise[0] == "102"


def test_recall_on_held_out_examples() -> None:
    _, held = split(load_examples())
    urgent = [e for e in held if e.urgent]
    calm = [e for e in held if not e.urgent]
    hits = sum(detect_urgency(e.text, e.language, e.category).urgent for e in urgent)
    false = sum(detect_urgency(e.text, e.language, e.category).urgent for e in calm)
    assert hits / len(urgent) >= 0.95
    assert false / len(calm) <= 0.05


def test_to_dict_is_plain() -> None:
    d = detect_urgency("пожар!").to_dict()
    assert d == {"urgent": True, "reasons": ["fire"], "advise": ["112", "101"]}
