"""msgspec Structs at the edge of the legal-help API."""

from __future__ import annotations

from typing import Annotated, Literal

from msgspec import Meta, Struct

Question = Annotated[str, Meta(min_length=1, max_length=2000,
                               description="The citizen's question in Kazakh, Russian or English",
                               examples=["ұрлық үшін қандай жаза?"])]


class LegalQuestion(Struct, forbid_unknown_fields=True):
    question: Question
    # the answer language; detected from the question when absent
    language: Literal["kk", "ru", "en"] | None = None


class CitationOut(Struct):
    code: str
    article: str
    part: str | None
    title: str
    excerpt: Annotated[str, Meta(description="Quoted verbatim from the official Russian text")]


class LegalAnswerOut(Struct):
    answer: str
    language: str
    citations: list[CitationOut]
    confidence: Annotated[float, Meta(ge=0, le=1)]
    suggested_action: Annotated[str, Meta(description="report | call_102 | call_112 | legal_aid | "
                                                      "complain_officer | info")]
    urgent: bool = False
