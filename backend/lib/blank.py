"""Whether a text a person must write says anything at all.

`str.strip()` knows only whitespace. A text of zero-width spaces, direction marks (U+200B, U+200E/F, U+202A–E,
U+2066–9), a byte order mark or a Hangul filler is as empty on every screen, yet strips to itself: a report of it
was registered, numbered and put in the dispatch queue with nothing to read, and an answer to a request for
information of it put the report back in work with no answer given. Such characters are format (Cf), control
(Cc) and separator (Z*) characters, marks that only modify the character before them (Mn, Me: accents, variation
selectors), and the few letters and symbols that render as nothing.
"""

from __future__ import annotations

import unicodedata

# letters and symbols that render as blank space (a common way round "may not be empty" checks)
_BLANK_GLYPHS = frozenset("\u115f\u1160\u2800\u3164\uffa0")
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Zs", "Zl", "Zp", "Mn", "Me"})


def _invisible(char: str) -> bool:
    return char.isspace() or char in _BLANK_GLYPHS or unicodedata.category(char) in _INVISIBLE_CATEGORIES


def blank(text: str) -> bool:
    """True for a text with nothing visible in it: empty, whitespace, or invisible characters only. Stops at the
    first visible character (intake's hot path: almost always the first)."""
    return all(_invisible(char) for char in text)
