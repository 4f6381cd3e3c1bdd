"""The Authorization, X-Signature and X-Citizen-IIN headers are masked in every spelling a log line gets them in: a
request dumped as text (`Authorization: Bearer <token>`), a dict of headers, ASGI's or httpx's (name, value) pairs,
in the message and in a traceback, JSON or plain text. `Authorization: Bearer <token>` used to lose only the word
"Bearer", leaving an officer's access token (or FCM's OAuth token) readable; a pair `('x-signature', '…')` lost
nothing."""

from __future__ import annotations

import logging

import pytest

from backend.lib import logging as zan_logging
from tests.core.test_pii_leak_edge_cases import restore_root_logging, service_log_output

__all__ = ["restore_root_logging"]

TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJvZmZpY2VyIn0.Zm9yZ2VkLXNpZ25hdHVyZQ"
SIGNATURE = "5f0c8e3b1d2a4c6e8f0a1b3c5d7e9f1a2b4c6d8e0f1a3b5c7d9e1f3a5b7c9d1e"
IIN = "900101300123"


def _logged(message: str, error: str, headers: str, as_json: bool, method: str, path: str) -> str:
    """What the service's handlers write for a line naming `headers` and an unhandled error quoting them."""
    zan_logging.configure("INFO", as_json=as_json)
    with service_log_output() as out:
        logging.getLogger("zan.test").warning(f"{message}: %s", headers)
        try:
            raise RuntimeError(error)
        except RuntimeError:
            logging.getLogger("zan.errors").exception("unhandled error on %s %s", method, path)
    return out.getvalue()


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param(f"Authorization: Bearer {TOKEN}\nX-Signature: {SIGNATURE}\nX-Citizen-IIN: {IIN}", id="text"),
        pytest.param(str({"Authorization": f"Bearer {TOKEN}", "X-Signature": SIGNATURE}), id="dict"),
        pytest.param(
            str([(b"authorization", f"Bearer {TOKEN}".encode()), (b"x-signature", SIGNATURE.encode())]), id="asgi-pairs"
        ),
        pytest.param(str([("authorization", f"Bearer {TOKEN}"), ("x-signature", SIGNATURE)]), id="pairs"),
        pytest.param(f"authorization=Basic {TOKEN} x-signature={SIGNATURE}", id="basic"),
    ],
)
@pytest.mark.parametrize("as_json", [True, False], ids=["json", "plain"])
def test_credentials_in_headers_are_masked(restore_root_logging: None, headers: str, as_json: bool) -> None:
    text = _logged("request refused", f"upstream answered 401 to a request with {headers}", headers, as_json,
                   "GET", "/api/v1/officers/me")
    assert "request refused" in text and "unhandled error on GET /api/v1/officers/me" in text, text
    for secret in (TOKEN, SIGNATURE, IIN, "Zm9yZ2VkLXNpZ25hdHVyZQ"):
        assert secret not in text, f"{secret} in {text!r}"


def test_prose_that_names_a_header_is_left_alone() -> None:
    assert zan_logging.mask("Authorization header missing") == "Authorization header missing"
    assert zan_logging.mask("authorization, signature and iin checked") == "authorization, signature and iin checked"


TELEGRAM_SECRET = "s3cr3t-Webhook_token"
ZAN_SIGNATURE = "9e1d2c3b4a5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9"


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param(
            f"X-Telegram-Bot-Api-Secret-Token: {TELEGRAM_SECRET}\nX-Zan-Signature: {ZAN_SIGNATURE}", id="text"
        ),
        pytest.param(
            str({"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET, "X-Zan-Signature": ZAN_SIGNATURE}), id="dict"
        ),
        pytest.param(
            str(
                [
                    (b"x-telegram-bot-api-secret-token", TELEGRAM_SECRET.encode()),
                    (b"x-zan-signature", ZAN_SIGNATURE.encode()),
                ]
            ),
            id="asgi-pairs",
        ),
        pytest.param(
            f'{{"x-telegram-bot-api-secret-token":"{TELEGRAM_SECRET}","X-Zan-Signature": "{ZAN_SIGNATURE}"}}', id="json"
        ),
    ],
)
@pytest.mark.parametrize("as_json", [True, False], ids=["json", "plain"])
def test_webhook_secret_and_signature_headers_are_masked(
    restore_root_logging: None, headers: str, as_json: bool
) -> None:
    """The secret Telegram proves its updates with (received) and the signature of our webhooks to partners (sent)
    were not in the mask: X-Zan-Signature is not X-Signature, and the Telegram header was not listed at all."""
    text = _logged("webhook refused", f"webhook with {headers} failed", headers, as_json,
                   "POST", "/api/v1/telegram/webhook")
    assert "webhook refused" in text and "unhandled error on POST" in text, text
    for secret in (TELEGRAM_SECRET, ZAN_SIGNATURE, ZAN_SIGNATURE[:16]):
        assert secret not in text, f"{secret} in {text!r}"


def test_the_headers_of_a_real_partner_webhook_are_masked() -> None:
    """What backend.notifications.webhooks sends, as a failure's log line would quote it: the signature is masked,
    the timestamp and event id (no secret) stay."""
    from backend.notifications.webhooks import signed_headers

    sent = signed_headers("partner-secret", "evt-1", b'{"event_id": "evt-1"}', now=1_796_000_000)
    masked = zan_logging.mask(f"POST https://partner.example/hook {sent}")
    assert sent["X-Zan-Signature"] not in masked and "'X-Zan-Signature': '***'" in masked, masked
    assert "'X-Zan-Timestamp': '1796000000'" in masked and "'X-Zan-Event-Id': 'evt-1'" in masked, masked
