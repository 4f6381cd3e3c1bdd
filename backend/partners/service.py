"""Partner apps: creation, and verification of their signed requests on a citizen's behalf.

Signature = hex HMAC-SHA256(secret, "{ts}\n{METHOD}\n{path_with_query}\n{sha256_hex(body)}\n{iin}").
"""

from __future__ import annotations

import logging
import math
import secrets
import time
import uuid
from dataclasses import dataclass, field

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from backend.citizens.iin import iin_problem
from backend.context import Context
from backend.lib.clock import as_utc, utcnow
from backend.lib.crypto import TokenError, equal, hmac_hex, seal, sha256_hex, unseal
from backend.lib.errors import FieldProblem, ZanError
from backend.lib.metrics import PARTNER_THROTTLED
from backend.partners import messages as _messages  # noqa: F401  (registers auth.partner_disabled)
from backend.partners.admission import Admission, Claim, admit, in_fallback, read_generation
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
SIGNATURE_POINTER = "#header/X-Signature"


def unauthenticated(code: str, errors: list[FieldProblem] | None = None) -> ZanError:
    """A partner request refused as not (or no longer) authentic: 401 with the challenge."""
    return ZanError(code, 401, errors=errors or [], headers=dict(CHALLENGE))


# the width of reports.channel and report_events.channel, which a partner's requests are recorded under
CHANNEL_MAX = 30
# channels the service records its own events under (bots/citizen/service.py: `telegram`, whose reports alone get
# status messages in the citizen bot's chats; backend/reports/history.py: tablet, console, system). A partner app
# under one of them would be taken for the service itself, in the history and in who is told what
RESERVED_CHANNELS = frozenset({"telegram", "tablet", "console", "system"})


class NameTaken(ValueError):
    """Another partner app has the name, in some case: the two would share one channel."""


async def create(
    *, session: AsyncSession, secret_key: str, name: str, webhook_url: str | None = None
) -> CreatedPartner:
    """Register a partner app; its secret is shown once and stored sealed. ValueError for a name that cannot
    serve as the channel its requests are recorded under."""
    # the channel is the name lower-cased (auth.py), which can be longer than the name ("İ" → "i̇"): measured as
    # stored, or every report of such an app would fail on the channel column
    if not name.strip() or len(name.lower()) > CHANNEL_MAX:
        raise ValueError(f"a partner's name is its channel in every report and event: 1 to {CHANNEL_MAX} characters")
    if name.lower() in RESERVED_CHANNELS:
        raise ValueError(f"{name!r} is reserved: the service records its own events under the channel "
                         f"{name.lower()!r} ({', '.join(sorted(RESERVED_CHANNELS))} are reserved)")
    # the unique index is on the name as written; the channel is lower-cased, so "Kaspi" beside "kaspi" would record
    # two apps' reports and metrics as one. Partners are a handful: compared here, in Python's lower case (SQLite's
    # lower() folds ASCII only). A race of two operators creating case variants at once is not guarded.
    taken = await _same_channel(session, name)
    if taken is not None:
        raise NameTaken(f"a partner app named {taken.name!r} already exists, and names are compared regardless of "
                        f"case (its channel is {name.lower()!r})")
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


# How long a process keeps a partner's unsealed key. With Redis, each admission reads the partner's generation in
# the round trip it makes anyway, so a change (`zan partners disable|enable|rotate-secret`) is seen at the next
# request; the minute is the backstop for a change whose announcement missed Redis. Without Redis (embedded mode),
# or while it is down, nothing announces a change: the key is then read again after a second.
_SECRET_CACHE_TTL_S = 60.0
_UNWATCHED_TTL_S = 1.0
# X-Partner-Id is read before any signature is checked, so the ids cached (unknown ones too, as None) are the
# caller's to choose: without a bound, anyone could grow every API process's memory one random id at a time
_SECRET_CACHE_MAX = 10_000
_CACHE = "partner_keys"
_UNKNOWN_CACHE = "partner_keys.unknown"  # ids no partner has, cached as None


@dataclass(frozen=True)
class PartnerKey:
    secret: str = field(repr=False)  # never in a log line or a traceback's locals
    name: str
    # a disabled app's key is still known, so its own requests are told it is disabled (`verify`)
    active: bool = True
    # the secret before a rotation with a grace period, and until when (unix seconds) requests may be signed with it
    previous: str | None = field(default=None, repr=False)
    previous_until: float = 0.0

    def secrets_for(self, signed_at: int) -> tuple[str, ...]:
        """The secrets a request signed at `signed_at` may use. The previous one only while both that time and ours
        are within the grace period: a request signed after it with the old secret is refused whenever it comes."""
        if self.previous is not None and max(signed_at, time.time()) < self.previous_until:
            return self.secret, self.previous
        return (self.secret,)


