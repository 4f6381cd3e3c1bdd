"""Officer authentication: roles, short-lived access JWTs, rotating refresh tokens, and the Litestar guard.

Access tokens are HS256 JWTs under a key derived from ZAN_SECRET_KEY (so no other token kind can be replayed as one).
Every request re-reads the session row (one indexed join): revoking a session, device or officer takes effect at
once, and a changed role or unit is seen on the next request without waiting for the token to expire.
"""

from __future__ import annotations

import hashlib
import hmac
import time
import uuid
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeAlias

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from litestar import Request
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency
from litestar.handlers.base import BaseRouteHandler
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.audit import origin
from backend.context import Context
from backend.lib.clock import utcnow
from backend.lib.errors import ZanError
from backend.officers import messages as _messages  # noqa: F401  (registers error texts)
from backend.officers.models import Device, Officer, OfficerSession, UnitMember
from backend.reports.workflow import Actor


class Role(StrEnum):
    PATROL_OFFICER = "patrol_officer"
    DISTRICT_INSPECTOR = "district_inspector"
    DISPATCHER = "dispatcher"  # the duty officer
    SUPERVISOR = "supervisor"
    PROSECUTOR = "prosecutor"
    ADMIN = "admin"

    @property
    def actor(self) -> Actor:
        return Actor(self.value)


FIELD_ROLES = (Role.PATROL_OFFICER, Role.DISTRICT_INSPECTOR)
DISPATCH_ROLES = (Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN)

