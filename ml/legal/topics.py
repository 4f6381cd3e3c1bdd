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
from ml.legal.lexicon import GLOSSARY_PATH, kk_candidates, tokenize
from ml.text import fold


@dataclass(frozen=True, slots=True)
class Referral:
    id: str
    words: tuple[str, ...]
    answer: dict[str, str]
    # words that keep a question with the codes: tax evasion is a crime, "какие статьи…" wants the articles
    unless: tuple[str, ...] = ()
    # FAQ items this referral leads when they answer: "how to divorce" gets the FAQ's how, after the referral's where
    leads: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Topics:
    referrals: tuple[Referral, ...]
    # conversation kind ("greeting", "abuse") -> its words
    conversation: dict[str, tuple[str, ...]]

    def referral(self, text: str) -> Referral | None:
        """The first private matter `text` mentions, if any."""
        tokens = _tokens(text)
        return next((r for r in self.referrals if _mentions(tokens, r.words) and not _mentions(tokens, r.unless)),
                    None)

    def conversation_kind(self, text: str) -> str | None:
        """"abuse" or "greeting" when `text` uses such a word (abuse first: "привет, тупой бот" is not a greeting)."""
        tokens = _tokens(text)
        return next((kind for kind, words in self.conversation.items() if _mentions(tokens, words)), None)


def load_topics(faq_path: Path = FAQ_PATH, glossary_path: Path = GLOSSARY_PATH) -> Topics:
    referrals = tuple(
        Referral(
            id=str(raw["id"]),
            words=tuple(_word(w) for lang in LANGUAGES for w in raw["words"].get(lang, ())),
            answer={lang: str(raw["answer"][lang]) for lang in LANGUAGES},
            unless=tuple(_word(w) for lang in LANGUAGES for w in raw.get("unless", {}).get(lang, ())),
            leads=frozenset(raw.get("leads", ())),
        )
        for raw in json.loads(faq_path.read_text(encoding="utf-8"))["referrals"]
    )
    raw_conversation = json.loads(glossary_path.read_text(encoding="utf-8"))["conversation"]
    # abuse is looked for first (see `conversation_kind`)
    conversation = {kind: tuple(_word(w) for w in raw_conversation[kind].split()) for kind in ("abuse", "greeting")}
    return Topics(referrals, conversation)


@lru_cache(maxsize=1)
def cached_topics() -> Topics:
    return load_topics()


def _word(word: str) -> str:
    """A listed word in the form tokens are compared in: lower case, folded (Kazakh letters as Russian-keyboard
    ones, so "мұра" matches "мура" typed without them); a trailing "*" marks a prefix."""
    return fold(word.lower().replace("ё", "е"))


def _tokens(text: str) -> list[tuple[str, ...]]:
    """Each word of `text` with its Kazakh stems (the word first): "мұраны" is matched by "мұра"."""
    return [kk_candidates(token) for token in tokenize(text)]


def _mentions(tokens: list[tuple[str, ...]], words: tuple[str, ...]) -> bool:
    """Whether a word is one of `words`: exactly, through a Kazakh stem, or by a listed prefix ("наследств*"). Exact
    words where a prefix would catch others: "долг" but not "долго"."""
    exact = {w for w in words if not w.endswith("*")}
    prefixes = tuple(w[:-1] for w in words if w.endswith("*"))
    return any(not exact.isdisjoint(forms) or forms[0].startswith(prefixes) for forms in tokens if forms)
