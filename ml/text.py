"""Text normalisation shared by the lexicon-based detectors (language, urgency, PII), the router and the legal
assistant.

Text arrives from partner apps, Telegram and the shell with whatever a keyboard, app or copy-paste put in it:
`normalize_input` gives it one normal form before anything reads it. Without it a zero-width space or soft hyphen
inside a word ("изб\u200bили", Telegram and web pages carry them), a stress mark ("кра́жа", pasted from a dictionary)
or a decomposed letter hid the word from every lexicon and from the classifier: an urgent report was not flagged
urgent, a report went to triage or to the wrong department; and a lone surrogate (undecodable bytes in
`zan ml route`) crashed the embedder.

Citizens type Kazakh on Russian keyboards ("казир" for "қазір", "жок" for "жоқ"), so lexicons are written
against a *folded* form in which every Kazakh-specific letter is mapped to its closest Russian letter. One
pattern then matches both spellings without listing every variant.
"""

from __future__ import annotations

import importlib
import re
import unicodedata
from functools import lru_cache
from typing import Any

# CPython's own regex parser and opcodes, what `re` compiles with (private modules: no stubs, hence Any)
_sre: Any = importlib.import_module("re._constants")
_sre_parse: Any = importlib.import_module("re._parser")

KAZAKH_LETTERS = "әғқңөұүһі"

# Kazakh letter -> Russian keyboard substitute people actually type; ё is folded too
_FOLD = str.maketrans(
    {"ә": "а", "ғ": "г", "қ": "к", "ң": "н", "ө": "о", "ұ": "у", "ү": "у", "һ": "х", "і": "и", "ё": "е"}
)
_SPACES = re.compile(r"\s+")
# stress marks Russian text carries ("кра́жа", "за̀мок"): they split a word for the lexicons, the stemmer and the
# tokenizer
_STRESS = re.compile("[\u0300\u0301]")
_SURROGATES = re.compile("[\ud800-\udfff]")
# what may need a look after NFKC: anything neither a word character nor whitespace (format characters, marks,
# controls, punctuation) and digits (Arabic-Indic and other scripts' digits are \d too). Looking only at these keeps
# the common text, Cyrillic letters and spaces, out of a Python-level loop
_CANDIDATES = re.compile(r"[^\w\s]|\d")


# One report is read several times on its way in (language, urgency, the router's reading text: intake normalised it
# twice, a routing job three times), and normalising costs ~14 µs per 100 characters. The last few texts are kept:
# a str caches its hash, so asking again for the same text is a dictionary lookup.
@lru_cache(maxsize=128)
def normalize_input(text: str) -> str:
    """`text` in one normal form: NFKC (full-width letters and digits become plain ones), every digit an ASCII one,
    no stress marks, invisible format characters (zero-width spaces and joiners, soft hyphens, direction marks) or
    lone surrogates, control characters as spaces, whitespace runs as one space. What the router, the urgency and
    language detectors and the legal assistant read; nothing stores it (the citizen's text is kept as written)."""
    # surrogates first: NFKC and UTF-8 both refuse them. Stress marks go between decomposing and composing: composed
    # first, a stressed К would become another letter (Ќ), and a precomposed stressed и (ѝ) would keep its accent
    decomposed = unicodedata.normalize("NFD", _SURROGATES.sub("", text))
    composed = unicodedata.normalize("NFKC", _STRESS.sub("", decomposed))
    return " ".join(_CANDIDATES.sub(_normal_char, composed).split())


def _normal_char(match: re.Match[str]) -> str:
    ch = match.group()
    category = unicodedata.category(ch)
    if category == "Cf":
        return ""
    if category == "Nd":
        return str(unicodedata.decimal(ch))  # Arabic-Indic and other digits NFKC leaves
    return " " if category == "Cc" else ch


def normalize(text: str) -> str:
    """Lower-case, ё→е, collapse whitespace; Kazakh letters are kept."""
    return _SPACES.sub(" ", text.lower().replace("ё", "е")).strip()


def fold(text: str) -> str:
    """`normalize` plus Kazakh letters folded to Russian lookalikes (the form lexicon patterns are written in)."""
    return normalize(text).translate(_FOLD)


def any_of(*alternatives: str) -> re.Pattern[str]:
    """A pattern that tells whether any of `alternatives` occurs in a text. For yes/no `search` only: what it
    matches is the one character where an occurrence begins.

    Why: the lexicons' alternatives mostly begin with \\b, and then Python's `re` cannot skip any position: it tries
    every alternative at every character (the urgency lexicon took ~250 µs per report, a tenth of a registration's
    CPU). Led by a class of the characters an occurrence can begin with, the pattern lets `re` jump between those
    characters in C and checks the alternatives, unchanged, in a lookahead at each of them. The lookahead sits in a
    one-character lookbehind, so \\b still sees the character before. Every occurrence begins with one of those
    characters, so both forms find one in the same texts (tests/ml/test_text.py checks the bundled lexicons on every
    example). When the first characters cannot be known (\\w, an optional start), the plain pattern is used.
    """
    source = "|".join(f"(?:{a})" for a in alternatives)
    firsts = _first_chars(list(_sre_parse.parse(source)))
    if not firsts:
        return re.compile(source)
    lead = "".join(re.escape(c) for c in sorted(firsts))
    return re.compile(f"[{lead}](?<=(?=(?:{source}))[\\s\\S])")


def _first_chars(items: list[tuple[Any, Any]]) -> set[str] | None:
    """The characters a match of the parsed sequence can begin with; None when unknown or possibly empty."""
    for op, arg in items:
        if op in (_sre.AT, _sre.ASSERT, _sre.ASSERT_NOT):
            continue  # zero-width: the first character comes after
        if op is _sre.LITERAL:
            return {chr(arg)}
        if op is _sre.IN:
            chars: set[str] = set()
            for kind, value in arg:
                if kind is _sre.LITERAL:
                    chars.add(chr(value))
                elif kind is _sre.RANGE and value[1] - value[0] <= 256:
                    chars.update(chr(c) for c in range(value[0], value[1] + 1))
                else:  # a negated class, \\w, \\d, a wide range
                    return None
            return chars
        if op is _sre.SUBPATTERN:
            return _first_chars(list(arg[-1]))
        if op is _sre.BRANCH:
            union: set[str] = set()
            for branch in arg[1]:
                found = _first_chars(list(branch))
                if found is None:
                    return None
                union |= found
            return union
        if op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT, _sre.POSSESSIVE_REPEAT) and arg[0] >= 1:
            return _first_chars(list(arg[2]))
        return None
    return None  # only zero-width items: the pattern can match the empty string
