"""Small numbers written as words, read as digits: "сыну десять лет", "ему пятнадцать", "он бес жаста" state an age as
surely as "10 лет" does, and the patterns that read ages (`ml.legal.ages.stated_age`) are written for digits.

Russian, Kazakh and English, cardinal numbers up to 99 (a ten and a unit: "двадцать два", "жиырма бір", "twenty-two")
and the Russian compound adjectives of age ("пятнадцатилетний" → "15-летний"). Read on the folded text (`ml.text.fold`:
lower case, ё → е, Kazakh letters as their Russian look-alikes), so Kazakh typed on a Russian keyboard reads the same.
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
# English "one" only after a ten ("twenty-one"): alone, "he is one of them" and "no one" state no age
_EN_UNITS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9}
_EN_UNITS_AFTER_TEN = {"one": 1, **_EN_UNITS}
_EN_TEENS = {
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19,
}
_EN_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}
_VALUES = {
    **_RU_UNITS, **_RU_TEENS, **_RU_TENS, **_KK_UNITS, **_KK_TENS, **_EN_UNITS_AFTER_TEN, **_EN_TEENS, **_EN_TENS,
}


def _alternatives(words: dict[str, int]) -> str:
    return "|".join(sorted(words, key=len, reverse=True))


_KK_TENS_BUT_TEN = {w: v for w, v in _KK_TENS.items() if w != "он"}
# Kazakh "он" (ten) is Russian "он" (he): alone it is ten only before an age word ("он жаста")
_NUMBER = re.compile(
    rf"\b(?:(?:{_alternatives(_RU_TENS)})(?:\s+(?:{_alternatives(_RU_UNITS)}))?|{_alternatives(_RU_TEENS)}"
    rf"|{_alternatives(_RU_UNITS)}"
    rf"|(?:{_alternatives(_KK_TENS)})\s+(?:{_alternatives(_KK_UNITS)})|{_alternatives(_KK_TENS_BUT_TEN)}"
    rf"|он(?=\s+жас)|{_alternatives(_KK_UNITS)}"
    rf"|(?:{_alternatives(_EN_TENS)})(?:[\s-]+(?:{_alternatives(_EN_UNITS_AFTER_TEN)}))?"
    rf"|{_alternatives(_EN_TEENS)}|{_alternatives(_EN_UNITS)})\b"
)
_AGED = re.compile(rf"\b({_alternatives(_RU_AGED)})(?=летн)")


def with_digits(folded: str) -> str:
    """`folded` (`ml.text.fold`) with its small numbers written as words in digits: "сыну десять лет" → "сыну 10
    лет", "двадцать два года" → "22 года", "он бес жаста" → "15 жаста", "my son is fifteen" → "my son is 15",
    "twenty-one" → "21", "пятнадцатилетний" → "15-летний"."""
    text = _NUMBER.sub(lambda m: str(sum(_VALUES[w] for w in re.split(r"[\s-]+", m.group()))), folded)
    return _AGED.sub(lambda m: f"{_RU_AGED[m.group(1)]}-", text)
