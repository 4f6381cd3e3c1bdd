"""Log masking (backend/lib/logging.py mask()) of what an access line or a dump carries in other spellings: personal
data percent-encoded in a URL (a query's `%2B7…`, `+` for a space, an IIN's digits as `%39%30…` in a path), and
credentials under keys the masker did not know (API keys, private keys, cookies)."""

from __future__ import annotations

import json
import logging

import pytest

from backend.lib.logging import JsonFormatter, MaskingFilter, mask

IIN = "900101300123"
IIN_ESCAPED = "".join(f"%{ord(c):02X}" for c in IIN)


@pytest.mark.parametrize("line", [
    'GET /api/v1/x?phone=%2B77011234567 HTTP/1.1',
    'GET /api/v1/x?phone=%2B7%20701%20123%2045%2067 HTTP/1.1',
    'GET /api/v1/x?phone=8+701+123+45+67&page=2 HTTP/1.1',  # a form-encoded query: "+" is a space
    'GET /api/v1/x?q=8%20(701)%20123-45-67 HTTP/1.1',
])
def test_a_percent_encoded_phone_in_a_query_is_masked(line: str) -> None:
    masked = mask(line)
    assert "+7***67" in masked, masked
    assert "701" not in masked and "123" not in masked, masked
    assert masked.startswith("GET /api/v1/x?") and masked.endswith(" HTTP/1.1"), masked


def test_a_percent_encoded_iin_in_a_path_is_masked() -> None:
    masked = mask(f'10.0.0.7:5 - "GET /api/v1/citizens/{IIN_ESCAPED}/reports HTTP/1.1" 200')
    assert IIN_ESCAPED not in masked and "%39%30" not in masked, masked
    assert "/api/v1/citizens/********0123/reports" in masked, masked


def test_a_percent_encoded_email_is_masked() -> None:
    masked = mask("GET /api/v1/x?email=dana.omarova%40mail.kz HTTP/1.1")
    assert "omarova" not in masked and "d***@mail.kz" in masked, masked


def test_decoding_lets_no_new_line_into_a_log_line() -> None:
    """A decoded `%0A` would let a client write a forged line into a plain-text log."""
    masked = mask(f"GET /api/v1/x/{IIN}%0AERROR%20forged?phone=%2B77011234567 HTTP/1.1")
    assert "\n" not in masked and "\r" not in masked, masked
    assert IIN not in masked and "7011234567" not in masked, masked


@pytest.mark.parametrize("line", [
    "GET /api/v1/reports?q=%D0%BA%D1%80%D0%B0%D0%B6%D0%B0&page=2 HTTP/1.1",  # nothing personal: as it was
    "GET /api/v1/x?at=2026-12-04T15%3A30%3A00%2B05%3A00 HTTP/1.1",
    "GET /api/v1/reports/ZP-2026-0000124?lang=ru+kk HTTP/1.1",
])
def test_an_encoded_line_with_nothing_to_mask_is_left_as_it_was(line: str) -> None:
    assert mask(line) == line


@pytest.mark.parametrize(("line", "secret"), [
    ("{'api_key': 'ak-live-51Hx9', 'mode': 'fcm'}", "ak-live-51Hx9"),
    ('{"apiKey": "ak-live-51Hx9"}', "ak-live-51Hx9"),
    ("GET /v1/x?api_key=ak-live-51Hx9&page=2", "ak-live-51Hx9"),
    ("X-Api-Key: ak-live-51Hx9", "ak-live-51Hx9"),
    ("(b'x-api-key', b'ak-live-51Hx9')", "ak-live-51Hx9"),
    ("Settings(s3_access_key='AKIAQWERTY12', s3_bucket='zan')", "AKIAQWERTY12"),
    ('{"private_key_id": "3f2a9c", "private_key": "-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADAN\\n-----END PRIVATE '
     'KEY-----\\n"}', "MIIEvQIBADAN"),
    ("loaded key:\n-----BEGIN RSA PRIVATE KEY-----\nMIIEvQIBADAN\nQ29weXJp\n-----END RSA PRIVATE KEY-----\nok",
     "MIIEvQIBADAN"),
    ("Cookie: zan_session=s3cr3tSess; theme=dark", "s3cr3tSess"),
    ("{'cookie': 'zan_session=s3cr3tSess; theme=dark', 'accept': '*/*'}", "s3cr3tSess"),
    ("[(b'host', b'zan.kz'), (b'cookie', b'theme=dark; zan_session=s3cr3tSess')]", "s3cr3tSess"),
    ("Set-Cookie: zan_session=s3cr3tSess; Path=/; HttpOnly", "s3cr3tSess"),
    ("client_secret=cs-9988xx&refresh_token=rt-7766yy", "cs-9988xx"),
    ("client_secret=cs-9988xx&refresh_token=rt-7766yy", "rt-7766yy"),
])
def test_credentials_under_other_keys_are_masked(line: str, secret: str) -> None:
    masked = mask(line)
    assert secret not in masked, masked
    assert "***" in masked, masked


def test_what_surrounds_a_masked_cookie_stays_readable() -> None:
    masked = mask("{'cookie': 'zan_session=s3cr3tSess; theme=dark', 'accept': '*/*'}")
    assert "'accept': '*/*'" in masked, masked
    masked = mask("Cookie: zan_session=s3cr3tSess\nHost: zan.kz")
    assert masked.endswith("\nHost: zan.kz"), masked


def test_an_access_line_through_the_log_pipeline() -> None:
    """What uvicorn logs for each request (log_config=None: its lines reach our root handler)."""
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
                               ("10.0.0.7:51234", "GET", f"/api/v1/citizens/{IIN_ESCAPED}?phone=%2B77011234567",
                                "1.1", 200), None)
    MaskingFilter().filter(record)
    line = json.loads(JsonFormatter().format(record))["msg"]
    assert "%39%30" not in line and "7011234567" not in line and "%2B7701" not in line, line
    assert "********0123" in line and "+7***67" in line, line
