"""How people type: Cyrillic on a Latin keyboard, and Latin lookalikes inside Cyrillic words. The routing and legal
benchmarks retype their held-out questions with these, to measure ml/translit.py's reading them back."""

from __future__ import annotations

# How people type Cyrillic on a Latin keyboard (chat spelling: no diacritics, Kazakh letters as their nearest Latin
# letter). Written independently of ml/translit.py, which reads such text back: the round trip is lossy (і/и/ы,
# ү/ұ/у and ә/а fall together), as it is for real typists.
_TO_LATIN = str.maketrans({
    "а": "a", "ә": "a", "б": "b", "в": "v", "г": "g", "ғ": "g", "д": "d", "е": "e", "ё": "yo", "ж": "zh", "з": "z",
    "и": "i", "й": "i", "і": "i", "к": "k", "қ": "q", "л": "l", "м": "m", "н": "n", "ң": "n", "о": "o", "ө": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ұ": "u", "ү": "u", "ф": "f", "х": "kh", "һ": "h", "ц": "ts",
    "ч": "ch", "ш": "sh", "щ": "sh", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya",
})


def typed_in_latin(text: str) -> str:
    return text.lower().translate(_TO_LATIN)


_LATIN_LOOKALIKES = str.maketrans("аеоср", "aeocp")


def with_lookalikes(text: str) -> str:
    """Every other word with its а, е, о, с, р typed as the Latin lookalikes (a keyboard switched mid-word, or
    text pasted from somewhere that did)."""
    return " ".join(word.translate(_LATIN_LOOKALIKES) if i % 2 else word for i, word in enumerate(text.split(" ")))
