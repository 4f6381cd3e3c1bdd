"""The ages a text tells of the people it is about: whether a missing "son" is a child or a man of forty.

Read by the FAQ's choice between the missing-child and missing-person items (`ml.legal.faq.for_whom`, by
`stated_age`) and by the urgency patterns (`ml.urgency`: a son or a daughter of a stated adult age is no missing
child, `of_age`), so the item answering, the legal help's emergency lead and the routing's urgency agree. It imports
nothing of the assistant (nor does the package, whose names load when first used: `ml/legal/__init__.py`), only the
readers of numbers and age holders (`ml.legal.numerals`, `ml.legal.general_part`), so `ml.urgency`, which the
assistant imports, can use it.
"""

from __future__ import annotations

import re

from ml.legal.general_part import EN_AGE_HOLDER
from ml.legal.numerals import with_digits
from ml.text import fold

# "10 лет", "16-летний", "9 жаста", "8 жасар", "12 years old"; not a time ago or a duration ("5 лет назад", "пропал
# 10 лет как"; "3 жыл бұрын" has no age word anyway). Read on the folded text, numbers in words as digits
# (`ml.legal.numerals`: "сыну десять лет", "он жаста")
_AGE = re.compile(r"(?<!\d)(\d{1,3})\s*-?\s*(?:лет(?:н\w*)?|годик\w*|жас(?:та|ар\w*|тагы|ында)\b|years?[ -]old|y\.?o\b)"
                  r"(?!\s*(?:назад|тому|как|бурын|ago)\b)")
# Russian says 1, 2-4, 21-24 … years with "год"/"года", which alone is mostly a duration ("уже 2 года не звонит"): it
# is an age only right after the person it is of ("младшему брату 3 года", "ему 21 год", "сын 1 год")
_AGE_IN_YEARS = re.compile(
    r"\b(?:брат|сестр|сын|доч|ребен|малыш|внук|мальчик|девочк|племянни|ему\b|ей\b)\w*\s+(\d{1,3})\s*(?:год|года)\b"
    r"(?!\s*(?:назад|тому|как|не)\b)")
# a number alone after "ему" / "ей", where the sentence or the clause ends ("ему пятнадцать, он украл телефон"):
# "ему 15 тысяч должны" goes on with what the number counts
_AGE_ALONE = re.compile(r"\b(?:ему|ей)\s+(\d{1,3})(?=\s*(?:[^\w\s]|$)|\s+(?:и|а|но|он|она)\b)")
# English states an age as "my son is 15", "she's twelve" (numbers in words read as digits): the number alone after
# a person and "is", where the clause ends ("she is 12 and she is missing", "he is 15, he stole a phone"); "he is 15
# minutes late" goes on with what the number counts
_EN_AGE_ALONE = re.compile(
    rf"\b{EN_AGE_HOLDER}\s*(?:is|was|are|were|'s|’s)\s+(?:(?:only|just|already|now)\s+)?(\d{{1,2}})"
    r"(?=\s*(?:[^\w\s]|$)|\s+(?:and|but|he|she|they|now)\b)"
)
# the teller's own age ("мне 35 лет, мой сын не вернулся", "маған 30 жас", "I am 40"): a parent telling of a child
_SPEAKER = re.compile(r"(?:\bмне|\bмаган|\bi am|\bi'm|\bя)\s+(?:уже\s+|только\s+|already\s+)?$")
# a student ("дочь студентка", "қызым студент") is of age more often than not: universities admit school leavers at
# 17-18. A school or college word leaves the age unknown: colleges admit after the ninth grade, at 15, and "студент
# 9 класса" is a pupil
_STUDENT = re.compile(r"\bстудент\w*|\bstudent\w*")
_SCHOOL_AGE = re.compile(r"школ|класс|колледж|лице[йяю]|училищ|мектеп|окушы|college|school|pupil|grade")
# the age `stated_age` gives a student (see _STUDENT): of age
ADULT_AGE = 18


def _told_ages(text: str) -> list[int]:
    """The ages `text` (folded, numbers in digits) states, in order, but the teller's own."""
    found = sorted(
        (*_AGE.finditer(text), *_AGE_IN_YEARS.finditer(text), *_AGE_ALONE.finditer(text),
         *_EN_AGE_ALONE.finditer(text)),
        key=lambda m: m.start(1),
    )
    return [int(m.group(1)) for m in found if not _SPEAKER.search(text, 0, m.start(1))]


def stated_age(question: str) -> int | None:
    """The age a question states of the person it is about (the first age not the teller's), if any, or implies (a
    student, `_STUDENT`); when unsure, none, and the words naming the person decide."""
    text = with_digits(fold(question))
    ages = _told_ages(text)
    if ages:
        return ages[0]
    student = next((m for m in _STUDENT.finditer(text) if not _SPEAKER.search(text, 0, m.start())), None)
    return ADULT_AGE if student is not None and _SCHOOL_AGE.search(text) is None else None


def of_age(question: str) -> bool:
    """Whether the people a question gives an age are all adults ("сыну сорок лет", a student daughter): not only the
    first, as `stated_age` reads, since "парню 20 лет, с ним ушла дочь 15 лет" still tells of a child."""
    ages = _told_ages(with_digits(fold(question)))
    return min(ages) >= ADULT_AGE if ages else stated_age(question) == ADULT_AGE
