"""A partner app retries a withdrawal, an appeal or a rating whose answer the mobile network lost: the citizen is
answered as for the first request, and nothing is done twice (backend/reports/steps.py). Before, the retry was
answered 409 and the citizen was shown an error for a step that had worked."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from backend.lib.messages import ERRORS
from tests.helpers import PartnerClient
from tests.reports.step_helpers import BASE, close, events_of, notifications_of, report_row, settled_report, stored_keys

pytestmark = pytest.mark.anyio


def keyed(key: str) -> dict[str, str]:
    return {"Idempotency-Key": key}


def same_report(first: dict[str, Any], retry: dict[str, Any]) -> bool:
    return all(first[k] == retry[k] for k in ("id", "status", "internal_status", "resolution", "timeline"))


async def test_a_withdrawal_retried_without_a_key_is_answered_as_the_first(ctx: Any, citizen: PartnerClient) -> None:
    report_id = await settled_report(ctx, citizen)
    path = f"{BASE}/{report_id}/withdraw"
    first = await citizen.post(path, {"reason": "Нашёлся"})
    retry = await citizen.post(path, {"reason": "Нашёлся"})
    assert first.status_code == 200, first.text
    assert retry.status_code == 200, retry.text
    assert same_report(first.json(), retry.json()) and retry.json()["resolution"] == "withdrawn"
    withdrawals = await events_of(ctx, report_id, "withdraw")
    assert len(withdrawals) == 1 and await notifications_of(ctx, withdrawals) == 1


async def test_a_withdrawal_without_a_reason_retried_with_an_empty_body(ctx: Any, citizen: PartnerClient) -> None:
    report_id = await settled_report(ctx, citizen)
    path = f"{BASE}/{report_id}/withdraw"
    assert (await citizen.post(path)).status_code == 200
    retry = await citizen.post(path, {})  # no body and `{}` are the same request
    assert retry.status_code == 200, retry.text
    assert len(await events_of(ctx, report_id, "withdraw")) == 1


async def test_a_withdrawal_whose_reason_is_only_blanks_gives_none(ctx: Any, citizen: PartnerClient) -> None:
    """Blanks (a zero-width space among them) say nothing: no empty reason in the history, and a retry without
    one is the same withdrawal."""
    report_id = await settled_report(ctx, citizen)
    path = f"{BASE}/{report_id}/withdraw"
    assert (await citizen.post(path, {"reason": " \u200b "}, headers=keyed("k-1"))).status_code == 200
    for retry in (await citizen.post(path), await citizen.post(path, {"reason": "\u200b"}, headers=keyed("k-1"))):
        assert retry.status_code == 200, retry.text
    withdrawals = await events_of(ctx, report_id, "withdraw")
    assert len(withdrawals) == 1 and withdrawals[0].reason is None


async def test_a_withdrawal_with_an_empty_reason_gives_none(ctx: Any, citizen: PartnerClient) -> None:
    """An app's empty reason field sends `""`: like blanks, it says nothing. Before, it alone was refused with 422
    while `"  "` withdrew, so a citizen who left the box empty could not withdraw."""
    report_id = await settled_report(ctx, citizen)
    path = f"{BASE}/{report_id}/withdraw"
    first = await citizen.post(path, {"reason": ""}, headers=keyed("k-empty"))
    assert first.status_code == 200, first.text
    assert (await citizen.post(path)).status_code == 200  # the same withdrawal: no reason either way
    withdrawals = await events_of(ctx, report_id, "withdraw")
    assert len(withdrawals) == 1 and withdrawals[0].reason is None


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
async def test_another_withdrawal_of_a_closed_report_says_how_it_closed(ctx: Any, citizen: PartnerClient,
                                                                        lang: str) -> None:
    report_id = await settled_report(ctx, citizen)
    path = f"{BASE}/{report_id}/withdraw"
    assert (await citizen.post(path, {"reason": "Нашёлся"})).status_code == 200
    citizen.lang = lang
    other = await citizen.post(path, {"reason": "Передумал"})  # not a retry: another reason
    assert other.status_code == 409, other.text
    body = other.json()
    assert body["code"] == "report.already_closed" and body["title"] == ERRORS["report.already_closed"][lang]
    assert (body["status"], body["report_status"], body["citizen_status"], body["resolution"]) == \
        (409, "closed", "closed", "withdrawn")
    assert len(await events_of(ctx, report_id, "withdraw")) == 1


async def test_a_keyed_withdrawal_replays_its_first_answer_and_refuses_the_key_with_another_body(
        ctx: Any, citizen: PartnerClient) -> None:
    report_id = await settled_report(ctx, citizen)
    path = f"{BASE}/{report_id}/withdraw"
    first = await citizen.post(path, {"reason": "Нашёлся"}, headers=keyed("w-1"))
    retry = await citizen.post(path, {"reason": "Нашёлся"}, headers=keyed("w-1"))
    assert first.status_code == 200, first.text
    assert retry.status_code == 200 and retry.json() == first.json(), retry.text
    reused = await citizen.post(path, {"reason": "Передумал"}, headers=keyed("w-1"))
    assert reused.status_code == 409 and reused.json()["code"] == "idempotency.key_reused", reused.text
    assert reused.json()["errors"][0]["pointer"] == "#header/Idempotency-Key"
    assert len(await events_of(ctx, report_id, "withdraw")) == 1 and await stored_keys(ctx, "withdraw") == 1


async def test_a_rating_retried_without_a_key_is_given_once(ctx: Any, citizen: PartnerClient) -> None:
    report_id = await settled_report(ctx, citizen)
    await close(ctx, report_id)
    path = f"{BASE}/{report_id}/feedback"
    first = await citizen.post(path, {"satisfaction": 4, "comment": "спасибо"})
    retry = await citizen.post(path, {"satisfaction": 4, "comment": "спасибо"})
    assert first.status_code == 200, first.text
    assert retry.status_code == 200 and retry.json()["satisfaction"] == 4, retry.text
    # a different rating of the same closing is no retry: refused, the first stands
    other = await citizen.post(path, {"satisfaction": 4})
    assert other.status_code == 409 and other.json()["code"] == "report.feedback_given"
    assert len(await events_of(ctx, report_id, "feedback")) == 1
    assert (await report_row(ctx, report_id)).feedback_comment == "спасибо"


async def test_a_keyed_rating_replays_and_refuses_the_key_with_another_body(ctx: Any, citizen: PartnerClient) -> None:
    report_id = await settled_report(ctx, citizen)
    await close(ctx, report_id)
    path = f"{BASE}/{report_id}/feedback"
    first = await citizen.post(path, {"satisfaction": 5}, headers=keyed("f-1"))
    retry = await citizen.post(path, {"satisfaction": 5}, headers=keyed("f-1"))
    assert first.status_code == 200 and retry.status_code == 200 and retry.json() == first.json(), retry.text
    reused = await citizen.post(path, {"satisfaction": 1}, headers=keyed("f-1"))
    assert reused.status_code == 409 and reused.json()["code"] == "idempotency.key_reused"
    assert len(await events_of(ctx, report_id, "feedback")) == 1


async def test_an_appeal_retried_without_a_key_is_one_appeal(ctx: Any, citizen: PartnerClient) -> None:
    report_id = await settled_report(ctx, citizen)
    await close(ctx, report_id)
    path = f"{BASE}/{report_id}/reopen"
    first = await citizen.post(path, {"reason": "никто не приезжал"})
    retry = await citizen.post(path, {"reason": "никто не приезжал"})
    assert first.status_code == 200, first.text
    assert retry.status_code == 200 and same_report(first.json(), retry.json()), retry.text
    # other grounds while the appeal is pending are no retry: 409, as before
    other = await citizen.post(path, {"reason": "и ещё одно"})
    assert other.status_code == 409 and other.json()["code"] == "report.transition_forbidden"
    appeals = await events_of(ctx, report_id, "reopen")
    assert len(appeals) == 1 and await notifications_of(ctx, appeals) == 1
    assert (await report_row(ctx, report_id)).reopen_count == 1


async def test_a_keyed_appeal_retried_after_the_report_closed_again_is_not_a_second_appeal(
        ctx: Any, citizen: PartnerClient) -> None:
    """The key is what tells a late retry from a new appeal: the stored answer is given, the report stays closed."""
    report_id = await settled_report(ctx, citizen)
    await close(ctx, report_id)
    path = f"{BASE}/{report_id}/reopen"
    first = await citizen.post(path, {"reason": "никто не приезжал"}, headers=keyed("a-1"))
    assert first.status_code == 200 and first.json()["status"] == "under_review", first.text
    await close(ctx, report_id)
    late = await citizen.post(path, {"reason": "никто не приезжал"}, headers=keyed("a-1"))
    assert late.status_code == 200 and late.json() == first.json(), late.text
    assert len(await events_of(ctx, report_id, "reopen")) == 1
    row = await report_row(ctx, report_id)
    assert (row.status, row.reopen_count) == ("closed", 1)


async def test_the_steps_document_the_optional_key_and_the_retry(app_client: httpx.AsyncClient) -> None:
    paths = (await app_client.get("/schema/openapi.json")).json()["paths"]
    for step in ("withdraw", "reopen", "feedback"):
        operation = paths[f"/api/v1/reports/{{report_id}}/{step}"]["post"]
        [header] = [p for p in operation["parameters"] if p["name"] == "Idempotency-Key"]
        assert header["in"] == "header" and not header.get("required", False), step
        assert "retry" in header["description"] and "key_reused" in header["description"], step
        assert "retry" in operation["description"] and "Idempotency-Key" in operation["description"], step
        answer = operation["responses"]["200"]
        assert "Idempotency-Key" in answer["description"], step
        assert answer["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ReportOut"}, step
