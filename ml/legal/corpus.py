"""The legal knowledge base: Kazakh codes (Russian text, adilet.zan.kz, early 2026) split into citable chunks.

Each article is cleaned once (hyperlink line wraps joined, amendment footnotes "Сноска…" moved out of the
retrievable text, repealed items dropped) and split into parts ("1.", "2.", "3-1.", "Примечание."); long parts are
split further at paragraph boundaries so that an excerpt never has to quote a whole page. A chunk always keeps
code + article + part + title, which is exactly what a citation needs.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from ml.legal.codes import CODE_BY_KEY, CODES, CodeInfo, parse_code

__all__ = ["CODES", "CODE_BY_KEY", "Article", "Chunk", "CodeInfo", "Corpus", "Part", "load_corpus", "parse_code"]

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "legal"
RU_ARTICLES = DATA_DIR / "kz_codes_ru_articles.jsonl.gz"
KK_SAMPLE = DATA_DIR / "kz_codes_kk_sample.jsonl"
# bump when cleaning/chunking changes: the index is keyed by it, so a stale index is detected, not silently used
CHUNKER_VERSION = "7"
MAX_CHUNK_CHARS = 1200


# names as they appear in the source dump -> our citation key
_SOURCE_CODE = {
    "УК РК": "УК РК",
    "КоАП РК": "КоАП РК",
    "УПК РК": "УПК РК",
    "ГК РК (Общая часть)": "ГК РК",
    "Кодекс РК о браке (супружестве) и семье": "КоБС РК",
    "Трудовой кодекс РК": "ТК РК",
    "Административный процедурно-процессуальный кодекс РК": "АППК РК",
    "ҚР Қылмыстық кодексі (УК РК)": "УК РК",
    "ҚР Әкімшілік құқық бұзушылық туралы кодексі (КоАП РК)": "КоАП РК",
}


@dataclass(frozen=True, slots=True)
class Part:
    """A numbered part of an article ("1", "3-1", "note") or None for an unnumbered article, with its text."""

    label: str | None
    text: str


@dataclass(frozen=True, slots=True)
class Article:
    code: str
    article: str
    title: str
    chapter: str | None
    parts: tuple[Part, ...]
    amendments: tuple[str, ...] = ()
    repealed: bool = False

    @property
    def text(self) -> str:
        return "\n".join(p.text for p in self.parts)


@dataclass(frozen=True, slots=True)
class Chunk:
    """The unit of lexical retrieval and of quoting; `index` is its row in the index matrices."""

    index: int
    code: str
    article: str
    part: str | None
    title: str
    text: str


@dataclass(slots=True)
class Corpus:
    articles: dict[tuple[str, str], Article]
    chunks: list[Chunk]
    kk_titles: dict[tuple[str, str], str] = field(default_factory=dict)
    kk_texts: dict[tuple[str, str], str] = field(default_factory=dict)
    _by_article: dict[tuple[str, str], list[Chunk]] = field(default_factory=dict, repr=False)

    def article(self, code: str, article: str) -> Article | None:
        return self.articles.get((code, article))

    def has(self, code: str, article: str, part: str | None = None) -> bool:
        """True when the citation exists (part None = the article as a whole)."""
        art = self.articles.get((code, article))
        if art is None:
            return False
        return part is None or any(p.label == part for p in art.parts)

    def __post_init__(self) -> None:
        # built eagerly: a lazy build would race between request threads
        for c in self.chunks:
            self._by_article.setdefault((c.code, c.article), []).append(c)

    def chunks_of(self, code: str, article: str) -> list[Chunk]:
        return list(self._by_article.get((code, article), ()))


_PART_START = re.compile(r"^(\d+(?:-\d+)?)\.\s+(?=\S)")
_ITEM_REPEALED = re.compile(r"^\d+(?:-\d+)?\)\s*(?:исключен|утратил)", re.IGNORECASE)
_PART_REPEALED = re.compile(r"^\d+(?:-\d+)?\.\s*(?:исключен|утратил)", re.IGNORECASE)
# a part glued to the previous paragraph by a hyperlink wrap: "…Казахстан. 2. Исключен Законом…"
_EMBEDDED_PART = re.compile(r"(?<=[.;:)])\s+(?=\d+(?:-\d+)?\.\s+[А-ЯЁ])")
# the dump sometimes glues the next chapter's heading to an article's last line: "…представительство. Глава 18. Меры"
_TRAILING_HEADING = re.compile(r"\s+(?:Глава|Раздел|Параграф)\s+\d+(?:-\d+)?\.\s+[^.]*$")
_COURT_NOTE = re.compile(
    r"Нормативным постановлением Конституционного Суда.*?(?:Конституции Республики Казахстан|Конституции РК)\.?"
)
_ARTICLE_REPEALED = re.compile(r"^(?:статья\s+\S+\s+)?(?:исключена|утратила силу)", re.IGNORECASE)
_FOOTNOTE = re.compile(r"^Сноска\b")
_NOTE = re.compile(r"^Примечани[ея]\.?")
_SPACES = re.compile(r"[ \t\u00a0]+")
# paragraphs are indented with non-breaking spaces; a wrap around a hyperlink is not (or by one space)
_INDENT = re.compile(r"^[ \u00a0]{4,}")
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([,.;:)])")
_SPACE_AFTER_OPEN = re.compile(r"\(\s+")


def _paragraphs(raw: str) -> list[str]:
    """Join the dump's hyperlink line wraps: a real paragraph starts with indentation (or is the first line)."""
    paras: list[str] = []
    for i, line in enumerate(raw.split("\n")):
        if i == 0 or _INDENT.match(line):
            paras.append(line.strip())
        elif paras:
            paras[-1] = f"{paras[-1]} {line.strip()}"
    out = []
    for p in paras:
        p = _SPACE_AFTER_OPEN.sub("(", _SPACE_BEFORE_PUNCT.sub(r"\1", _SPACES.sub(" ", p))).strip()
        if p:
            out.append(p)
    return out


