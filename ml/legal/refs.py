"""Explicit article references in a question: "статья 188 УК", "ч. 2 ст. 190 УК РК", "ҚК 188-бап", "434 КоАП".

A citizen who names an article wants that article, not a semantic neighbour, so references are resolved before
retrieval. `resolve` returns the references that exist in the corpus, and the explicit ones ("статья 555 УК") that
do not, so the assistant can say so instead of answering with a neighbour.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ml.legal.codes import parse_code
from ml.legal.corpus import Corpus

_NUM = r"(\d{1,4}(?:-\d{1,2})?)"
# the code names a citizen actually writes, longest first so "уголовно-процессуальный кодекс" beats "кодекс"
_CODE_WORDS = (
    r"уголовно-процессуальн\w* кодекс\w*|уголовн\w* кодекс\w*|административн\w* процедурно-процессуальн\w* кодекс\w*"
    r"|кодекс\w* об административных правонарушениях|административн\w* кодекс\w*|гражданск\w* кодекс\w*"
    r"|трудов\w* кодекс\w*|семейн\w* кодекс\w*|кодекс\w* о браке"
    r"|қылмыстық-процестік кодекс\w*|қылмыстық кодекс\w*|әкімшілік кодекс\w*|азаматтық кодекс\w*|еңбек кодекс\w*"
    r"|неке\w* (?:және отбасы туралы )?кодекс\w*"
    r"|criminal procedure code|criminal code|administrative (?:offen[cs]es )?code|civil code|labou?r code|family code"
    r"|коап|коап рк|упк|аппк|кобс|ук|гк|тк|ҚК|қк|ҚПК|қпк|ӘҚБтК|әқбтк|ӘРПК|әрпк|АК|ЕК"
)
_CODE = rf"(?<![\w])(?P<code>{_CODE_WORDS})(?![\w])(?:\s+(?:рк|республики казахстан|қр)(?![\w]))?"
# not inside a word: "рост 180", "start 5" name no article
_ART_WORD = r"(?<!\w)(?:стать[яиеюй]|ст\.?|article|art\.?)"
_BAP = r"(?:-?\s?бап\w*)"
_PART_WORD = r"(?:ч\.|част\w*|part)"
_PATTERNS = (
    # "статья 188 УК", "ст.188 УК РК", "article 188 of the criminal code"
    re.compile(
        rf"{_ART_WORD}\s*(?P<art>{_NUM})\s*(?:,?\s*{_PART_WORD}\s*{_NUM}\s*)?(?:of the\s+)?{_CODE}", re.IGNORECASE
    ),
    # "УК РК статья 188", "ҚК 188-бап", "УК 188", "КоАП РК 434"
    re.compile(rf"{_CODE}[\s,]*(?:{_ART_WORD}\s*)?(?P<art>{_NUM})(?!\d)", re.IGNORECASE),
    # "188 статья УК", "188-бап ҚК", "434 КоАП"
    re.compile(rf"(?<![\d.])(?P<art>{_NUM})\s*(?:{_BAP}|{_ART_WORD})?\s*{_CODE}", re.IGNORECASE),
    # "188-бабы қылмыстық кодекстің" handled above; a bare "статья 188" / "188-бап" without a code
    re.compile(rf"(?:{_ART_WORD}\s*(?P<art>{_NUM}))|(?:(?<![\d.])(?P<art2>{_NUM}){_BAP})", re.IGNORECASE),
)
_PART = re.compile(
    r"(?:част[ьиюе]|ч\.|part|тармақ)\s*(\d{1,2}(?:-\d{1,2})?)|(\d{1,2}(?:-\d{1,2})?)\s*-?\s*бөлі\w*",
    re.IGNORECASE,
)
_PART_BEFORE = re.compile(r"(?:ч\.|част\w*|part)\s*$", re.IGNORECASE)
# without a code, an article number most likely means the codes citizens meet most
_DEFAULT_CODES = ("УК РК", "КоАП РК")


@dataclass(frozen=True, slots=True)
class ArticleRef:
    code: str
    article: str
    part: str | None = None


@dataclass(frozen=True, slots=True)
class MissingRef:
    """An explicit reference to an article the corpus does not have, with the codes it was looked up in (the named
    one, or the default codes when none was named)."""

    codes: tuple[str, ...]
    article: str


@dataclass(frozen=True, slots=True)
class _Mention:
    start: int
    code: str | None
    article: str
    # written with an article word ("статья", "ст.", "article", "-бап"): "УК 2014 года" is a year, not an article
    explicit: bool


_EXPLICIT = re.compile(rf"{_ART_WORD}|бап", re.IGNORECASE)


def _mentions(text: str) -> list[_Mention]:
    """Every article reference in `text`, in order of appearance, whether or not the corpus has it."""
    found: list[_Mention] = []
    for i, pattern in enumerate(_PATTERNS):
        for m in pattern.finditer(text):
            groups = m.groupdict()
            art = groups.get("art") or groups.get("art2")
            if not art:
                continue
            code = parse_code(re.sub(r"\s+", " ", groups["code"])) if groups.get("code") else None
            if i == len(_PATTERNS) - 1 and any(f.start <= m.start() < f.start + 40 for f in found):
                continue  # already resolved with a code by a stricter pattern
            if _PART_BEFORE.search(text[max(0, m.start() - 8) : m.start()]):
                continue  # "ч. 2 УК" is a part number, not article 2
            explicit = _EXPLICIT.search(text[m.start() : m.end() + 6]) is not None
            found.append(_Mention(m.start(), code, art, explicit))
        if found and i < len(_PATTERNS) - 1 and any(f.code for f in found):
            # a code-qualified reference exists: bare numbers elsewhere are amounts, not articles
            break
    return sorted(found, key=lambda f: f.start)


def resolve(text: str, corpus: Corpus) -> tuple[list[ArticleRef], list[MissingRef]]:
    """(references in `text` that exist in the corpus, in order of appearance, without duplicates; explicit
    references to articles the corpus does not have, without duplicates). A code name that cannot be resolved
    counts as no code named."""
    mentions = _mentions(text)
    return _found(text, corpus, mentions), _missing(corpus, mentions)


def _found(text: str, corpus: Corpus, mentions: list[_Mention]) -> list[ArticleRef]:
    part_m = _PART.search(text)
    part = (part_m.group(1) or part_m.group(2)) if part_m else None
    refs: list[ArticleRef] = []
    for mention in mentions:
        for c in (mention.code,) if mention.code else _DEFAULT_CODES:
            if c is None or not corpus.has(c, mention.article):
                continue
            p = part if part and corpus.has(c, mention.article, part) else None
            ref = ArticleRef(c, mention.article, p)
            if all((r.code, r.article) != (c, mention.article) for r in refs):
                refs.append(ref)
    return refs


def _missing(corpus: Corpus, mentions: list[_Mention]) -> list[MissingRef]:
    missing: list[MissingRef] = []
    for mention in mentions:
        codes = (mention.code,) if mention.code else _DEFAULT_CODES
        if not mention.explicit or any(corpus.has(c, mention.article) for c in codes):
            continue
        ref = MissingRef(codes, mention.article)
        if ref not in missing:
            missing.append(ref)
    return missing
