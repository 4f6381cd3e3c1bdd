"""Questions the codes do not answer well: private matters that are not the police's (referrals) and conversation
(a greeting, an insult).

A citizen asking the police bot how to share an inheritance, what to do about an unpaid tax or a friend's debt
needs to hear where to go instead: the codes the assistant quotes hold no inheritance or tax law, so retrieval
answered with whatever shared a word ("как поделить наследство после смерти отца" → the registration of a birth
after the father's death; an unpaid car tax → the rules for cash registers). A referral says plainly that this is
not a police matter and who handles it. The words that recognise each topic and the answers are data: the
referrals live in `faq.json` next to the FAQ, the conversation words in `glossary.json` next to the stop words.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ml.legal.faq import FAQ_PATH, LANGUAGES
from ml.legal.lexicon import GLOSSARY_PATH, Cue, Words, word_forms


@dataclass(frozen=True, slots=True)
class Referral:
    id: str
    # the topic's words; "unless" words keep a question with the codes (tax evasion is a crime, "какие статьи…" wants
    # the articles), and "with" words narrow a word to one sense ("права" + "получить": getting a driving licence)
    cue: Cue
    answer: dict[str, str]
    # FAQ items this referral leads when they answer: "how to divorce" gets the FAQ's how, after the referral's where
    leads: frozenset[str] = frozenset()
    # police FAQ items this referral answers instead of, when its words (and "with" words, without "unless" ones) are
    # there: "как получить удостоверение личности" shares every word with the item on an ID card taken away, which is
    # the police's, while getting one is the Public Service Centre's
    over: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Topics:
    referrals: tuple[Referral, ...]
    # conversation kind ("greeting", "abuse") -> its words
    conversation: dict[str, Words]

    def referral(self, text: str) -> Referral | None:
        """The first private matter `text` mentions, if any."""
        forms = word_forms(text)
        return next((r for r in self.referrals if r.cue.found_in(forms)), None)

    def conversation_kind(self, text: str) -> str | None:
        """"abuse" or "greeting" when `text` uses such a word (abuse first: "привет, тупой бот" is not a greeting)."""
        forms = word_forms(text)
        return next((kind for kind, words in self.conversation.items() if words.found_in(forms)), None)


def load_topics(faq_path: Path = FAQ_PATH, glossary_path: Path = GLOSSARY_PATH) -> Topics:
    referrals = tuple(
        Referral(
            id=str(raw["id"]),
            cue=Cue.of(raw, LANGUAGES),
            answer={lang: str(raw["answer"][lang]) for lang in LANGUAGES},
            leads=frozenset(raw.get("leads", ())),
            over=frozenset(raw.get("over", ())),
        )
        for raw in json.loads(faq_path.read_text(encoding="utf-8"))["referrals"]
    )
    raw_conversation = json.loads(glossary_path.read_text(encoding="utf-8"))["conversation"]
    # abuse is looked for first (see `conversation_kind`)
    conversation = {kind: Words.of(raw_conversation[kind].split()) for kind in ("abuse", "greeting")}
    return Topics(referrals, conversation)


@lru_cache(maxsize=1)
def cached_topics() -> Topics:
    return load_topics()
