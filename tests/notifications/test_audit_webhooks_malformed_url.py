"""A malformed webhook URL (a port past 65535, an empty or over-long DNS label) is refused like any unsafe one.

httpx parses `https://partner.example:99999/` and `https://a..b/` without complaint, but the socket layer does not:
the resolver raises UnicodeError for the labels and the connect an OverflowError for the port, neither of them an
httpx error. Raised out of one partner's send they took the whole chunk's webhooks down with them: every other
partner's webhook of the chunk was POSTed but its outcome never recorded, so the rows went back out after each lease
(duplicates every minute, attempts past their cap, never dead-lettered).
"""

from __future__ import annotations

import pytest

from backend.context import Context
from backend.notifications import delivery
from backend.notifications.webhook_target import WebhookTargetRefused, check_url, webhook_client
from tests.fakes.webhook_receiver import WebhookReceiver
from tests.notifications.conftest import BOTH_DBS, new_report
from tests.notifications.test_delivery_edge_cases import fan_out
from tests.notifications.test_retry_after import the_row
from tests.notifications.test_webhook_target import PUBLIC_DNS, FakeDns
from tests.notifications.test_webhooks import partner_with_webhook

pytestmark = pytest.mark.anyio

MALFORMED = [
    "https://partner.example:99999/zan",  # getaddrinfo wraps it (99999 % 65536); connect() raises OverflowError
    "https://partner..example/zan",  # empty label: UnicodeError from the resolver
    "https://" + "a" * 64 + ".example/zan",  # a label over 63 characters
    "https://" + ".".join(["a" * 60] * 5) + "/zan",  # a name over 253 characters
]


@pytest.mark.parametrize("url", MALFORMED)
@pytest.mark.parametrize("allow_private", [False, True])
async def test_a_malformed_host_or_port_is_refused_when_set(url: str, allow_private: bool) -> None:
    resolve = FakeDns({k: list(v) for k, v in PUBLIC_DNS.items()})
    with pytest.raises(WebhookTargetRefused):
        await check_url(url, allow_private=allow_private, resolve=resolve)


@pytest.mark.parametrize("db_url", BOTH_DBS, indirect=True)
@pytest.mark.parametrize("bad", ["port", "label"])
async def test_a_malformed_stored_url_is_dead_lettered_and_spares_the_other_partners(
    ctx: Context, webhook_receiver: WebhookReceiver, bad: str
) -> None:
    # allowed private: the embedded default, and how a partner inside the operator's network is reached
    ctx.settings = ctx.settings.with_(enable_routing=False)
    port = webhook_receiver.url("").rsplit(":", 1)[1]
    url = {"port": "http://127.0.0.1:99999/zan", "label": f"http://partner..example:{port}/zan"}[bad]
    broken = await new_report(ctx, partner_id=await partner_with_webhook(ctx, url))
    healthy = await new_report(ctx, partner_id=await partner_with_webhook(ctx, webhook_receiver.url("/ok")))
    _e1, broken_key = await fan_out(ctx, broken)
    _e2, healthy_key = await fan_out(ctx, healthy)

    await delivery.deliver_pending(ctx, event_key=None)  # the sweeper's way: both in one chunk

    row = await the_row(ctx, broken_key)
    assert (row.status, row.attempts) == ("dead", 1)
    assert row.last_error is not None and row.last_error.startswith("refused: ")
    assert (await the_row(ctx, healthy_key)).status == "sent"
    assert [d.path for d in webhook_receiver.deliveries] == ["/ok"]


@pytest.mark.parametrize("db_url", BOTH_DBS, indirect=True)
async def test_one_partners_unexpected_failure_does_not_lose_the_chunks_other_outcomes(
    ctx: Context, webhook_receiver: WebhookReceiver
) -> None:
    """Whatever else one send raises (here its resolver fails in a way no one foresaw), it is that row's failed
    attempt, retried on schedule: the other partners' webhooks of the chunk are recorded as sent, not sent again."""
    ctx.settings = ctx.settings.with_(enable_routing=False)
    port = webhook_receiver.url("").rsplit(":", 1)[1]

    async def resolve(host: str, port: int) -> list[str]:
        if host == "odd.example":
            raise RuntimeError("resolver bug")
        return ["127.0.0.1"]

    ctx.extras["webhook_http_private"] = webhook_client(allow_private=True, resolve=resolve)
    odd = await new_report(ctx, partner_id=await partner_with_webhook(ctx, f"http://odd.example:{port}/zan"))
    fine = await new_report(ctx, partner_id=await partner_with_webhook(ctx, f"http://fine.example:{port}/ok"))
    _e1, odd_key = await fan_out(ctx, odd)
    _e2, fine_key = await fan_out(ctx, fine)
    try:
        await delivery.deliver_pending(ctx, event_key=None)
    finally:
        await ctx.extras.pop("webhook_http_private").aclose()

    row = await the_row(ctx, odd_key)
    assert (row.status, row.attempts) == ("pending", 1)
    assert row.last_error is not None and "resolver bug" in row.last_error
    assert (await the_row(ctx, fine_key)).status == "sent"
    assert [d.path for d in webhook_receiver.deliveries] == ["/ok"]
