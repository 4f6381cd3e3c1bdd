"""Follow-ups a code's general part answers: the offender's age and the time since the offence.

"а если ему 15 лет?" or "а если прошло 5 лет?" after "какое наказание за кражу?" ask about the theft, but what answers
them is not the theft's article: from what age one answers for it (УК 15, КоАП 28) and when one no longer does (УК 71,
КоАП 62). Searching the offence again never brings those up (the theft FAQ answered, УК 15 and 71 never made the top
three), so `ml.legal.continuation` cites them beside the offence's own article when a follow-up asks. This module only
reads the follow-up's words (no index, model or search); the articles are the corpus's own, checked by the tests.
"""

from __future__ import annotations

import re

from ml.legal.numerals import with_digits
from ml.text import fold

# -- the offender's age --------------------------------------------------------------------------------------------
# "а если ему 15 лет?", "ал егер оған 15 жас болса?", "and if the thief is 15?", "а если вор несовершеннолетний?": a
# number of years is an age only when a person has it: "ему / вору / водителю (было) 15 лет", "he / the thief is 15",
# "оған / ұрыға 15", "15 жас" (Kazakh "жас" is only a living being's age; a thing's is "жылдық"). "Кража была 2 года
# назад", "прошло 3 года", "it was 2 years ago", "телефону 3 года", "the phone is 3 years old" or "дадут 5 лет" count
# the time since, a thing's age or a sentence: not the offender's.
#
# Who has the age is a person named by a pronoun or by a role noun, in Russian and Kazakh in the dative. Russian makes
# agent nouns of things with the same suffixes as of people (двигатель, холодильник, счётчик, образец, компьютер), so
# a suffix cannot tell "водителю 15 лет" from "двигателю 15 лет": the nouns are a closed list of who does wrong and who
# a minor may be, written in the nominative, and their dative follows from the ending (`_ru_dative`, `_kk_datives`).
_RU_PEOPLE = """
вор воровка грабитель грабительница разбойник угонщик угонщица мошенник мошенница аферист аферистка хулиган хулиганка
водитель шофер таксист велосипедист мотоциклист самокатчик пешеход нарушитель нарушительница виновник виновница
обидчик обидчица нападавший нападавшая преступник преступница злоумышленник злоумышленница похититель поджигатель
вандал закладчик взломщик карманник драчун вымогатель насильник убийца продавец продавщица покупатель курьер
подозреваемый обвиняемый виновный задержанный
парень мальчик мальчишка девочка девушка подросток школьник школьница ученик ученица студент студентка
сын дочь брат сестра ребенок племянник племянница внук внучка сосед соседка одноклассник одноклассница
друг подруга знакомый знакомая
воришка дочка дочурка братишка братик сестренка сестричка сыночек внучок
"""
# Kazakh role nouns: thief, robber (two words), fraudster, hooligan, driver, chauffeur, criminal, the guilty one,
# attacker, child, son, girl / daughter, pupil, student, neighbour, younger brother, elder brother, elder sister,
# younger sister (two words), nephew, grandchild, young man
_KK_PEOPLE = """
ұры тонаушы қарақшы алаяқ бұзақы жүргізуші шопыр қылмыскер кінәлі шабуылдаушы бала ұл қыз оқушы студент көрші іні
аға әпке сіңлі қарындас жиен немере жігіт бозбала
"""
_EN_PEOPLE = """
thief offender robber burglar mugger pickpocket shoplifter vandal hooligan attacker culprit suspect perpetrator
fraudster scammer driver cyclist rider boy girl kid child son daughter teen teenager student pupil brother sister
nephew niece cousin grandson granddaughter neighbour neighbor friend classmate guy
"""
# nouns whose dative no ending rule gives (a fleeting vowel, a feminine soft sign)
_RU_DATIVE_IRREGULAR = {"парень": "парню", "подросток": "подростку", "ребенок": "ребенку", "дочь": "дочери",
                        "сыночек": "сыночку", "внучок": "внучку"}
_RU_HUSHING = ("ж", "ш", "ч", "щ")
_KK_BACK_VOWELS = frozenset("аоұыяю")
_KK_VOWELS = frozenset("аоұыәөүіеиэуюя")
_KK_VOICELESS = frozenset("пкқтсшщфхцч")


