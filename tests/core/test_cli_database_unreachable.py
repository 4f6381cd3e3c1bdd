"""An admin command whose database cannot be used (the server down, a wrong host, user or database name) says so in
one line with the address, its password hidden, and exits 1: it used to print a 60-line traceback ending in the
driver's error, which hid the cause from whoever ran `docker compose run --rm api zan ...` at 3 a.m."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from backend.cli import main

PASSWORD = "hunter2-not-for-logs"


@pytest.mark.parametrize(
    ("url", "says"),
    [
        pytest.param(f"postgresql+asyncpg://zan:{PASSWORD}@127.0.0.1:1/zan", "Connect call failed", id="server-down"),
        pytest.param(
            f"postgresql+asyncpg://postgres:{PASSWORD}@127.0.0.1:5432/zan_no_such_database",
            'database "zan_no_such_database" does not exist',
            id="no-such-database",
        ),
        pytest.param(
            f"postgresql+asyncpg://zan_no_such_role:{PASSWORD}@127.0.0.1:5432/test",
            'role "zan_no_such_role" does not exist',
            id="no-such-role",
        ),
        pytest.param(f"postgresql+asyncpg://zan:{PASSWORD}@db.invalid/zan", "gaierror", id="unknown-host"),
    ],
)
@pytest.mark.parametrize(
    "command", [["db", "upgrade"], ["db", "current"], ["partners", "create", "--name", "x"]], ids=" ".join
)
def test_an_unusable_database_is_one_line(tmp_path: object, url: str, says: str, command: list[str]) -> None:
    result = CliRunner().invoke(
        main,
        command,
        env={"ZAN_DATABASE_URL": url, "ZAN_VAR_DIR": str(tmp_path), "ZAN_ENVIRONMENT": None, "ZAN_REDIS_URL": None},
    )
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: the database at "), result.output
    assert says in lines[0] and "@" in lines[0] and ":***@" in lines[0]
    assert PASSWORD not in result.output


def test_a_password_in_the_query_is_hidden_too(tmp_path: object) -> None:
    """asyncpg takes `?password=` as well; render_as_string(hide_password=True) hides the user-info one only.
    Found by a second reading."""
    secret = "hunter2-not-for-logs"
    url = f"postgresql+asyncpg://zan_no_such_role@127.0.0.1:5432/test?password={secret}"
    result = CliRunner().invoke(main, ["db", "current"], env={"ZAN_DATABASE_URL": url, "ZAN_VAR_DIR": str(tmp_path),
                                                             "ZAN_ENVIRONMENT": None, "ZAN_REDIS_URL": None})
    assert result.exit_code == 1 and result.output.startswith("Error: the database at "), result.output
    assert secret not in result.output and "password=hidden" in result.output, result.output
