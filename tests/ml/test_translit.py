"""Kazakh and Russian typed in Latin letters: read back in Cyrillic, and routed like the Cyrillic text (urgency
included). English stays English and is not transliterated. Telling the three apart: tests/ml/test_lang.py."""

from __future__ import annotations

import pytest

from ml.lang import detect_language, reading_text
from ml.router import Router
from ml.translit import mostly_latin, repair_lookalikes, to_cyrillic
from ml.urgency import detect_urgency


def test_latin_words_are_read_back_in_cyrillic_and_the_rest_is_kept() -> None:
    assert to_cyrillic("Qazir kóshede tóbeles, pyshaq bar!", "kk") == "қазір көшеде төбелес, пышақ бар!"
    assert to_cyrillic("Balam joghalyp ketti", "kk") == "балам жоғалып кетті"
    assert to_cyrillic("U menya ukrali telefon, moy nomer 8701", "ru") == "у меня украли телефон, мой номер 8701"
    assert to_cyrillic("Шум во дворе, dom 12", "ru") == "шум во дворе, дом 12"
    assert mostly_latin("U menya ukrali") and not mostly_latin("У меня украли iPhone")
    assert reading_text("Someone stole my bike") == "Someone stole my bike"  # English is read as it is
    assert reading_text("У меня украли iPhone") == "У меня украли iPhone"  # so is Cyrillic with a Latin word


@pytest.mark.parametrize(
    ("latin", "cyrillic"),
    [
        (
            "Qazir koshede tobeles bolyp jatyr, bireuinde pyshaq bar",
            "Қазір көшеде төбелес болып жатыр, біреуінде пышақ бар",
        ),
        ("Sosed izbivaet zhenu pryamo seichas, krichit", "Сосед избивает жену прямо сейчас, кричит"),
    ],
)
def test_a_report_typed_in_latin_is_routed_like_its_cyrillic_text(router: Router, latin: str, cyrillic: str) -> None:
    typed, written = router.route(latin), router.route(cyrillic)
    assert (typed.category, typed.urgent, typed.language) == (written.category, written.urgent, written.language)
    assert typed.urgent and not typed.abstained
    assert detect_urgency(latin, typed.language).urgent  # intake's own urgency check tells the citizen at once


def test_english_is_not_transliterated(router: Router) -> None:
    decision = router.route("Someone stole my bike")
    assert decision.language == "en" and not decision.urgent


def test_cyrillic_words_with_latin_lookalike_letters_are_repaired() -> None:
    # "нoжом" with a Latin o, "тeлeфон" with Latin e: after a keyboard switch or a paste
    repaired = repair_lookalikes("Украли тeлeфон, мужчина с нoжом, iPhone 15")
    assert repaired == "Украли телефон, мужчина с ножом, iPhone 15"
    assert reading_text("Прямо сейчас мужчина с нoжом во дворе") == "Прямо сейчас мужчина с ножом во дворе"
    assert detect_urgency("Прямо сейчас мужчина с нoжом во дворе", "ru").urgent


def test_kazakh_typed_with_a_latin_i_is_kazakh() -> None:
    """Keyboards without a Kazakh layout: і typed as the Latin i, in otherwise Cyrillic words."""
    assert detect_language("бiз келдiк, кершiмiз урысып жатыр") == "kk"
    assert reading_text("бiз келдiк") == "біз келдік"


@pytest.mark.parametrize(
    ("latin", "cyrillic"),
    [
        # chat Russian: i after a vowel ending a word or before an imperative's "-te" is й, inside a word и
        ("dobryi den", "добрый ден"),
        ("zdravstvuite", "здравствуйте"),
        ("u sosedei", "у соседей"),
        ("linii", "линии"),
        ("stoit", "стоит"),
        # "-tsya" is "-тся", a final "ye" after a consonant the plural adjective's "-ые"
        ("trebuetsya", "требуется"),
        ("nezakonnye", "незаконные"),
        ("yest", "ест"),
    ],
)
def test_russian_chat_spelling_is_read_back(latin: str, cyrillic: str) -> None:
    assert to_cyrillic(latin, "ru") == cyrillic


def test_kazakh_suffix_after_t_is_not_a_ts() -> None:
    # "-сыз" after a stem's т ("саламатсыз"), not the ц of a Russian loan
    assert to_cyrillic("salamatsyz", "kk") == "саламатсыз"


@pytest.mark.parametrize(
    ("latin", "cyrillic"),
    [
        # "u" and "i" next to a vowel are the glides у and й; between consonants, vowels of the word's harmony
        ("kuieuim", "күйеуім"),
        ("uide", "үйде"),
        ("aitty", "айтты"),
        ("bireuinde", "біреуінде"),
        ("uaqyt", "уақыт"),
        ("usyndy", "ұсынды"),
        ("kiim", "кіім"),
        # a loan keeps its и and у: beside "a", or with a letter Kazakh lacks
        ("mashina", "машіна"),
        ("uchastkovyi", "участковый"),
        # only "u" and "i": front unless the caller knows the word (ml.lang picks "ұрып" for "urip")
        ("urip", "үріп"),
        ("ushin", "үшін"),
    ],
)
def test_kazakh_vowels_and_glides_are_read_from_their_place(latin: str, cyrillic: str) -> None:
    assert to_cyrillic(latin, "kk") == cyrillic


def test_a_word_that_reads_two_ways_gets_the_reading_the_caller_prefers() -> None:
    assert to_cyrillic("urip ushin", "kk", prefer=lambda read: read in {"ұрып", "үшін"}) == "ұрып үшін"
