"""Keyset cursors: opaque, signed, and stable under inserts (never offsets for feeds)."""

from __future__ import annotations

import uuid
from datetime import datetime

from backend.lib.crypto import TokenError, sign_token, verify_token
from backend.lib.errors import FieldProblem, ZanError


def encode_cursor(secret_key: str, purpose: str, created_at: datetime, last_id: uuid.UUID) -> str:
    return sign_token(secret_key, f"cursor:{purpose}", {"t": created_at.isoformat(), "id": str(last_id)})


def decode_cursor(secret_key: str, purpose: str, cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        payload = verify_token(secret_key, f"cursor:{purpose}", cursor)
        return datetime.fromisoformat(str(payload["t"])), uuid.UUID(str(payload["id"]))
    except (TokenError, KeyError, ValueError) as exc:
        raise ZanError("pagination.cursor_invalid", 400, errors=[FieldProblem("#query/cursor", "invalid")]) from exc
