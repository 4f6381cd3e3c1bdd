"""A citizen's question as the assistant reads it: one normal form whatever keyboard, app or copy-paste it came from.

Text arrives from Telegram, partner apps and the shell. Without this, "ст. １８８ УК" (full-width digits, some phone
keyboards) was answered "article １８８ not found", "кра́жа" (a stress mark pasted from a dictionary) matched no
theft article, and a lone surrogate (`zan legal ask` with undecodable bytes) crashed the embedder.
"""

from __future__ import annotations

from ml.text import normalize_input


def normalize_question(question: str) -> str:
    """The question in one normal form (ml.text.normalize_input, the form routing and urgency read too): NFKC
    (full-width letters and digits become plain ones), every digit an ASCII one, no stress marks, invisible format
    characters (zero-width spaces, direction marks) or lone surrogates, control characters as spaces, whitespace runs
    as one space. Only the assistant reads this form; nothing stores it."""
    return normalize_input(question)
