"""Legal help: cited answers from Kazakhstan's codes (Russian texts) and a curated FAQ, in kk/ru/en.

from ml.legal import LegalAssistant, build_index
build_index()                      # after data edits: re-embeds changed texts into ml/models/legal-index/
assistant = LegalAssistant.load()  # fast: reads the index, never re-embeds
assistant.ask("ұрлық үшін қандай жаза?").to_dict()
"""

from ml.legal.assistant import LegalAssistant
from ml.legal.emergency import answer_if_urgent
from ml.legal.index import LegalIndexError, build_index, default_index_dir, index_status
from ml.legal.schemas import Citation, LegalAnswer

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
