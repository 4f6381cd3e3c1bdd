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


def test_bundled_examples_language_labels_agree() -> None:
    from ml.dataset import load_examples

    examples = load_examples()
    wrong = [e.text for e in examples if detect_language(e.text) != e.language]
    # the labels are the dominant language; allow a sliver of genuinely balanced mixed texts
    assert len(wrong) <= len(examples) * 0.02, wrong[:10]