_hasher = PasswordHasher()
# verifying against this keeps the response time of an unknown badge equal to a wrong password
_DUMMY_HASH = _hasher.hash("zan-dummy-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class OfficerPrincipal:
    officer_id: uuid.UUID
    role: Role
    unit_id: uuid.UUID | None
    department: str
    district: str
    device_id: str
    session_id: uuid.UUID

    @property
    def actor(self) -> Actor:
        return self.role.actor


def _key(secret_key: str, purpose: str) -> bytes:
    return hmac.new(secret_key.encode(), f"zan:officer-{purpose}-jwt".encode(), hashlib.sha256).digest()


def issue_access(ctx: Context, *, officer: Officer, session_id: uuid.UUID) -> str:
    now = int(time.time())
    claims = {"sub": str(officer.id), "sid": str(session_id), "role": officer.role, "typ": "access",
              "iat": now, "exp": now + ctx.settings.jwt_access_ttl_s}
    return jwt.encode(claims, _key(ctx.settings.secret_key, "access"), algorithm="HS256")


def issue_refresh(ctx: Context, *, session_id: uuid.UUID, generation: int) -> str:
    now = int(time.time())
    claims = {"sid": str(session_id), "gen": generation, "typ": "refresh", "iat": now,
              "exp": now + ctx.settings.jwt_refresh_ttl_s, "jti": uuid.uuid4().hex}
    return jwt.encode(claims, _key(ctx.settings.secret_key, "refresh"), algorithm="HS256")


# RFC 6750 §3: a request without a token is told the scheme; a presented token that was refused (expired, revoked,
# forged, the wrong kind) is `invalid_token`, which tells a tablet to refresh or log in again
BEARER_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="zan-officer"'}
BEARER_REFUSED = {"WWW-Authenticate": 'Bearer realm="zan-officer", error="invalid_token"'}


# How far ahead of this node's clock another API node's clock may be when it signs a token ("issued at", "not
# before"): without it a tablet whose login was answered by a node a few seconds ahead was refused on its next request
# by this one, and its refresh too (the same skew), and was signed out. NTP keeps nodes within milliseconds; 30 s
# covers a VM resumed with a stale clock. Expiry gets no leeway: a token is never taken past its `exp`.
CLOCK_SKEW_S = 30


def _uuid(value: object) -> uuid.UUID | None:
    if not isinstance(value, str):
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def _int(value: object) -> int | None:
    """A JSON integer claim (a bool, a float or a text is no time nor generation this server wrote)."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _role(value: object) -> bool:
    return isinstance(value, str) and value in {role.value for role in Role}


def _well_formed(ctx: Context, claims: dict[str, Any], purpose: str, now: float) -> bool:
    """Whether signed claims have the shape issue_access / issue_refresh give them. Only this server's key signs
    them, so a token that fails this is a bug or a forgery: either way it is refused as a forged token is, not left
    to fail later as a 500, nor (a refresh token's generation) taken for a reuse that revokes the session. Claims
    beyond these are ignored, so that a node of the next release may add one during a rolling upgrade."""
    iat, exp = _int(claims.get("iat")), _int(claims.get("exp"))
    nbf = _int(claims["nbf"]) if "nbf" in claims else iat
    if iat is None or nbf is None or exp is None or max(iat, nbf) > now + CLOCK_SKEW_S:
        return False
    if purpose == "access":
        # an access token's life is jwt_access_ttl_s: one "valid" for years would outlive every rotation
        return (exp <= now + ctx.settings.jwt_access_ttl_s + CLOCK_SKEW_S and _uuid(claims.get("sub")) is not None
                and _uuid(claims.get("sid")) is not None and _role(claims.get("role")))
    gen = _int(claims.get("gen"))
    return _uuid(claims.get("sid")) is not None and gen is not None and gen >= 1


def decode(ctx: Context, token: str, purpose: str) -> dict[str, Any]:
    """The claims of a token of `purpose` this server signed, unexpired and well formed; else 401
    officer.token_invalid with the `invalid_token` challenge."""
    try:
        # "issued at" and "not before" are checked below, with CLOCK_SKEW_S; expiry here, without any
        claims: dict[str, Any] = jwt.decode(token, _key(ctx.settings.secret_key, purpose), algorithms=["HS256"],
                                            options={"require": ["exp", "iat", "typ"], "verify_iat": False,
                                                     "verify_nbf": False})
    except jwt.PyJWTError as exc:
        raise ZanError("officer.token_invalid", 401, headers=BEARER_REFUSED) from exc
    if claims.get("typ") != purpose or not _well_formed(ctx, claims, purpose, time.time()):
        raise ZanError("officer.token_invalid", 401, headers=BEARER_REFUSED)
    return claims


async def principal_for_session(session: AsyncSession, session_id: uuid.UUID) -> OfficerPrincipal | None:
    """The live principal behind a session, or None if the session, its device or its officer was revoked."""
    row = (await session.execute(
        select(OfficerSession, Officer, Device, UnitMember.unit_id)  # type: ignore[call-overload]
        .join(Officer, Officer.id == OfficerSession.officer_id)  # type: ignore[arg-type]
        .join(Device, Device.id == OfficerSession.device_pk)  # type: ignore[arg-type]
        .outerjoin(UnitMember, UnitMember.officer_id == Officer.id)  # type: ignore[arg-type]
        .where(OfficerSession.id == session_id)  # type: ignore[arg-type]
    )).first()
    if row is None:
        return None
    sess, officer, device, unit_id = row
    if (sess.revoked_at is not None or device.revoked_at is not None or not officer.active
            or sess.expires_at < utcnow() or device.officer_id != officer.id):
        return None
    return OfficerPrincipal(officer_id=officer.id, role=Role(officer.role), unit_id=unit_id,
                            department=officer.department, district=officer.district, device_id=device.device_id,
                            session_id=sess.id)


def _bearer(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    header = connection.headers.get("authorization") or ""
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ZanError("auth.unauthenticated", 401, headers=BEARER_CHALLENGE)
    return token.strip()


async def authenticate(connection: ASGIConnection[Any, Any, Any, Any]) -> OfficerPrincipal:
    ctx: Context = connection.app.state.ctx
    cached: OfficerPrincipal | None = getattr(connection.state, "officer", None)
    if cached is not None:
        return cached
    claims = decode(ctx, _bearer(connection), "access")
    try:
        session_id = uuid.UUID(str(claims.get("sid")))
    except ValueError as exc:
        raise ZanError("officer.token_invalid", 401, headers=BEARER_REFUSED) from exc
    async with ctx.sessions() as session:
        principal = await principal_for_session(session, session_id)
    if principal is None or str(principal.officer_id) != claims.get("sub"):
        raise ZanError("officer.token_invalid", 401, headers=BEARER_REFUSED)
    connection.state.officer = principal
    # the audit lines this request writes for the officer name the tablet and session it came from
    origin.bind(officer_id=principal.officer_id, device_id=principal.device_id, session_id=principal.session_id,
                ip=connection.client.host if connection.client else None)
    return principal


Guard = Callable[[ASGIConnection[Any, Any, Any, Any], BaseRouteHandler], Coroutine[Any, Any, None]]


def officer_guard(*roles: Role | str) -> Guard:
    """A guard admitting officers with one of `roles` (any officer when no roles are given)."""
    allowed = {Role(r) for r in roles}

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _handler: BaseRouteHandler) -> None:
        principal = await authenticate(connection)
        if allowed and principal.role not in allowed:
            raise ZanError("auth.forbidden", 403)

    return guard


def provide_officer(request: Request[Any, Any, Any]) -> OfficerPrincipal:
    principal: OfficerPrincipal | None = getattr(request.state, "officer", None)
    if principal is None:
        raise ZanError("auth.unauthenticated", 401)
    return principal


OfficerDep: TypeAlias = NamedDependency[OfficerPrincipal]
"""How a handler behind `officer_guard` takes the officer: `officer: OfficerDep`."""


def client_ip(request: Request[Any, Any, Any]) -> str:
    return request.client.host if request.client else "unknown"
