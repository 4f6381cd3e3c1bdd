"""A header whose name ends in Authorization keeps its credential
masked. 51b9512 masked "authorization" wherever it stood; the lookbehind added for X-Signature / X-Zan-Signature
now also stops it at X-Forwarded-Authorization (ESPv2 / API gateways forward the caller's bearer token in it),
X-Serverless-Authorization (Cloud Run) and a CGI/WSGI environment's HTTP_AUTHORIZATION."""

from __future__ import annotations

import pytest

from backend.lib.logging import mask

TOKEN = "eyJhbGciOiJIUzI1NiJ9.officerPayload.sig"


@pytest.mark.parametrize(
    "line",
    [
        f"X-Forwarded-Authorization: Bearer {TOKEN}",
        f"X-Serverless-Authorization: Bearer {TOKEN}",
        f"{{'HTTP_AUTHORIZATION': 'Bearer {TOKEN}'}}",
        f"(b'x-forwarded-authorization', b'Bearer {TOKEN}')",
    ],
)
def test_a_forwarded_authorization_header_keeps_its_token_masked(line: str) -> None:
    assert TOKEN not in mask(line), mask(line)
