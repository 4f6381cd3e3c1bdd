"""Kazakh typed on a Russian keyboard, without the Kazakh letters (ә→а, і→и, қ→к, ң→н, ғ→г, ү/ұ→у, ө→о, һ→х), is
Kazakh. Many citizens type so (no Kazakh layout on the phone): ml.lang read more than half of such reports as Russian
("Акиматка жиберилди"), so the timeline, the pushes and the bot answered them in Russian, against the rule that the
answer goes in the language of the appeal, and routing read them with the Russian side's cues."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ml.dataset import load_examples
from ml.lang import detect_language
from ml.text import fold

LEGAL_EVAL = Path(__file__).resolve().parents[2] / "ml" / "data" / "legal"


@pytest.mark.parametrize(
    "text",
    [
        "Акиматка жиберилди",
        "коршиler тобелесип жатыр",  # a keyboard switched mid-word
        "балам жогалып кетти комектесиндер",
        "подъезде закладка таптык, не истеймиз",
        "кешеден бери баламнын телефоны оширули",
        "коршилер тунде катты музыка кояды",
        "Полиция келмеди",  # a loan both languages write alike, and a Kazakh verb
        # a Russian greeting or Russian loans in a Kazakh report
        "Здравствуйте, коршилер тобелесип жатыр, полиция шакырыныздар",
        "участковый дореки сойледи, устинен жалоба жазгым келеди",
        # the same typed in Latin letters, chat spelling
        "korshiler tunde katty muzyka koyady",
        # a loan with a Kazakh ending is Kazakh though its stem looks Russian, alone or beside another Kazakh word
        "Телефонмен сойлести",
        "Велосипедимди урлады",
        "Студенттер тобелесип жатыр",
    ],
)
def test_kazakh_without_its_letters_is_kazakh(text: str) -> None:
    assert detect_language(text) == "kk"


def _texts(language: str) -> list[str]:
    """The bundled examples and legal eval questions in `language`."""
    texts = [e.text for e in load_examples() if e.language == language]
    for name in ("eval_questions.json", "eval_questions_v2.json"):
        questions = json.loads((LEGAL_EVAL / name).read_text(encoding="utf-8"))["questions"]
        texts += [q["question"] for q in questions if q["lang"] == language]
    return texts


def test_bundled_kazakh_texts_typed_without_kazakh_letters_are_kazakh() -> None:
    texts = _texts("kk")
    wrong = [fold(text) for text in texts if detect_language(fold(text)) != "kk"]
    # 461 of 816 were read as Russian; a sliver is left for the odd text made of loans and names alone
    assert len(wrong) <= len(texts) * 0.01, wrong[:10]


def test_bundled_russian_texts_stay_russian_when_folded() -> None:
    # folding changes a Russian text only where it names a Kazakh street or place ("Қабанбай батыра")
    wrong = [text for text in _texts("ru") if detect_language(fold(text)) != "ru"]
    assert wrong == []
