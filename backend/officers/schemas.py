"""Officer API shapes (msgspec Structs)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import msgspec

from backend.lib.clock import Instant
from backend.officers.admin_schemas import Password
from backend.officers.rules import MAX_REASON_CHARS

Str100 = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]


class LoginIn(msgspec.Struct, forbid_unknown_fields=True):
    badge_number: Annotated[str, msgspec.Meta(min_length=1, max_length=20)]
    password: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    device_id: Str100


class PasswordChangeIn(msgspec.Struct, forbid_unknown_fields=True):
    """An officer's own new password, with the current one as proof (a stolen access token alone is not enough)."""

    current_password: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]  # as a login takes it
    new_password: Password


class RefreshIn(msgspec.Struct, forbid_unknown_fields=True):
    refresh_token: Annotated[str, msgspec.Meta(min_length=10, max_length=2000)]


class OfficerOut(msgspec.Struct):
    id: uuid.UUID
    badge_number: str
    full_name: str
    rank: str
    role: str
    department: str
    district: str
    unit_id: uuid.UUID | None


class TokensOut(msgspec.Struct):
    access_token: str
    refresh_token: str
    token_type: str
    expires_in: int
    officer: OfficerOut


class LinkCodeOut(msgspec.Struct):
    """A one-time code the officer sends to the duty bot as `/link CODE`."""

    code: str
    expires_in: int  # seconds


class LocationIn(msgspec.Struct, forbid_unknown_fields=True):
    lat: Annotated[float, msgspec.Meta(ge=-90, le=90)]
    lon: Annotated[float, msgspec.Meta(ge=-180, le=180)]
    accuracy_m: Annotated[float, msgspec.Meta(ge=0, le=100000)] | None = None
    at: Instant | None = None


class UnitStatusIn(msgspec.Struct, forbid_unknown_fields=True):
    status: str


class UnitOut(msgspec.Struct):
    id: uuid.UUID
    code: str
    name: str
    department: str
    district: str
    status: str
    last_lat: float | None
    last_lon: float | None
    last_at: datetime | None


class ShiftOut(msgspec.Struct):
    id: uuid.UUID
    started_at: datetime
    ended_at: datetime | None
    unit_id: uuid.UUID | None


class RevokeDeviceIn(msgspec.Struct, forbid_unknown_fields=True):
    """A tablet to revoke, and why (optional; written in the audit line `device.revoke` as `zan officers
    revoke-device --reason` writes it, surrounding blanks dropped; a blank one is none)."""

    device_id: Str100
    reason: Annotated[str, msgspec.Meta(max_length=MAX_REASON_CHARS, description=(
        f"at most {MAX_REASON_CHARS} characters, e.g. tablet lost; no personal data: the audit log keeps it for "
        "good"))] | None = None


class Ok(msgspec.Struct):
    ok: bool = True
