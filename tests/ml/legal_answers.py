"""What the legal assistant's tests read of an answer."""

from __future__ import annotations

from ml.legal import LegalAnswer


def cited(answer: LegalAnswer) -> list[tuple[str, str]]:
    """The (code, article) pairs an answer cites, in order."""
    return [(c.code, c.article) for c in answer.citations]
