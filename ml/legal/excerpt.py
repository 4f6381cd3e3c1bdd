"""The words of the law a citizen is shown: an article part quoted verbatim, shortened around what was asked."""

from __future__ import annotations

import re

from ml.legal.corpus import Chunk
from ml.legal.lexicon import doc_terms
from ml.legal.schemas import Citation

EXCERPT_CHARS = 420
_SANCTION = re.compile(r"^(?:влеч|наказыва)", re.IGNORECASE)
_PART_NUMBER_ONLY = re.compile(r"^\d+(?:-\d+)?[.)]$")
_SENTENCE = re.compile(r"(?<=[.;:])\s+(?=[А-ЯЁ0-9])|\n")


def excerpt(text: str, terms: list[str], limit: int = EXCERPT_CHARS) -> str:
    """Quote a part verbatim, or when it is long, its opening, the sentences sharing most words with the question
    and the sanction ("влечет…"/"наказывается…"), in their original order, joined with "…"."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    sentences: list[str] = []
    for piece in (s.strip() for s in _SENTENCE.split(text)):
        if not piece:
            continue
        if sentences and _PART_NUMBER_ONLY.match(sentences[-1]):
            sentences[-1] = f"{sentences[-1]} {piece}"  # "1." belongs to the sentence it numbers
        else:
            sentences.append(piece)
    wanted = set(terms)
    chosen = {0}
    sanctions = [i for i, s in enumerate(sentences) if _SANCTION.match(s)]
    if sanctions:
        chosen.add(sanctions[0])
    ranked = sorted(range(len(sentences)), key=lambda i: -len(wanted & set(doc_terms(sentences[i]))))
    for i in ranked:
        if sum(len(sentences[j]) for j in chosen | {i}) > limit:
            continue
        chosen.add(i)
    out: list[str] = []
    prev = -1
    for i in sorted(chosen):
        if out and i != prev + 1:
            out.append("…")
        out.append(sentences[i])
        prev = i
    quoted = " ".join(out)
    return quoted if len(quoted) <= limit + 80 else quoted[: limit + 79].rsplit(" ", 1)[0] + " …"


def citation(chunk: Chunk, terms: list[str]) -> Citation:
    """A citation of `chunk`, quoting it around `terms`."""
    return Citation(
        code=chunk.code, article=chunk.article, part=chunk.part, title=chunk.title, excerpt=excerpt(chunk.text, terms)
    )