def _ru_dative(noun: str) -> str:
    """The dative singular of a Russian person noun: вор → вору, водитель → водителю, девочка → девочке, продавец →
    продавцу, нападавший → нападавшему, знакомая → знакомой."""
    if noun in _RU_DATIVE_IRREGULAR:
        return _RU_DATIVE_IRREGULAR[noun]
    if noun.endswith(("ий", "ый", "ой")):  # a noun declined as an adjective
        return noun[:-2] + ("ему" if noun.endswith("ий") else "ому")
    if noun.endswith("ая"):
        return noun[:-2] + ("ей" if noun[:-2].endswith(_RU_HUSHING) else "ой")
    if noun.endswith("ец"):
        return noun[:-2] + "цу"
    if noun.endswith(("ь", "й")):
        return noun[:-1] + "ю"
    if noun.endswith(("а", "я")):
        return noun[:-1] + "е"
    return noun + "у"


def _kk_datives(noun: str) -> tuple[str, ...]:
    """The dative of a Kazakh person noun, plain and with the third-person possessive ("to his son"), folded as the
    text is read: ұры → ұрыға, ұрысына; жүргізуші → жүргізушіге; алаяқ → алаяққа; ұл → ұлға, ұлына."""
    back = next((ch in _KK_BACK_VOWELS for ch in reversed(noun) if ch in _KK_VOWELS), True)
    if noun[-1] in _KK_VOWELS:
        plain, possessive = noun + ("ға" if back else "ге"), noun + ("сына" if back else "сіне")
    else:
        hard = noun[-1] in _KK_VOICELESS
        plain = noun + (("қа" if back else "ке") if hard else ("ға" if back else "ге"))
        possessive = noun + ("ына" if back else "іне")
    return fold(plain), fold(possessive)


def _alternatives(words: list[str]) -> str:
    """A regex alternation of `words`, longest first (so a word is not cut short by a shorter one it begins with)."""
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


_RU_AGE_HOLDER = _alternatives(["ему", "ей", "им", *(_ru_dative(n) for n in _RU_PEOPLE.split())])
_KK_AGE_HOLDER = _alternatives(["оган", *(d for n in _KK_PEOPLE.split() for d in _kk_datives(n))])
# who has an age in English ("he", "my son", "the thief"): `ml.legal.faq` reads "my son is 15" with it too
EN_AGE_HOLDER = rf"(?:he|she|they|(?:the|my|our|his|her|their|a)\s+(?:{_alternatives(_EN_PEOPLE.split())}))"
# Matched against the folded text (`ml.text.fold`: lower case, ё → е, Kazakh letters as their Russian look-alikes), so
# Kazakh typed on a Russian keyboard reads the same
_ASKS_AGE = re.compile(
    rf"\b(?:{_RU_AGE_HOLDER})\s+(?:(?:было|будет|уже|только|лишь|всего|еще|не|нет|исполнилось|исполнится|почти|около"
    r"|меньше|больше|менее|до)\s+){0,3}\d{1,2}\b(?!\s*(?:лет|год\w*)\s+назад)"
    # a number of something else: "ему два раза звонили" (numbers in words read as digits), "ему 5 тысяч должны"
    r"(?!\s*(?:раз|дн|день|час|минут|месяц|тысяч|тыс|тенге|тг|рубл|мрп|процент|%))"
    r"|(?<!раз )\bв\s+\d{1,2}\s*(?:лет|год|года)\b(?!\s+назад)"
    # a number after a Kazakh holder that is not years (a thing's or the time since), months or an amount
    rf"|\b\d{{1,2}}\s*жас\w*|\b(?:олар\w*|{_KK_AGE_HOLDER})\s+\d{{1,2}}\b(?!\s*(?:жыл|ай|мын|млн|тенге|тг))"
    rf"|\b{EN_AGE_HOLDER}\s*(?:is|was|are|were|'s|’s)\s+(?:(?:only|just|under|below|not|over|about|barely|a)\s+){{0,2}}"
    r"\d{1,2}\b(?!\s*(?:years?|yrs?)\s+ago)"
    r"|\b(?:aged?|at\s+the\s+age\s+of)\s+\d{1,2}\b"
    r"|\b(?:несовершеннолет\w*|малолет\w*|подрост\w*|камелетке|жасоспирим\w*|minor|underage|juvenile|teenager)\b"
)
# an offence whose own article is about minors: an age then is the victim's, not the offender's
_ABOUT_MINORS = re.compile(r"несовершеннолет|малолет|ребен|детей|детьми", re.IGNORECASE)

