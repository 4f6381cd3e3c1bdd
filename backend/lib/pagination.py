"""Keyset cursors: opaque, signed, and stable under inserts (never offsets for feeds)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from backend.lib.crypto import TokenError, sign_token, verify_token
from backend.lib.errors import FieldProblem, ZanError

_Row = TypeVar("_Row")


def encode_cursor(secret_key: str, purpose: str, created_at: datetime, last_id: uuid.UUID) -> str:
    return sign_token(secret_key, f"cursor:{purpose}", {"t": created_at.isoformat(), "id": str(last_id)})


def decode_cursor(secret_key: str, purpose: str, cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        payload = verify_token(secret_key, f"cursor:{purpose}", cursor)
        return datetime.fromisoformat(str(payload["t"])), uuid.UUID(str(payload["id"]))
    except (TokenError, KeyError, ValueError) as exc:
        raise ZanError("pagination.cursor_invalid", 400, errors=[FieldProblem("#query/cursor", "invalid")]) from exc


def older_than(created: Any, row_id: Any, after: tuple[datetime, uuid.UUID]) -> Any:
    """The keyset condition of a newest-first feed ordered by (created, id) descending: the rows past `after`."""
    created_at, last_id = after
    return (created < created_at) | ((created == created_at) & (row_id < last_id))


def next_cursor(secret_key: str, purpose: str, rows: Sequence[_Row], limit: int,
                key: Callable[[_Row], tuple[datetime, uuid.UUID]]) -> str | None:
    """The cursor after a page's last row when more follow: `rows` is the page read with limit + 1."""
    if len(rows) <= limit:
        return None
    return encode_cursor(secret_key, purpose, *key(rows[limit - 1]))