def clean_article(raw: str) -> tuple[list[str], list[str]]:
    """Split raw text into (retrievable paragraphs, editorial notes); repealed parts and items are dropped.

    Editorial notes are the amendment footnotes ("Сноска…"), the codification institute's notices of amendments
    already adopted but not yet in force ("Примечание ИЗПИ!" + the next paragraph) and Constitutional Court
    remarks. They matter to a lawyer checking the version but must not be quoted as the law itself.
    """
    body: list[str] = []
    notes: list[str] = []
    izpi_pending = False
    for para in _paragraphs(raw):
        for p in _EMBEDDED_PART.split(para):
            if izpi_pending:
                notes.append(p)
                izpi_pending = False
                continue
            for m in _COURT_NOTE.finditer(p):
                notes.append(m.group(0))
            p = _COURT_NOTE.sub("", p).strip()
            izpi = p.find("Примечание ИЗПИ")
            if izpi >= 0:
                notes.append(p[izpi:])
                p = p[:izpi].strip()
                izpi_pending = True
            glued = p.find(" Сноска")
            if glued > 0:
                # a footnote glued to the end of a paragraph by a line wrap
                notes.append(p[glued + 1 :])
                p = p[:glued].strip()
            if not p:
                continue
            if _FOOTNOTE.match(p):
                notes.append(p)
            elif not (_ITEM_REPEALED.match(p) or _PART_REPEALED.match(p)):
                body.append(p)
    if body:
        body[-1] = _TRAILING_HEADING.sub("", body[-1])
    return body, notes


def _part_key(label: str) -> tuple[int, ...]:
    return tuple(int(x) for x in label.split("-"))


