"""Two requests on one report at the same time — a double tap, an app's retry racing its own first request, a
dispatcher closing the report as the citizen withdraws it — with real concurrent transactions on PostgreSQL. The
window is held open by a real mechanism only: a side transaction holds the report's row lock until PostgreSQL shows
the requests blocked on it."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable
from typing import Any

import httpx
import pytest

from backend.context import Context
from backend.lib.messages import ERRORS
from backend.reports import service
from backend.reports.workflow import Action
from tests.helpers import PartnerClient, until_lock_waiters
from tests.reports.step_helpers import (
    BASE,
    DISPATCHER,
    close,
    events_of,
    notifications_of,
    report_row,
    settled_report,
    stored_keys,
)

pytestmark = pytest.mark.anyio


@pytest.fixture
def db_url(pg_url: str) -> str:
    return pg_url



async def at_once(ctx: Context, report_id: str, *requests: Awaitable[httpx.Response],
                  staff_closes: bool = False) -> list[httpx.Response]:
    """Send `requests` together while a side transaction holds the report; once all are blocked on it, release it
    (after a dispatcher's closing in it, if `staff_closes`: the closing wins the race)."""
    async with ctx.sessions() as side:
        locked = await service.lock(side, uuid.UUID(report_id))
        assert locked is not None
        sent = [asyncio.ensure_future(r) for r in requests]
        await until_lock_waiters(ctx, len(sent))
        if staff_closes:
            await service.change_status(side, locked, Action.CLOSE_UNFOUNDED, DISPATCHER, reason="не подтвердилось")
        await side.commit()
    return list(await asyncio.gather(*sent))


def codes(answers: list[httpx.Response]) -> list[Any]:
    return sorted((a.status_code, a.json().get("code")) for a in answers)


async def test_a_double_tapped_withdrawal_makes_one_event_and_one_notification(ctx: Context,
                                                                               citizen: PartnerClient) -> None:
    report_id = await settled_report(ctx, citizen)
    path = f"{BASE}/{report_id}/withdraw"
    answers = await at_once(ctx, report_id, citizen.post(path, {"reason": "Нашёлся"}),
                            citizen.post(path, {"reason": "Нашёлся"}))
    assert [a.status_code for a in answers] == [200, 200], [a.text for a in answers]
    assert {a.json()["resolution"] for a in answers} == {"withdrawn"}
    withdrawals = await events_of(ctx, report_id, "withdraw")
    assert len(withdrawals) == 1 and await notifications_of(ctx, withdrawals) == 1


async def test_a_keyed_retry_racing_its_first_request_gets_the_same_answer(ctx: Context,
                                                                          citizen: PartnerClient) -> None:
    report_id = await settled_report(ctx, citizen)
    path = f"{BASE}/{report_id}/withdraw"
    key = {"Idempotency-Key": "w-race"}
    first, retry = await at_once(ctx, report_id, citizen.post(path, {"reason": "Нашёлся"}, headers=key),
                                 citizen.post(path, {"reason": "Нашёлся"}, headers=key))
    assert first.status_code == retry.status_code == 200, (first.text, retry.text)
    assert first.json() == retry.json()
    withdrawals = await events_of(ctx, report_id, "withdraw")
    assert len(withdrawals) == 1 and await notifications_of(ctx, withdrawals) == 1
    assert await stored_keys(ctx, "withdraw") == 1


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
async def test_a_withdrawal_that_loses_to_a_closing_is_told_how_it_closed(ctx: Context, citizen: PartnerClient,
                                                                          lang: str) -> None:
    report_id = await settled_report(ctx, citizen)
    citizen.lang = lang
    [refused] = await at_once(ctx, report_id, citizen.post(f"{BASE}/{report_id}/withdraw", {"reason": "Нашёлся"}),
                              staff_closes=True)
    assert refused.status_code == 409, refused.text
    body = refused.json()
    assert body["code"] == "report.already_closed" and body["title"] == ERRORS["report.already_closed"][lang]
    assert (body["report_status"], body["citizen_status"], body["resolution"], body["action"]) == \
        ("closed", "closed", "unfounded", "withdraw")
    assert await events_of(ctx, report_id, "withdraw") == []
    assert (await report_row(ctx, report_id)).resolution == "unfounded"


async def test_a_double_tapped_appeal_is_one_appeal(ctx: Context, citizen: PartnerClient) -> None:
    report_id = await settled_report(ctx, citizen)
    await close(ctx, report_id)
    path = f"{BASE}/{report_id}/reopen"
    answers = await at_once(ctx, report_id, citizen.post(path, {"reason": "никто не приезжал"}),
                            citizen.post(path, {"reason": "никто не приезжал"}))
    assert [a.status_code for a in answers] == [200, 200], [a.text for a in answers]
    appeals = await events_of(ctx, report_id, "reopen")
    assert len(appeals) == 1 and await notifications_of(ctx, appeals) == 1
    assert (await report_row(ctx, report_id)).reopen_count == 1


async def test_two_different_appeals_at_once_make_one(ctx: Context, citizen: PartnerClient) -> None:
    report_id = await settled_report(ctx, citizen)
    await close(ctx, report_id)
    path = f"{BASE}/{report_id}/reopen"
    answers = await at_once(ctx, report_id, citizen.post(path, {"reason": "никто не приезжал"}),
                            citizen.post(path, {"reason": "шум продолжается"}))
    assert codes(answers) == [(200, None), (409, "report.transition_forbidden")], [a.text for a in answers]
    assert len(await events_of(ctx, report_id, "reopen")) == 1
    assert (await report_row(ctx, report_id)).reopen_count == 1


async def test_a_double_tapped_rating_is_one_rating(ctx: Context, citizen: PartnerClient) -> None:
    report_id = await settled_report(ctx, citizen)
    await close(ctx, report_id)
    path = f"{BASE}/{report_id}/feedback"
    answers = await at_once(ctx, report_id, citizen.post(path, {"satisfaction": 3}),
                            citizen.post(path, {"satisfaction": 3}))
    assert [a.status_code for a in answers] == [200, 200], [a.text for a in answers]
    assert len(await events_of(ctx, report_id, "feedback")) == 1


async def test_two_different_ratings_of_one_closing_at_once_make_one(ctx: Context, citizen: PartnerClient) -> None:
    """And after an appeal and a new closing, that closing is rated once too."""
    report_id = await settled_report(ctx, citizen)
    await close(ctx, report_id)
    path = f"{BASE}/{report_id}/feedback"
    answers = await at_once(ctx, report_id, citizen.post(path, {"satisfaction": 2}),
                            citizen.post(path, {"satisfaction": 5}))
    assert codes(answers) == [(200, None), (409, "report.feedback_given")], [a.text for a in answers]
    assert (await citizen.post(f"{BASE}/{report_id}/reopen", {"reason": "никто не приезжал"})).status_code == 200
    await close(ctx, report_id)
    again = await at_once(ctx, report_id, citizen.post(path, {"satisfaction": 4}),
                          citizen.post(path, {"satisfaction": 1}))
    assert codes(again) == [(200, None), (409, "report.feedback_given")], [a.text for a in again]
    assert len(await events_of(ctx, report_id, "feedback")) == 2
