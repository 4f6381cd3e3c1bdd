"""Questions the legal assistant misread (a fourth reading): a spouse living with someone else taken for domestic
violence, a student daughter for a missing child, chickens ("куры") for smoking and a mother ("мать") for swearing, an
elderly neighbour behind a closed door for nothing the police do, ages in words not read, a district officer who did
not come for no complaint, a question about a search and officials getting into a flat for a break-in in progress."""

from __future__ import annotations

import pytest

from ml.legal import LegalAssistant, answer_if_urgent
from ml.legal.ages import stated_age
from ml.legal.lexicon import query_terms
from ml.urgency import detect_urgency
from tests.ml.legal_answers import cited

MISSING = {"missing_person", "missing_child"}
SMOKING = ("КоАП РК", "441")
HOME_INTRUSION = ("УК РК", "149")


# -- a spouse gone to someone else: a family matter -----------------------------------------------------------------


@pytest.mark.parametrize("question", [
    "муж 3 дня не приходит домой, живёт у другой женщины",
    "муж ушел к другой женщине, что делать",
    "күйеуім басқа әйелмен тұрып жатыр, үйге келмейді",
])
def test_a_spouse_living_with_someone_else_is_a_family_matter(assistant: LegalAssistant, question: str) -> None:
    """Not domestic violence (КоАП 73, "call 102") and not a disappearance: where the husband is is known. The answer
    says where a family matter goes (registry office, court) and when the police are the place after all."""
    answer = assistant.ask(question)
    referral = next(r for r in assistant.topics.referrals if r.id == "spouse_left")
    assert answer.answer == referral.answer[answer.language], (question, answer.faq_id, answer.answer[:80])
    assert not answer.urgent and not answer.citations, answer


def test_violence_told_beside_another_woman_stays_domestic_violence(assistant: LegalAssistant) -> None:
    assert assistant.ask("муж бьёт меня и ушёл к другой").faq_id == "domestic_violence"


# -- a student is of age ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("question", "age"), [
    ("дочь студентка не выходит на связь", 18),
    ("қызым студент, хабарласпай жатыр", 18),
    # a stated age comes first; a school or college word leaves it unknown (colleges admit at 15)
    ("дочь студентка 16 лет не вернулась", 16),
    ("дочь студентка колледжа не выходит на связь", None),
    # the teller's own studies say nothing of the missing person's age
    ("я студентка, мой брат пропал", None),
])
def test_a_student_is_of_age_unless_a_school_word_says_otherwise(question: str, age: int | None) -> None:
    assert stated_age(question) == age


@pytest.mark.parametrize(("question", "item"), [
    ("дочь студентка не выходит на связь", "missing_person"),
    ("дочь студентка колледжа не выходит на связь", "missing_child"),
])
def test_a_missing_student_is_a_missing_adult(assistant: LegalAssistant, question: str, item: str) -> None:
    assert assistant.ask(question).faq_id == item


# -- short stems are read as written ------------------------------------------------------------------------------


@pytest.mark.parametrize(("question", "term"), [
    ("у соседа украли кур", "курение"),
    ("соседские куры заходят ко мне в огород", "курение"),
    ("моя мать пропала", "нецензурная брань"),
])
def test_a_word_sharing_a_short_stem_is_not_read_as_another(question: str, term: str) -> None:
    assert term not in query_terms(question, "ru").phrases


@pytest.mark.parametrize(("question", "term"), [
    ("курю в подъезде", "курение"), ("курят на остановке", "курение"), ("сосед ругается матом", "нецензурная брань"),
    ("меня избили", "побои"), ("воры залезли", "кража"), ("угрожал ножом", "холодное оружие"),
])
def test_the_words_a_short_stem_stood_for_still_read(question: str, term: str) -> None:
    assert term in query_terms(question, "ru").phrases


@pytest.mark.parametrize("question", ["у соседа украли кур", "соседские куры заходят ко мне в огород"])
def test_chickens_are_no_smoking(assistant: LegalAssistant, question: str) -> None:
    answer = assistant.ask(question)
    assert answer.faq_id != "smoking_in_public" and SMOKING not in cited(answer), answer


def test_a_missing_mother_is_a_missing_person(assistant: LegalAssistant) -> None:
    answer = assistant.ask("моя мать пропала")
    assert answer.faq_id == "missing_person", answer


# -- an elderly neighbour behind a closed door ------------------------------------------------------------------


