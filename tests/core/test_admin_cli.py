"""The console tools an operator sets a production installation up with: no demo data in production, units and
officers checked against the taxonomy and the districts, and a duplicate as a one-line error, never a traceback."""

from __future__ import annotations

import json
import os
import secrets
from typing import Any

import pytest
from click.testing import CliRunner, Result

from backend.cli import main
from backend.migrate import upgrade

PASSWORD = "correct-horse-battery"


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str | None]:
    """An embedded installation of its own (a migrated SQLite file), for CliRunner."""
    root = tmp_path_factory.mktemp("admin_cli")
    url = f"sqlite+aiosqlite:///{root / 'zan.db'}"
    upgrade(url)
    cleared: dict[str, str | None] = {name: None for name in os.environ if name.startswith("ZAN_")}
    return {**cleared, "ZAN_VAR_DIR": str(root), "ZAN_DATABASE_URL": url, "ZAN_SECRET_KEY": "admin-cli-test-key",
            "ZAN_LOG_JSON": "false"}


def zan(env: dict[str, str | None], *args: str, **overrides: str) -> Result:
    return CliRunner().invoke(main, list(args), env={**env, **overrides})


def ok(result: Result) -> Any:
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def refused(result: Result, code: int, message: str) -> None:
    """Exit `code` with `message` and no traceback (click's own error handling, not an exception escaping)."""
    assert result.exit_code == code, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    assert message in result.output, result.output


def test_seed_is_refused_in_production(env: dict[str, str | None]) -> None:
    result = zan(env, "seed", ZAN_ENVIRONMENT="production", ZAN_SECRET_KEY=secrets.token_hex(32),
                 ZAN_DATABASE_URL="postgresql+asyncpg://zan:pw@db.invalid/zan")
    refused(result, 1, "does not run with ZAN_ENVIRONMENT=production")
    assert "Demo-Zan" not in result.output


def test_seed_shows_the_demo_password_only_for_accounts_it_creates(env: dict[str, str | None]) -> None:
    first = ok(zan(env, "seed"))["officers"]["officers"]
    assert first and all(o["password"] and "existed" not in o for o in first)
    again = ok(zan(env, "seed"))["officers"]
    assert again["units_created"] == 0
    assert again["officers"] and all("password" not in o and o["existed"] for o in again["officers"])


def test_units_create(env: dict[str, str | None]) -> None:
    created = ok(zan(env, "units", "create", "--code", "SHY-УУП-7", "--name", "УУП Шымкент №7",
                     "--department", "district_inspector", "--district", "shymkent",
                     "--restricted-category", "domestic_violence"))
    assert created["code"] == "SHY-УУП-7" and created["restricted_categories"] == ["domestic_violence"]
    refused(zan(env, "units", "create", "--code", "SHY-УУП-7", "--name", "again", "--department",
                "district_inspector", "--district", "shymkent"), 1, "a unit with code 'SHY-УУП-7' already exists")
    refused(zan(env, "units", "create", "--code", "X-1", "--name", "x", "--department", "patrol",
                "--district", "astana"), 2, "unknown department 'patrol'; did you mean patrol_police?")
    refused(zan(env, "units", "create", "--code", "X-1", "--name", "x", "--department", "akimat",
                "--district", "astana"), 2, "unknown department 'akimat'")  # external: reports go elsewhere
    refused(zan(env, "units", "create", "--code", "X-1", "--name", "x", "--department", "patrol_police",
                "--district", "Astana City"), 2, "unknown district 'Astana City'")
    refused(zan(env, "units", "create", "--code", "X-1", "--name", "x", "--department", "patrol_police",
                "--district", "astana", "--restricted-category", "theft"), 2, "unknown restricted category 'theft'")
    # an officer joins it
    officer = ok(zan(env, "officers", "create", "--badge", "I-7001", "--name", "Инспектор", "--role",
                     "district_inspector", "--department", "district_inspector", "--district", "shymkent",
                     "--unit", "SHY-УУП-7", "--password", PASSWORD))
    assert officer["unit"] == "SHY-УУП-7"


def test_officers_create(env: dict[str, str | None]) -> None:
    def create(*extra: str, badge: str = "P-7100", department: str = "patrol_police",
               district: str = "almaty") -> Result:
        return zan(env, "officers", "create", "--badge", badge, "--name", "Офицер", "--department", department,
                   "--district", district, *extra)

    refused(create("--password", "Short-pass1"), 2, "at least 12 characters")
    refused(create("--password", PASSWORD, department="traffic"), 2, "unknown department 'traffic'")
    refused(create("--password", PASSWORD, district="almaty city"), 2, "unknown district 'almaty city'")
    refused(create("--password", PASSWORD, "--unit", "NO-SUCH"), 1, "no unit 'NO-SUCH'")
    created = ok(create("--password", PASSWORD))
    assert created["badge_number"] == "P-7100" and created["role"] == "patrol_officer"
    refused(create("--password", PASSWORD), 1, "an officer with badge 'P-7100' already exists")
    refused(create("--password", PASSWORD, badge=" P-7100 "), 1, "already exists")
    # prompted twice when not given; a short one is asked again
    prompted = CliRunner().invoke(main, ["officers", "create", "--badge", "P-7101", "--name", "Офицер", "--department",
                                         "patrol_police", "--district", "almaty"], env=env,
                                  input=f"short\n{PASSWORD}\n{PASSWORD}\n")
    assert prompted.exit_code == 0, prompted.output
    assert "at least 12 characters" in prompted.output


def test_partners_create_twice(env: dict[str, str | None]) -> None:
    ok(zan(env, "partners", "create", "--name", "kaspi-test"))
    refused(zan(env, "partners", "create", "--name", "kaspi-test"), 1,
            "a partner app named 'kaspi-test' already exists")


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """`zan serve` without a server: what it would have handed uvicorn (migrations skipped too)."""
    import uvicorn

    runs: list[dict[str, Any]] = []
    monkeypatch.setattr("backend.migrate.upgrade", lambda _url: None)
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: runs.append({"app": app, **options}))
    return runs


def test_serve_refuses_several_workers_without_redis(env: dict[str, str | None],
                                                     started: list[dict[str, Any]]) -> None:
    """Without Redis every process keeps its own partner rate limit and login failure limits: N processes would let
    through N times each. Refused unless the operator says so; one process, or Redis, is fine."""
    result = zan(env, "serve", "--workers", "4")
    refused(result, 1, "--workers 4 without ZAN_REDIS_URL would multiply the partner rate limit")
    assert len(result.output.strip().splitlines()) == 1 and started == []

    assert zan(env, "serve", "--workers", "4", "--allow-per-process-limits").exit_code == 0
    assert zan(env, "serve").exit_code == 0
    assert zan(env, "serve", "--workers", "4", ZAN_REDIS_URL="redis://127.0.0.1:6379/0").exit_code == 0
    assert [run["workers"] for run in started] == [4, 1, 4]
