"""Language of a text mostly in Latin letters (ml.lang reads every other): English, or Kazakh or Russian typed in
Latin (ml/translit.py). Kazakh by the letters of its Latin alphabets (ä, ğ, ı, ñ, ö, ş, ū, ü, á, ǵ, ń, ó, ú, q) and by
its words read back in Cyrillic and weighed as ml.lang weighs Cyrillic ones (a quarter of English words outweighs them
unless one of them is sure: "meni it kapty", a dog bit me), Russian by its function words and inflection read back in
Cyrillic ("dobryi den", "sobaka ukusila"), English by its own function, question and common legal words.
"""

from __future__ import annotations

import re

from ml.lang import (
    DECIDING_WORDS,
    NO_EVIDENCE,
    RU_WORDS,
    SURE_KAZAKH,
    Evidence,
    Language,
    kazakh_weight,
    russian_ending,
    spelt_evidence,
    text_evidence,
    word_evidence,
    word_set,
)
from ml.text import fold
from ml.translit import to_cyrillic

_KK_LATIN_LETTER = re.compile("[äáğǵıñńöóūüúq]")
_LATIN_WORD = re.compile(r"[a-zäáğǵıñńöóşūüúçé']+")

# Kept clear of words that are also Russian or Kazakh typed in Latin ("so", "do", "men", "bar", "ne", "tut"): one of
# them in a short translit report would tip it to English. "a", "i", "no", "to", "on", "my" were here first and stay.
_EN_WORDS = word_set(
    """
    the a an is are was were be been am being my me i you he she it we they his her our their this that there here
    of in on at to from by for with and or not no please help someone somebody stolen phone car police street near
    your its him them us these those what which who whom whose when where why how does did done doing have has had
    having can could will would shall should may might must if than then but about into over under after before
    during without against between because while out off up down all any some every each other only also just very
    too much many more most long right now yes don't can't isn't i'm what's it's there's get got say says said tell
    until since despite though although again still never always already behind outside inside around across
    through along next
    know need want happen happens happened take takes give make go going come
    law laws legal lawyer article articles code criminal administrative offence offense crime fine fined penalty
    punishment punished court judge rights arrest arrested detained detention divorce bribe bribes bribery theft
    fraud prison jail sentence complaint report victim witness person people child children wife husband neighbour
    neighbor drunk driver stole steal beat beating attacked threatened happening
    """
)


def _kazakh_reading_score(read: str) -> float:
    """How surely a Cyrillic reading of a Latin word is a Kazakh word, as spelt: what picks "ұрып" (beats) over
    "үріп" for "urip" and "үшін" (for) over "ұшын" for "ushin" (ml/translit.py)."""
    folded = fold(read)  # both readings have Kazakh letters: weigh the words they spell
    return spelt_evidence(folded, folded)[1]


def kazakh_reading(text: str) -> str:
    """`text` with its Latin words read in Kazakh Cyrillic, the reading Kazakh knows when harmony leaves it open."""
    return to_cyrillic(text, "kk", prefer=_kazakh_reading_score)


def _latin_word_evidence(word: str) -> tuple[str, Evidence]:
    """The word read in Kazakh Cyrillic, folded, and its evidence."""
    # the Cyrillic word as a Russian keyboard would type it ("v", "f", "ch" are Russian-only letters there too)
    read = fold(kazakh_reading(word))
    return read, SURE_KAZAKH if _KK_LATIN_LETTER.search(word) else word_evidence(read, read)


def _without_signs(word: str) -> str:
    """`word` without ь and ъ, which Russian typed in Latin mostly drops ("den", "pyanyi", "podezd")."""
    return word.replace("ь", "").replace("ъ", "")


_RU_WORDS_UNSIGNED = frozenset(_without_signs(word) for word in RU_WORDS)
_ENGLISH_SPELLING = re.compile("th|ee$")
# letter groups that neither Kazakh nor Russian typed in Latin has ("ou" has: "noutbuk", "blagoustroistvo"): also
# English's -tion (Russian and Kazakh spell ц "ts" or "c": "stantsiya") and -ship after a consonant, which chat
# Kazakh's converb -ып/-іп has only after a vowel ("iship", "qashyp"): "relationship" read as a Kazakh converb
_ONLY_ENGLISH_SPELLING = re.compile("th|ght|ck|tion|[^aeiouy]ship$")
# letter groups that Russian (and Kazakh) typed in Latin has and English never does: openings of two consonants
# ("vzyal", "zhena", "izbili", "vse", "dver", "sbil", "zvonyat") and endings ("policeiskii", "novyi", "moyu",
# "ostanovilsya", "vzyal"): none of 100,000 English words has one, but for names (Vladimir, Izmir), Roman numerals,
# "radii" and "loyal"/"royal" (hence no a or o before "yal"); "-akh" is left out for "Kazakh"
_ONLY_CYRILLIC_SPELLING = re.compile(
    r"^(?:iz|zh|vz|vs|dz|vn|vl|dv|vp|vt|kv|vk|sb|sd|zv|zl|vd|zn|zd)(?=[a-z]*[aeiouy])"
    r"|(?<=[^aeiouy])ii$|yi$|yu$|sya$|(?<![ao])yal$"
)
# Kazakh words typed in Latin that are English words too, left out of _EN_WORDS (see there)
_ENGLISH_TOO = frozenset(("men", "bar"))


