"""Kazakh and Russian typed in Latin letters, read back in Cyrillic for the router.

Many citizens type Kazakh in Latin letters: the official 2021 alphabet (ä, ğ, ı, ñ, ö, ş, ū, ü), its acute
variant (á, ǵ, ń, ó, ú) or chat spelling ("qazir koshede tobeles bolyp jatyr", "komektesinizder"). Russian is
typed in Latin too ("u menya ukrali telefon"). The router's model, lexicons and language detector read Cyrillic, so
such a report is transliterated before it is routed (its stored text is never changed).

The mapping is many-to-one and lossy on purpose (chat Kazakh writes і/и/ы and ү/ұ/у alike): it only has to land
close enough for the character n-grams, the cue lexicons and e5 to recognise the words.
"""

from __future__ import annotations

import re

_LATIN_LETTER = re.compile(r"[a-zäáğǵıñńöóşūüúçé]")
_CYRILLIC_LETTER = re.compile(r"[а-яёәғқңөұүһі]")
_TOKEN = re.compile(r"[a-zäáğǵıñńöóşūüúçé']+|[^a-zäáğǵıñńöóşūüúçé']+")

# longest first; each table maps a lower-case Latin spelling to Cyrillic
_COMMON = {
    "shch": "щ", "sch": "щ", "sh": "ш", "ch": "ч", "zh": "ж", "kh": "х", "ts": "ц",
    "a": "а", "b": "б", "c": "с", "d": "д", "e": "е", "f": "ф", "g": "г", "h": "х", "k": "к", "l": "л",
    "m": "м", "n": "н", "o": "о", "p": "п", "r": "р", "s": "с", "t": "т", "v": "в", "x": "кс", "z": "з",
    "ş": "ш", "ç": "ч", "é": "е", "'": "",
}
_KAZAKH = _COMMON | {
    "gh": "ғ", "ng": "ң", "ya": "я", "yu": "ю", "yo": "ё",  # аяқ, қою: Kazakh Cyrillic writes я and ю too
    "ä": "ә", "á": "ә", "ğ": "ғ", "ǵ": "ғ", "ñ": "ң", "ń": "ң", "ö": "ө", "ó": "ө", "ū": "ұ", "ü": "ү", "ú": "ү",
    "ı": "ы", "i": "і", "y": "ы", "j": "ж", "q": "қ", "u": "у", "w": "у",
    # a suffix's с after a stem's т ("salamatsyz", "kelmeitsiz"), not the ц of loans ("politsiya")
    "tsy": "тсы", "tsı": "тсы",
}
_RUSSIAN = _COMMON | {
    "yo": "ё", "yu": "ю", "ya": "я", "ye": "е", "ju": "ю", "ja": "я", "tsya": "тся",  # "-тся"/"-ться", not "-ця"
    "i": "и", "y": "ы", "j": "й", "q": "к", "u": "у", "w": "в",
}


def _pattern(table: dict[str, str]) -> re.Pattern[str]:
    return re.compile("|".join(re.escape(key) for key in sorted(table, key=len, reverse=True)))


_PATTERNS = {"kk": (_pattern(_KAZAKH), _KAZAKH), "ru": (_pattern(_RUSSIAN), _RUSSIAN)}
# in Russian chat spelling "y" is й after a vowel ("moy", "krasnyy" → мой, красный) and ы elsewhere; so is an "i"
# after a vowel other than и that ends a word or comes before an imperative's "-te" ("dobryi", "sosedei",
# "zdravstvuite" → добрый, соседей, здравствуйте: in citizens' appeals a vowel is followed by word-final й 65 times
# as often as by и, and before "-те" 700 times; "linii" stays линии). Inside a word it is и about as often as й
# ("stoit", "seichas"), and stays и
_RU_FINAL_Y = re.compile(r"(?<=[аеёиоуыэюя])ы|(?<=[аеёоуыэюя])и(?=(те)?$)")
# "ye" ending a word after a consonant is the plural adjective's "-ые" ("novye", "nezakonnye"), elsewhere е ("yest")
_RU_FINAL_YE = re.compile(r"(?<=[bcdfghklmnprstvz])ye$")


# Latin letters that look like Cyrillic ones: a word that mixes both scripts ("тeлeфон" with Latin e, typed after a
# keyboard switch or pasted) is one Cyrillic word to a reader, but not to n-grams and patterns
# (i is Kazakh і: keyboards without a Kazakh layout type it so, and it folds to и for Russian words anyway)
_LOOKALIKES = str.maketrans("aceopxykmhiABCEHKMOPTXYI", "асеорхукмһіАВСЕНКМОРТХУІ")
_ASCII_LETTER = re.compile(r"[a-zA-Z]")
_MIXED_WORD = re.compile(r"\b(?=\w*[a-zA-Z])(?=\w*[а-яёәғқңөұүһіА-ЯЁӘҒҚҢӨҰҮҺІ])\w+")


def repair_lookalikes(text: str) -> str:
    """Words that mix Cyrillic and Latin letters, with the Latin lookalikes (a, c, e, o, p, x, y, i…) made
    Cyrillic."""
    if not _ASCII_LETTER.search(text):  # the common case: 0.9 µs instead of the word scan's 4.8
        return text
    return _MIXED_WORD.sub(lambda m: m.group(0).translate(_LOOKALIKES), text)


def mostly_latin(text: str) -> bool:
    lowered = text.lower()
    latin = len(_LATIN_LETTER.findall(lowered))
    return latin > 0 and latin > len(_CYRILLIC_LETTER.findall(lowered))


def to_cyrillic(text: str, language: str) -> str:
    """`text` with its Latin words spelt in Cyrillic by `language`'s ("kk" or "ru") chat conventions; Cyrillic
    words, digits and punctuation are kept as they are. Lower-cased (everything downstream folds case)."""
    pattern, table = _PATTERNS[language]
    out = []
    for token in _TOKEN.findall(text.lower()):
        if _LATIN_LETTER.match(token):
            if language == "ru":
                token = _RU_FINAL_YE.sub("ые", token)
            word = pattern.sub(lambda m: table[m.group(0)], token)
            out.append(_RU_FINAL_Y.sub("й", word) if language == "ru" else word)
        else:
            out.append(token)
    return "".join(out)
