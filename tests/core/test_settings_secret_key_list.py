"""A ZAN_SECRET_KEY holding a space, a new line or a comma stops startup, in every environment: after a rotation it
must go into ZAN_PREVIOUS_SECRET_KEYS, a list split at exactly those characters, where it would read as another key
(a Kubernetes secret made from a file keeps the file's final new line) or as several — its citizens would become
strangers, its ledger seals unverifiable and its sealed partner secrets unreadable, found out only after the
rotation. The message names the variable and not the key."""

from __future__ import annotations

import pytest

from backend.settings import Settings, SettingsError

STRONG = "3f9a1c7e5b2d8f4a6c0e9b1d7f3a5c8e2b4d6f8a0c1e3b5d7f9a2c4e6b8d0f1a"


@pytest.mark.parametrize("environment", ["embedded", "production"])
@pytest.mark.parametrize("secret", [STRONG + "\n", STRONG[:32] + " " + STRONG[32:], STRONG[:32] + "," + STRONG[32:],
                                    "\t" + STRONG], ids=["final-new-line", "space", "comma", "tab"])
def test_a_key_that_cannot_be_listed_as_a_previous_key_is_refused(env: pytest.MonkeyPatch, environment: str,
                                                                  secret: str) -> None:
    env.setenv("ZAN_ENVIRONMENT", environment)
    env.setenv("ZAN_SECRET_KEY", secret)
    if environment == "production":
        env.setenv("ZAN_DATABASE_URL", "postgresql+asyncpg://zan@127.0.0.1/zan")
    with pytest.raises(SettingsError, match=r"^ZAN_SECRET_KEY must not hold spaces, new lines or commas") as refused:
        Settings.from_env()
    assert STRONG[:8] not in str(refused.value)


def test_a_key_without_them_is_taken_and_its_previous_keys_are_listed(env: pytest.MonkeyPatch) -> None:
    env.setenv("ZAN_SECRET_KEY", STRONG)
    env.setenv("ZAN_PREVIOUS_SECRET_KEYS", " second-key,first-key\n")
    settings = Settings.from_env()
    assert settings.secret_keys == (STRONG, "second-key", "first-key")
