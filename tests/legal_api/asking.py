"""Asking the legal assistant through the API as a partner app does, for the answer tests."""

from __future__ import annotations

from typing import Any

from tests.helpers import PartnerClient

PATH = "/api/v1/legal/ask"


async def answer(citizen: PartnerClient, question: str, context: list[str] | None = None) -> dict[str, Any]:
    """The answer's body; `context`: the chat's earlier questions."""
    payload: dict[str, Any] = {"question": question}
    if context is not None:
        payload["context"] = context
    response = await citizen.post(PATH, payload)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def cited(body: dict[str, Any]) -> list[tuple[str, str]]:
    """An answer's citations as (code, article), in the order given."""
    return [(c["code"], c["article"]) for c in body["citations"]]


async def ask(
    citizen: PartnerClient, question: str, context: list[str] | None = None
) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """The answer and its citations as (code, article), in the order given; `context`: the chat's earlier questions."""
    body = await answer(citizen, question, context)
    return body, cited(body)
