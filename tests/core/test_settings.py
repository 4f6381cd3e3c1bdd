"""Settings.from_env refuses what would run wrong: a mistyped mode, an unsafe production, a number that is not one."""

from __future__ import annotations

import secrets

import pytest
from click.testing import CliRunner

from backend.settings import Settings, SettingsError

STRONG = secrets.token_hex(32)  # what `zan keys new` prints
PG = "postgresql+asyncpg://zan:pw@db.internal/zan"




def production(env: pytest.MonkeyPatch, **values: str) -> None:
    env.setenv("ZAN_ENVIRONMENT", "production")
    env.setenv("ZAN_DATABASE_URL", PG)
    env.setenv("ZAN_SECRET_KEY", STRONG)
    for name, value in values.items():
        env.setenv(f"ZAN_{name}", value)


def test_defaults_are_the_embedded_mode(env: pytest.MonkeyPatch) -> None:
    s = Settings.from_env()
    assert (s.environment, s.queue, s.media_backend, s.push_backend) == ("embedded", "inprocess", "local", "log")
    assert s.is_sqlite


def test_a_production_deployment_with_a_strong_key_starts(env: pytest.MonkeyPatch) -> None:
    production(env, REDIS_URL="redis://redis:6379/0", S3_BUCKET="zan-media")
    s = Settings.from_env()
    assert (s.environment, s.queue, s.media_backend, s.secret_key) == ("production", "saq", "s3", STRONG)
    # a base64 key of 32 random bytes is as good as the hex one
    env.setenv("ZAN_SECRET_KEY", secrets.token_urlsafe(32))
    assert Settings.from_env().environment == "production"


# fixed values, not freshly random ones: pytest-xdist's workers must collect the same test ids
@pytest.mark.parametrize("key", ["x", "changeme" * 8, "0" * 64, "46005787a6f66c7e405712b0528fdffe",
                                 "Cs_BndPjiugta8EacjK97w"])
def test_production_refuses_a_weak_secret_key(env: pytest.MonkeyPatch, key: str) -> None:
    production(env, SECRET_KEY=key)
    with pytest.raises(SettingsError, match="ZAN_SECRET_KEY"):
        Settings.from_env()


def test_production_refuses_a_missing_key_and_sqlite(env: pytest.MonkeyPatch) -> None:
    production(env)
    env.delenv("ZAN_SECRET_KEY")
    with pytest.raises(SettingsError, match="ZAN_SECRET_KEY must be set"):
        Settings.from_env()
    production(env)
    env.delenv("ZAN_DATABASE_URL")  # the embedded default, a SQLite file
    with pytest.raises(SettingsError, match="ZAN_DATABASE_URL"):
        Settings.from_env()
    env.setenv("ZAN_DATABASE_URL", "sqlite+aiosqlite:////srv/zan.db")
    with pytest.raises(SettingsError, match="ZAN_DATABASE_URL"):
        Settings.from_env()


def test_the_environment_is_not_silently_embedded(env: pytest.MonkeyPatch) -> None:
    # a capital letter still means production, with production's checks (here: no secret key)
    env.setenv("ZAN_ENVIRONMENT", "Production")
    env.setenv("ZAN_DATABASE_URL", PG)
    with pytest.raises(SettingsError, match="ZAN_SECRET_KEY must be set in production"):
        Settings.from_env()
    production(env, ENVIRONMENT=" PRODUCTION ")
    assert Settings.from_env().environment == "production"
    env.setenv("ZAN_ENVIRONMENT", "prod")
    with pytest.raises(SettingsError, match="ZAN_ENVIRONMENT must be one of embedded, production, not 'prod'"):
        Settings.from_env()


@pytest.mark.parametrize(("name", "value"), [("QUEUE", "sqa"), ("MEDIA_BACKEND", "minio"),
                                             ("PUSH_BACKEND", "firebase"), ("LOG_LEVEL", "verbose")])
def test_unknown_choices_name_their_variable(env: pytest.MonkeyPatch, name: str, value: str) -> None:
    env.setenv(f"ZAN_{name}", value)
    with pytest.raises(SettingsError, match=f"ZAN_{name} must be one of .*not '{value}'"):
        Settings.from_env()


def test_choices_ignore_letter_case(env: pytest.MonkeyPatch) -> None:
    env.setenv("ZAN_REDIS_URL", "redis://127.0.0.1:6379/0")
    for name, value in {"QUEUE": "SAQ", "MEDIA_BACKEND": "S3", "PUSH_BACKEND": "Log", "LOG_LEVEL": "debug"}.items():
        env.setenv(f"ZAN_{name}", value)
    s = Settings.from_env()
    assert (s.queue, s.media_backend, s.push_backend, s.log_level) == ("saq", "s3", "log", "DEBUG")


def test_the_saq_queue_needs_redis(env: pytest.MonkeyPatch) -> None:
    env.setenv("ZAN_QUEUE", "saq")
    with pytest.raises(SettingsError, match="ZAN_REDIS_URL"):
        Settings.from_env()


@pytest.mark.parametrize(("name", "value"), [("DB_POOL_SIZE", "twenty"), ("PARTNER_RATE_LIMIT", "1e3"),
                                             ("JWT_ACCESS_TTL_S", "15m"), ("RELAY_INTERVAL_S", "fast"),
                                             ("SCHEDULED_INTERVAL_S", "0"), ("LOG_JSON", "ture"),
                                             ("ESCALATE_UNACCEPTED_MIN", "0"), ("ESCALATE_UNASSIGNED_MIN", "-5")])
def test_a_bad_number_or_switch_names_its_variable(env: pytest.MonkeyPatch, name: str, value: str) -> None:
    env.setenv(f"ZAN_{name}", value)
    with pytest.raises(SettingsError, match=f"ZAN_{name} must be .*'{value}'"):
        Settings.from_env()


def test_switches(env: pytest.MonkeyPatch) -> None:
    env.setenv("ZAN_LOG_JSON", "Off")
    env.setenv("ZAN_ENABLE_ROUTING", "0")
    env.setenv("ZAN_ENABLE_RELAY", "yes")
    s = Settings.from_env()
    assert (s.log_json, s.enable_routing, s.enable_relay) == (False, False, True)


def test_the_public_s3_endpoint_defaults_to_the_service_one(env: pytest.MonkeyPatch) -> None:
    env.setenv("ZAN_S3_ENDPOINT_URL", "http://minio:9000")
    assert Settings.from_env().s3_public_endpoint_url == "http://minio:9000"
    env.setenv("ZAN_S3_PUBLIC_ENDPOINT_URL", "https://media.example.kz")
    s = Settings.from_env()
    assert (s.s3_endpoint_url, s.s3_public_endpoint_url) == ("http://minio:9000", "https://media.example.kz")


def test_the_cli_names_the_variable_without_a_traceback(env: pytest.MonkeyPatch) -> None:
    from backend.cli import main

    env.setenv("ZAN_DB_POOL_SIZE", "abc")
    result = CliRunner().invoke(main, ["db", "current"])
    assert result.exit_code == 1
    assert result.output.strip() == "Error: ZAN_DB_POOL_SIZE must be a whole number, not 'abc'"
