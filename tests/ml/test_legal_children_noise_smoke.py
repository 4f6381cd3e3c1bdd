"""Six misreadings of the legal assistant (2026-12-06, sixth round): a parent who took the children somewhere unknown
read as domestic violence (the Russian "=бил", beat, matched the Kazakh "білмеймін", I do not know); a parent
threatening to abduct the child got no item, or the emergency lead; the police not coming to a noise got no item;
smoke making children cough read as a smoking neighbour; a person killed beside a dog read as cruelty to the dog."""

from __future__ import annotations

import pytest

from ml.legal import LegalAssistant
from ml.legal.lexicon import Words, word_forms
from tests.ml.legal_answers import cited

CHILD_RESIDENCE = ("КоБС РК", "74")
DOMESTIC = ("КоАП РК", "73")
NOISE = ("КоАП РК", "437")
SMOKING_FINE = ("КоАП РК", "441")
TOBACCO_TO_MINORS = ("КоАП РК", "423-1")
CRUELTY = ("УК РК", "316")


# -- a Russian word that is a Kazakh stem ---------------------------------------------------------------------------


def test_a_word_marked_as_written_is_no_kazakh_stem() -> None:
    """"бил" (beat) is the stem the Kazakh stemmer cuts from "білмеймін" (I do not know): "=бил" is only "бил"."""
    assert Words.of(["бил"]).found_in(word_forms("қайда екенін білмеймін"))
    assert not Words.of(["=бил"]).found_in(word_forms("қайда екенін білмеймін"))
    assert Words.of(["=бил"]).found_in(word_forms("муж бил детей"))


# -- a parent took the children, nobody says where ------------------------------------------------------------------


@pytest.mark.parametrize("question", [
    "күйеуім балаларды алып кетті, қайда екенін білмеймін",
    "әйелім балаларды алып кетті, қайда екенін білмеймін",
    "муж забрал детей, не знаю где они",
    "my husband took the children and I don't know where they are",
])
def test_a_parent_taking_the_children_somewhere_unknown_is_the_residence_item(
    assistant: LegalAssistant, question: str
) -> None:
    """A parent has the same rights to the children (КоБС 68 ч. 1); one keeping them from the other without a ground
    is asked to return them, through a court in a dispute (КоБС 74 ч. 1): no domestic violence, no emergency."""
    answer = assistant.ask(question)
    assert answer.faq_id == "child_residence" and not answer.urgent, answer
    assert CHILD_RESIDENCE in cited(answer) and DOMESTIC not in cited(answer), answer


@pytest.mark.parametrize(("lang", "words"), [
    ("ru", "Если вы не знаете, где дети"),
    ("kk", "Балалардың қайда екенін білмесеңіз"),
    ("en", "If you do not know where the children are"),
])
def test_the_residence_answer_says_what_to_do_not_knowing_where_the_children_are(
    assistant: LegalAssistant, lang: str, words: str
) -> None:
    answer = assistant.ask("күйеуім балаларды алып кетті, қайда екенін білмеймін", language=lang)
    assert answer.faq_id == "child_residence" and words in answer.answer and "102" in answer.answer, answer


# -- a parent threatening to abduct the child -----------------------------------------------------------------------


@pytest.mark.parametrize("question", [
    "бывший угрожает похитить ребенка",
    "муж грозится украсть сына, если я уйду",
    "бұрынғы күйеуім баланы ұрлап кетемін деп қорқытады",
    "my ex threatens to abduct our child",
])
def test_a_parent_threatening_to_abduct_the_child_is_the_residence_item(
    assistant: LegalAssistant, question: str
) -> None:
    """A threat to take the child is no threat of УК 115 (murder, grave harm, other grave violence, arson), and a
    threat is no emergency: the residence item, which says to call 102 if violence is threatened."""
    answer = assistant.ask(question)
    assert answer.faq_id == "child_residence" and not answer.urgent, answer
    assert answer.suggested_action == "legal_aid", answer


@pytest.mark.parametrize("question", ["кто-то похитил моего ребенка", "someone abducted my daughter"])
def test_someone_taking_a_child_stays_an_emergency(assistant: LegalAssistant, question: str) -> None:
    answer = assistant.ask(question)
    assert answer.urgent and answer.faq_id != "child_residence", answer


def test_a_parent_threatening_to_kill_is_no_residence_dispute(assistant: LegalAssistant) -> None:
    assert assistant.ask("бывший угрожает похитить ребенка и убить меня").faq_id != "child_residence"


# -- the police did not come to a noise -----------------------------------------------------------------------------


@pytest.mark.parametrize(("question", "route"), [
    ("the neighbours are loud and the police never came", "Administrative Procedure Code Art. 91"),
    ("my neighbours play loud music at night and the police did not come", "Administrative Procedure Code Art. 91"),
    ("көршілер шулайды, полиция келмеді", "ӘРПК 91-бап"),
    ("соседи шумят, полиция так и не приехала", "АППК РК ст. 91"),
])
def test_the_police_not_coming_to_a_noise_is_the_noise_item_with_the_complaint_route(
    assistant: LegalAssistant, question: str, route: str
) -> None:
    """The matter is the noise (КоАП 437); the police's inaction is appealed to the superior body (АППК 91), which
    the noise item's answer now says."""
    answer = assistant.ask(question)
    assert answer.faq_id == "noise_at_night" and cited(answer)[0] == NOISE, answer
    assert route in answer.answer, answer


# -- smoke that makes children cough --------------------------------------------------------------------------------


@pytest.mark.parametrize("question", [
    "в квартире дым, дети кашляют, сосед курит",
    "пәтерде түтін, балалар жөтеліп жатыр, көрші темекі шегеді",
    "there is smoke in the flat, the kids are coughing, the neighbour smokes",
])
def test_smoke_making_children_cough_is_an_emergency_whoever_smokes(assistant: LegalAssistant, question: str) -> None:
    answer = assistant.ask(question)
    assert answer.urgent and answer.suggested_action == "call_112", answer
    assert "101" in answer.answer or "112" in answer.answer, answer
    assert answer.faq_id not in {"smoking_in_public", "tobacco_to_minors"}, answer
    assert SMOKING_FINE not in cited(answer) and TOBACCO_TO_MINORS not in cited(answer), answer


@pytest.mark.parametrize("question", [
    "соседи курят на балконе, дым идет ко мне",
    "сосед постоянно курит в подъезде, дым идет к нам, ребенок кашляет",
])
def test_a_neighbour_smoking_is_still_no_emergency(assistant: LegalAssistant, question: str) -> None:
    answer = assistant.ask(question)
    assert not answer.urgent and answer.faq_id == "smoking_in_public", answer


# -- a person killed beside an animal -------------------------------------------------------------------------------


@pytest.mark.parametrize("question", [
    "убили собаку и хозяина",
    "убили хозяина и собаку",
    "итті және иесін өлтірді",
    "they killed the dog and its owner",
])
def test_a_person_killed_beside_an_animal_is_an_emergency(assistant: LegalAssistant, question: str) -> None:
    answer = assistant.ask(question)
    assert answer.urgent and answer.suggested_action == "call_102", answer
    assert answer.faq_id != "animal_cruelty" and CRUELTY not in cited(answer), answer


@pytest.mark.parametrize("question", ["сосед убил мою собаку", "у соседа убили собаку", "убили собаку соседа"])
def test_an_animal_killed_alone_is_still_cruelty(assistant: LegalAssistant, question: str) -> None:
    answer = assistant.ask(question)
    assert not answer.urgent and answer.faq_id == "animal_cruelty", answer
