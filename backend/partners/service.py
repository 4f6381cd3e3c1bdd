"""Partner apps: creation, and verification of their signed requests on a citizen's behalf.

Signature = hex HMAC-SHA256(secret, "{ts}\n{METHOD}\n{path_with_query}\n{sha256_hex(body)}\n{iin}").
"""

from __future__ import annotations

import logging
import math
import secrets
import time
import uuid
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from backend.citizens.iin import iin_problem
from backend.context import Context
from backend.lib.clock import utcnow
from backend.lib.crypto import TokenError, equal, hmac_hex, seal, sha256_hex, unseal
from backend.lib.errors import FieldProblem, ZanError
from backend.lib.metrics import PARTNER_THROTTLED
from backend.partners import messages as _messages  # noqa: F401  (registers auth.partner_disabled)
from backend.partners.admission import Admission, Claim, admit
from backend.partners.models import Partner, RequestNonce

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CreatedPartner:
    id: uuid.UUID
    name: str
    secret: str
    webhook_secret: str | None = None  # with a webhook URL: the secret its events are signed with


@dataclass(frozen=True)
class SignedHeaders:
    partner_id: str | None
    timestamp: str | None
    iin: str | None
    signature: str | None


# requests that change nothing: their signatures are checked and metered, never claimed against replay
SAFE_METHODS = frozenset({"GET", "HEAD"})

# RFC 9110 §11.6.1: a 401 names the scheme that would authenticate the request. Partners sign with HMAC-SHA256
# (`string_to_sign`), not a bearer token: a generic HTTP client or gateway otherwise has no hint what to send.
CHALLENGE = {"WWW-Authenticate": 'Zan-HMAC-SHA256 realm="zan-partner"'}
IIN_POINTER = "#header/X-Citizen-IIN"
TIMESTAMP_POINTER = "#header/X-Timestamp"


def unauthenticated(code: str, errors: list[FieldProblem] | None = None) -> ZanError:
    """A partner request refused as not (or no longer) authentic: 401 with the challenge."""
    return ZanError(code, 401, errors=errors or [], headers=dict(CHALLENGE))


# the width of reports.channel and report_events.channel, which a partner's requests are recorded under
CHANNEL_MAX = 30


async def create(
    *, session: AsyncSession, secret_key: str, name: str, webhook_url: str | None = None
) -> CreatedPartner:
    """Register a partner app; its secret is shown once and stored sealed. ValueError for a name that cannot
    serve as the channel its requests are recorded under."""
    if not name.strip() or len(name) > CHANNEL_MAX:
        raise ValueError(f"a partner's name is its channel in every report and event: 1 to {CHANNEL_MAX} characters")
    secret = secrets.token_urlsafe(32)
    partner = Partner(name=name, secret_sealed=seal(secret_key, secret))
    webhook_secret = set_webhook(partner, webhook_url, secret_key) if webhook_url is not None else None
    session.add(partner)
    await session.commit()
    return CreatedPartner(id=partner.id, name=partner.name, secret=secret, webhook_secret=webhook_secret)


def set_webhook(partner: Partner, url: str, secret_key: str, *, keep_secret: bool = False) -> str | None:
    """Point the partner's webhook at `url` with a new signing secret, returned once and stored sealed. The two go
    together: events are sent only signed, and a URL stored without its secret (as `zan partners create
    --webhook-url` once did) got none, and said nothing. `keep_secret`: the URL only, signed with the secret the
    partner already verifies (a receiver moved to another host need not be redeployed with a new one); None is
    returned, and ValueError raised when there is no secret to keep."""
    if keep_secret:
        if partner.webhook_secret_sealed is None:
            raise ValueError("the partner has no webhook secret to keep")
        partner.webhook_url = url
        return None
    secret = secrets.token_urlsafe(32)
    partner.webhook_url, partner.webhook_secret_sealed = url, seal(secret_key, secret)
    return secret


def string_to_sign(timestamp: str, method: str, path_with_query: str, body: bytes, iin: str) -> str:
    return f"{timestamp}\n{method.upper()}\n{path_with_query}\n{sha256_hex(body)}\n{iin}"


def signed_paths(path_with_query: str) -> tuple[str, ...]:
    """The request targets a signature may cover. ASGI hands over the query without its "?", so a request line
    ending in a bare "?" (a client that builds its URL with an empty query string) arrives as the path alone,
    while the partner signed what it sent: both are taken when there is no query."""
    return (path_with_query,) if "?" in path_with_query else (path_with_query, f"{path_with_query}?")


def sign(secret: str, timestamp: str, method: str, path_with_query: str, body: bytes, iin: str) -> str:
    """What a partner computes; used by our own bots, tests and benchmarks."""
    return hmac_hex(secret, string_to_sign(timestamp, method, path_with_query, body, iin))


_SECRET_CACHE_TTL_S = 60.0
# X-Partner-Id is read before any signature is checked, so the ids cached (unknown ones too, as None) are the
# caller's to choose: without a bound, anyone could grow every API process's memory one random id at a time
_SECRET_CACHE_MAX = 10_000


@dataclass(frozen=True)
class PartnerKey:
    secret: str
    name: str
    # a disabled app's key is still known, so its own requests are told it is disabled (`verify`)
    active: bool = True


