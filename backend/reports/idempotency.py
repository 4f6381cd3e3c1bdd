"""Idempotency-Key on the citizen's POSTs that create something: the same key and body get the stored answer,
the same key with another body a 409 (API conventions). Scopes keep keys apart per partner, citizen and target."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any

import msgspec
from litestar.params import HeaderParameter
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from backend.lib.clock import utcnow
from backend.lib.errors import FieldProblem, ZanError
from backend.reports import registration
from backend.reports.models import IdempotencyRecord

# Printable ASCII, as the IETF draft's sf-string (%x20-7E; in practice a UUID): a NUL reached PostgreSQL, which
# refuses it in text, and the report's creation answered 500 with nothing stored
_KEY_PATTERN = r"^[\x20-\x7e]+$"
IdempotencyKey = Annotated[str | None, HeaderParameter(
    name="Idempotency-Key", max_length=200, pattern=_KEY_PATTERN, required=False,
    description="Required: a client-generated key per request that creates something (a report, a comment, a "
                "media upload, an area alert)")]
# withdraw, appeal and rate change a report rather than create something: partner apps called them without a key
# before, and still may (a repeat of a step already taken is recognised without one: reports/steps.py)
OptionalIdempotencyKey = Annotated[str | None, HeaderParameter(
    name="Idempotency-Key", max_length=200, pattern=_KEY_PATTERN, required=False,
    description="Optional: a client-generated key per action, sent again unchanged with every retry of it. The same "
                "key and body get the first answer again (nothing is done twice); the same key with another body "
                "is 409 `idempotency.key_reused`. Keys are kept 30 days. Without a key, a repeat of a step already "
                "taken with the same body is answered 200 with the report as it is now")]
KEY_POINTER = "#header/Idempotency-Key"  # as Litestar's own validation points at the header


def key_missing() -> ZanError:
    """400 for a creating POST without its Idempotency-Key, pointing at the header."""
    return ZanError("idempotency.key_missing", 400, errors=[FieldProblem(KEY_POINTER, "required")])


def key_reused() -> ZanError:
    """409 for a key already used with another body, pointing at the header (the body may be right, the key not)."""
    return ZanError("idempotency.key_reused", 409, errors=[FieldProblem(KEY_POINTER, "invalid")])


@dataclass(frozen=True)
class Stored:
    status_code: int
    body: dict[str, Any]


def request_hash(data: msgspec.Struct) -> str:
    """Hash of the decoded request: key order or whitespace differences are the same request."""
    return hashlib.sha256(msgspec.json.encode(data)).hexdigest()


async def replay(session: AsyncSession, scope: str, key: str, digest: str) -> Stored | None:
    """The answer stored under this key (once it is on disk), None for a new key, 409 for another body."""
    record = await session.scalar(
        select(IdempotencyRecord).where(IdempotencyRecord.scope == scope, IdempotencyRecord.key == key)  # type: ignore[arg-type]
    )
    if record is None:
        return None
    if record.request_hash != digest:
        raise key_reused()
    stored = Stored(record.status_code, record.response)
    await registration.wait_durable(session)
    return stored


async def once(session: AsyncSession, scope: str, key: str | None, data: msgspec.Struct,
               create: Callable[[], Awaitable[Stored]], *, required: bool = True) -> tuple[Stored, bool]:
    """The answer for this key: the stored one (False), or `create`'s, remembered and committed with what it
    answers for (True). A concurrent request with the same key that committed first wins: its answer is returned
    and this transaction's work is rolled back. No key: 400, or, where the key is optional (`required=False`),
    `create`'s answer, committed and not remembered."""
    if not key:
        if required:
            raise key_missing()
        answer = await create()
        await session.commit()
        return answer, True
    digest = request_hash(data)
    stored = await replay(session, scope, key, digest)
    if stored is not None:
        return stored, False
    answer = await create()
    remember(session, scope, key, digest, answer)
    try:
        await session.commit()
    except IntegrityError:
        await session.rollback()
        stored = await replay(session, scope, key, digest)
        if stored is None:
            raise
        return stored, False
    return answer, True


def remember(session: AsyncSession, scope: str, key: str, digest: str, answer: Stored) -> None:
    """Store the answer in the caller's transaction, so it commits with what it answers for."""
    session.add(IdempotencyRecord(scope=scope, key=key, request_hash=digest, status_code=answer.status_code,
                                  response=answer.body, created_at=utcnow()))


# How long a key is remembered. Partner apps and the bots retry within minutes, and a phone that was offline sends
# its queued request within days; a month covers both with room to spare. The stored answers repeat what the
# citizen sent (text, place), so keeping them for ever would keep a second copy of personal data for no purpose.
RETAIN_FOR = timedelta(days=30)
PURGE_BATCH = 5000


async def purge_expired(session: AsyncSession) -> int:
    """Forget keys older than RETAIN_FOR, a batch per call (the scheduler calls every minute, so a backlog drains
    without one long transaction holding the table). A retry with a forgotten key is a new request."""
    cutoff = utcnow() - RETAIN_FOR
    expired = (select(col(IdempotencyRecord.id)).where(col(IdempotencyRecord.created_at) < cutoff)
               .order_by(col(IdempotencyRecord.created_at)).limit(PURGE_BATCH))
    result = await session.execute(delete(IdempotencyRecord).where(col(IdempotencyRecord.id).in_(expired)))
    await session.commit()
    return int(getattr(result, "rowcount", 0) or 0)
