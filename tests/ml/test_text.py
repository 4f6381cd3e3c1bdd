"""ml.text.any_of: the lexicons' fast patterns find an occurrence in exactly the texts their plain form does."""

from __future__ import annotations

import random
import re

import pytest

from ml import lexicon, urgency, urgency_signals
from ml.dataset import load_examples
from ml.text import any_of, fold

LEAD = re.compile(r"^\[[^\]]+\]\(\?<=\(\?=\(\?:(?P<source>.*)\)\)\[\\s\\S\]\)$", re.S)


def plain(pattern: re.Pattern[str]) -> re.Pattern[str]:
    """The alternatives as written, compiled the ordinary way."""
    m = LEAD.match(pattern.pattern)
    return re.compile(m.group("source")) if m else pattern


def lexicon_patterns() -> list[re.Pattern[str]]:
    found = [s.pattern for s in urgency_signals.SIGNALS] + list(lexicon.CUES.values())
    found += [p for parts in lexicon.CONJUNCTIONS.values() for p in parts]
    found += [v for v in vars(urgency).values() if isinstance(v, re.Pattern)]
    found += [v for v in vars(lexicon).values() if isinstance(v, re.Pattern)]
    return list({id(p): p for p in found}.values())


def test_the_bundled_lexicons_are_accelerated() -> None:
    patterns = lexicon_patterns()
    fast = [p for p in patterns if plain(p) is not p]
    assert len(patterns) > 40 and len(fast) >= 0.9 * len(patterns)


def test_fast_and_plain_forms_agree_on_every_example_and_fragment() -> None:
    rnd = random.Random(7)
    texts = [fold(e.text) for e in load_examples()]
    # fragments cut anywhere put occurrences at the very start and end of a text, and cut words in two
    texts += [t[i:j] for t in texts for i, j in [sorted(rnd.sample(range(len(t) + 1), 2))]]
    hits = 0
    for pattern in lexicon_patterns():
        reference = plain(pattern)
        for text in texts:
            found = pattern.search(text) is not None
            assert found == (reference.search(text) is not None), (reference.pattern[:80], text)
            hits += found
    assert hits > 1000  # the comparison saw plenty of occurrences, not only misses


@pytest.mark.parametrize(("alternatives", "text", "expected"), [
    ((r"\bнож",), "нож", True),  # at the start: \b before the first character
    ((r"\bнож",), "у него нож", True),
    ((r"\bнож",), "финнож", False),  # \b still sees the character before the lead character
    ((r"нож\b",), "ножом", False),
    ((r"нож\b",), "где нож", True),  # at the very end
    ((r"п[иеы]столет", r"\bgun\b"), "a gun!", True),
    ((r"(?:сейчас|щас)\W+уехал",), "щас  уехал", True),
])
def test_edge_cases(alternatives: tuple[str, ...], text: str, expected: bool) -> None:
    pattern = any_of(*alternatives)
    assert plain(pattern) is not pattern
    assert (pattern.search(text) is not None) is expected


@pytest.mark.parametrize("alternatives", [(r"\w+ый",), (r"(?:a)?b",), (r"[^a]b",), (r"\b",)])
def test_unknown_first_characters_keep_the_plain_pattern(alternatives: tuple[str, ...]) -> None:
    pattern = any_of(*alternatives)
    assert plain(pattern) is pattern and pattern.pattern == "|".join(f"(?:{a})" for a in alternatives)
