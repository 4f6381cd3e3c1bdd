"""Which police matters a question names (the router's taxonomy classes, `ml.lexicon.CUES`), and whether a
follow-up names another matter than the question it continues: "а как насчёт ДТП?" after a theft.

"а как насчёт ДТП?", "what about a car accident?", "ал жол апаты ше?", "а если драка?" after a theft name a matter
of their own with no verb to tell it by, while "а как насчёт кражи велосипеда?", "what about my bike?", "а если
сумма маленькая?", "а если ночью?" add a thing, an amount or a time to the theft. Retrieval cannot tell the two
apart (a short follow-up is vague either way: "а если в интернете?" alone is as close to its FAQ items as "ДТП").
The police taxonomy's classes can: the router's cue lexicon (`ml.lexicon.CUES`) names what a citizen's text is
about (a road accident, a theft, a fight, a fire) in ru / kk / en. A follow-up naming a class the topic's question
does not is another matter. Classes of who is involved (a child, a spouse, an officer) and of things outside police
work (the internet, snow, a lift) describe a circumstance of any matter, so they name none; an age ("15 лет") is
the child class, and "а если ему 15 лет?" must stay the theft's.
"""

from __future__ import annotations

from ml.lang import detect_language
from ml.legal.lexicon import query_terms
from ml.lexicon import CUES
from ml.text import fold

_NOT_A_MATTER = frozenset({"child_incident", "domestic_violence", "police_complaint", "not_police"})


def matters(text: str, language: str) -> frozenset[str]:
    """The police matters (taxonomy classes) `text` names, read with the codes' words its glossary terms add (the
    theft of "ұрлық үшін қандай жаза", which the cues know as "ұрла-", is "кража")."""
    read = fold(" ".join([text, *query_terms(text, language).phrases]))
    return frozenset(kind for kind, cue in CUES.items() if kind not in _NOT_A_MATTER and cue.search(read))


def names_another_matter(text: str, language: str, topic: str) -> bool:
    """Whether the follow-up names a police matter and the topic's question names none of its matters."""
    own = matters(text, language)
    return bool(own) and not own & matters(topic, detect_language(topic))
