"""Kazakh and Russian typed in Latin letters, read back in Cyrillic for the router.

Many citizens type Kazakh in Latin letters: the official 2021 alphabet (ä, ğ, ı, ñ, ö, ş, ū, ü), its acute
variant (á, ǵ, ń, ó, ú) or chat spelling ("qazir koshede tobeles bolyp jatyr", "komektesinizder"). Russian is
typed in Latin too ("u menya ukrali telefon"). The router's model, lexicons and language detector read Cyrillic, so
such a report is transliterated before it is routed (its stored text is never changed).

The mapping is many-to-one and lossy on purpose (chat Kazakh writes і/и/й and ү/ұ/у alike): it only has to land
close enough for the character n-grams, the cue lexicons and e5 to recognise the words. Where a letter sits and the
word's vowel harmony undo part of the loss ("kuieuim urip" is "күйеуім ұрып", see _kazakh_readings).
"""

from __future__ import annotations

import re
from collections.abc import Callable

_LATIN_LETTER = re.compile(r"[a-zäáğǵıñńöóşūüúçé]")
_CYRILLIC_LETTER = re.compile(r"[а-яёәғқңөұүһі]")
_TOKEN = re.compile(r"[a-zäáğǵıñńöóşūüúçé']+|[^a-zäáğǵıñńöóşūüúçé']+")

# longest first; each table maps a lower-case Latin spelling to Cyrillic
# fmt: off
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
# fmt: on


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


# Kazakh typed in Latin without its diacritics writes "u" for у, ұ and ү, and "i" for і, и, й and (some typists) ы.
# Where each letter sits tells part of it: next to a vowel, "u" is the glide у ("tau", "bireuinde", "uaqyt") and an
# "i" after a vowel the glide й ("aitty", "kuieu" = күйеу: ү, then й before е); "u" between consonants is the vowel ұ
# or ү, and vowel harmony tells which: a native word's vowels are all front (е, ә, ө, ү, і) or all back (а, о, ұ, ы),
# so a word with е is front (ү, і) and a word with ы or ұ back (ұ, ы). "a" and "o" decide "u" only: Russian loans keep
# their и beside them ("mashina"), and a word with a letter Kazakh lacks is a loan, spelt as it is. A word whose
# vowels are only "u" and "i" reads either way ("urip": ұрып, beats; "ushin": үшін, for): the caller may pick the
# reading it knows (see `to_cyrillic`), else it is front.
_KK_VOWELS = frozenset(("a", "e", "o", "y", "ı", "ä", "á", "ö", "ó", "ü", "ú", "ū", "é", "ya", "yu", "yo"))
_KK_FRONT = frozenset(("e", "ä", "á", "ö", "ó", "ü", "ú", "é"))
_KK_BACK = frozenset(("y", "ı", "ū"))
_KK_BACK_FOR_U = _KK_BACK | {"a", "o", "ya", "yo"}
# letters native Kazakh words lack: a word with one is a loan ("uchastkovyi", "avtobus"), spelt as Russian spells it
_LOAN_LETTERS = frozenset(("v", "f", "c", "h", "x", "ch", "ts", "sch", "shch", "kh"))


def _kazakh_readings(token: str) -> list[str]:
    """The Cyrillic readings of a Latin Kazakh word, the front one first when harmony leaves it open."""
    pattern, table = _PATTERNS["kk"]
    units = pattern.findall(token)
    nucleus: list[bool] = []
    for k, unit in enumerate(units):
        after_vowel = k > 0 and nucleus[k - 1]
        if unit == "u":
            nucleus.append(not after_vowel and (k + 1 == len(units) or units[k + 1] not in _KK_VOWELS))
        elif unit == "i":
            nucleus.append(not after_vowel or units[k - 1] == "i")
        else:
            nucleus.append(unit in _KK_VOWELS)
    kinds = set(units)
    if kinds & _LOAN_LETTERS:
        kinds = set()
    front, back = bool(kinds & _KK_FRONT), bool(kinds & _KK_BACK)

    def spelt(u: str | None, i: str | None) -> str:
        out = []
        for unit, is_nucleus in zip(units, nucleus, strict=True):
            if unit == "i" and not is_nucleus:
                out.append("й")
            elif unit == "u" and is_nucleus and u:
                out.append(u)
            elif unit == "i" and i:
                out.append(i)
            else:
                out.append(table[unit])
        return "".join(out)

    if front and not (back or kinds & {"a", "o"}):
        return [spelt("ү", "і")]
    if back and not front:
        return [spelt("ұ", "ы")]
    if kinds & _KK_BACK_FOR_U and not front:
        return [spelt("ұ", None)]
    if not front and not back and not kinds & _KK_BACK_FOR_U and "u" in kinds:
        return [spelt("ү", "і"), spelt("ұ", "ы")]
    return [spelt(None, None)]


def to_cyrillic(text: str, language: str, prefer: Callable[[str], float] | None = None) -> str:
    """`text` with its Latin words spelt in Cyrillic by `language`'s ("kk" or "ru") chat conventions; Cyrillic
    words, digits and punctuation are kept as they are. Lower-cased (everything downstream folds case). A Kazakh
    word that reads two ways gets the one `prefer` scores higher (the first on a tie)."""
    pattern, table = _PATTERNS[language]
    out = []
    for token in _TOKEN.findall(text.lower()):
        if not _LATIN_LETTER.match(token):
            out.append(token)
        elif language == "kk":
            readings = _kazakh_readings(token)
            out.append(max(readings, key=prefer) if prefer and len(readings) > 1 else readings[0])
        else:
            word = pattern.sub(lambda m: table[m.group(0)], _RU_FINAL_YE.sub("ые", token))
            out.append(_RU_FINAL_Y.sub("й", word))
    return "".join(out)
