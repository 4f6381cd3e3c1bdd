"""The emergency lead of an answer: which numbers to call, the call button, and an FAQ answer under the lead without
the call it repeats. `answer_if_urgent` gives the lead alone, with patterns only (no index, model or search)."""

from __future__ import annotations

import re

from ml.lang import detect_language
from ml.legal.messages import answer_language, message
from ml.legal.question import normalize_question
from ml.legal.schemas import LegalAnswer
from ml.urgency import detect_urgency

# the word for "right now" in the emergency lead, per answer language (see without_repeated_call)
_NOW_WORDS = {
    "ru": re.compile(r"\bсейчас\b", re.IGNORECASE),
    "kk": re.compile(r"\bқазір\b", re.IGNORECASE),
    "en": re.compile(r"\bnow\b", re.IGNORECASE),
}


def numbers_for(advise: list[str]) -> str:
    """The numbers the lead names ("102 / 112"), from the urgency's advice."""
    nums = [n for n in advise if n in {"102", "112", "103", "101", "104"}] or ["102", "112"]
    return " / ".join(nums[:2])


def answer_if_urgent(question: str, language: str | None = None) -> LegalAnswer | None:
    """The emergency lead alone when `question` is urgent, else None: patterns only, no index, model or search, so
    it costs next to nothing and needs nothing loaded. What an urgent question still gets when the assistant cannot
    search (too busy, or its index unusable): someone being hurt now must hear 102/112, not "try later"."""
    text = normalize_question(question)
    if not text:
        return None
    asked_in = detect_language(text)
    lang = answer_language(language) or asked_in
    urgency = detect_urgency(text, asked_in)
    if not urgency.urgent:
        return None
    numbers = numbers_for(urgency.advise)
    return LegalAnswer(
        answer=message("urgent", lang, numbers=numbers),
        language=lang,
        citations=[],
        confidence=1.0,
        suggested_action=call_action(numbers),
        urgent=True,
    )


def without_repeated_call(text: str, numbers: str, lang: str) -> str:
    """The FAQ answer without its "if you are in danger right now, call 102" sentence, which the emergency lead
    above it has just said ("Муж избивает меня прямо сейчас" read "call 102" twice). Only a sentence naming a number
    the lead gives and "now" goes: "call 102 and an ambulance 103" or "report it to the police (102)" stay."""
    given = set(re.findall(r"\d{3}", numbers))
    now = _NOW_WORDS.get(lang, _NOW_WORDS["en"])
    # split keeping each sentence's trailing space or line break, so the rest of the answer reads as written
    sentences = re.findall(r".+?(?:[.!?](?:\s+|$)|$)", text, flags=re.DOTALL)
    kept = [s for s in sentences if not (given & set(re.findall(r"\b\d{3}\b", s)) and now.search(s))]
    return "".join(kept).strip() or text


def call_action(numbers: str) -> str:
    """The call button for the numbers the answer leads with. Apps turn the action into a button: a gas leak or a
    person unconscious ("104 / 112", "103 / 112") must get 112, never the police line the answer does not name.
    The first number decides when it has a button (102, 112); else 102 if the answer names it, else 112."""
    named = numbers.split(" / ")
    if named[0] in {"102", "112"}:
        return f"call_{named[0]}"
    return "call_102" if "102" in named else "call_112"
