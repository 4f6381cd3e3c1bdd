"""`zan officers create` and the scope an officer reads reports in (backend.dispatch.regions): staff roles get their
district's region, or the whole country with `--national` (no district, no unit) — which before could not be
created at all, `--district` having to be a valid code; field roles always need a district. The output says which
scope the account got."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from backend.cli import main
from backend.migrate import upgrade

PASSWORD = "correct-horse-battery"
KARKARALINSK = "karkaralinskiy"  # a district of Karaganda region


@pytest.fixture(scope="module")
def installation(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, str | None], Path]:
    """An embedded installation of its own (a migrated SQLite file) for CliRunner, and its database file."""
    root = tmp_path_factory.mktemp("officers_cli")
    database = root / "zan.db"
    url = f"sqlite+aiosqlite:///{database}"
    upgrade(url)
    cleared: dict[str, str | None] = {name: None for name in os.environ if name.startswith("ZAN_")}
    return ({**cleared, "ZAN_VAR_DIR": str(root), "ZAN_DATABASE_URL": url, "ZAN_SECRET_KEY": "officers-cli-key",
             "ZAN_LOG_JSON": "false"}, database)


def _create(installation: tuple[dict[str, str | None], Path], badge: str, role: str, *extra: str) -> Result:
    return CliRunner().invoke(main, ["officers", "create", "--badge", badge, "--name", "Офицер", "--role", role,
                                     "--department", "patrol_police", "--password", PASSWORD, *extra],
                              env=installation[0])


def _created(result: Result) -> dict[str, Any]:
    assert result.exit_code == 0, result.output
    created: dict[str, Any] = json.loads(result.output.strip().splitlines()[-1])
    return created


def _stored_district(installation: tuple[dict[str, str | None], Path], badge: str) -> str:
    with sqlite3.connect(installation[1]) as db:
        (district,) = db.execute("SELECT district FROM officers WHERE badge_number = ?", (badge,)).fetchone()
    return str(district)


@pytest.mark.parametrize("role", ["dispatcher", "supervisor", "prosecutor", "admin"])
def test_a_staff_officer_can_be_created_national(installation: tuple[dict[str, str | None], Path],
                                                 role: str) -> None:
    created = _created(_create(installation, f"N-{role[:4]}", role, "--national"))
    assert (created["role"], created["scope"], created["district"], created["unit"]) == (role, "national", None, None)
    # no district at all, which is what backend.dispatch.regions reads as the whole country
    assert _stored_district(installation, f"N-{role[:4]}") == ""


def test_a_staff_officer_with_a_district_reads_its_region(installation: tuple[dict[str, str | None], Path]) -> None:
    created = _created(_create(installation, "R-0001", "supervisor", "--district", KARKARALINSK))
    assert (created["scope"], created["region"], created["district"]) == ("region", "karaganda", KARKARALINSK)
    field = _created(_create(installation, "F-0001", "patrol_officer", "--district", "astana"))
    assert (field["scope"], field["district"]) == ("unit_and_district", "astana")


@pytest.mark.parametrize(("role", "extra", "says"), [
    ("patrol_officer", ["--national"], "a patrol_officer works in a district: give --district"),
    ("district_inspector", [], "a district_inspector needs a district code"),
    ("patrol_officer", ["--district", ""], "a patrol_officer needs a district code"),
    # national scope is asked for by name, never the fallout of a district left out or empty
    ("supervisor", [], "a supervisor needs a district code (`zan units districts`), or --national"),
    ("dispatcher", ["--district", " "], "or --national for the whole country"),
    ("supervisor", ["--national", "--district", "astana"], "--national and --district exclude each other"),
    ("prosecutor", ["--national", "--unit", "AST-1"], "a national officer belongs to no unit"),
    ("supervisor", ["--district", "Astana City"], "unknown district 'Astana City'"),
])
def test_a_scope_that_does_not_fit_the_role_is_refused(installation: tuple[dict[str, str | None], Path], role: str,
                                                       extra: list[str], says: str) -> None:
    result = _create(installation, "X-0001", role, *extra)
    assert result.exit_code == 2, result.output
    assert says in " ".join(result.output.split())  # click wraps long messages
    assert "Traceback" not in result.output
    with sqlite3.connect(installation[1]) as db:
        assert db.execute("SELECT count(*) FROM officers WHERE badge_number = 'X-0001'").fetchone() == (0,)
