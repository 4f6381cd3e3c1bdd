"""Officers, units and logged-in tablets for tests of any domain (bots, notifications, dispatch, sync)."""

from __future__ import annotations

import itertools
import uuid

import httpx
import pytest
from argon2 import PasswordHasher

from backend.context import Context
from backend.officers import service
from backend.officers.models import Officer, Unit

_badges = itertools.count(1)
_HASHES: dict[str, str] = {}
# argon2 reads its cost from the stored hash, so a login of these officers runs the real verification without the
# production hasher's deliberate ~0.3 s (paid by every login of the suite, thousands of them)
_CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
DEFAULT_PASSWORD = "Qazaqstan-2026!"
_CHEAP_DUMMY_HASH: list[str] = []


def cheap_service_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """The service's own hashing (backend.officers.auth: a password an admin, the console or the officer sets, and
    the dummy hash an unknown badge is verified against) at _CHEAP_HASHER's cost, for this test.

    For tests of what a password does (who it lets in, which sessions it ends, what a wrong one counts toward), not
    of argon2's cost: each production hash or verification is ~0.4 s of deliberate work (on a loaded machine more),
    and a test that sets and then logs in with a password pays it three times. The hashes are argon2id all the same,
    and a verification reads its cost from the stored hash, so every password is still really checked."""
    from backend.officers import auth

    if not _CHEAP_DUMMY_HASH:
        _CHEAP_DUMMY_HASH.append(_CHEAP_HASHER.hash("zan-dummy-password"))
    monkeypatch.setattr(auth, "_hasher", _CHEAP_HASHER)
    monkeypatch.setattr(auth, "_DUMMY_HASH", _CHEAP_DUMMY_HASH[0])


async def make_unit(ctx: Context, *, code: str | None = None, name: str | None = None,
                    department: str = "patrol_police", district: str = "astana", status: str = "available",
                    lat: float | None = 51.1605, lon: float | None = 71.4704,
                    restricted_categories: list[str] | None = None) -> Unit:
    code = code or f"U-{uuid.uuid4().hex[:8]}"
    async with ctx.sessions() as session:
        unit = await service.create_unit(session, code=code, name=name or f"Наряд {code}", department=department,
                                         district=district, restricted_categories=restricted_categories,
                                         status=status, lat=lat, lon=lon)
        await session.commit()
    return unit


async def make_officer(ctx: Context, *, role: str = "patrol_officer", department: str = "patrol_police",
                       district: str = "astana", unit: Unit | None = None, password: str = DEFAULT_PASSWORD,
                       badge_number: str | None = None, full_name: str = "Нурлан Ахметов",
                       max_devices: int = 3) -> tuple[Officer, str]:
    """An active officer (in `unit` if given). Returns (officer, password)."""
    badge = badge_number or f"{next(_badges):04d}{uuid.uuid4().hex[:6]}"
    if password not in _HASHES:
        _HASHES[password] = _CHEAP_HASHER.hash(password)
    async with ctx.sessions() as session:
        officer = await service.create_officer(session, badge_number=badge, full_name=full_name, role=role,
                                               department=department, district=district, password=password,
                                               unit=unit, rank="лейтенант полиции",
                                               password_hash=_HASHES[password])
        officer.max_devices = max_devices
        await session.commit()
    return officer, password


async def login_tokens(client: httpx.AsyncClient, badge: str, password: str, device_id: str) -> dict[str, str]:
    response = await client.post("/api/v1/officer/auth/login",
                                 json={"badge_number": badge, "password": password, "device_id": device_id})
    assert response.status_code == 200, response.text
    body: dict[str, str] = response.json()
    return body


async def new_session_tokens(client: httpx.AsyncClient, ctx: Context) -> dict[str, str]:
    """A new officer's tokens from a login on a tablet of its own."""
    officer, password = await make_officer(ctx)
    return await login_tokens(client, officer.badge_number, password, f"tab-{uuid.uuid4().hex[:8]}")


async def login(client: httpx.AsyncClient, badge: str, password: str, device_id: str | None = None) -> str:
    """Log in through the real endpoint; returns the access token (send as `Authorization: Bearer …`)."""
    return (await login_tokens(client, badge, password, device_id or f"tab-{uuid.uuid4().hex[:10]}"))["access_token"]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def signed_in(ctx: Context, client: httpx.AsyncClient, role: str) -> tuple[Officer, dict[str, str]]:
    """A new officer of `role`, logged in on a tablet of their own: (officer, their Authorization header)."""
    officer, password = await make_officer(ctx, role=role)
    return officer, bearer(await login(client, officer.badge_number, password))


def keyed(headers: dict[str, str]) -> dict[str, str]:
    """`headers` with a fresh Idempotency-Key: each call is a new request that creates something."""
    return {**headers, "Idempotency-Key": str(uuid.uuid4())}
