"""Numbers below what a setting can mean stop startup naming the variable, as a mistyped one does: SQLAlchemy reads a
pool of 0 and an overflow of -1 as "no limit" (the opposite of what shrinking them asks for), a signature skew of 0 s
gives every partner nonce a Redis TTL Redis refuses, a login limit of 0 refuses every officer."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from backend.cli import main
from backend.settings import Settings, SettingsError


@pytest.mark.parametrize(
    ("name", "value", "minimum"),
    [
        ("DB_POOL_SIZE", "0", 1),
        ("DB_MAX_OVERFLOW", "-1", 0),
        ("SIGNATURE_MAX_SKEW_S", "0", 1),
        ("SIGNATURE_MAX_SKEW_S", "-300", 1),
        ("PARTNER_RATE_LIMIT", "-1", 0),
        ("LOGIN_FAILURES_PER_IP", "0", 1),
        ("JWT_ACCESS_TTL_S", "0", 1),
        ("JWT_REFRESH_TTL_S", "-60", 1),
        # these were read as 1 without a word: an operator's 0 ("no limit") became one question per 10 minutes
        ("PREVIEW_CONCURRENCY", "0", 1),
        ("LEGAL_CONCURRENCY", "-2", 1),
        ("CITIZEN_BOT_LEGAL_PER_10MIN", "0", 1),
    ],
)
def test_a_number_below_its_minimum_names_its_variable(
    env: pytest.MonkeyPatch, name: str, value: str, minimum: int
) -> None:
    env.setenv(f"ZAN_{name}", value)
    with pytest.raises(SettingsError, match=f"^ZAN_{name} must be at least {minimum}, not '{value}'$"):
        Settings.from_env()


@pytest.mark.parametrize(
    ("name", "value"),
    [("DB_POOL_SIZE", "1"), ("DB_MAX_OVERFLOW", "0"), ("PARTNER_RATE_LIMIT", "0"), ("SIGNATURE_MAX_SKEW_S", "1")],
)
def test_the_smallest_meaningful_values_are_taken(env: pytest.MonkeyPatch, name: str, value: str) -> None:
    env.setenv(f"ZAN_{name}", value)
    assert getattr(Settings.from_env(), name.lower()) == int(value)


def test_the_cli_refuses_them_in_one_line(env: pytest.MonkeyPatch) -> None:
    env.setenv("ZAN_DB_POOL_SIZE", "0")
    result = CliRunner().invoke(main, ["db", "current"])
    assert result.exit_code == 1
    assert result.output.strip() == "Error: ZAN_DB_POOL_SIZE must be at least 1, not '0'"
