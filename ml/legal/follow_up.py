"""Follow-up questions in a chat: "какое наказание за кражу?" then "а если ему 15 лет?".

A follow-up leaves out what the previous question said (the theft), so on its own it is answered with no topic, or
a wrong one ("15 лет" ranks the civil-capacity articles). The client sends the chat's previous questions as
`context`; the assistant reads a question as a follow-up only when it is short and either opens as a continuation
("а если…", "ал егер…", "what if…", "…ше?") or is too weak to answer alone. Only then is it searched together with
the question it continues. Nothing here stores anything: the context comes with each question.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

# A follow-up is a few words ("а если сумма маленькая?", "ал егер ол кәмелетке толмаған болса?", "what if he does it
# again?"); a longer question states its own matter even when it opens with "а" or "and"
MAX_FOLLOW_UP_WORDS = 10
# how much of each earlier question is searched with the follow-up: its matter is in its first sentences, and the
# whole chat (3 × 2000 characters) would take the embedder seconds and drown the follow-up's own words
MAX_CONTEXT_CHARS = 600

_WORDS = re.compile(r"\w+")
# Openings that continue the previous question rather than ask a new one: a conjunction or "what if" / "what about"
# first. Russian "а" / "и" / "ну" / "если" / "тогда", Kazakh "ал" (and, but) / "егер" (if) / "сонда" (then) /
# "ендеше", English "and" / "but" / "so" / "what if" / "what about" / "how about" / "if" / "then".
_OPENING = re.compile(
    r"^(?:а|и|ну|но|тогда|если|что\s+если|ещё|еще|также"
    r"|ал|егер|сонда|ендеше|және|бірақ"
    r"|and|but|so|or|if|then|what\s+if|what\s+about|how\s+about|also)\b",
    re.IGNORECASE,
)
# the Kazakh "what about …?" particle closes the question: "ал 15 жаста ше?", "ал ағасы ше?"
_KAZAKH_WHAT_ABOUT = re.compile(r"\bше\s*[?!.]*$", re.IGNORECASE)
# Words pointing back at someone or something named before, or at what happened before: "а если ОН пьяный?",
# "what if he does it AGAIN?", "ал егер ОЛ кәмелетке толмаған болса?". Pronouns and "again" words of the three
# languages, a closed grammatical class — not a list of questions.
_REFERS_BACK = re.compile(
    r"\b(?:он|она|оно|они|его|её|ее|ему|ей|им|их|него|неё|нее|нему|ней|ним|них|этот|эта|это|этого|этому|этом|тот|та"
    r"|такое|снова|опять|повторно|тоже"
    r"|ол|оның|оған|оны|одан|онда|олар|олардың|оларға|оларды|бұл|мұны|бұған|осы|сол|тағы|қайта|қайтадан"
    r"|he|she|it|they|him|her|them|his|its|their|this|that|again|too)\b",
    re.IGNORECASE,
)


def word_count(text: str) -> int:
    return len(_WORDS.findall(text))


def is_short(text: str) -> bool:
    """Short enough to be a follow-up."""
    return word_count(text) <= MAX_FOLLOW_UP_WORDS


def opens_as_follow_up(text: str) -> bool:
    """Whether the (normalized) question is short and opens, or ends, as a continuation of the previous one."""
    stripped = text.strip().lstrip("-–—.,…«\"' ")
    return is_short(stripped) and bool(_OPENING.match(stripped) or _KAZAKH_WHAT_ABOUT.search(stripped))


def refers_back(text: str) -> bool:
    """Whether the question points back at someone or something it does not name ("he", "ему", "ол", "again")."""
    return _REFERS_BACK.search(text) is not None


def is_question(text: str) -> bool:
    """Whether the text asks something: ends with a question mark ("спасибо" or "ок" after an answer does not)."""
    return text.rstrip().endswith("?")


def with_topic(question: str, context: Sequence[str]) -> str | None:
    """The text to search for a follow-up: the question it continues, any follow-ups asked since, then `question`
    (context is oldest first). "кража?" → "а если ему 15 лет?" → "а если сумма маленькая?" searches all three: the
    middle one refines the theft, it does not replace it. None when there is no earlier question."""
    earlier = [c.strip()[:MAX_CONTEXT_CHARS] for c in context if c and c.strip()]
    if not earlier:
        return None
    chain: list[str] = []
    for previous in reversed(earlier):
        chain.append(previous)
        if not opens_as_follow_up(previous):
            break  # the question that named the matter: anything before it was another conversation
    return " ".join([*reversed(chain), question])
