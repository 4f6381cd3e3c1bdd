from __future__ import annotations

import pytest

from ml.lang import detect_language


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("сосед опять бьет жену кричит на весь подъезд", "ru"),
        ("Балам мектептен келмеді, телефоны өшірулі", "kk"),
        # Kazakh typed on a Russian keyboard: no Kazakh letters, Kazakh words
        ("балам мектептен келмеди казир телефоны жок", "kk"),
        ("Көршім қазір әйелін ұрып жатыр", "kk"),
        ("my neighbour is beating his wife right now", "en"),
        ("продают вейпы школьникам в магазине на абая 12", "ru"),
        # mixed: dominant language wins
        ("Здравствуйте, во дворе драка, мужики дерутся у подъезда, қазір", "ru"),
        ("Сәлеметсіз бе, подъезде закладка таптық, не істейміз", "kk"),
        ("бабушке плохо, не дышит, скорая не едет", "ru"),
        ("", "ru"),
        ("12345 !!!", "ru"),
        # typed in Latin letters (ml/translit.py reads them back)
        ("Qazir kóshede tóbeles bolyp jatyr", "kk"),  # the acute Latin alphabet
        ("Kórshim úıde áıelin urıp jatyr", "kk"),
        ("Qazir köşede töbeles bolyp jatyr", "kk"),  # the 2021 alphabet
        ("balam mektepten kelmedi, telefony oshirulі", "kk"),  # chat spelling
        ("Mashinamdy urlap ketti tunde aulada", "kk"),
        ("U menya ukrali telefon vozle rynka", "ru"),
        ("Sosed izbivaet zhenu pryamo seichas, krichit", "ru"),
        ("Na ulitse Abaya draka, u odnogo nozh", "ru"),
        ("Someone stole my phone near the market", "en"),
        ("Bike stolen", "en"),
        ("ok", "en"),
    ],
)
def test_detect_language(text: str, expected: str) -> None:
    assert detect_language(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        # questions to the legal assistant: function, question and legal words were missing from the English list
        "what does the law say about bribes",
        "what rights does a detained person have",
        "how long does a divorce take",
        "what does article 188 say",
    ],
)
def test_english_questions_are_english(text: str) -> None:
    assert detect_language(text) == "en"


@pytest.mark.parametrize(
    "text",
    [
        # telegraphic English, below a quarter of English words: an English word and no Russian one is English,
        # not "four words or more, so Russian typed in Latin"
        "Landlord refuses to return deposit",
        "Construction noise every morning since Monday, workers ignore residents complaints",
    ],
)
def test_english_with_few_function_words_is_not_read_as_russian(text: str) -> None:
    assert detect_language(text) == "en"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a word of both languages ("i" is и) is no English signal, and an English word next to a Russian one
        # ("police ne priekhala") is a Russian text that borrows it: Russian typed in Latin stays Russian
        ("vchera vecherom prishel domoi i uvidel slomannuyu dver", "ru"),
        ("sosedi snova ustroili vecherinku, police ne priekhala", "ru"),
        ("kto-to razbil okno v pod'ezde, nado chto-to delat", "ru"),
    ],
)
def test_russian_typed_in_latin_with_shared_words_stays_russian(text: str, expected: str) -> None:
    assert detect_language(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # "article 188" in Kazakh, without a Kazakh letter: "бап" and, after a number, its forms "бабы", "бабында"
        ("188-бап", "kk"),
        ("188 бап", "kk"),
        ("188-бабы", "kk"),
        ("190-бабында не бар", "kk"),
        # "бабы" alone is Russian ("women"), so Russian stays Russian
        ("две бабы дерутся во дворе", "ru"),
        ("2 бабы ругаются у подъезда", "ru"),
        ("Что говорит статья 188 УК?", "ru"),
    ],
)
def test_kazakh_article_word_is_kazakh(text: str, expected: str) -> None:
    assert detect_language(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Russian words that end like Kazakh ones (-еди, -ады, -ары, -ден, -тан) among Russian evidence stay Russian
        ("Соседи шумят каждую ночь, среди ночи музыка", "ru"),
        ("Гора камней посреди тротуара", "ru"),
        ("Ограды сломали", "ru"),
        ("Повреждён люк", "ru"),
        ("Украли доллары из квартиры на Кабанбай батыра", "ru"),
        ("Казахстан, Астана, Есиль, драка", "ru"),
        # Kazakh names of streets, malls and officers in a Russian report
        ("Люди дерутся возле ТРЦ Хан Шатыр", "ru"),
        ("Лежит человек на Тауелсиздик", "ru"),
        ("Учаскелик не приходит уже неделю", "ru"),
        # mixed: the dominant language, even when the Kazakh words carry Kazakh letters
        ("участковый жәбірлеуші, заявлениемді қабылдамады, куда жаловаться на него", "ru"),
        ("участковый дөрекі сөйледі, үстінен жалоба жазғым келеді", "kk"),
    ],
)
def test_russian_and_mixed_texts_get_their_dominant_language(text: str, expected: str) -> None:
    assert detect_language(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        # short Russian texts with a word that ends like a Kazakh suffix ("-мен", "-ады/-яды", "-инен", "-ысы"): its
        # Russian stem (two opening consonants, "я" after a consonant, "б" before "-мен") or the lack of any other
        # Kazakh evidence keeps them Russian
        "Обмен валюты, обманули",
        "Взгляды соседей",
        "Склады горят",
        "Не присоединён",
        "Не присоединен",
        "Затруднен проезд",
        "Крысы грызут",
        "Мусор, крысы,",
        "Спортсмен избит",
        "Времен года",
        "Рейды полиции",
        # a question particle follows a word: "па" opening a text is a clause number
        "па.2. Выбоины",
    ],
)
def test_short_russian_texts_with_kazakh_looking_endings_stay_russian(text: str) -> None:
    assert detect_language(text) == "ru"


def test_bundled_examples_language_labels_agree() -> None:
    from ml.dataset import load_examples

    examples = load_examples()
    wrong = [e.text for e in examples if detect_language(e.text) != e.language]
    # the labels are the dominant language; allow a sliver of genuinely balanced mixed texts
    assert len(wrong) <= len(examples) * 0.02, wrong[:10]
