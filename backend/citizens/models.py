"""Citizens as we know them: a keyed hash of the IIN (never the IIN itself) and the last four digits for display."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlmodel import Field, SQLModel

from backend.db import now_column, uuid_pk


class Citizen(SQLModel, table=True):
    __tablename__ = "citizens"

    id: uuid.UUID = uuid_pk()
    # HMAC(ZAN_SECRET_KEY, IIN): lets a partner's repeated calls find the same citizen without storing the IIN
    iin_hash: str | None = Field(default=None, max_length=64, unique=True)
    iin_last4: str | None = Field(default=None, max_length=4)
    # e.g. "telegram:<hash of user id>" for bot users whose identity nobody has verified
    external_ref: str | None = Field(default=None, max_length=100, unique=True)
    # which ZAN_SECRET_KEY made iin_hash / external_ref (`key_id`): after a rotation, who is still under an old key
    key_id: str | None = Field(default=None, max_length=16)
    identity_verified: bool = Field(default=True)
    language: str = Field(default="ru", max_length=2)
    created_at: datetime = now_column()
