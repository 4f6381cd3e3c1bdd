"""A question's own answers typed instead of tapped (ru/kk/en), compared once normalised (`typed_words`).

A citizen in a hurry types "Добавить к заявлению" or "да" rather than tapping: answered as a legal question, the first
got the law on withdrawing an application. The Add question (report_addition) and "File a report with this?"
(report_offer) read them as their buttons."""

from __future__ import annotations

import re

ADD_WORDS = frozenset({
    "да", "добавить", "добавь", "добавьте", "добавить к", "добавить к нему", "добавить к обращению",
    "добавить к заявлению", "добавить к старому", "добавить файлы", "да добавить", "да добавьте", "иә", "ия", "иа",
    "қосу", "қос", "қосыңыз", "қосыңызшы", "өтінішке қосу", "соған қосу", "иә қосу", "yes", "add", "add to",
    "add to no", "add to it", "add to the report", "add to report", "add them", "yes add",
})
NEW_WORDS = frozenset({
    "новое", "новое обращение", "новое заявление", "подать новое", "подать новое обращение", "новый", "жаңа",
    "жаңа өтініш", "жаңа өтініш беру", "жаңа өтініш беремін", "new", "new report", "a new report",
    "file a new report", "new one",
})
NO_WORDS = frozenset({
    "нет", "не надо", "не нужно", "нет спасибо", "жоқ", "керек емес", "жоқ рақмет", "жоқ рахмет", "no", "no thanks",
    "nope",
})
# a report's number, as the "Add to № …" button names it ("ZP-2026-0000001"), or a bare number
_NUMBER = re.compile(r"№|\b[a-z]{0,4}-?\d[\d-]*")


def typed_words(text: str) -> str:
    """`text` lower-cased, without punctuation, emoji or a report's number, its words single-spaced."""
    text = _NUMBER.sub(" ", text.casefold().replace("ё", "е"))
    return " ".join(re.sub(r"[^\w\s]", " ", text).split())


# "File a report with this?" answered Yes in words: its own yes, or the Add question's "new report"
YES_WORDS = frozenset({"да", "иә", "ия", "иа", "yes", "подать", "подать обращение", "да подать", "өтініш беру",
                       "file", "file it", "file a report", *NEW_WORDS})
