"""A password reset that is refused for what is known without the password (an unknown account, another region's,
one's own, a prosecutor's, a stale If-Match; the console: an unknown badge) is answered before the new password is
hashed, in the order the reset refuses it (the password policy last), and one that goes ahead still hashes it
before its transaction (tests/officers/test_officer_admin_hashing.py).

Observed through argon2's own hasher, which notes every password it is asked to hash.

Before: the API hashed first (argon2's deliberate half second, on a worker thread) and refused afterwards, so every
refused reset, a guessed id's included, cost a hash; the console hashed before looking the badge up."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher

from backend.context import Context
from tests.officers.factories import make_officer
from tests.officers.test_officer_admin_api import ADMIN, KARAGANDA, _admin
from tests.officers.test_officer_admin_sessions import zan

pytestmark = pytest.mark.anyio

NEW_PASSWORD = "never-hashed-for-nothing"


@pytest.fixture
def hashed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every password argon2 hashes from now on."""
    seen: list[str] = []
    real: Callable[..., str] = PasswordHasher.hash

    def noted(hasher: PasswordHasher, password: str, *args: Any, **kwargs: Any) -> str:
        seen.append(password)
        return real(hasher, password, *args, **kwargs)

    monkeypatch.setattr(PasswordHasher, "hash", noted)
    return seen


def _code(answer: httpx.Response) -> tuple[int, str]:
    return answer.status_code, answer.json().get("code")


async def test_a_refused_reset_hashes_nothing(ctx: Context, app_client: httpx.AsyncClient,
                                             hashed: list[str]) -> None:
    admin, headers = await _admin(ctx, app_client)
    elsewhere, _ = await make_officer(ctx, district=KARAGANDA)
    prosecutor, _ = await make_officer(ctx, role="prosecutor")
    officer, _ = await make_officer(ctx)

    async def reset(officer_id: uuid.UUID, password: str = NEW_PASSWORD, **extra: str) -> tuple[int, str]:
        return _code(await app_client.post(f"{ADMIN}/{officer_id}/password", json={"password": password},
                                           headers={**headers, **extra}))

    assert await reset(uuid.uuid4()) == (404, "officer.not_found")
    assert await reset(elsewhere.id) == (404, "officer.not_found")
    assert await reset(admin.id) == (403, "officer.self_change")
    assert await reset(prosecutor.id) == (403, "officer.oversight_account")
    assert await reset(officer.id, **{"If-Match": '"stale"'}) == (412, "officer.changed")
    # the order the rules answer in is the one it was: the account's refusals before the password's
    assert await reset(admin.id, "short") == (403, "officer.self_change")
    assert await reset(officer.id, "short", **{"If-Match": '"stale"'}) == (412, "officer.changed")
    assert await reset(officer.id, "short") == (422, "officer.password_policy")
    assert NEW_PASSWORD not in hashed and "short" not in hashed

    assert (await reset(officer.id))[0] == 200
    assert hashed.count(NEW_PASSWORD) == 1


async def test_the_console_hashes_nothing_for_an_unknown_badge(ctx: Context, hashed: list[str]) -> None:
    refused = await zan(ctx, "reset-password", "--badge", "NO-SUCH-1", "--password", NEW_PASSWORD)
    assert refused.exit_code == 1, refused.output
    assert "no officer with badge 'NO-SUCH-1'" in refused.output
    assert NEW_PASSWORD not in hashed

    officer, _ = await make_officer(ctx)
    done = await zan(ctx, "reset-password", "--badge", officer.badge_number, "--password", NEW_PASSWORD)
    assert done.exit_code == 0, done.output
    assert hashed.count(NEW_PASSWORD) == 1
