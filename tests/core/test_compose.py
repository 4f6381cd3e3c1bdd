"""docker-compose.yml cannot be run here: these read it, for the promises README makes about it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from backend.settings import Settings

yaml = pytest.importorskip("yaml")

REPO = Path(__file__).resolve().parents[2]
DEFAULT = re.compile(r"^\$\{(\w+):-([^}]*)\}$")
# PostgreSQL's superuser_reserved_connections, and a one-off `docker compose run --rm api zan ...` at the API's pool
RESERVED = 3


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return dict(yaml.safe_load((REPO / "docker-compose.yml").read_text(encoding="utf-8")))


def _zan_services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {name: s for name, s in compose["services"].items() if s.get("image") == "zan:latest"}


def _value(raw: Any) -> str:
    """A setting's value as compose gives it when .env does not set it."""
    text = str(raw)
    match = DEFAULT.match(text)
    return match.group(2) if match else text


def test_every_zan_service_reads_the_env_file(compose: dict[str, Any]) -> None:
    services = _zan_services(compose)
    assert {"migrate", "api", "worker", "bot-citizen", "bot-officer"} <= set(services)
    for name, service in services.items():
        assert {"path": ".env", "required": False} in service.get("env_file", []), name


def test_links_name_an_address_clients_reach(compose: dict[str, Any]) -> None:
    for name, service in _zan_services(compose).items():
        env = service["environment"]
        assert "minio:9000" in env["ZAN_S3_ENDPOINT_URL"]
        public = _value(env["ZAN_S3_PUBLIC_ENDPOINT_URL"])
        assert public.startswith("http") and "minio" not in public, name
        port = public.rsplit(":", 1)[-1].strip("/")
        assert f"{port}:9000" in compose["services"]["minio"]["ports"]


def test_the_pools_fit_in_postgres(compose: dict[str, Any]) -> None:
    command = compose["services"]["postgres"].get("command", [])
    flags = dict(re.findall(r"(\w+)=(\d+)", " ".join(command)))
    max_connections = int(flags.get("max_connections", 100))
    total, largest = 0, 0
    for name, service in _zan_services(compose).items():
        if name == "migrate":  # runs alone, before the others start, without a pool
            continue
        env = service["environment"]
        # unset: the application's own defaults
        per_process = (int(_value(env.get("ZAN_DB_POOL_SIZE", Settings.db_pool_size)))
                       + int(_value(env.get("ZAN_DB_MAX_OVERFLOW", Settings.db_max_overflow))))
        cmd = service["command"]
        processes = int(cmd[cmd.index("--workers") + 1]) if "--workers" in cmd else 1
        processes *= int(service.get("deploy", {}).get("replicas", 1))
        total += processes * per_process
        largest = max(largest, per_process)
    # every service at its pools' limit, plus one one-off `zan` command
    assert total + largest + RESERVED <= max_connections, (total, largest, max_connections)


def test_the_bots_can_run_in_webhook_mode(compose: dict[str, Any]) -> None:
    for name in ("bot-citizen", "bot-officer"):
        command = compose["services"][name]["command"]
        assert command[:3] == ["zan", "bot", name.split("-")[1]]
        assert _value(command[3].removeprefix("--")) == "polling" and "BOT_MODE" in command[3]


def test_readme_documents_every_setting() -> None:
    source = (REPO / "backend" / "settings.py").read_text(encoding="utf-8")
    names = set(re.findall(r"_(?:env|int|bool|float|choice)\(\"(\w+)\"", source))
    assert {"SECRET_KEY", "S3_PUBLIC_ENDPOINT_URL", "DB_POOL_SIZE"} <= names
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    missing = sorted(f"ZAN_{n}" for n in names if f"`ZAN_{n}`" not in readme)
    assert not missing, f"settings the README's table does not name: {missing}"
