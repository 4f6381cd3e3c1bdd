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
    zan_logging.configure("INFO", as_json=as_json)
    with service_log_output() as out:
        logging.getLogger("zan.test").warning("request refused: %s", headers)
        try:
            raise RuntimeError(f"upstream answered 401 to a request with {headers}")
        except RuntimeError:
            logging.getLogger("zan.errors").exception("unhandled error on %s %s", "GET", "/api/v1/officers/me")
    text = out.getvalue()
    assert "request refused" in text and "unhandled error on GET /api/v1/officers/me" in text, text
    for secret in (TOKEN, SIGNATURE, IIN, "Zm9yZ2VkLXNpZ25hdHVyZQ"):
        assert secret not in text, f"{secret} in {text!r}"


def test_prose_that_names_a_header_is_left_alone() -> None:
    assert zan_logging.mask("Authorization header missing") == "Authorization header missing"
    assert zan_logging.mask("authorization, signature and iin checked") == "authorization, signature and iin checked"