@dataclass(frozen=True)
class _Cached:
    at: float  # time.monotonic() when read
    key: PartnerKey | None
    # the partner's generation in Redis read before the key was; None: not watched (no Redis, or it was down)
    generation: int | None


def _fresh(ctx: Context, cached: _Cached) -> bool:
    watched = cached.generation is not None and not in_fallback(ctx)
    ttl = _SECRET_CACHE_TTL_S if watched else min(_SECRET_CACHE_TTL_S, _UNWATCHED_TTL_S)
    return time.monotonic() - cached.at < ttl


async def _partner_key(ctx: Context, partner_id: uuid.UUID, *, generation: int | None = None) -> _Cached:
    """The partner's key, cached: intake must not pay a DB round trip + AES per request. `generation`: the one an
    admission just read, which makes the cached key stale if it differs."""
    cache: dict[uuid.UUID, _Cached] = ctx.extras.setdefault(_CACHE, {})
    unknown: dict[uuid.UUID, _Cached] = ctx.extras.setdefault(_UNKNOWN_CACHE, {})
    hit = cache.get(partner_id) or unknown.get(partner_id)
    if hit is not None and _fresh(ctx, hit) and generation in (None, hit.generation):
        return hit
    if generation is None:
        # read before the database: a change committed after this read replaces it after, and is seen next time
        generation = await read_generation(ctx, partner_id)
    async with ctx.sessions() as session:
        partner = await session.get(Partner, partner_id)
    cached = _Cached(time.monotonic(), _unsealed(ctx, partner), generation)
    # ids nobody has (or whose key cannot be unsealed) are kept apart: a flood of made-up ids fills and clears only
    # their own cache, never the real partners' keys, which only rows of the table can enter
    if cached.key is None:
        cache.pop(partner_id, None)
        target = unknown
    else:
        unknown.pop(partner_id, None)
        target = cache
    if len(target) >= _SECRET_CACHE_MAX and partner_id not in target:
        target.clear()  # the real partners are a handful: this bounds memory, not their keys' lifetime
    target[partner_id] = cached
    return cached


def _unsealed(ctx: Context, partner: Partner | None) -> PartnerKey | None:
    if partner is None:
        return None
    try:
        secret = unseal(ctx.settings.secret_keys, partner.secret_sealed)
    except TokenError:
        # its key was rotated away without `zan keys reseal`: refuse the partner (401), loudly
        log.error("partner %s: its secret is sealed under a key not in ZAN_PREVIOUS_SECRET_KEYS", partner.name)
        return None
    previous, until = None, 0.0
    if partner.previous_secret_sealed and partner.previous_secret_until is not None:
        until = as_utc(partner.previous_secret_until).timestamp()
        try:
            previous = unseal(ctx.settings.secret_keys, partner.previous_secret_sealed)
        except TokenError:  # the grace period's secret alone is lost: the partner's new one still works
            log.error("partner %s: its previous secret is sealed under a key no longer configured", partner.name)
    return PartnerKey(secret, partner.name, partner.active, previous, until)


def forget_key(ctx: Context, partner_id: uuid.UUID) -> None:
    """Drop this process's cached key of the partner (after changing it here; other processes learn it from Redis)."""
    ctx.extras.get(_CACHE, {}).pop(partner_id, None)
    ctx.extras.get(_UNKNOWN_CACHE, {}).pop(partner_id, None)


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


_HEX = frozenset("0123456789abcdefABCDEF")
SIGNATURE_HEX_LENGTH = 64  # hex HMAC-SHA256


def _well_formed(signature: str) -> bool:
    """Is X-Signature what README gives, 64 hex digits (either case)? Judged on the header alone, before any key is
    looked at: a malformation tells the partner's developer what their client sends wrong, and nothing about the key
    or whether the partner exists."""
    return len(signature) == SIGNATURE_HEX_LENGTH and all(char in _HEX for char in signature)


