"""Legal answers share a per-process budget: a full house is a 503 `legal.busy`. An urgent question still gets the
emergency numbers then, and when the index cannot be used. The house is filled through `answer_slot`, the service's
own admission."""

from __future__ import annotations

from contextlib import AsyncExitStack
from pathlib import Path

import pytest

from backend.context import Context
from backend.legal import service
from tests.helpers import PartnerClient

pytestmark = pytest.mark.anyio
PATH = "/api/v1/legal/ask"


async def _fill(ctx: Context, stack: AsyncExitStack) -> None:
    for _ in range(ctx.settings.legal_concurrency):
        assert await stack.enter_async_context(service.answer_slot(ctx))


async def test_a_full_house_is_a_503_problem_with_retry_after(legal_index: Path, ctx: Context,
                                                              citizen: PartnerClient) -> None:
    async with AsyncExitStack() as stack:
        await _fill(ctx, stack)
        response = await citizen.post(PATH, {"question": "Какое наказание за кражу?"})
        assert response.status_code == 503, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["code"] == "legal.busy" and response.headers["retry-after"] == "2"
    # the slots are back: the same question is answered
    response = await citizen.post(PATH, {"question": "Какое наказание за кражу?"})
    assert response.status_code == 200 and response.json()["citations"]


async def test_an_urgent_question_in_a_full_house_still_gets_the_emergency_numbers(
        legal_index: Path, ctx: Context, citizen: PartnerClient) -> None:
    async with AsyncExitStack() as stack:
        await _fill(ctx, stack)
        response = await citizen.post(PATH, {"question": "Күйеуім қазір мені ұрып жатыр, көмектесіңіз!"})
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["urgent"] is True and body["language"] == "kk" and "102" in body["answer"]
        assert body["suggested_action"] == "call_102" and body["citations"] == []


async def test_slots_are_given_back_after_answers(legal_index: Path, ctx: Context) -> None:
    for _ in range(ctx.settings.legal_concurrency + 1):
        answer = await service.ask(ctx, question="ст. 188 УК")
        assert answer.citations
    async with AsyncExitStack() as stack:
        await _fill(ctx, stack)  # every slot is free again


async def test_an_urgent_question_without_a_usable_index_still_gets_the_emergency_numbers(
        ctx: Context, citizen: PartnerClient, tmp_path: Path) -> None:
    ctx.settings = ctx.settings.with_(legal_index_dir=str(tmp_path / "none"))
    response = await citizen.post(PATH, {"question": "Человек без сознания на улице", "language": "en"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["urgent"] is True and body["language"] == "en" and body["suggested_action"] == "call_112"
    assert "103 / 112" in body["answer"]
    # an ordinary question is still told the truth: 503 legal.unavailable
    response = await citizen.post(PATH, {"question": "Какое наказание за кражу?"})
    assert response.status_code == 503 and response.json()["code"] == "legal.unavailable"