@pytest.mark.parametrize("question", [
    "соседка пожилая не открывает дверь несколько дней, что делать",
    "сосед пенсионер не открывает дверь, из квартиры запах",
    "көрші әже бірнеше күннен бері есікті ашпай жатыр",
])
def test_someone_not_opening_the_door_for_days_is_a_welfare_call(assistant: LegalAssistant, question: str) -> None:
    answer = assistant.ask(question)
    assert answer.faq_id == "missing_person" and answer.suggested_action == "call_102", (question, answer)
    assert "112" in answer.answer


def test_a_neighbour_not_opening_to_the_officer_is_no_disappearance(assistant: LegalAssistant) -> None:
    assert assistant.ask("сосед не открывает дверь участковому уже неделю").faq_id not in MISSING


# -- ages in words ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("question", "age"), [
    ("сыну десять лет", 10), ("ему пятнадцать", 15), ("ему пятнадцать, он украл телефон", 15),
    ("ей двадцать два года", 22), ("пятнадцатилетний сын пропал", 15), ("трёхлетняя дочь потерялась", 3),
    ("інім он жаста", 10), ("ұлым он бес жаста", 15), ("қызым жиырма бір жаста", 21),
    # the teller's age, a duration, a sum
    ("мне пятнадцать лет, брат пропал", None), ("он пропал три дня назад", None), ("ему пятнадцать тысяч должны", None),
])
def test_an_age_written_in_words_is_read(question: str, age: int | None) -> None:
    assert stated_age(question) == age


@pytest.mark.parametrize(("question", "item"), [
    ("брату десять лет, не вернулся домой", "missing_child"),
    ("інім он жаста, үйге келмеді", "missing_child"),
    ("сыну сорок лет, не вернулся домой", "missing_person"),
])
def test_an_age_in_words_decides_child_or_adult(assistant: LegalAssistant, question: str, item: str) -> None:
    assert assistant.ask(question).faq_id == item


# -- an officer who did not come -----------------------------------------------------------------------------------


@pytest.mark.parametrize("question", ["участковый не пришёл", "участковый так и не пришёл", "учаскелік келмеді"])
def test_an_officer_who_did_not_come_is_a_complaint_without_a_call_word(
        assistant: LegalAssistant, question: str) -> None:
    """Not the item on officers who beat or tortured someone (УК 146), which was nearest: a district officer who
    did not come is a complaint about his inaction, with or without a call to 102 beside it."""
    assert assistant.ask(question).faq_id == "complain_officer"


def test_noise_the_officer_did_not_come_to_stays_noise(assistant: LegalAssistant) -> None:
    answer = assistant.ask("соседи сверху каждую ночь долбят и орут, участковый не приходит")
    assert cited(answer)[:1] == [("КоАП РК", "437")], answer


def test_a_child_not_come_home_beside_police_not_come_is_no_complaint(assistant: LegalAssistant) -> None:
    answer = assistant.ask("сын не пришёл домой, полиция не приехала")
    assert answer.urgent and answer.faq_id != "complain_officer", answer


# -- a search asked about, officials getting in ---------------------------------------------------------------------


def test_a_question_about_who_attends_a_search_is_no_emergency(assistant: LegalAssistant) -> None:
    question = "должен ли кто-то в квартире присутствовать при обыске"
    assert not detect_urgency(question, "ru").urgent
    answer = assistant.ask(question)
    assert not answer.urgent and answer.faq_id == "home_entry_by_officials", answer


@pytest.mark.parametrize("question", ["менты ворвались в квартиру", "полиция ворвалась в квартиру без ордера"])
def test_officials_getting_into_a_flat_is_the_lawful_entry_item(assistant: LegalAssistant, question: str) -> None:
    answer = assistant.ask(question)
    assert not answer.urgent and answer.faq_id == "home_entry_by_officials", answer
    assert answer_if_urgent(question) is None


@pytest.mark.parametrize("question", [
    "кто-то ворвался в квартиру",
    "незнакомый мужчина ворвался в квартиру, полицию вызвали",
    "полиция приехала, а они уже ворвались в квартиру",
])
def test_a_break_in_stays_urgent(assistant: LegalAssistant, question: str) -> None:
    answer = assistant.ask(question)
    assert answer.urgent and answer.faq_id == "home_intrusion" and cited(answer)[:1] == [HOME_INTRUSION], answer


def test_violence_beside_officials_getting_in_stays_urgent(assistant: LegalAssistant) -> None:
    answer = assistant.ask("омоновцы ворвались в квартиру, избивают мужа")
    assert answer.urgent and answer.suggested_action == "call_102", answer


def test_a_beating_now_stays_urgent(assistant: LegalAssistant) -> None:
    answer = assistant.ask("меня бьют прямо сейчас, что делать")
    assert answer.urgent and answer.suggested_action == "call_102", answer
