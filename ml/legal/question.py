"""A citizen's question as the assistant reads it: one normal form whatever keyboard, app or copy-paste it came from.

Text arrives from Telegram, partner apps and the shell. Without this, "ст. １８８ УК" (full-width digits, some phone
keyboards) was answered "article １８８ not found", "кра́жа" (a stress mark pasted from a dictionary) matched no
theft article, and a lone surrogate (`zan legal ask` with undecodable bytes) crashed the embedder.
"""

from __future__ import annotations

import unicodedata

# stress marks Russian text carries ("кра́жа", "за̀мок"): they split a word for the stemmer and the tokenizer
_STRESS = frozenset({"\u0300", "\u0301"})


def normalize_question(question: str) -> str:
    """The question in one normal form: NFKC (full-width letters and digits become plain ones), every digit an
    ASCII one, no stress marks, invisible format characters (zero-width spaces, direction marks) or lone surrogates,
    control characters as spaces, whitespace runs as one space. Only the assistant reads this form; nothing stores
    it."""
    # stress marks go between decomposing and composing: composed first, a stressed К would become another letter
    # (Ќ), and a precomposed stressed и (ѝ) would keep its accent
    decomposed = unicodedata.normalize("NFD", "".join(ch for ch in question if not _unreadable(ch)))
    text = unicodedata.normalize("NFKC", "".join(ch for ch in decomposed if ch not in _STRESS))
    kept: list[str] = []
    for ch in text:
        category = unicodedata.category(ch)
        if category in {"Cf", "Cs"}:
            continue
        if category == "Nd":
            ch = str(unicodedata.decimal(ch))  # Arabic-Indic and other digits NFKC leaves: article numbers are ASCII
        kept.append(" " if category == "Cc" else ch)
    return " ".join("".join(kept).split())


def _unreadable(ch: str) -> bool:
    """A lone surrogate: NFKC and UTF-8 both refuse it, so it goes before anything else reads the text."""
    return "\ud800" <= ch <= "\udfff"