async def _partner_key(ctx: Context, partner_id: uuid.UUID) -> PartnerKey | None:
    """Unsealed secrets are cached briefly (a deactivation takes effect within a minute): intake must not pay a
    DB round trip + AES per request."""
    cache: dict[uuid.UUID, tuple[float, PartnerKey | None]] = ctx.extras.setdefault("partner_keys", {})
    now = time.monotonic()
    hit = cache.get(partner_id)
    if hit and now - hit[0] < _SECRET_CACHE_TTL_S:
        return hit[1]
    async with ctx.sessions() as session:
        partner = await session.get(Partner, partner_id)
    key = None
    if partner:
        try:
            key = PartnerKey(unseal(ctx.settings.secret_keys, partner.secret_sealed), partner.name, partner.active)
        except TokenError:
            # its key was rotated away without `zan keys reseal`: refuse the partner (401), loudly
            log.error("partner %s: its secret is sealed under a key not in ZAN_PREVIOUS_SECRET_KEYS", partner.name)
    if len(cache) >= _SECRET_CACHE_MAX:
        cache.clear()  # the real partners are a handful: they are cached again on their next request
    cache[partner_id] = (now, key)
    return key


async def purge_expired_nonces(*, session: AsyncSession) -> int:
    """Housekeeping for the database nonce store."""
    result = await session.execute(delete(RequestNonce).where(RequestNonce.expires_at < utcnow()))  # type: ignore[arg-type]
    await session.commit()
    return int(getattr(result, "rowcount", 0) or 0)


def _missing(headers: SignedHeaders) -> list[FieldProblem]:
    """A pointer to each signed header the request left out: the partner's developer sees which one their client
    drops (a proxy stripping X- headers, a header set on one code path only)."""
    present = {"X-Partner-Id": bool(headers.partner_id), "X-Timestamp": bool(headers.timestamp),
               "X-Citizen-IIN": headers.iin is not None, "X-Signature": bool(headers.signature)}
    return [FieldProblem(f"#header/{name}", "required") for name, given in present.items() if not given]


def _digits(value: str, shortest: int, longest: int) -> bool:
    return shortest <= len(value) <= longest and value.isascii() and value.isdigit()


async def verify(
    ctx: Context, *, headers: SignedHeaders, method: str, path_with_query: str, body: bytes
) -> tuple[uuid.UUID, str, str, Claim | None]:
    """Check a partner-signed request; returns (partner id, partner name, citizen IIN, the signature's claim: None
    for a read). ZanError(401) on failure. With warm caches and Redis up, it touches no database session at all (the
    intake hot path)."""
    if not (headers.partner_id and headers.timestamp and headers.signature and headers.iin is not None):
        raise unauthenticated("auth.signature_missing", _missing(headers))
    # unix seconds, digits only: int() would also take "+1_700_000_000" or a 400-digit number, and the latter
    # overflows the float arithmetic of the skew check. A longer run of digits is still a time, just not in seconds
    # (milliseconds, the usual client bug, or micro- or nanoseconds): that is a clock problem, not a signature one
    if not _digits(headers.timestamp, 1, 12):
        if _digits(headers.timestamp, 13, 20):
            raise unauthenticated("auth.clock_skew", [FieldProblem(TIMESTAMP_POINTER, "out_of_range")])
        raise unauthenticated("auth.signature_invalid", [FieldProblem(TIMESTAMP_POINTER, "invalid")])
    ts = int(headers.timestamp)
    try:
        partner_id = uuid.UUID(headers.partner_id)
    except ValueError as exc:
        raise unauthenticated("auth.signature_invalid", [FieldProblem("#header/X-Partner-Id", "invalid")]) from exc
    if abs(time.time() - ts) > ctx.settings.signature_max_skew_s:
        raise unauthenticated("auth.clock_skew", [FieldProblem(TIMESTAMP_POINTER, "out_of_range")])
    key = await _partner_key(ctx, partner_id)
    # an unknown partner still costs the same HMACs, so response time does not reveal which ids exist
    given = headers.signature.lower()
    expected = None
    for signed_path in signed_paths(path_with_query):
        mac = hmac_hex(key.secret if key else "unknown-partner",
                       string_to_sign(headers.timestamp, method, signed_path, body, headers.iin))
        if equal(mac, given):
            expected = mac
            break
    if expected is None or key is None:
        raise unauthenticated("auth.signature_invalid")
    if not key.active:
        # signed with its own secret, so the caller is the app itself: it is authentic and not allowed (403, not a
        # 401, which would tell the app to authenticate its citizen again), before anything is claimed or metered
        raise ZanError("auth.partner_disabled", 403)
    # exactly twelve digits, the check digit, and a birth date that exists and has come (backend.citizens.iin); the
    # reasons are spelled out because the field-error catalogue test reads them from the source
    problem = iin_problem(headers.iin)
    if problem == "in_future":
        raise unauthenticated("auth.iin_invalid", errors=[FieldProblem(IIN_POINTER, "in_future")])
    if problem is not None:
        raise unauthenticated("auth.iin_invalid", errors=[FieldProblem(IIN_POINTER, "invalid")])
    # a read is not claimed: the same GET signed twice within a second (a refresh, a retry after a timeout) is
    # answered twice, not refused as a replay (see backend/partners/admission.py)
    admission, early_s, claim = await admit(ctx, partner_id, expected, claim=method.upper() not in SAFE_METHODS)
    if admission is Admission.THROTTLED:
        PARTNER_THROTTLED.labels(key.name).inc()
        raise ZanError("rate_limited", 429, headers={"Retry-After": str(max(1, math.ceil(early_s)))})
    if admission is Admission.REPLAYED:
        raise unauthenticated("auth.replayed")
    return partner_id, key.name, headers.iin, claim


async def by_name(*, session: AsyncSession, name: str) -> Partner | None:
    """The partner with this name."""
    return await session.scalar(select(Partner).where(col(Partner.name) == name))
