"""Legal help: cited answers from Kazakhstan's codes (Russian texts) and a curated FAQ, in kk/ru/en.

from ml.legal import LegalAssistant, build_index
build_index()                      # after data edits: re-embeds changed texts into ml/models/legal-index/
assistant = LegalAssistant.load()  # fast: reads the index, never re-embeds
assistant.ask("ұрлық үшін қандай жаза?").to_dict()

The names below are imported when first used, not with the package: the urgency patterns (`ml.urgency`) read ages with
`ml.legal.ages`, and the assistant imports `ml.urgency`, so importing a small reader of this package must not import
the assistant.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ml.legal.assistant import LegalAssistant
    from ml.legal.emergency import answer_if_urgent
    from ml.legal.index import LegalIndexError, build_index, default_index_dir, index_status
    from ml.legal.schemas import Citation, LegalAnswer

_WHERE = {
    "Citation": "ml.legal.schemas",
    "LegalAnswer": "ml.legal.schemas",
    "LegalAssistant": "ml.legal.assistant",
    "LegalIndexError": "ml.legal.index",
    "answer_if_urgent": "ml.legal.emergency",
    "build_index": "ml.legal.index",
    "default_index_dir": "ml.legal.index",
    "index_status": "ml.legal.index",
}

__all__ = [
    "Citation",
    "LegalAnswer",
    "LegalAssistant",
    "LegalIndexError",
    "answer_if_urgent",
    "build_index",
    "default_index_dir",
    "index_status",
]


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(_WHERE[name]), name)