def split_parts(paragraphs: Iterable[str]) -> list[Part]:
    """Group paragraphs into numbered parts; items "1)", "2)" and sanctions ("влечет…") belong to their part.

    Numbered paragraphs inside a note ("Примечания. 1. … 2. …") stay in the note unless the number continues the
    article's part sequence (a note in the middle of an article, followed by part 4).
    """
    parts: list[tuple[str | None, list[str]]] = []
    last: tuple[int, ...] = ()
    notes = 0
    for p in paragraphs:
        m = _PART_START.match(p)
        in_note = bool(parts) and str(parts[-1][0]).startswith("note")
        # a label must stay unique within the article, or a citation "part 1" would be ambiguous
        if m and _part_key(m.group(1)) > last:
            parts.append((m.group(1), [p]))
            last = _part_key(m.group(1))
        elif _NOTE.match(p) and not in_note:
            notes += 1
            parts.append(("note" if notes == 1 else f"note-{notes}", [p]))
        elif parts:
            parts[-1][1].append(p)
        else:
            parts.append((None, [p]))
    return [Part(label, "\n".join(ps)) for label, ps in parts]


def _split_long(text: str, limit: int = MAX_CHUNK_CHARS) -> list[str]:
    """Split a long part at paragraph (then sentence) boundaries into pieces of at most ~`limit` characters."""
    if len(text) <= limit:
        return [text]
    units: list[str] = []
    for para in text.split("\n"):
        if len(para) <= limit:
            units.append(para)
        else:
            units.extend(s for s in re.split(r"(?<=[.;])\s+", para) if s)
    pieces: list[str] = []
    cur = ""
    for u in units:
        if cur and len(cur) + len(u) + 1 > limit:
            pieces.append(cur)
            cur = u
        else:
            cur = f"{cur}\n{u}" if cur else u
    if cur:
        pieces.append(cur)
    return pieces


def parse_article(rec: dict[str, str | None]) -> Article:
    code = _SOURCE_CODE[str(rec["code"])]
    body, notes = clean_article(str(rec.get("text") or ""))
    repealed = not body or (bool(_ARTICLE_REPEALED.match(body[0])) and len(body) == 1)
    if not body and notes:
        repealed = True
    return Article(
        code=code,
        article=str(rec["article"]),
        title=str(rec.get("title") or "").strip(),
        chapter=(str(rec["chapter"]).strip() if rec.get("chapter") else None),
        parts=tuple(split_parts(body)),
        amendments=tuple(notes),
        repealed=repealed,
    )


def _read_jsonl(path: Path) -> list[dict[str, str | None]]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def build_corpus(path: Path = RU_ARTICLES, kk_path: Path = KK_SAMPLE) -> Corpus:
    """Parse every article and cut chunks; repealed articles stay citable by number but are never retrieved."""
    articles: dict[tuple[str, str], Article] = {}
    chunks: list[Chunk] = []
    for rec in _read_jsonl(path):
        art = parse_article(rec)
        articles[(art.code, art.article)] = art
        if art.repealed:
            continue
        for part in art.parts:
            for piece in _split_long(part.text):
                chunks.append(Chunk(len(chunks), art.code, art.article, part.label, art.title, piece))
    kk_titles: dict[tuple[str, str], str] = {}
    kk_texts: dict[tuple[str, str], str] = {}
    if kk_path.exists():
        for rec in _read_jsonl(kk_path):
            key = (_SOURCE_CODE[str(rec["code"])], str(rec["article"]))
            kk_titles[key] = str(rec.get("title") or "")
            kk_texts[key] = str(rec.get("text") or "")
    return Corpus(articles=articles, chunks=chunks, kk_titles=kk_titles, kk_texts=kk_texts)


@lru_cache(maxsize=2)
def load_corpus(path: Path = RU_ARTICLES, kk_path: Path = KK_SAMPLE) -> Corpus:
    """Process-wide parsed corpus (parsing takes ~1 s; the result is read-only)."""
    return build_corpus(path, kk_path)


def file_sha256(*paths: Path) -> str:
    h = hashlib.sha256()
    for p in paths:
        if p.exists():
            h.update(p.name.encode())
            h.update(p.read_bytes())
    return h.hexdigest()
