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

# a year directly followed by "года"/"г."/"жылғы" is no article: "УК 2014 года статья 188" names article 188, not
# 2014. Only 19xx/20xx: "статья 188 г. Алматы" is article 188 and the city. The number is taken whole ((?<!\d),
# (?!\d|-\d)), so "2014 года" cannot shrink to an article "201" or "014".
_YEAR_WORD = r"(?:год\w*|г\.|г(?!\w)|жыл\w*|ж\.)"
_YEAR = rf"(?:19|20)\d\d\s*{_YEAR_WORD}"
# up to six digits: no code has an article past 4 digits, but "статья 18888 УК" or "ҚК 00188-бап" is still a reference
# the citizen wrote (a typo to say is not found, or leading zeros), never a search that answers with a neighbour
_NUM = rf"(?<!\d)(?!{_YEAR})(\d{{1,6}}(?:-\d{{1,2}})?)(?!\d|-\d)"
_LEADING_ZEROS = re.compile(r"^0+(?=\d)")
# more significant digits than any article has: without an article word ("штраф 50000 КоАП") it is an amount
_ARTICLE_DIGITS = 4
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
# "бап" softens before a vowel: "188-бабы", "188-бабының" (only after a hyphen: "2 бабы" is Russian for "two women")
_BAP = r"(?:-?\s?бап\w*|-\s?баб[ыі]\w*)"
_PART_WORD = r"(?:ч\.|част\w*|part)"
_PATTERNS = (
    # "статья 188 УК", "ст.188 УК РК", "article 188 of the criminal code"
    re.compile(
        rf"{_ART_WORD}\s*(?P<art>{_NUM})\s*(?:,?\s*{_PART_WORD}\s*{_NUM}\s*)?(?:of the\s+)?{_CODE}", re.IGNORECASE
    ),
    # "УК РК статья 188", "ҚК 188-бап", "УК 188", "КоАП РК 434", "УК 2014 года статья 188"
    re.compile(rf"{_CODE}(?:\s+(?:от\s+)?{_YEAR})?[\s,]*(?:{_ART_WORD}\s*)?(?P<art>{_NUM})(?!\d)", re.IGNORECASE),
    # "188 статья УК", "188-бап ҚК", "434 КоАП"
    re.compile(rf"(?<![\d.])(?P<art>{_NUM})\s*(?:{_BAP}|{_ART_WORD})?\s*{_CODE}", re.IGNORECASE),
    # a bare "статья 188" / "188-бап" / "188-бабы" without a code
    re.compile(rf"(?:{_ART_WORD}\s*(?P<art>{_NUM}))|(?:(?<![\d.])(?P<art2>{_NUM}){_BAP})", re.IGNORECASE),
)
_PART = re.compile(
    r"(?<!\w)(?:част(?:ью|ь|и|ю|е)|ч\.|part|тармақ)\s*(\d{1,2}(?:-\d{1,2})?)(?!\d)"
    r"|(?<![\d.])(\d{1,2}(?:-\d{1,2})?)\s*-?\s*бөлі\w*",
    re.IGNORECASE,
)
# what may stand between a part and the article it belongs to: the part first ("ч. 2 ст. 188", "part 2 of article
# 188"), or the article first ("ст. 434 КоАП ч. 1", "статьи 188 части 2", "188-баптың 2-бөлігі", "ҚК 188-бабының
# 2-бөлігі": the pattern that found "ҚК 188" stops before "-бабының")
_PART_THEN_ARTICLE = re.compile(r"[\s,]*(?:of\s+(?:the\s+)?)?", re.IGNORECASE)
_ARTICLE_THEN_PART = re.compile(rf"[\s,:(]*(?:{_BAP}[\s,]*)?", re.IGNORECASE)
_PART_BEFORE = re.compile(r"(?:ч\.|част\w*|part)\s*$", re.IGNORECASE)
# without a code, an article number most likely means the codes citizens meet most
_DEFAULT_CODES = ("УК РК", "КоАП РК")


