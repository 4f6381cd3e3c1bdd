"""The webhook receiver records deliveries and scripts failures and slowness."""

from __future__ import annotations

import httpx
import pytest

from tests.fakes.webhook_receiver import WebhookReceiver


def test_records_headers_and_raw_body(webhook_receiver: WebhookReceiver) -> None:
    body = '{"report": 17, "status": "принята"}'.encode()
    response = httpx.post(webhook_receiver.url("/partner?x=1"), content=body, headers={"X-Signature": "abc"})
    assert response.status_code == 200
    delivery = webhook_receiver.wait_for_deliveries(1)[0]
    assert delivery.path == "/partner" and delivery.query == {"x": "1"}
    assert delivery.header("x-signature") == "abc" and delivery.body == body
    assert delivery.json()["status"] == "принята"


def test_fails_then_recovers(webhook_receiver: WebhookReceiver) -> None:
    webhook_receiver.fail_next(2, status=503)
    statuses = [httpx.post(webhook_receiver.url(), content=b"{}").status_code for _ in range(3)]
    assert statuses == [503, 503, 200]
    assert [d.answered_status for d in webhook_receiver.deliveries] == [503, 503, 200]


def test_slow_answer_triggers_client_timeout(webhook_receiver: WebhookReceiver) -> None:
    webhook_receiver.delay_next(1, seconds=1.0)
    with pytest.raises(httpx.ReadTimeout):
        httpx.post(webhook_receiver.url(), content=b"{}", timeout=0.2)
    assert httpx.post(webhook_receiver.url(), content=b"{}", timeout=2).status_code == 200
    assert len(webhook_receiver.wait_for_deliveries(2)) == 2


@pytest.mark.anyio
async def test_async_wait(webhook_receiver: WebhookReceiver) -> None:
    async with httpx.AsyncClient() as client:
        await client.post(webhook_receiver.url(), json={"a": 1})
    assert (await webhook_receiver.wait_for_deliveries_async(1))[0].json() == {"a": 1}
