"""Who does what a question tells: the actor of a verb, for glossary cues that depend on it (`Cue.by`, `Cue.not_by`).

A word list cannot tell "полиция вошла в квартиру" (officials entering: a question of lawful entry) from "сосед
залез в квартиру, полицию вызвали" (a private intrusion whose teller called the police): both name the police and an
entering verb. What differs is who enters. Without a parser, the actor of a verb is read as the nearest word naming
someone acting, in the grammatical form of a subject (the data lists nominatives: "полиция", not "полицию"; "кот",
not "кота"):

1. in the verb's own clause (split at punctuation and at the conjunctions that start a new predicate: "и", "а",
   "но", "ал", "бірақ"…), first before the verb, then after it ("в квартиру вошли полицейские");
2. else in the clauses before it in the same sentence, nearest first: a clause without a subject continues the
   previous one's ("пришли полицейские, хотят войти"), though not across a contrast ("полиция приехала, а они уже
   залезли в квартиру": they are no officials).

Clauses after the verb's never count: "кто-то зашёл в квартиру, полиция не приехала" is no officials' entry. With no
actor found the verb has none (`None`), and a cue's `by` does not hold while its `not_by` does not veto.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ml.text import fold

GLOSSARY_PATH = Path(__file__).resolve().parent.parent / "data" / "legal" / "glossary.json"

# the words of a text, as `ml.legal.lexicon.tokenize` splits it (lower-cased, ё→е)
TOKEN = re.compile(r"[0-9a-zа-яёәғқңөұүһі]+(?:-[0-9]+)?")
# between two words, what ends a clause / a sentence
_CLAUSE_GAP = re.compile(r"[,;:.!?()\n—–]|\s-\s")
_SENTENCE_GAP = re.compile(r"[;.!?\n]")
# words that start a new predicate (folded): the word after them belongs to a new clause
_CONJUNCTIONS = frozenset(fold(w) for w in ("и", "потом", "затем", "және", "сосын"))
# a contrast starts a new predicate whose subject is another more often than not ("полиция приехала, а они уже
# залезли в квартиру"): no subject is carried over it, as over a sentence's end
_CONTRASTS = frozenset(fold(w) for w in ("а", "но", "однако", "зато", "ал", "бірақ"))


@dataclass(frozen=True, slots=True)
class Layout:
    """For each word of a text (as `ml.legal.lexicon.tokenize` splits it): its clause and sentence numbers (a
    contrast, "а", "но", "бірақ", counts as a sentence's end: see `_CONTRASTS`)."""

    clause: tuple[int, ...]
    sentence: tuple[int, ...]


def layout(text: str) -> Layout:
    """Clauses and sentences of `text`, word by word (a conjunction opens the clause after it)."""
    low = text.lower().replace("ё", "е")
    clause: list[int] = []
    sentence: list[int] = []
    c = s = 0
    prev: re.Match[str] | None = None
    for m in TOKEN.finditer(low):
        if prev is not None:
            gap = low[prev.end() : m.start()]
            if _SENTENCE_GAP.search(gap) or fold(prev.group()) in _CONTRASTS:
                s += 1
                c += 1
            elif _CLAUSE_GAP.search(gap) or fold(prev.group()) in _CONJUNCTIONS:
                c += 1
        clause.append(c)
        sentence.append(s)
        prev = m
    return Layout(tuple(clause), tuple(sentence))


def _matches_at(forms: Sequence[tuple[str, ...]], pos: int, phrase: tuple[str, ...]) -> bool:
    """Whether `phrase` is written at `pos` as listed: the word itself, not a Kazakh stem of it ("полиция" is not
    "полицияға", "to the police"), "*" a prefix."""
    if pos + len(phrase) > len(forms):
        return False
    for j, word in enumerate(phrase):
        written = forms[pos + j][0] if forms[pos + j] else ""
        if not (written.startswith(word[:-1]) if word.endswith("*") else written == word):
            return False
    return True


def written_at(forms: Sequence[tuple[str, ...]], pos: int | None, phrases: Sequence[tuple[str, ...]]) -> bool:
    """Whether one of `phrases` is written at `pos` (None: nowhere)."""
    return pos is not None and any(_matches_at(forms, pos, phrase) for phrase in phrases)


def actor_at(
    forms: Sequence[tuple[str, ...]],
    where: Layout,
    start: int,
    end: int,
    actors: Sequence[tuple[str, ...]],
) -> int | None:
    """The position of the actor of the words `start:end` (see the module's docstring): the nearest position where
    one of `actors` (phrases of folded words) is written, or None."""

    clause = where.clause[start]
    before = range(start - 1, -1, -1)
    own_before = [p for p in before if where.clause[p] == clause]
    own_after = [p for p in range(end, len(forms)) if where.clause[p] == clause]
    earlier = [p for p in before if where.clause[p] != clause and where.sentence[p] == where.sentence[start]]
    return next((p for p in (*own_before, *own_after, *earlier) if written_at(forms, p, actors)), None)


@lru_cache(maxsize=1)
def common_actors() -> tuple[tuple[str, ...], ...]:
    """Words naming someone acting that no cue lists ("я", "сосед", "біреу"): the nearest actor may be one of them,
    and then it is no official's and no animal's act ("сосед залез ко мне, я вызвала полицию")."""
    raw = json.loads(GLOSSARY_PATH.read_text(encoding="utf-8")).get("actors", {})
    return tuple(tuple(fold(w) for w in p.split()) for lang in raw.values() for p in lang if p.split())
