"""`zan officers set-role / move / deactivate / reactivate / list` on an embedded installation: the rules `create`
applies hold for every change (a field role needs a district, a national officer has none and no unit, a unit is of
the officer's department and region), a refusal is one line and exit 1 and changes nothing, the roster shows no
password hash, and a role or unit left is kept for sync on SQLite by a `zan` process of its own (no import of the
API's modules registers the tenure listener for it).

Before: none of these commands existed, and `create --unit` took a unit of another region or department."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from backend.cli import main
from backend.migrate import upgrade
from tests.officers.factories import cheap_service_hashing

PASSWORD = "correct-horse-battery"
KARAGANDA = "karkaralinskiy"
Installation = tuple[dict[str, str | None], Path]


@pytest.fixture(scope="module")
def installation(tmp_path_factory: pytest.TempPathFactory) -> Installation:
    """A migrated SQLite installation with units and officers to change."""
    root = tmp_path_factory.mktemp("officer_admin_cli")
    database = root / "zan.db"
    url = f"sqlite+aiosqlite:///{database}"
    upgrade(url)
    cleared: dict[str, str | None] = {name: None for name in os.environ if name.startswith("ZAN_")}
    env = {**cleared, "ZAN_VAR_DIR": str(root), "ZAN_DATABASE_URL": url, "ZAN_SECRET_KEY": "officer-admin-key",
           "ZAN_LOG_JSON": "false"}
    for code, department, district in [("AST-1", "patrol_police", "astana"), ("AST-2", "patrol_police", "astana"),
                                       ("AST-T", "traffic_police", "astana"), ("KAR-1", "patrol_police", KARAGANDA)]:
        ok(zan((env, database), "units", "create", "--code", code, "--name", code, "--department", department,
               "--district", district))
    with pytest.MonkeyPatch.context() as patch:
        # nothing here logs in with these passwords: hashed at the factories' cost, not production argon2's ~0.4 s
        cheap_service_hashing(patch)
        for badge, role, where in [("P-1", "patrol_officer", ["--district", "astana", "--unit", "AST-1"]),
                                   ("D-1", "dispatcher", ["--national"]),
                                   ("S-1", "supervisor", ["--district", "astana", "--unit", "AST-2"])]:
            ok(zan((env, database), "officers", "create", "--badge", badge, "--name", "Офицер", "--role", role,
                   "--department", "patrol_police", "--password", PASSWORD, *where))
    return env, database


def zan(installation: Installation, *args: str) -> Result:
    return CliRunner().invoke(main, list(args), env=installation[0])


def ok(result: Result) -> dict[str, Any]:
    assert result.exit_code == 0, result.output
    shown: dict[str, Any] = json.loads(result.output.strip().splitlines()[-1])
    return shown


def _rows(installation: Installation, sql: str, *params: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(installation[1]) as db:
        return db.execute(sql, params).fetchall()


def _account(installation: Installation, badge: str) -> tuple[Any, ...]:
    return _rows(installation, "SELECT o.role, o.district, o.active, o.password_hash, u.code FROM officers o "
                               "LEFT JOIN unit_members m ON m.officer_id = o.id LEFT JOIN units u ON u.id = m.unit_id "
                               "WHERE o.badge_number = ?", badge)[0]


@pytest.mark.parametrize(("args", "says"), [
    (["set-role", "--badge", "P-1", "--role", "patrol_officer", "--national"],
     "a patrol_officer works in a district: give --district"),
    (["set-role", "--badge", "D-1", "--role", "patrol_officer"], "a patrol_officer works in a district"),
    (["set-role", "--badge", "P-1", "--role", "dispatcher", "--national"], "a national officer belongs to no unit"),
    (["set-role", "--badge", "P-1", "--role", "dispatcher", "--district", "Astana City"],
     "unknown district 'Astana City'"),
    (["set-role", "--badge", "P-1", "--role", "dispatcher", "--district", "astana", "--national"],
     "--national and --district exclude each other"),
    (["set-role", "--badge", "P-1", "--role", "patrol_officer", "--district", KARAGANDA],
     "unit 'AST-1' (patrol_police, astana) does not fit a patrol_police officer of karkaralinskiy"),
    (["set-role", "--badge", "P-1", "--role", "patrol_officer"], "nothing to change"),
    (["set-role", "--badge", "NO-SUCH", "--role", "admin"], "no officer with badge 'NO-SUCH'"),
    (["move", "--badge", "P-1", "--unit", "KAR-1"], "unit 'KAR-1' (patrol_police, karkaralinskiy) does not fit"),
    (["move", "--badge", "P-1", "--unit", "AST-T"], "unit 'AST-T' (traffic_police, astana) does not fit"),
    (["move", "--badge", "P-1", "--unit", "NO-SUCH"], "no unit 'NO-SUCH'"),
    (["move", "--badge", "P-1", "--unit", "AST-1"], "nothing to change: officer 'P-1' is in 'AST-1' already"),
    (["move", "--badge", "P-1"], "give either --unit CODE or --no-unit"),
    (["move", "--badge", "P-1", "--unit", "AST-2", "--no-unit"], "give either --unit CODE or --no-unit"),
    (["move", "--badge", "D-1", "--unit", "AST-1"], "a national officer belongs to no unit"),
    (["deactivate", "--badge", "P-1", "--reason", " "], "1 to 500 characters"),  # as the admin API takes
    (["reactivate", "--badge", "P-1"], "nothing to change: officer 'P-1' is active"),
    (["list", "--district", "astan"], "unknown district 'astan'; did you mean astana"),
])
def test_a_change_that_breaks_the_rules_is_refused_in_one_line(installation: Installation, args: list[str],
                                                               says: str) -> None:
    before = {badge: _account(installation, badge) for badge in ("P-1", "D-1")}
    result = zan(installation, "officers", *args)
    assert result.exit_code == 1, result.output
    assert len(result.output.strip().splitlines()) == 1 and "Traceback" not in result.output
    assert says in result.output
    assert {badge: _account(installation, badge) for badge in ("P-1", "D-1")} == before


def test_create_refuses_a_unit_of_another_region_or_department(installation: Installation) -> None:
    for unit in ("KAR-1", "AST-T"):
        result = zan(installation, "officers", "create", "--badge", "X-1", "--name", "Офицер", "--department",
                     "patrol_police", "--district", "astana", "--unit", unit, "--password", PASSWORD)
        assert result.exit_code == 1 and f"unit '{unit}'" in result.output and "does not fit" in result.output
    assert _rows(installation, "SELECT count(*) FROM officers WHERE badge_number = 'X-1'") == [(0,)]


def test_the_roster_lists_accounts_without_password_hashes(installation: Installation) -> None:
    result = zan(installation, "officers", "list", "--district", "astana")
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.strip().splitlines()]
    assert [o["badge_number"] for o in lines] == ["P-1", "S-1"]
    assert lines[1] == {**lines[1], "role": "supervisor", "unit": "AST-2", "active": True, "scope": "region",
                        "region": "astana"}
    assert "$argon2" not in result.output and all("password_hash" not in o for o in lines)
    national = zan(installation, "officers", "list", "--role", "dispatcher")
    assert [(o["badge_number"], o["district"], o["scope"]) for o in map(json.loads, national.output.splitlines())] == [
        ("D-1", None, "national")]


def test_a_national_dispatcher_is_given_a_district_and_then_a_unit(installation: Installation) -> None:
    regional = ok(zan(installation, "officers", "set-role", "--badge", "D-1", "--role", "dispatcher", "--district",
                      KARAGANDA))
    assert (regional["district"], regional["scope"], regional["region"]) == (KARAGANDA, "region", "karaganda")
    assert ok(zan(installation, "officers", "move", "--badge", "D-1", "--unit", "KAR-1"))["unit"] == "KAR-1"
    assert ok(zan(installation, "officers", "move", "--badge", "D-1", "--no-unit"))["unit"] is None
    assert ok(zan(installation, "officers", "set-role", "--badge", "D-1", "--role", "dispatcher",
                  "--national"))["scope"] == "national"


def _zan_process(installation: Installation, *args: str) -> dict[str, Any]:
    """`zan` as an operator runs it: a process that loads only what the command imports."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZAN_")}
    env.update({k: v for k, v in installation[0].items() if v is not None})
    done = subprocess.run([sys.executable, "-m", "backend.cli", *args], env=env, capture_output=True, text=True,
                          check=False, cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 0, done.stderr
    shown: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return shown


def test_the_role_and_unit_left_are_kept_for_sync_on_sqlite(installation: Installation) -> None:
    assert _zan_process(installation, "officers", "set-role", "--badge", "S-1", "--role", "patrol_officer")[
        "role"] == "patrol_officer"
    assert _zan_process(installation, "officers", "set-role", "--badge", "S-1", "--role", "dispatcher")[
        "role"] == "dispatcher"
    assert _zan_process(installation, "officers", "move", "--badge", "S-1", "--unit", "AST-1")["unit"] == "AST-1"
    officer = "(SELECT id FROM officers WHERE badge_number = 'S-1')"
    assert [r for (r,) in _rows(installation, f"SELECT role FROM sync_role_tenures WHERE officer_id = {officer} "
                                              "ORDER BY until")] == ["supervisor", "patrol_officer"]
    assert _rows(installation, "SELECT u.code FROM sync_unit_tenures t JOIN units u ON u.id = t.unit_id "
                               f"WHERE t.officer_id = {officer}") == [("AST-2",)]
    ((stored_id,),) = _rows(installation, f"SELECT {officer}")
    assert [a for (a,) in _rows(installation, "SELECT action FROM audit_log WHERE target_id = ? ORDER BY at",
                                str(uuid.UUID(hex=stored_id)))] == [
        "officer.create", "officer.role", "officer.role", "officer.unit"]
