"""What an officer account may be, for `zan officers ...` and the admin API alike: its password, its department and
district, national scope, and its unit's fit. No database, no click: each refusal is a `Refused` with a stable code
(the API's problem code) and the input it is about; the console and the API word it each their own way.

A department must be a police department of the taxonomy and a district a district of ml.geo (or the unit would
never be offered a report, the officer never see one). An officer with no district and no unit reads the whole
country (the national 102 centre, the General Prosecutor's Office), so that is asked for by name ("national"),
never the fallout of a district left out; field officers always need a district.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from backend.lib.errors import FieldProblem, ZanError
from backend.officers.auth import FIELD_ROLES, Role

if TYPE_CHECKING:
    from backend.officers.models import Unit

MIN_PASSWORD_CHARS = 12
# what a login takes (schemas.LoginIn): a longer password could be set but never typed in
MAX_PASSWORD_CHARS = 200
# why an account is deactivated, for its audit line (`zan officers deactivate --reason`, the API's `reason`): a
# sentence, never a file; the line is sealed into the ledger, so it names no one
MAX_REASON_CHARS = 500
# Roles of another agency than the police: prosecutors oversee the police (the prosecutor's office is an agency of
# its own), so the admin API, which police admins run, neither makes nor changes their accounts (`admins_manage`);
# the service operator's console (`zan officers ...`) keeps them
OVERSIGHT_AGENCY_ROLES = frozenset({Role.PROSECUTOR})


# what a refusal other than an invalid value (422) is answered with: the account is out of reach, or the change
# conflicts with the other admins' accounts (backend.officers.admins)
_STATUS = {"officer.out_of_jurisdiction": 403, "officer.last_admin": 409}


@dataclass
class Refused(Exception):
    """A value an account may not have. `code`: stable (officer.*); `field`: the input it is about (role, district,
    national, unit, department, password; "" for the account as a whole)."""

    code: str
    field: str

    def __str__(self) -> str:
        return f"{self.code} ({self.field})"


def as_error(refused: Refused, pointers: dict[str, str]) -> ZanError:
    """A Refused as the API answers it: 403 for an account outside the admin's region, 409 for a change that would
    take its jurisdiction's last admin away (backend.officers.admins), else 422; pointing at the field (`pointers`:
    where the operation's body has it; else the field's own name), none for the account as a whole (field "")."""
    status = _STATUS.get(refused.code, 422)
    if not refused.field:
        return ZanError(refused.code, status)
    return ZanError(refused.code, status,
                    errors=[FieldProblem(pointers.get(refused.field, f"/{refused.field}"), "invalid")])


def police_departments() -> list[str]:
    """Taxonomy departments a unit or an officer can belong to (not the external ones reports are redirected to)."""
    from ml.taxonomy import load_taxonomy

    return [d.code for d in load_taxonomy().departments if not d.external]


def district_codes() -> list[str]:
    from ml.geo import load_district_index

    return load_district_index().codes


def check_password(password: str) -> str:
    if not MIN_PASSWORD_CHARS <= len(password) <= MAX_PASSWORD_CHARS:
        raise Refused("officer.password_policy", "password")
    return password


def admins_manage(role: Role | str) -> bool:
    """Whether a police admin may give, take away or manage this role through the admin API (the API's refusal is
    403 officer.oversight_account): a prosecutor's account could be impersonated (a password reset, a promotion) or
    silenced (a deactivation, a demotion) by the police it oversees. The console is the service operator's."""
    return Role(role) not in OVERSIGHT_AGENCY_ROLES


def check_department(department: str) -> str:
    department = department.strip()
    if department not in police_departments():
        raise Refused("officer.department_unknown", "department")
    return department


def officer_district(role: Role, district: str | None, *, national: bool, in_unit: bool) -> str:
    """The district an officer has: a known code, or "" for a national one, which only staff roles may be, and
    without a unit (a unit's district would scope them to its region instead)."""
    if national:
        if district is not None:
            raise Refused("officer.national_with_district", "national")
        if role in FIELD_ROLES:
            raise Refused("officer.field_role_national", "national")
        if in_unit:
            raise Refused("officer.national_in_unit", "national")
        return ""
    if district is None or not district.strip():
        raise Refused("officer.district_required", "district")
    district = district.strip()
    if district not in district_codes():
        raise Refused("officer.district_unknown", "district")
    return district


def check_unit_fits(unit: Unit, *, department: str, district: str) -> None:
    """An officer's unit is one of their department in their region: the unit's assignments are what a field
    officer works, and a unit of another region would hand them that region's reports."""
    from backend.officers.jurisdiction import around

    if unit.department != department or unit.district not in around(district):
        raise Refused("officer.unit_misfit", "unit")


def placed_district(role: Role, district: str | None, *, national: bool, department: str, unit: Unit | None) -> str:
    """The district an officer of `department` in `unit` (None: in none) has: `officer_district`'s, refused as it
    refuses, then as `check_unit_fits` refuses a unit that does not fit it."""
    district = officer_district(role, district, national=national, in_unit=unit is not None)
    if unit is not None:
        check_unit_fits(unit, department=department, district=district)
    return district


def scope_of(role: Role, district: str, unit_district: str | None = None) -> dict[str, str | None]:
    """What the officer reads, by backend.officers.jurisdiction (their own district, else their unit's)."""
    from backend.officers.jurisdiction import Jurisdiction, scoping_district

    if role in FIELD_ROLES:
        return {"scope": "unit_and_district"}
    jurisdiction = Jurisdiction(scoping_district(district, unit_district))
    return {"scope": "national"} if jurisdiction.national else {"scope": "region", "region": jurisdiction.region}
