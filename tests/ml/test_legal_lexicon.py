"""Kazakh verbs in questions, the index's dependence on the stemming code, and the referral data."""

from __future__ import annotations

from pathlib import Path

import pytest

from ml.legal import index, lexicon
from ml.legal.faq import LANGUAGES
from ml.legal.lexicon import kk_candidates, load_glossary, query_terms
from ml.legal.topics import load_topics


@pytest.mark.parametrize(("word", "stem", "not_read_as"), [
    ("жазамын", "жаз", "жаза"),  # "I write", not "punishment"
    ("жазады", "жаз", "жаза"),
    ("төлеймін", "толе", "толей"),  # "I pay"
    ("жазбаймын", "жаз", "жазбай"),  # "I do not write"
])
def test_a_conjugated_verb_is_cut_to_its_stem_not_to_a_noun(word: str, stem: str, not_read_as: str) -> None:
    cuts = kk_candidates(word)
    assert stem in cuts and not_read_as not in cuts, cuts


@pytest.mark.parametrize(("word", "terms"), [
    ("жазаны", ("наказание", "наказывается")),  # "the punishment" (accusative) is still the noun
    ("жазасы", ("наказание", "наказывается")),
    ("үйді", ("жилище",)),  # "the house": -ді after й stays a noun's ending
    ("ұрады", ("побои",)),  # "beats": the verb's own stem is in the glossary
])
def test_nouns_keep_their_glossary_terms(word: str, terms: tuple[str, ...]) -> None:
    assert load_glossary().kk_terms(word) == terms


def test_where_do_i_write_a_complaint_is_not_a_question_about_penalties() -> None:
    phrases = query_terms("полиция мені ұрып соқты, қайда арыз жазамын", "kk").phrases
    assert "заявление" in phrases and "побои" in phrases
    assert "наказание" not in phrases, phrases


def test_the_lexical_index_is_stale_when_the_stemming_code_changes(monkeypatch: pytest.MonkeyPatch,
                                                                  tmp_path: Path) -> None:
    before = index.content_hashes()
    edited = tmp_path / "lexicon.py"
    edited.write_text(Path(lexicon.__file__).read_text(encoding="utf-8") + "\n# another ending\n", encoding="utf-8")
    monkeypatch.setattr(lexicon, "__file__", str(edited))
    after = index.content_hashes()
    assert after["corpus"] != before["corpus"]
    assert (after["heads"], after["faq"]) == (before["heads"], before["faq"])  # no vector is embedded again


def test_every_referral_answers_in_three_languages_and_is_found_by_its_words() -> None:
    topics = load_topics()
    assert {r.id for r in topics.referrals} >= {"inheritance", "taxes", "debt", "family"}
    for referral in topics.referrals:
        assert all(referral.answer[lang].strip() for lang in LANGUAGES), referral.id
        assert any(ch in referral.answer["kk"] for ch in "әғқңөұүі"), referral.id
    assert topics.referral("долго не возвращает телефон") is None  # "долг" is listed whole, not as a prefix
    assert topics.referral("Мурат украл телефон") is None  # "мұра" matches its inflections, not every prefix
    found = topics.referral("мұраны қалай бөлеміз")
    assert found is not None and found.id == "inheritance"


@pytest.mark.parametrize(("question", "referral"), [
    ("жүргізуші куәлігін қалай алуға болады", "driving_licence"),  # a phrase: "куәлік" alone is any certificate
    ("как получить права на машину", "driving_licence"),  # "права" next to "получить"
    ("жеке куәлікті қалай алуға болады", "id_document"),  # an identity card, not a driving licence
    ("какие права у задержанного", None),  # "права" without a word of getting one
    ("лишили прав, как получить обратно", None),  # "unless": losing a licence is the codes' matter
    ("жүргізуші куәлігінен айырды", None),
    ("уволили из-за беременности", "labour"),
    ("жұмыстан шығарып жіберді", "labour"),
    ("жұмыстан келе жатқанда телефонымды ұрлады", None),  # "from work", not "out of work"
])
def test_a_referral_is_found_by_its_words_phrases_and_companions(question: str, referral: str | None) -> None:
    found = load_topics().referral(question)
    assert (found.id if found else None) == referral


@pytest.mark.parametrize(("question", "licence"), [
    ("за что лишают прав", True),  # unqualified, "лишить прав" is the driving licence
    ("забрали права за выезд на встречку", True),
    ("лишили водительских прав", True),
    ("сел за руль без прав", True),
    ("за что лишают родительских прав", False),
    ("лишат ли прав на ребенка", False),
    ("какие права у задержанного", False),
])
def test_rights_read_as_a_driving_licence_only_by_the_words_around_them(question: str, licence: bool) -> None:
    phrases = query_terms(question, "ru").phrases
    assert any("права управления" in p or "водительское" in p for p in phrases) is licence, phrases


@pytest.mark.parametrize(("question", "missing"), [
    ("дочь не пришла домой", True),
    ("қызым үйге келмеді", True),
    ("кызым үйге келмеди", True),  # typed without the Kazakh letters
    ("сын не вернул долг", False),  # "did not return the debt": not a person gone
    ("сосед не вернул домкрат", False),
])
def test_a_person_not_come_home_reads_as_a_disappearance(question: str, missing: bool) -> None:
    phrases = query_terms(question, "kk" if "үй" in question else "ru").phrases
    assert ("безвестное исчезновение лица" in phrases) is missing, phrases
