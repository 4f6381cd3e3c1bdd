"""Small numbers written as words, read as digits: "сыну десять лет", "ему пятнадцать", "он бес жаста" state an age as
surely as "10 лет" does, and the patterns that read ages (`ml.legal.faq.stated_age`) are written for digits.

Russian and Kazakh, cardinal numbers up to 99 (a ten and a unit: "двадцать два", "жиырма бір") and the Russian
compound adjectives of age ("пятнадцатилетний" → "15-летний"). Read on the folded text (`ml.text.fold`: lower case,
ё → е, Kazakh letters as their Russian look-alikes), so Kazakh typed on a Russian keyboard reads the same.
"""

from __future__ import annotations

import re

_RU_UNITS = {
    "один": 1, "одна": 1, "одно": 1, "два": 2, "две": 2, "три": 3, "четыре": 4, "пять": 5, "шесть": 6, "семь": 7,
    "восемь": 8, "девять": 9,
}
_RU_TEENS = {
    "десять": 10, "одиннадцать": 11, "двенадцать": 12, "тринадцать": 13, "четырнадцать": 14, "пятнадцать": 15,
    "шестнадцать": 16, "семнадцать": 17, "восемнадцать": 18, "девятнадцать": 19,
}
_RU_TENS = {
    "двадцать": 20, "тридцать": 30, "сорок": 40, "пятьдесят": 50, "шестьдесят": 60, "семьдесят": 70,
    "восемьдесят": 80, "девяносто": 90,
}
# the first part of a compound adjective of age ("десятилетний", "трехлетняя", "сорокалетний")
_RU_AGED = {
    "одно": 1, "двух": 2, "трех": 3, "четырех": 4, "пяти": 5, "шести": 6, "семи": 7, "восьми": 8, "девяти": 9,
    "десяти": 10, "одиннадцати": 11, "двенадцати": 12, "тринадцати": 13, "четырнадцати": 14, "пятнадцати": 15,
    "шестнадцати": 16, "семнадцати": 17, "восемнадцати": 18, "девятнадцати": 19, "двадцати": 20, "тридцати": 30,
    "сорока": 40, "пятидесяти": 50, "шестидесяти": 60, "семидесяти": 70, "восьмидесяти": 80, "девяноста": 90,
}
# folded: бір, екі, үш, төрт, …, тоғыз; он, жиырма, …, тоқсан
_KK_UNITS = {
    "бир": 1, "еки": 2, "уш": 3, "торт": 4, "бес": 5, "алты": 6, "жети": 7, "сегиз": 8, "тогыз": 9,
}
_KK_TENS = {
    "он": 10, "жиырма": 20, "отыз": 30, "кырык": 40, "елу": 50, "алпыс": 60, "жетпис": 70, "сексен": 80,
    "токсан": 90,
}
_VALUES = {**_RU_UNITS, **_RU_TEENS, **_RU_TENS, **_KK_UNITS, **_KK_TENS}


def _alternatives(words: dict[str, int]) -> str:
    return "|".join(sorted(words, key=len, reverse=True))


_KK_TENS_BUT_TEN = {w: v for w, v in _KK_TENS.items() if w != "он"}
# Kazakh "он" (ten) is Russian "он" (he): alone it is ten only before an age word ("он жаста")
_NUMBER = re.compile(
    rf"\b(?:(?:{_alternatives(_RU_TENS)})(?:\s+(?:{_alternatives(_RU_UNITS)}))?|{_alternatives(_RU_TEENS)}"
    rf"|{_alternatives(_RU_UNITS)}"
    rf"|(?:{_alternatives(_KK_TENS)})\s+(?:{_alternatives(_KK_UNITS)})|{_alternatives(_KK_TENS_BUT_TEN)}"
    rf"|он(?=\s+жас)|{_alternatives(_KK_UNITS)})\b"
)
_AGED = re.compile(rf"\b({_alternatives(_RU_AGED)})(?=летн)")


def with_digits(folded: str) -> str:
    """`folded` (`ml.text.fold`) with its small numbers written as words in digits: "сыну десять лет" → "сыну 10
    лет", "двадцать два года" → "22 года", "он бес жаста" → "15 жаста", "пятнадцатилетний" → "15-летний"."""
    text = _NUMBER.sub(lambda m: str(sum(_VALUES[w] for w in m.group().split())), folded)
    return _AGED.sub(lambda m: f"{_RU_AGED[m.group(1)]}-", text)
