"""What the officer and unit commands check before they write: taxonomy departments, ml.geo districts, an officer's
district or national scope and their unit's fit, lengths and passwords; refusals as one line (exit 1)."""

from __future__ import annotations

import asyncio
import difflib
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

import click

from backend.officers.auth import FIELD_ROLES, Role
from backend.settings import Settings

if TYPE_CHECKING:
    from backend.officers.models import Unit

MIN_PASSWORD_CHARS = 12

T = TypeVar("T")


def police_departments() -> list[str]:
    """Taxonomy departments a unit or an officer can belong to (not the external ones reports are redirected to)."""
    from ml.taxonomy import load_taxonomy

    return [d.code for d in load_taxonomy().departments if not d.external]


def district_codes() -> list[str]:
    from ml.geo import load_district_index

    return load_district_index().codes


def one_of(value: str, allowed: list[str], what: str, param: str) -> str:
    value = value.strip()
    if value in allowed:
        return value
    close = difflib.get_close_matches(value, allowed, n=3)
    hint = f"did you mean {', '.join(close)}?" if close else (
        f"one of: {', '.join(allowed)}" if len(allowed) <= 20 else f"see `zan units {what}s`")
    raise click.BadParameter(f"unknown {what} {value!r}; {hint}", param_hint=param)


def check_department(value: str) -> str:
    return one_of(value, police_departments(), "department", "--department")


def check_district(value: str) -> str:
    return one_of(value, district_codes(), "district", "--district")


def officer_district(role: Role, district: str | None, *, national: bool, unit_code: str | None) -> str:
    """The district an officer is created with: a checked code, or "" for a national one (`--national`), which only
    staff roles may be, and without a unit (a unit's district would scope them to its region instead)."""
    if national:
        if district is not None:
            raise click.UsageError("--national and --district exclude each other")
        if role in FIELD_ROLES:
            raise click.BadParameter(f"a {role.value} works in a district: give --district", param_hint="--national")
        if unit_code:
            raise click.BadParameter("a national officer belongs to no unit (its district would set their region)",
                                     param_hint="--national")
        return ""
    if district is None or not district.strip():
        hint = "" if role in FIELD_ROLES else ", or --national for the whole country"
        raise click.BadParameter(f"a {role.value} needs a district code (`zan units districts`){hint}",
                                 param_hint="--district")
    return check_district(district)


def scope_of(role: Role, district: str, unit_district: str | None = None) -> dict[str, str | None]:
    """What the officer reads, by backend.officers.jurisdiction (their own district, else their unit's: a new
    officer is created with no unit, or with one only together with a district of their own)."""
    from backend.officers.jurisdiction import Jurisdiction, scoping_district

    if role in FIELD_ROLES:
        return {"scope": "unit_and_district"}
    jurisdiction = Jurisdiction(scoping_district(district, unit_district))
    return {"scope": "national"} if jurisdiction.national else {"scope": "region", "region": jurisdiction.region}


def check_unit_fits(unit: Unit, *, department: str, district: str) -> None:
    """An officer's unit is one of their department in their region: the unit's assignments are what a field
    officer works, and a unit of another region would hand them that region's reports."""
    from backend.officers.jurisdiction import around

    if unit.department != department or unit.district not in around(district):
        raise click.ClickException(f"unit {unit.code!r} ({unit.department}, {unit.district}) does not fit a "
                                   f"{department} officer of {district or 'no district'}: it must be of their "
                                   f"department and region")


@contextmanager
def one_line() -> Iterator[None]:
    """A refused value as one line and exit 1, as a refusal read from the database is (click prints its usage and
    exits 2 for a UsageError)."""
    try:
        yield
    except click.UsageError as exc:
        raise click.ClickException(exc.format_message()) from exc


def length(value: str, longest: int, param: str) -> str:
    value = value.strip()
    if not value or len(value) > longest:
        raise click.BadParameter(f"1 to {longest} characters", param_hint=param)
    return value


def check_password(ctx: click.Context, param: click.Parameter, value: str) -> str:
    if len(value) < MIN_PASSWORD_CHARS:
        raise click.BadParameter(f"at least {MIN_PASSWORD_CHARS} characters")
    return value


def run(work: Callable[[Settings], Coroutine[Any, Any, T]]) -> T:
    return asyncio.run(work(Settings.from_env()))

