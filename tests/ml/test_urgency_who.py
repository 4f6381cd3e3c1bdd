"""Who acts and who is harmed decides a danger (urgency 12o): officials getting into a home are no break-in, and the
classifier's category alone makes no emergency of it; a person killed beside an animal is a killing; smoke making
people cough is a danger whoever smokes nearby; a taking threatened is no taking done."""

from __future__ import annotations

import pytest

from ml.router import Router
from ml.urgency import detect_urgency, detect_urgency_among

# -- officials getting in -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "менты ворвались в квартиру",
    "полиция ворвалась ко мне домой без ордера",
    "приставы ломятся в дверь",
    "в квартиру вошли сотрудники полиции",
    "the police are breaking in",
])
def test_officials_getting_in_are_no_break_in(text: str) -> None:
    u = detect_urgency(text)
    assert not u.urgent, u


@pytest.mark.parametrize(("text", "categories"), [
    # "ворвались" reads as "now", and the classifier reads violence or an emergency into it
    ("менты ворвались", ["violence"]),
    ("менты ворвались в квартиру", ["violence", "theft"]),
    ("менттер үйге кіріп кетті", [None, "emergency"]),
    ("ворвались менты и всё перевернули", ["theft"]),
])
def test_the_category_alone_makes_no_emergency_of_officials_getting_in(text: str, categories: list[str | None]) -> None:
    u = detect_urgency_among(text, None, categories)
    assert not u.urgent, u


def test_the_router_does_not_flag_officials_getting_in(router: Router) -> None:
    for text in ("менты ворвались", "менты ворвались в квартиру", "менттер үйге кіріп кетті"):
        decision = router.route(text)
        assert not decision.urgent, (text, decision.category, decision.urgency_reasons)


@pytest.mark.parametrize(("text", "categories", "reason"), [
    ("менты ворвались и избивают мужа", ["domestic_violence"], "violence_in_progress"),
    ("менты приехали, а кто-то ломится в дверь", [None], "break_in_progress"),
    ("кто-то ворвался в квартиру", [None], "break_in_progress"),
    ("незнакомец ворвался в квартиру, полицию вызвали", [None], "break_in_progress"),
    ("қазір біреу үйге кірді", [None], "break_in_progress"),
])
def test_a_danger_or_someone_else_getting_in_stays_urgent(
    text: str, categories: list[str | None], reason: str
) -> None:
    u = detect_urgency_among(text, None, categories)
    assert u.urgent and reason in u.reasons, u


# -- a person killed beside an animal -------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "убили собаку и хозяина",
    "убили хозяина и собаку",
    "хозяина и собаку убили",
    "итті және иесін өлтірді",
    "they killed the dog and its owner",
    "the dog and the owner were killed",
])
def test_a_person_killed_is_urgent_whatever_else_is_killed(text: str) -> None:
    u = detect_urgency(text)
    assert u.urgent and "killing" in u.reasons and u.advise[:2] == ["102", "103"], u


@pytest.mark.parametrize("text", [
    "сосед убил мою собаку",
    "у соседа убили собаку",
    "убили собаку соседа",
    "мать убила собаку",
    "my neighbour's dog was killed",
    "what is the penalty if someone killed a dog and its owner",
])
def test_an_animal_killed_alone_or_a_question_is_not_urgent(text: str) -> None:
    assert not detect_urgency(text).urgent, detect_urgency(text)


# -- smoke making people cough --------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "в квартире дым, дети кашляют, сосед курит",
    "дым в квартире, нечем дышать",
    "пәтерде түтін, балалар жөтеліп жатыр, көрші темекі шегеді",
    "there is smoke in the flat, the kids are coughing, the neighbour smokes",
])
def test_smoke_making_people_cough_is_urgent_whoever_smokes(text: str) -> None:
    u = detect_urgency(text)
    assert u.urgent and "smoke_inhalation" in u.reasons and u.advise[:2] == ["112", "101"], u


@pytest.mark.parametrize("text", [
    "соседи курят на балконе, дым идет ко мне",
    "сосед постоянно курит в подъезде, дым идет к нам, ребенок кашляет",
    "the neighbours smoke and my kid coughs",
    "ребенок кашляет уже неделю, что делать",
])
def test_smoking_or_a_cough_alone_is_not_urgent(text: str) -> None:
    assert not detect_urgency(text).urgent, detect_urgency(text)


# -- a taking threatened --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "бұрынғы күйеуім баланы ұрлап кетемін деп қорқытады",
    "баланы ұрлаймын деп қорқытады",
    "қызымды ұрлап кетемін деп жазады",
    "мені ұрлап кетемін деп қорқытады",
    "my ex threatens to abduct our child",
    "he says he will abduct my son",
])
def test_a_taking_threatened_is_not_urgent(text: str) -> None:
    assert not detect_urgency(text).urgent, detect_urgency(text)


@pytest.mark.parametrize(("text", "reason"), [
    ("баланы ұрлап кетті", "missing_child"),
    ("қызымды ұрлап кетті", "kidnapping"),
    ("мені ұрлап кетті", "kidnapping"),
    ("my child was abducted", "kidnapping"),
])
def test_a_taking_done_stays_urgent(text: str, reason: str) -> None:
    u = detect_urgency(text)
    assert u.urgent and reason in u.reasons, u


# -- from a reading of 12o: officers who get in and hurt or rob, smoke said to be absent, a question about a killing


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


@pytest.mark.parametrize("text", [
    "сосед курит, ребенок кашляет, дыма нет",
    "көрші темекі шегеді, бала жөтеліп жатыр, түтін жоқ",
])
def test_a_cough_with_smoke_said_to_be_absent_is_not_smoke_inhalation(text: str) -> None:
    u = detect_urgency(text)
    assert "smoke_inhalation" not in u.reasons, u


@pytest.mark.parametrize("text", ["что будет если убили собаку и хозяина", "какая статья, если убили собаку и хозяина"])
def test_a_question_about_a_person_killed_beside_an_animal_is_no_emergency(text: str) -> None:
    """The English signal reads "what is the penalty if…" as a question; the Russian one now does too."""
    assert not detect_urgency(text).urgent, detect_urgency(text)
