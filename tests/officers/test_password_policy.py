"""One password policy for `zan officers create / reset-password` and the admin API (backend.officers.rules): 12 to
200 characters, 200 being what a login takes.

Before: the console took a password of any length past 12, and one over 200 characters could never be typed into a
login (422 at the login's own limit): the account was made, and locked out from its first day."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from backend.cli import main
from backend.migrate import upgrade


def test_the_console_refuses_a_password_no_login_could_take(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'zan.db'}"
    upgrade(url)
    cleared: dict[str, str | None] = {name: None for name in os.environ if name.startswith("ZAN_")}
    env = {**cleared, "ZAN_VAR_DIR": str(tmp_path), "ZAN_DATABASE_URL": url, "ZAN_SECRET_KEY": "policy-key",
           "ZAN_LOG_JSON": "false"}
    def create(password: str) -> Result:
        return CliRunner().invoke(main, ["officers", "create", "--badge", "P-1", "--name", "Офицер", "--department",
                                         "patrol_police", "--district", "astana", "--password", password], env=env)

    too_long = create("x" * 201)
    assert too_long.exit_code == 2 and "at most 200 characters" in too_long.output
    assert create("x" * 200).exit_code == 0


@pytest.mark.parametrize("length", [11, 201])
def test_the_rule_is_one_for_both(length: int) -> None:
    from backend.officers import rules  # (a module of its own since the admin API shares it)

    with pytest.raises(rules.Refused):
        rules.check_password("x" * length)
    assert rules.check_password("x" * 12) == "x" * 12


@pytest.mark.parametrize("command", ["create", "reset-password"])
def test_the_password_help_names_both_limits(command: str) -> None:
    """The help said "at least 12 characters": a 201-character password, refused, was within what it said."""
    shown = CliRunner().invoke(main, ["officers", command, "--help"], terminal_width=200)
    assert shown.exit_code == 0 and "12 to 200 characters" in shown.output