def _malformation(signature: str) -> str:
    """Why X-Signature is not well formed, as a field problem's code: `invalid` (anything but hex digits: a scheme
    in front such as "sha256=", base64), else `too_short` or `too_long` (hex, not 64 digits)."""
    if not all(char in _HEX for char in signature):
        return "invalid"
    if len(signature) < SIGNATURE_HEX_LENGTH:
        return "too_short"
    return "too_long"


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
    if not _well_formed(headers.signature):
        raise unauthenticated("auth.signature_invalid",
                              [FieldProblem(SIGNATURE_POINTER, _malformation(headers.signature))])
    if abs(time.time() - ts) > ctx.settings.signature_max_skew_s:
        raise unauthenticated("auth.clock_skew", [FieldProblem(TIMESTAMP_POINTER, "out_of_range")])
    signed = _Signed(headers.timestamp, method, path_with_query, body, headers.iin, headers.signature.lower())
    cached, key, mac = await _judged(ctx, partner_id, signed)
    # exactly twelve digits, the check digit, and a birth date that exists and has come (backend.citizens.iin); the
    # reasons are spelled out because the field-error catalogue test reads them from the source
    problem = iin_problem(headers.iin)
    if problem == "in_future":
        raise unauthenticated("auth.iin_invalid", errors=[FieldProblem(IIN_POINTER, "in_future")])
    if problem is not None:
        raise unauthenticated("auth.iin_invalid", errors=[FieldProblem(IIN_POINTER, "invalid")])
    # a read is not claimed: the same GET signed twice within a second (a refresh, a retry after a timeout) is
    # answered twice, not refused as a replay (see backend/partners/admission.py)
    admitted = await admit(ctx, partner_id, mac, claim=method.upper() not in SAFE_METHODS)
    if admitted.generation is not None and admitted.generation != cached.generation:
        # the partner was disabled, re-enabled or re-keyed since its key was cached: judged again on the fresh key
        # (what the admission used up stays used: a refused request's replay is refused too)
        cached = await _partner_key(ctx, partner_id, generation=admitted.generation)
        key, _ = _admissible(cached.key, _matching_mac(cached.key, signed))
    if admitted.admission is Admission.THROTTLED:
        PARTNER_THROTTLED.labels(key.name).inc()
        raise ZanError("rate_limited", 429, headers={"Retry-After": str(max(1, math.ceil(admitted.early_s)))})
    if admitted.admission is Admission.REPLAYED:
        raise unauthenticated("auth.replayed")
    return partner_id, key.name, headers.iin, admitted.claim


@dataclass(frozen=True)
class _Signed:
    """What a request's signature covers, and the signature it came with (lower case)."""

    timestamp: str
    method: str
    path_with_query: str
    body: bytes
    iin: str
    given: str


async def _judged(ctx: Context, partner_id: uuid.UUID, signed: _Signed) -> tuple[_Cached, PartnerKey, str]:
    """The cached key, the partner's key and the request's MAC, if its signature checks out and its app may call us;
    ZanError otherwise."""
    cached = await _partner_key(ctx, partner_id)
    mac = _matching_mac(cached.key, signed)
    if cached.key is not None and (mac is None or not cached.key.active) and cached.generation is not None:
        # refused on what this process cached, unless the partner changed since (a secret rotated in, the app
        # enabled again): Redis says. Asked only on such a refusal, so the hot path and made-up ids never pay for it
        now = await read_generation(ctx, partner_id)
        if now is not None and now != cached.generation:
            cached = await _partner_key(ctx, partner_id, generation=now)
            mac = _matching_mac(cached.key, signed)
    key, mac = _admissible(cached.key, mac)
    return cached, key, mac


def _matching_mac(key: PartnerKey | None, signed: _Signed) -> str | None:
    """The MAC of one of the partner's secrets that the request's signature is, or None."""
    # an unknown partner still costs the same HMACs, so response time does not reveal which ids exist
    candidates = key.secrets_for(int(signed.timestamp)) if key else ("unknown-partner",)
    for secret in candidates:
        for signed_path in signed_paths(signed.path_with_query):
            mac = hmac_hex(secret, string_to_sign(signed.timestamp, signed.method, signed_path, signed.body,
                                                  signed.iin))
            if equal(mac, signed.given):
                return mac
    return None


def _admissible(key: PartnerKey | None, mac: str | None) -> tuple[PartnerKey, str]:
    """The key and the request's MAC under it, if the request is signed with it and its app may call us; ZanError
    otherwise."""
    if mac is None or key is None:
        raise unauthenticated("auth.signature_invalid")
    if not key.active:
        # signed with its own secret, so the caller is the app itself: it is authentic and not allowed (403, not a
        # 401, which would tell the app to authenticate its citizen again)
        raise ZanError("auth.partner_disabled", 403)
    return key, mac


async def by_name(*, session: AsyncSession, name: str) -> Partner | None:
    """The partner with this name: exactly as written, else the one whose name differs only in case (names are
    compared regardless of case, see `create`; two case variants created before that are each found by their own)."""
    exact = await session.scalar(select(Partner).where(col(Partner.name) == name))
    return exact if exact is not None else await _same_channel(session, name)


async def _same_channel(session: AsyncSession, name: str) -> Partner | None:
    """The oldest partner whose name lower-cased is `name` lower-cased (the channel both would be recorded under)."""
    wanted = name.lower()
    partners = await session.scalars(select(Partner).order_by(col(Partner.created_at), col(Partner.name)))
    return next((p for p in partners if p.name.lower() == wanted), None)
