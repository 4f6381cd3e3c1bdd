"""Personal data in log lines (backend/lib/logging.py mask()): the spellings ml.pii finds in report texts are masked
in the logs too, while the identifiers a log line is followed by stay readable."""

from __future__ import annotations

import json
import logging

import pytest

from backend.lib.logging import JsonFormatter, MaskingFilter, mask
from ml.pii import find_pii


@pytest.mark.parametrize(("text", "kept"), [
    ("ИИН 900101 300123", "0123"),  # six and six, as people type it (and ml.pii accepts it)
    ("ЖСН: 900101-300123", "0123"),
    ("iin=900101300123", "0123"),
])
def test_an_iin_is_masked_however_it_is_spaced(text: str, kept: str) -> None:
    masked = mask(text)
    assert "900101" not in masked and "300123" not in masked, masked
    assert masked.endswith(f"********{kept}")  # the last digits, to match a number read out over the phone


@pytest.mark.parametrize("text", ["звонил с 7011234567", "тел 701 123 45 67", "тел (701) 123-45-67",
                                  "+7 701 123 45 67", "87011234567", "77011234567"])
def test_a_kazakh_mobile_is_masked_with_or_without_its_prefix(text: str) -> None:
    masked = mask(text)
    assert "123" not in masked and "+7***67" in masked, masked
    assert any(span.kind == "phone" for span in find_pii(text))  # what ml.pii calls a phone, the log masks


@pytest.mark.parametrize("text", [
    "report ZP-2026-0000124 number 2026-000124 registered",
    "report 6f1c2a3e-9b4d-4c1e-8f2a-1234567890ab routed",
    "report 12345678-1234-5678-1234-ab7012345678 routed",  # digit runs like a card and a mobile: still an id
    "event 70112345-6789-4012-8345-678901234567 sealed",
    "at 2026-12-04T15:30:00.123456+05:00 (2026-12-04 15:30:00), ts 1764900000, ms 1764900000123",
    "took 123456 654321 us",  # two numbers side by side without an IIN's birth date
])
def test_report_numbers_ids_and_timestamps_stay_intact(text: str) -> None:
    assert mask(text) == text


def test_a_uuid_shaped_secret_is_still_masked() -> None:
    """Secrets are masked before ids are spared: a token is no less secret for looking like a UUID."""
    masked = mask("GET /media/files?token=6f1c2a3e-9b4d-4c1e-8f2a-1234567890ab Authorization: "
                  "6f1c2a3e-9b4d-4c1e-8f2a-1234567890ab")
    assert "6f1c2a3e" not in masked, masked


def test_the_log_pipeline_masks_both_spellings() -> None:
    record = logging.LogRecord("zan.test", logging.INFO, __file__, 1, "citizen %s called from %s about %s",
                               ("ИИН 900101 300123", "7011234567", "6f1c2a3e-9b4d-4c1e-8f2a-1234567890ab"), None)
    MaskingFilter().filter(record)
    line = json.loads(JsonFormatter().format(record))["msg"]
    assert line == "citizen ИИН ********0123 called from +7***67 about 6f1c2a3e-9b4d-4c1e-8f2a-1234567890ab"
