"""The curated FAQ: common citizen questions with short reviewed answers in ru/kk/en, each tied to articles.

The FAQ is data (`ml/data/legal/faq.json`); this module only loads and validates it. Validation is strict because
an FAQ answer is shown verbatim to citizens: every citation must exist in the corpus.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from ml.legal.corpus import Corpus
from ml.legal.lexicon import Words, query_terms

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
    # who the item is about, when items of one topic differ only by that (a missing child, a missing adult): the
    # words naming that person (see `for_whom`)
    who: Words = field(default_factory=Words)
    # the ages (inclusive) of that person: an age the question states decides before any word does ("младший брат,
    # ему 10 лет" is a child, "сын 40 лет" an adult; a sibling or a son is either)
    who_ages: tuple[int, int] | None = None
    # the glossary's readings of a question (`ml.legal.lexicon.InContext.reading`) the item answers only under
    # (any of `read_as`) or never under (any of `not_read_as`): the lawful-entry item answers officials entering, not
    # every question naming the police next to an entering verb ("сосед залез в квартиру, полицию вызвали")
    read_as: frozenset[str] = frozenset()
    not_read_as: frozenset[str] = frozenset()

    def reads(self, readings: frozenset[str]) -> bool:
        """Whether a question read as `readings` may be answered by this item."""
        return (not self.read_as or bool(self.read_as & readings)) and not self.not_read_as & readings


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
        who=Words.of(w for lang in LANGUAGES for w in _word_lists(raw.get("who")).get(lang, ())),
        who_ages=_ages(raw.get("who_ages")),
        read_as=frozenset(str(r) for r in _listed(raw.get("read_as"))),
        not_read_as=frozenset(str(r) for r in _listed(raw.get("not_read_as"))),
    )


def _ages(raw: object) -> tuple[int, int] | None:
    if raw is None:
        return None
    if not (isinstance(raw, list) and len(raw) == 2 and all(isinstance(a, int) for a in raw) and raw[0] <= raw[1]):
        raise FaqError(f"who_ages must be [youngest, oldest], not {raw!r}")
    return raw[0], raw[1]


def _listed(raw: object) -> list[object]:
    return list(raw) if isinstance(raw, list) else []


def _word_lists(raw: object) -> dict[str, list[str]]:
    return {str(k): [str(w) for w in v] for k, v in raw.items() if isinstance(v, list)} if isinstance(raw, dict) else {}


def load_faq(path: Path = FAQ_PATH) -> list[FaqItem]:
    raw = json.loads(path.read_text(encoding="utf-8"))
    return [_parse_item(item) for item in raw["items"]]


@lru_cache(maxsize=2)
def cached_faq(path: Path = FAQ_PATH) -> tuple[FaqItem, ...]:
    return tuple(load_faq(path))


def for_whom(items: Sequence[FaqItem], named: Callable[[FaqItem], bool],
             age: int | None = None) -> dict[str, FaqItem]:
    """Which item answers instead of which, by the person a question names (`named`: whether the question names an
    item's `who`). Items of one topic listing `who` tell the same matter for different people and cite the same
    articles: "муж не пришёл домой" is worded like the missing-child item's "сын не пришёл из школы" and scored
    nearest to it, but a husband is no child. An item whose person the question does not name yields to the one
    sibling whose person it does; when it names both or neither, the scores decide. An `age` the question states
    (`ml.legal.ages.stated_age`) names the item whose `who_ages` hold it, whatever words it uses."""
    by_topic: dict[str, list[FaqItem]] = {}
    for item in items:
        if item.who.phrases:
            by_topic.setdefault(item.topic, []).append(item)
    out: dict[str, FaqItem] = {}
    for group in by_topic.values():
        aged = [item for item in group if age is not None and item.who_ages is not None
                and item.who_ages[0] <= age <= item.who_ages[1]]
        chosen = aged or [item for item in group if named(item)]
        if len(chosen) == 1:
            out.update((item.id, chosen[0]) for item in group if item is not chosen[0])
    return out


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
    problems.extend(_who_problems(items))
    problems.extend(_reading_problems(items))
    return problems


def _reading_problems(items: Sequence[FaqItem]) -> list[str]:
    """An item's own ru/kk questions must read as it answers (`FaqItem.reads`): one that does not is never answered
    by the item it belongs to, and the glossary rule behind the reading misses that wording."""
    return [
        f"{item.id}: its {lang} question {q!r} is not read as the item needs"
        for item in items
        if item.read_as or item.not_read_as
        for lang in ("ru", "kk")
        for q in item.questions.get(lang, ())
        if not item.reads(query_terms(q, lang).readings)
    ]


def _who_problems(items: Sequence[FaqItem]) -> list[str]:
    """Items listing `who` answer for one another (`for_whom`), so each needs a sibling of its topic citing the same
    articles: one answering instead of another must not change the law cited."""
    problems = []
    for item in items:
        if not item.who.phrases:
            continue
        articles = {(c.code, c.article) for c in item.citations}
        siblings = [o for o in items if o is not item and o.topic == item.topic and o.who.phrases]
        if not siblings:
            problems.append(f"{item.id}: lists who but no other {item.topic!r} item does")
        problems.extend(
            f"{item.id}: cites other articles than {o.id}, which answers for it by who"
            for o in siblings
            if {(c.code, c.article) for c in o.citations} != articles
        )
    return problems
