"""The curated FAQ: common citizen questions with short reviewed answers in ru/kk/en, each tied to articles.

The FAQ is data (`ml/data/legal/faq.json`); this module only loads and validates it. Validation is strict because
an FAQ answer is shown verbatim to citizens: every citation must exist in the corpus.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ml.legal.corpus import Corpus

FAQ_PATH = Path(__file__).resolve().parent.parent / "data" / "legal" / "faq.json"
LANGUAGES = ("ru", "kk", "en")
# what the citizen should do next; the bot renders each as a button or a phone number
ACTIONS = frozenset({"report", "call_102", "call_112", "legal_aid", "complain_officer", "info"})


@dataclass(frozen=True, slots=True)
class FaqCitation:
    code: str
    article: str
    part: str | None = None


@dataclass(frozen=True, slots=True)
class FaqItem:
    id: str
    topic: str
    questions: dict[str, tuple[str, ...]]
    answer: dict[str, str]
    citations: tuple[FaqCitation, ...]
    suggested_action: str


class FaqError(ValueError):
    """The FAQ file is malformed or cites something that is not in the corpus."""


def _parse_item(raw: dict[str, object]) -> FaqItem:
    questions = raw.get("questions")
    answer = raw.get("answer")
    cites = raw.get("citations")
    if not isinstance(questions, dict) or not isinstance(answer, dict) or not isinstance(cites, list):
        raise FaqError(f"FAQ item {raw.get('id')!r}: questions/answer/citations missing")
    return FaqItem(
        id=str(raw["id"]),
        topic=str(raw.get("topic", "")),
        questions={lang: tuple(str(q) for q in questions.get(lang, ())) for lang in LANGUAGES},
        answer={lang: str(answer.get(lang, "")) for lang in LANGUAGES},
        citations=tuple(
            FaqCitation(str(c["code"]), str(c["article"]), str(c["part"]) if c.get("part") else None) for c in cites
        ),
        suggested_action=str(raw.get("suggested_action", "info")),
    )


def load_faq(path: Path = FAQ_PATH) -> list[FaqItem]:
    raw = json.loads(path.read_text(encoding="utf-8"))
    return [_parse_item(item) for item in raw["items"]]


@lru_cache(maxsize=2)
def cached_faq(path: Path = FAQ_PATH) -> tuple[FaqItem, ...]:
    return tuple(load_faq(path))


def validate_faq(items: list[FaqItem] | tuple[FaqItem, ...], corpus: Corpus) -> list[str]:
    """Problems found (empty list = valid): ids, languages, answers, actions, and that every citation exists."""
    problems: list[str] = []
    seen: set[str] = set()
    for item in items:
        if item.id in seen:
            problems.append(f"{item.id}: duplicate id")
        seen.add(item.id)
        for lang in ("ru", "kk"):
            if len(item.questions.get(lang, ())) < 2:
                problems.append(f"{item.id}: fewer than 2 {lang} question variants")
        for lang in LANGUAGES:
            if not item.answer.get(lang, "").strip():
                problems.append(f"{item.id}: no {lang} answer")
        if item.suggested_action not in ACTIONS:
            problems.append(f"{item.id}: unknown action {item.suggested_action!r}")
        if not item.citations:
            problems.append(f"{item.id}: no citations")
        for c in item.citations:
            art = corpus.article(c.code, c.article)
            if art is None:
                problems.append(f"{item.id}: {c.code} {c.article} not in corpus")
            elif art.repealed:
                problems.append(f"{item.id}: {c.code} {c.article} is repealed")
            elif not corpus.has(c.code, c.article, c.part):
                problems.append(f"{item.id}: {c.code} {c.article} has no part {c.part}")
    return problems
