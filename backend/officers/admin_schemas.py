"""Shapes of the admin API for officer accounts (backend.officers.admin_controller). No answer carries a password or
its hash, nor the officer's Telegram link."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import msgspec

from backend.officers.auth import Role
from backend.officers.rules import MAX_REASON_CHARS

District = Annotated[str, msgspec.Meta(min_length=1, max_length=80,
                                       description="a district code (`zan units districts`)")]
# long enough to reach backend.officers.rules, which answers officer.password_policy with the bounds
Password = Annotated[str, msgspec.Meta(min_length=1, max_length=1000,
                                       description="12 to 200 characters (officer.password_policy)")]


class OfficerCreateIn(msgspec.Struct, forbid_unknown_fields=True):
    """A new account. `district`, or `national: true` for the whole country (staff roles in no unit only); a field
    role always needs a district. The initial password is the admin's, under the same policy as a reset."""

    badge_number: Annotated[str, msgspec.Meta(min_length=1, max_length=20)]
    full_name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    department: Annotated[str, msgspec.Meta(min_length=1, max_length=40,
                                            description="a police department code of the taxonomy")]
    password: Password
    role: Role = Role.PATROL_OFFICER
    district: District | None = None
    national: bool = False
    unit_id: uuid.UUID | None = None
    rank: Annotated[str, msgspec.Meta(max_length=60)] = ""


class RoleIn(msgspec.Struct, forbid_unknown_fields=True):
    """A role and scope: `district`, or `national: true`; with neither, the district the officer has."""

    role: Role
    district: District | None = None
    national: bool = False


class UnitIn(msgspec.Struct, forbid_unknown_fields=True):
    """The unit to join (of the officer's department and region), or null to leave theirs."""

    unit_id: uuid.UUID | None


class DeactivateIn(msgspec.Struct, forbid_unknown_fields=True):
    """Why the account is deactivated, written in its audit line as `zan officers deactivate --reason` writes it
    (surrounding blanks dropped; none, or a blank one, is 422 officer.reason_required)."""

    reason: Annotated[str, msgspec.Meta(max_length=MAX_REASON_CHARS, description=(
        f"1 to {MAX_REASON_CHARS} characters, e.g. left the police; no personal data: the audit log keeps it "
        "for good"))]


class PasswordIn(msgspec.Struct, forbid_unknown_fields=True):
    password: Password


class OfficerAccountOut(msgspec.Struct):
    """An account as the admin console shows it. `district`: null for a national officer; `scope`: what they read
    (unit_and_district for field roles, region or national for staff; `region` the region's slug). `etag`: the
    account's state now (also the ETag header), for the next change's If-Match."""

    id: uuid.UUID
    badge_number: str
    full_name: str
    rank: str
    role: str
    department: str
    district: str | None
    unit_id: uuid.UUID | None
    unit_code: str | None
    active: bool
    scope: str
    region: str | None
    created_at: datetime
    updated_at: datetime
    etag: str


class OfficerAccountPage(msgspec.Struct):
    items: list[OfficerAccountOut]
    next_cursor: str | None