# The Russian past tense ("ukusila", "razbilo", "ukrali"): few English words end in a vowel, "l" and a, i or o ("gala",
# "solo"), so, once Kazakh is ruled out, any form of it weighs as the plural's "-ли" does in _RU_ENDINGS (a Kazakh
# word may end so, "жала", which is why _RU_ENDINGS weighs "-ла" less)
_RU_PAST_TENSE = re.compile("[аеиоуыя]л[аио]$")


def _latin_russian_ending(read: str) -> float:
    """The weight of a Russian ending of a Latin word read in Russian Cyrillic, against English."""
    past = 0.8 if len(read) >= 4 and _RU_PAST_TENSE.search(read) else 0.0
    return max(russian_ending(read), past)


def latin_detection(lowered: str) -> tuple[Language, bool]:
    """The language of a text mostly in Latin letters, and whether its words decided it (see `decided_language`)."""
    words = _LATIN_WORD.findall(lowered)
    if not words:
        return "en", False
    # a word of the English list, or spelt as only English is ("fighting", "daughter"), is English evidence, never
    # Kazakh; a Kazakh word may be spelt as an English one ("it", a dog: "meni it kapty"), so a quarter of English
    # words makes a text English unless a sure Kazakh word (one of its words, or a letter of its Latin alphabets;
    # not "men" or "bar", English words too) and its Kazakh words outweigh them. Kazakh endings alone do not: English
    # words read in Cyrillic end like Kazakh ones ("evening", "building": "-нің", "-дің")
    is_english = [word in _EN_WORDS or _ONLY_ENGLISH_SPELLING.search(word) is not None for word in words]
    evidence = text_evidence(
        [(word, NO_EVIDENCE) if en else _latin_word_evidence(word) for word, en in zip(words, is_english, strict=True)]
    )
    kazakh = kazakh_weight(evidence)
    sure = any(e == SURE_KAZAKH and w not in _ENGLISH_TOO for w, e in zip(words, evidence, strict=True))
    # an English word of one or two letters is a syllable every language has ("it", a dog, and "on", ten, are Kazakh
    # words; "a", "i", "no", "to", "my" Russian ones): alone it is half the evidence of a longer one, and cannot by
    # itself outweigh a strong Kazakh ending ("it kapty", a dog bit)
    english = sum(1.0 if len(word) > 2 else 0.5 for word, en in zip(words, is_english, strict=True) if en)
    short_only = all(len(word) <= 2 for word, en in zip(words, is_english, strict=True) if en)
    if sum(is_english) / len(words) >= 0.25 and (not (sure or (short_only and kazakh)) or english >= kazakh):
        return "en", english > 1.0
    if kazakh:
        return "kk", True
    read = [_without_signs(to_cyrillic(word, "ru")) for word in words]
    reads_russian = [word in _RU_WORDS_UNSIGNED for word in read]
    if sum(reads_russian) / len(words) >= 0.15:
        return "ru", sum(reads_russian) >= DECIDING_WORDS
    # "i", "a", "to", "on", "my", "no" are words of both languages: they tell neither
    english = sum(word in _EN_WORDS and not ru for word, ru in zip(words, reads_russian, strict=True))
    russian = sum(ru and word not in _EN_WORDS for word, ru in zip(words, reads_russian, strict=True))
    # telegraphic English ("landlord refuses to return deposit") has a few English words and no Russian one; a
    # single English-looking word in a longer text is no evidence: most Kazakh typed without its letters and much
    # Russian in Latin reach here with no word from either list
    if not russian and (english >= 2 or english / len(words) >= 0.2):
        return "en", english >= DECIDING_WORDS
    # a short text with no English word is Russian when its words inflect as Russian ones do ("dobryi den",
    # "razbili okno", "moshenniki zvonyat"); English words read in Cyrillic seldom end so, but for those spelt as
    # Russian typed in Latin never is: "th", and a final "ee" ("three", "employee" would end as "синее")
    endings = sum(
        _latin_russian_ending(cyr) for word, cyr in zip(words, read, strict=True) if not _ENGLISH_SPELLING.search(word)
    )
    if not english and endings >= 0.8:
        return "ru", len(words) >= DECIDING_WORDS
    # ...or when its words are spelt as no English word is ("policeiskii vzyal vzyatku", "gaishnik vzyal vzyatku":
    # three words, none inflected as _RU_ENDINGS knows); two such words decide it, as two Russian words do
    spelt = sum(len(word) >= 4 and _ONLY_CYRILLIC_SPELLING.search(word) is not None for word in words)
    if not english and spelt:
        return "ru", spelt >= DECIDING_WORDS
    # here Russian typed in Latin is far more common than English without a single English word
    return ("ru" if len(words) >= 4 else "en"), False
