"""Explicit article references in a question: "статья 188 УК", "ч. 2 ст. 190 УК РК", "ҚК 188-бап", "434 КоАП".

A citizen who names an article wants that article, not a semantic neighbour, so references are resolved before
retrieval. Only references that exist in the corpus are ever returned.
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
_ART_WORD = r"(?:стать[яиеюй]|ст\.?|article|art\.?)"
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


def find_refs(text: str, corpus: Corpus) -> list[ArticleRef]:
    """Article references in `text` that exist in the corpus, in order of appearance, without duplicates."""
    found: list[tuple[int, str | None, str]] = []
    for i, pattern in enumerate(_PATTERNS):
        for m in pattern.finditer(text):
            groups = m.groupdict()
            art = groups.get("art") or groups.get("art2")
            if not art:
                continue
            code = parse_code(re.sub(r"\s+", " ", groups["code"])) if groups.get("code") else None
            if i == len(_PATTERNS) - 1 and any(pos <= m.start() < pos + 40 for pos, _, _ in found):
                continue  # already resolved with a code by a stricter pattern
            if _PART_BEFORE.search(text[max(0, m.start() - 8) : m.start()]):
                continue  # "ч. 2 УК" is a part number, not article 2
            found.append((m.start(), code, art))
        if found and i < len(_PATTERNS) - 1 and any(code for _, code, _ in found):
            # a code-qualified reference exists: bare numbers elsewhere are amounts, not articles
            break
    part_m = _PART.search(text)
    part = (part_m.group(1) or part_m.group(2)) if part_m else None
    refs: list[ArticleRef] = []
    for _, code, art in sorted(found, key=lambda f: f[0]):
        for c in (code,) if code else _DEFAULT_CODES:
            if c is None or not corpus.has(c, art):
                continue
            p = part if part and corpus.has(c, art, part) else None
            ref = ArticleRef(c, art, p)
            if all((r.code, r.article) != (c, art) for r in refs):
                refs.append(ref)
    return refs