# the words a reference is made of, and nothing else: a question of only these ("188", "статья", "ч. 2", "кодекс",
# "Article") asks about no matter, and retrieval would still rank some article first and quote it as the answer
_NOT_A_LETTER = r"(?![^\W\d_])"
_SCAFFOLD = re.compile(
    rf"{_CODE}|(?<!\w)(?:стать[яиеюй]|ст|article|art|ч|част[ьиюе]|part|п|пункт\w*|тармақ\w*|бап\w*|баб[ыі]\w*"
    rf"|бөлі\w*|кодекс\w*|code|рк|қр"
    # a word naming the law in general ("закон", "право", "заң", "law") asks about no matter either: "закон" alone
    # quoted УК 6 (the retroactivity of criminal law) as "the provision that applies"
    rf"|закон\w*|законодательств\w*|прав[оа]?|заң\w*|laws?|legislation){_NOT_A_LETTER}|\d+",
    re.IGNORECASE,
)
_WORD = re.compile(r"[^\W\d_]{2,}")


def asks_about_something(text: str) -> bool:
    """Whether `text` has a word besides article numbers, article and part words and code names."""
    return _WORD.search(_SCAFFOLD.sub(" ", text)) is not None


@dataclass(frozen=True, slots=True)
class ArticleRef:
    code: str
    article: str
    part: str | None = None
    # the part the question named, when the article has no such part: answered with the article and a note that
    # the part was not found, never with a neighbouring part
    missing_part: str | None = None


@dataclass(frozen=True, slots=True)
class MissingRef:
    """An explicit reference to an article the corpus does not have, with the codes it was looked up in (the named
    one, or the default codes when none was named)."""

    codes: tuple[str, ...]
    article: str


@dataclass(frozen=True, slots=True)
class _Mention:
    start: int
    end: int
    code: str | None
    article: str
    # written with an article word ("статья", "ст.", "article", "-бап"): "УК 1997" may be a year without "года"
    explicit: bool


_EXPLICIT = re.compile(rf"{_ART_WORD}|бап|-\s?баб[ыі]", re.IGNORECASE)


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
            art = _LEADING_ZEROS.sub("", art)
            if len(art.split("-")[0]) > _ARTICLE_DIGITS and not explicit:
                continue
            found.append(_Mention(m.start(), m.end(), code, art, explicit))
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


def _parts(text: str, mentions: list[_Mention]) -> dict[int, str]:
    """The part named for each mention (by its index): a part belongs to the article reference it is written next
    to, so "ч. 2 ст. 188 УК и ст. 434 КоАП" asks for part 2 of 188 only."""
    bound: dict[int, str] = {}
    loose: list[str] = []
    for m in _PART.finditer(text):
        part = m.group(1) or m.group(2)
        inside = [i for i, f in enumerate(mentions) if f.start <= m.start() < f.end]  # "ст. 190 ч. 2 УК"
        after = [i for i, f in enumerate(mentions) if f.start >= m.end()
                 and _PART_THEN_ARTICLE.fullmatch(text, m.end(), f.start)]
        before = [i for i, f in enumerate(mentions) if f.end <= m.start()
                  and _ARTICLE_THEN_PART.fullmatch(text, f.end, m.start())]
        # "ст. 188 УК, ч. 2 ст. 434 КоАП": a part right before an article word is that article's
        for i in (inside or after or before)[:1]:
            bound.setdefault(i, part)
        if not (inside or after or before):
            loose.append(part)
    if len(mentions) == 1 and not bound and len(loose) == 1:
        bound[0] = loose[0]  # one article and one part, apart ("статья 188 УК — что в части 3?"): nothing to confuse
    return bound


def _found(text: str, corpus: Corpus, mentions: list[_Mention]) -> list[ArticleRef]:
    parts = _parts(text, mentions)
    refs: list[ArticleRef] = []
    for i, mention in enumerate(mentions):
        codes = [c for c in ((mention.code,) if mention.code else _DEFAULT_CODES) if corpus.has(c, mention.article)]
        part = parts.get(i)
        with_part = [c for c in codes if part and corpus.has(c, mention.article, part)]
        for c in codes:
            if c in with_part:
                ref = ArticleRef(c, mention.article, part)
            elif part and not with_part:
                # no code we looked in has that part: say so rather than quote a neighbouring part as the answer
                ref = ArticleRef(c, mention.article, None, missing_part=part)
            else:
                ref = ArticleRef(c, mention.article)
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
