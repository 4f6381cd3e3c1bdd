"""Secrets under a secret's key are masked in log lines whatever the value's shape (backend/lib/logging.py mask())."""

from __future__ import annotations

import logging

import pytest

from backend.lib.logging import JsonFormatter, MaskingFilter, mask


@pytest.mark.parametrize("line", [
    # the Settings dataclass's own repr: the keys ZAN_SECRET_KEY was before a rotation still open stored partner
    # secrets and verify seals, and they were written out as they are, a tuple not being a quoted value
    "Settings(secret_key='new-key-0123', previous_secret_keys=('old-key-abc', 'older-key-def'), environment='prod')",
    "{'previous_secret_keys': ('old-key-abc', 'older-key-def')}",
    '{"refresh_tokens": ["old-key-abc", "older-key-def"]}',
    "secret_keys=[b'old-key-abc', b'older-key-def']",
])
def test_a_sequence_of_secrets_under_a_secrets_key_is_masked(line: str) -> None:
    masked = mask(line)
    assert "old-key-abc" not in masked and "older-key-def" not in masked, masked


def test_a_settings_repr_in_a_log_line_keeps_no_previous_key() -> None:
    record = logging.LogRecord("zan.test", logging.INFO, __file__, 1, "starting with %s",
                               ("Settings(previous_secret_keys=('old-key-abc',), log_level='INFO')",), None)
    MaskingFilter().filter(record)
    line = JsonFormatter().format(record)
    assert "old-key-abc" not in line, line
    assert "previous_secret_keys=(***)" in line and "log_level='INFO'" in line  # what is not secret stays


def test_other_values_around_a_masked_sequence_are_kept() -> None:
    assert mask("x=(1, 2) secret_keys=() y=[3]") == "x=(1, 2) secret_keys=(***) y=[3]"
    # a key that holds no secret keeps its tuple
    assert mask("cors_origins=('https://zan.kz',)") == "cors_origins=('https://zan.kz',)"


def test_a_path_extra_is_masked_like_the_message() -> None:
    """The JSON formatter writes a few extras as they are; a request's path may carry an IIN or a phone (a query, a
    path segment), and would then have reached the log unmasked, beside a masked message."""
    record = logging.LogRecord("zan.test", logging.INFO, __file__, 1, "request", (), None)
    record.path = "/api/v1/lookup/900101300127?phone=%2B77011234567"
    line = JsonFormatter().format(record)
    assert "900101300127" not in line and "7011234567" not in line, line
    assert '"path": "/api/v1/lookup/' in line
