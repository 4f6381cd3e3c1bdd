"""Addresses, huge numbers and the embedded key file are checked at startup, naming the variable in one line.

A ZAN_DATABASE_URL SQLAlchemy cannot read, or one of a driver Zan does not set up (`postgres://`, `postgresql://`),
and a ZAN_REDIS_URL without its scheme used to end every `zan` command (and `zan serve`'s startup) in a traceback
deep inside SQLAlchemy or redis-py; an S3, public, FCM or Telegram address without a scheme started the API, whose
first upload link or media call then failed. A number far beyond meaning (a refresh lifetime of 10**12 s, an
escalation delay of 10**10 minutes) was taken and broke each login or every minute's scheduled work with an
OverflowError. An empty var/secret.key (two processes creating it at once) keyed everything with an empty key."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from backend.cli import main
from backend.settings import Settings, SettingsError

PASSWORD = "hunter2-not-for-logs"


@pytest.mark.parametrize(
    "url",
    [
        "notaurl",
        f"postgresql+asyncpg://zan:{PASSWORD}@db:notaport/zan",
        f"postgres://zan:{PASSWORD}@127.0.0.1/test",
        f"postgresql://postgres:{PASSWORD}@127.0.0.1/test",
    ],
)
def test_an_unusable_database_url_is_one_line(env: pytest.MonkeyPatch, url: str) -> None:
    env.setenv("ZAN_DATABASE_URL", url)
    with pytest.raises(SettingsError, match=r"^ZAN_DATABASE_URL must be postgresql\+asyncpg://"):
        Settings.from_env()
    result = CliRunner().invoke(main, ["db", "current"])
    assert result.exit_code == 1, result.output
    assert result.output.startswith("Error: ZAN_DATABASE_URL must be") and len(result.output.splitlines()) == 1
    assert PASSWORD not in result.output


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("REDIS_URL", f":{PASSWORD}@localhost:6379/0"),
        ("REDIS_URL", "localhost:6379"),
        ("REDIS_URL", f"redis://:{PASSWORD}@localhost:notaport/0"),
        ("PUBLIC_BASE_URL", "zan.example.kz"),
        ("S3_ENDPOINT_URL", "minio:9000"),
        ("S3_PUBLIC_ENDPOINT_URL", "media.example.kz"),
        ("FCM_BASE_URL", "fcm.googleapis.com"),
        ("TELEGRAM_API_BASE", "ftp://api.telegram.org"),
    ],
)
def test_an_address_without_its_scheme_names_its_variable(env: pytest.MonkeyPatch, name: str, value: str) -> None:
    env.setenv(f"ZAN_{name}", value)
    with pytest.raises(SettingsError, match=f"^ZAN_{name} must be an address starting with") as raised:
        Settings.from_env()
    assert PASSWORD not in str(raised.value)
    result = CliRunner().invoke(main, ["db", "current"])
    assert result.exit_code == 1 and result.output.startswith(f"Error: ZAN_{name} must be"), result.output
    assert PASSWORD not in result.output


def test_the_addresses_zan_uses_are_taken(env: pytest.MonkeyPatch) -> None:
    for name, value in {"REDIS_URL": "rediss://:pw@redis.internal:6380/1", "PUBLIC_BASE_URL": "https://zan.kz",
                        "S3_ENDPOINT_URL": "http://minio:9000", "TELEGRAM_API_BASE": "http://127.0.0.1:8081",
                        "DATABASE_URL": "postgresql+asyncpg://zan:pw@db.internal:5432/zan"}.items():
        env.setenv(f"ZAN_{name}", value)
    s = Settings.from_env()
    assert (s.redis_url, s.s3_public_endpoint_url) == ("rediss://:pw@redis.internal:6380/1", "http://minio:9000")
    env.setenv("ZAN_REDIS_URL", "unix:///run/redis.sock")
    assert Settings.from_env().redis_url == "unix:///run/redis.sock"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("JWT_REFRESH_TTL_S", str(10**12)),
        ("ESCALATE_UNACCEPTED_MIN", str(10**10)),
        ("ESCALATE_UNASSIGNED_MIN", str(10**10)),
        ("OUTBOX_RETENTION_DAYS", str(10**7)),
        ("SIGNATURE_MAX_SKEW_S", str(10**19)),
    ],
)
def test_a_number_past_what_can_be_used_names_its_variable(env: pytest.MonkeyPatch, name: str, value: str) -> None:
    env.setenv(f"ZAN_{name}", value)
    with pytest.raises(SettingsError, match=f"^ZAN_{name} must be at most \\d+, not '{value}'$"):
        Settings.from_env()


def test_the_largest_values_taken_still_work_as_dates(env: pytest.MonkeyPatch) -> None:
    from backend import settings

    now = datetime.now(UTC)
    for name, biggest, as_delta in [
        ("JWT_REFRESH_TTL_S", settings.MAX_REFRESH_TTL_S, lambda v: timedelta(seconds=v)),
        ("ESCALATE_UNACCEPTED_MIN", settings.MAX_ESCALATE_MIN, lambda v: timedelta(minutes=v)),
        ("OUTBOX_RETENTION_DAYS", settings.MAX_RETENTION_DAYS, lambda v: timedelta(days=v)),
    ]:
        env.setenv(f"ZAN_{name}", str(biggest))
        value = getattr(Settings.from_env(), name.lower())
        assert now - as_delta(value) < now < now + as_delta(value)


def test_an_empty_embedded_key_file_is_refused(env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "secret.key").write_text("\n")
    with pytest.raises(SettingsError, match=r"^ZAN_SECRET_KEY is not set and .*secret\.key \(.* is empty"):
        Settings.from_env()


def test_the_embedded_key_is_made_once_and_kept_private(env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    first = Settings.from_env().secret_key
    assert len(first) == 64 and Settings.from_env().secret_key == first
    assert os.stat(tmp_path / "secret.key").st_mode & 0o777 == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["secret.key"]  # no temporary file left behind
