"""Text normalisation shared by the lexicon-based detectors (language, urgency, PII).

Citizens type Kazakh on Russian keyboards ("казир" for "қазір", "жок" for "жоқ"), so lexicons are written
against a *folded* form in which every Kazakh-specific letter is mapped to its closest Russian letter. One
pattern then matches both spellings without listing every variant.
"""

from __future__ import annotations

import re

KAZAKH_LETTERS = "әғқңөұүһі"

# Kazakh letter -> Russian keyboard substitute people actually type; ё is folded too
_FOLD = str.maketrans(
    {"ә": "а", "ғ": "г", "қ": "к", "ң": "н", "ө": "о", "ұ": "у", "ү": "у", "һ": "х", "і": "и", "ё": "е"}
)
_SPACES = re.compile(r"\s+")


def normalize(text: str) -> str:
    """Lower-case, ё→е, collapse whitespace; Kazakh letters are kept."""
    return _SPACES.sub(" ", text.lower().replace("ё", "е")).strip()


def fold(text: str) -> str:
    """`normalize` plus Kazakh letters folded to Russian lookalikes (the form lexicon patterns are written in)."""
    return normalize(text).translate(_FOLD)
