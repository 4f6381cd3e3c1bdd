"""ml.urgency's gate: a pattern is searched only in texts containing one of the strings each of its matches has, and
that skips exactly the searches that would have found nothing, on every example text and on fragments of them."""

from __future__ import annotations

import random
import re

import pytest

from ml import urgency
from ml.dataset import load_examples
from ml.lang import reading_text
from ml.text import any_of, fold


def _gated() -> list[urgency._Gated]:
    singles = [urgency._GATED_NOW, urgency._GATED_NOW_NEGATED, urgency._GATED_PAST, urgency._GATED_HABITUAL,
               urgency._GATED_HYPOTHETICAL, urgency._GATED_NO_VICTIMS]
    return singles + [gated for _, gated in urgency._GATED_SIGNALS]


def test_most_patterns_are_gated() -> None:
    gated = _gated()
    assert len(gated) >= 30 and sum(bool(g.strings) for g in gated) >= 0.9 * len(gated)


def test_the_gate_agrees_with_the_patterns_on_every_example_and_fragment() -> None:
    rnd = random.Random(11)
    texts = [fold(reading_text(e.text)) for e in load_examples()]
    texts += [t[i:j] for t in texts for i, j in [sorted(rnd.sample(range(len(t) + 1), 2))]]
    hits = skipped = 0
    for text in texts:
        grams = urgency._grams(text)
        for gated in _gated():
            found = gated.pattern.search(text) is not None
            assert gated.search(text, grams) is found, (gated.pattern.pattern[:80], text)
            hits += found
            skipped += bool(gated.strings) and gated.grams.isdisjoint(grams)
    # plenty of matches were compared, and the gate skipped most searches
    assert hits > 500 and skipped > 0.5 * len(texts) * len(_gated())


@pytest.mark.parametrize(("alternatives", "needed"), [
    ((r"\bнож(?:\b|ом)", r"п[иеы]столет"), {"нож", "столет"}),  # the longest fixed run of each alternative
    ((r"(?:сбил|наех)\w*\s+пешеход",), {"пешеход"}),  # a group's alternatives, or a run after it
    ((r"(?:выстрел|пальб)",), {"выстрел", "пальб"}),
    ((r"\bгаз\w{0,4}\b.{0,20}(?:пахн|запах)",), {"пахн", "запах"}),  # the set whose shortest string is longest
    ((r"(?<!не )\bгорит",), {"горит"}),  # a negative lookbehind requires nothing
    ((r"(?:a)?bc|x+yz",), {"bc", "yz"}),
])
def test_needed_strings(alternatives: tuple[str, ...], needed: set[str]) -> None:
    parsed = urgency._sre_parse.parse(any_of(*alternatives).pattern)
    assert urgency._needed(list(parsed)) == needed


@pytest.mark.parametrize("pattern", [r"\w+ый", r"(?:ab)?c", r"[^a]b", r"(?i)нож", r"бь(?:е|ё)т"])
def test_a_pattern_without_fixed_strings_of_three_letters_always_runs(pattern: str) -> None:
    gated = urgency._gated(re.compile(pattern))
    assert not gated.strings and gated.search("xyz", frozenset()) is (gated.pattern.search("xyz") is not None)
