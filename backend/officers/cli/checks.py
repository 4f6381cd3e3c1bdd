"""What the officer and unit commands check before they write: taxonomy departments, ml.geo districts, an officer's
district or national scope and their unit's fit, lengths and passwords; refusals as one line (exit 1)."""

from __future__ import annotations

import asyncio
import difflib
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

import click

from backend.officers import rules
from backend.officers.auth import FIELD_ROLES, Role
from backend.officers.rules import MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS, district_codes, police_departments, scope_of
from backend.settings import Settings

if TYPE_CHECKING:
    from backend.officers.models import Unit

__all__ = ["MAX_PASSWORD_CHARS", "MIN_PASSWORD_CHARS", "district_codes", "police_departments", "scope_of"]

T = TypeVar("T")


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
    """The district an officer is created with (backend.officers.rules.officer_district), its refusals worded for
    the console: a checked code, or "" for a national one (`--national`)."""
    try:
        return rules.officer_district(role, district, national=national, in_unit=bool(unit_code))
    except rules.Refused as refused:
        raise cli_refusal(refused, role=role, district=district) from refused


def cli_refusal(refused: rules.Refused, *, role: Role, district: str | None = None,
                unit: Unit | None = None, department: str = "") -> click.ClickException:
    """A refusal of backend.officers.rules as the console words it (one line, naming the option)."""
    if refused.code == "officer.national_with_district":
        return click.UsageError("--national and --district exclude each other")
    if refused.code == "officer.field_role_national":
        return click.BadParameter(f"a {role.value} works in a district: give --district", param_hint="--national")
    if refused.code == "officer.national_in_unit":
        return click.BadParameter("a national officer belongs to no unit (its district would set their region)",
                                  param_hint="--national")
    if refused.code == "officer.district_required":
        hint = "" if role in FIELD_ROLES else ", or --national for the whole country"
        return click.BadParameter(f"a {role.value} needs a district code (`zan units districts`){hint}",
                                  param_hint="--district")
    if refused.code == "officer.district_unknown":
        try:  # worded with the codes it may have meant
            check_district(district or "")
        except click.ClickException as exc:
            return exc
    if refused.code == "officer.unit_misfit" and unit is not None:
        return click.ClickException(f"unit {unit.code!r} ({unit.department}, {unit.district}) does not fit a "
                                    f"{department} officer of {district or 'no district'}: it must be of their "
                                    f"department and region")
    return click.ClickException(str(refused))


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
    try:
        return rules.check_password(value)
    except rules.Refused as refused:
        short = len(value) < MIN_PASSWORD_CHARS
        raise click.BadParameter(f"at least {MIN_PASSWORD_CHARS} characters" if short else
                                 f"at most {MAX_PASSWORD_CHARS} characters") from refused


def run(work: Callable[[Settings], Coroutine[Any, Any, T]]) -> T:
    return asyncio.run(work(Settings.from_env()))