# -- the time since the offence ------------------------------------------------------------------------------------
# "а если прошло 5 лет?", "а если это было 3 года назад?", "ал егер 5 жыл өтсе?", "what if it was 5 years ago?" ask
# whether one still answers for it. Only years and months: the shortest limitation is two months (КоАП 62), so "прошло
# 2 часа" asks something else. "Дадут 5 лет" (a sentence), "уже 3 года бьёт" (how long it lasts) and a thing's or a
# person's age are not the time since. Matched against the folded text, like the age.
_RU_SPAN = r"(?:лет|год\w*|месяц\w*|пол\s?года|полугода)"
_KK_SPAN = r"(?:жыл|ай)"
_EN_SPAN = r"(?:years?|months?)"
_PASSED = r"прош(?:ло|ел|ла|ли)"
_ASKS_TIME_SINCE = re.compile(
    rf"\b{_PASSED}\s+(?:\S+\s+){{0,2}}?{_RU_SPAN}\b|\b{_RU_SPAN}\s+(?:уже\s+)?{_PASSED}\b|\b{_RU_SPAN}\s+назад\b"
    rf"|\bспустя\s+(?:\S+\s+){{0,2}}?{_RU_SPAN}\b|\bдавност\w*"
    # "жыл бұрын" (years ago), "жыл (уақыт) өтсе / өтті / өткен" (passed), "жылдан кейін" (after), "ескіру" (limitation)
    rf"|\b{_KK_SPAN}\s+(?:уакыт\s+)?(?:бурын|от(?:се|ти|кен|ип|пе)\w*)|\b{_KK_SPAN}дан\s+кейин|\bескир\w*"
    rf"|\b{_EN_SPAN}\s+ago\b|\b{_EN_SPAN}\s+(?:(?:have|has|had)\s+)?(?:passed|gone\s+by|later)\b"
    rf"|\bafter\s+(?:\S+\s+){{1,2}}?{_EN_SPAN}\b|\blimitations?\b|\btime[\s-]limit"
)

# -- the articles --------------------------------------------------------------------------------------------------
# per code, the article saying from what age one answers for an offence (УК: 16, 14 for the offences it lists; КоАП:
# 16) and the one freeing from liability when its time has run out (УК: one to fifteen years by gravity; КоАП: two
# months as a rule)
AGE_OF_LIABILITY = {"УК РК": "15", "КоАП РК": "28"}
LIMITATION = {"УК РК": "71", "КоАП РК": "62"}
# the limitation article's part quoted: the first lists the periods, which is what "прошло 5 лет" asks
LIMITATION_PART = "1"


def asks_age(text: str) -> bool:
    """Whether a follow-up asks about someone's age or being a minor, in digits or in words ("а если ему
    пятнадцать?", "ал егер ұрыға он төрт жаста болса?": `ml.legal.numerals`)."""
    return _ASKS_AGE.search(with_digits(fold(text))) is not None


def asks_time_since(text: str) -> bool:
    """Whether a follow-up asks about the time since the offence ("прошло 5 лет", "5 жыл бұрын", "5 years ago")."""
    return _ASKS_TIME_SINCE.search(fold(text)) is not None


def asks_general_part(text: str) -> bool:
    """Whether a follow-up asks what the general part answers: the offender's age or the time since."""
    return asks_age(text) or asks_time_since(text)


def general_articles(text: str, topic: str, code: str, title: str) -> list[tuple[str, str | None]]:
    """The general-part articles of `code` (that of the offence's article, titled `title`) a follow-up to `topic`
    asks about, in the order they are cited, each with the part to quote (None: the part sharing most words with the
    offence; УК 15 ч. 2 lists theft). The age of liability is left out when the topic is already about someone's age
    (the minor sold alcohol, "продал алкоголь подростку": the age is that person's) or so is the offence's article."""
    found: list[tuple[str, str | None]] = []
    if code in AGE_OF_LIABILITY and asks_age(text) and not asks_age(topic) and not _ABOUT_MINORS.search(title):
        found.append((AGE_OF_LIABILITY[code], None))
    if code in LIMITATION and asks_time_since(text):
        found.append((LIMITATION[code], LIMITATION_PART))
    return found
