"""What the legal assistant returns: msgspec Structs, so the backend can encode them at the edge as they are."""

from __future__ import annotations

from typing import Any

import msgspec


class Citation(msgspec.Struct, frozen=True, kw_only=True):
    """One article (part) of a code that exists in the corpus; `excerpt` is quoted verbatim from the Russian text."""

    code: str
    article: str
    part: str | None
    title: str
    excerpt: str

    def to_dict(self) -> dict[str, Any]:
        return msgspec.to_builtins(self)  # type: ignore[no-any-return]


class LegalAnswer(msgspec.Struct, frozen=True, kw_only=True):
    """A short answer in the question's language with its citations and the next step to offer the citizen.

    `suggested_action` is one of report | call_102 | call_112 | legal_aid | complain_officer | info.
    """

    answer: str
    language: str
    citations: list[Citation]
    confidence: float
    suggested_action: str
    faq_id: str | None = None
    urgent: bool = False
    # answered as a follow-up: searched together with the chat's earlier question(s) it continues
    follow_up: bool = False

    def to_dict(self) -> dict[str, Any]:
        return msgspec.to_builtins(self)  # type: ignore[no-any-return]
