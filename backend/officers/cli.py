"""`zan officers ...` and `zan units ...`: officer accounts and patrol units, created from the console.

These are the only way to create them in production (`zan seed` plants demo data in embedded mode only), so every
value is checked here: a department must be a police department of the taxonomy and a district a district of
ml.geo (or the unit would never be offered a report, the officer never see one), and a duplicate is a one-line
error, not a traceback.

An officer's district also sets what the console shows them (backend.dispatch.regions): dispatchers, supervisors,
prosecutors and admins read their district's region. One with no district and no unit (the national 102 centre, the
General Prosecutor's Office) reads the whole country, so that is asked for by name (`--national`), never the fallout
of a district left out or empty; field officers always need a district.
"""

from __future__ import annotations

import asyncio
import difflib
import json
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

import click

from backend.officers.auth import FIELD_ROLES, Role
from backend.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from backend.officers.accounts import Account
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


def _one_of(value: str, allowed: list[str], what: str, param: str) -> str:
    value = value.strip()
    if value in allowed:
        return value
    close = difflib.get_close_matches(value, allowed, n=3)
    hint = f"did you mean {', '.join(close)}?" if close else (
        f"one of: {', '.join(allowed)}" if len(allowed) <= 20 else f"see `zan units {what}s`")
    raise click.BadParameter(f"unknown {what} {value!r}; {hint}", param_hint=param)


def check_department(value: str) -> str:
    return _one_of(value, police_departments(), "department", "--department")


def check_district(value: str) -> str:
    return _one_of(value, district_codes(), "district", "--district")


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
def _one_line() -> Iterator[None]:
    """A refused value as one line and exit 1, as a refusal read from the database is (click prints its usage and
    exits 2 for a UsageError)."""
    try:
        yield
    except click.UsageError as exc:
        raise click.ClickException(exc.format_message()) from exc


def _length(value: str, longest: int, param: str) -> str:
    value = value.strip()
    if not value or len(value) > longest:
        raise click.BadParameter(f"1 to {longest} characters", param_hint=param)
    return value


def _password(ctx: click.Context, param: click.Parameter, value: str) -> str:
    if len(value) < MIN_PASSWORD_CHARS:
        raise click.BadParameter(f"at least {MIN_PASSWORD_CHARS} characters")
    return value


def _run(work: Callable[[Settings], Coroutine[Any, Any, T]]) -> T:
    return asyncio.run(work(Settings.from_env()))


@click.group()
def officers() -> None:
    """Officer accounts."""


@officers.command("create")
@click.option("--badge", required=True)
@click.option("--name", required=True)
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.PATROL_OFFICER.value)
@click.option("--department", required=True, help="taxonomy department code, e.g. patrol_police")
@click.option("--district", default=None,
              help="district code, e.g. astana (`zan units districts`); staff roles read its region's reports")
@click.option("--national", is_flag=True,
              help="no district and no unit: the whole country (dispatcher, supervisor, prosecutor, admin only)")
@click.option("--unit", "unit_code", default=None, help="unit code to join")
@click.option("--rank", default="")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True, callback=_password,
              help=f"at least {MIN_PASSWORD_CHARS} characters (prompted when not given)")
def create(badge: str, name: str, role: str, department: str, district: str | None, national: bool,
           unit_code: str | None, rank: str, password: str) -> None:
    """Create an officer account, with the scope it reads reports in (printed as `scope`)."""
    from sqlalchemy import select

    from backend.context import context_scope
    from backend.lib.errors import ZanError
    from backend.officers import service
    from backend.officers.models import Officer, Unit

    badge = _length(badge, 20, "--badge")
    name = _length(name, 200, "--name")
    if len(rank) > 60:
        raise click.BadParameter("at most 60 characters", param_hint="--rank")
    department = check_department(department)
    district = officer_district(Role(role), district, national=national, unit_code=unit_code)

    async def go(settings: Settings) -> dict[str, str | None]:
        async with context_scope(settings) as ctx, ctx.sessions() as session:
            unit = None
            if unit_code:
                unit = await session.scalar(select(Unit).where(Unit.code == unit_code))  # type: ignore[arg-type]
                if unit is None:
                    raise click.ClickException(f"no unit {unit_code!r} (`zan units create` makes one)")
                check_unit_fits(unit, department=department, district=district)
            if await session.scalar(select(Officer.id).where(Officer.badge_number == badge)) is not None:  # type: ignore[arg-type, call-overload]
                raise click.ClickException(f"an officer with badge {badge!r} already exists")
            try:
                officer = await service.create_officer(session, badge_number=badge, full_name=name, role=role,
                                                       department=department, district=district, password=password,
                                                       rank=rank, unit=unit, actor_id="cli")
            except ZanError as exc:  # the badge was taken meanwhile
                raise click.ClickException(f"an officer with badge {badge!r} already exists") from exc
            await session.commit()
            return {"id": str(officer.id), "badge_number": officer.badge_number, "role": officer.role,
                    "district": officer.district or None, "unit": unit.code if unit else None,
                    **scope_of(Role(officer.role), officer.district)}

    click.echo(json.dumps(_run(go), ensure_ascii=False))


def _shown(account: Account) -> dict[str, Any]:
    """An account as the commands print it: never its password hash, nor its Telegram link."""
    officer, unit = account.officer, account.unit
    return {"id": str(officer.id), "badge_number": officer.badge_number, "full_name": officer.full_name,
            "rank": officer.rank, "role": officer.role, "department": officer.department,
            "district": officer.district or None, "unit": unit.code if unit else None, "active": officer.active,
            **scope_of(Role(officer.role), officer.district, unit.district if unit else None)}


def _change(badge: str, work: Callable[[AsyncSession, Account], Coroutine[Any, Any, None]]) -> None:
    """Run `work` (which checks, changes and commits) on the account with `badge`; print the account after it."""
    from backend.context import context_scope
    from backend.officers.accounts import by_badge

    badge = badge.strip()

    async def go(settings: Settings) -> dict[str, Any]:
        async with context_scope(settings) as ctx, ctx.sessions() as session:
            account = await by_badge(session, badge)
            if account is None:
                raise click.ClickException(f"no officer with badge {badge!r}")
            await work(session, account)
            # read again: the unit may have changed, and the commit expired what was loaded
            return _shown(await by_badge(session, badge) or account)

    click.echo(json.dumps(_run(go), ensure_ascii=False))


@officers.command("set-role")
@click.option("--badge", required=True)
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--district", default=None, help="the officer's new district code (left out: it stays as it is)")
@click.option("--national", is_flag=True,
              help="no district: the whole country (dispatcher, supervisor, prosecutor, admin in no unit only)")
def set_role(badge: str, role: str, district: str | None, national: bool) -> None:
    """Change an officer's role or district, as `create` checks them: their sessions and open shift end at once."""
    from backend.officers.accounts import change_role

    new_role = Role(role)

    async def work(session: AsyncSession, account: Account) -> None:
        officer, unit = account.officer, account.unit
        keep = district is None and not national  # the district they have, or national if they have none
        with _one_line():
            new_district = officer_district(new_role, (officer.district or None) if keep else district,
                                            national=national or (keep and not officer.district),
                                            unit_code=unit.code if unit else None)
        if unit is not None:
            check_unit_fits(unit, department=officer.department, district=new_district)
        if (new_role.value, new_district) == (officer.role, officer.district):
            raise click.ClickException(f"nothing to change: officer {badge!r} is a {role} of "
                                       f"{new_district or 'the whole country'} already")
        await change_role(session, officer, role=new_role, district=new_district, actor_id="cli")

    _change(badge, work)


@officers.command("move")
@click.option("--badge", required=True)
@click.option("--unit", "unit_code", default=None, help="the code of the unit to join (of their department and region)")
@click.option("--no-unit", is_flag=True, help="leave their unit, joining none")
def move(badge: str, unit_code: str | None, no_unit: bool) -> None:
    """Move an officer to another unit, or out of any: their open shift ends (their sessions live on)."""
    from sqlalchemy import select

    from backend.officers.accounts import move as move_officer
    from backend.officers.models import Unit

    if (unit_code is not None) == no_unit:
        raise click.ClickException("give either --unit CODE or --no-unit")

    async def work(session: AsyncSession, account: Account) -> None:
        officer, before = account.officer, account.unit
        unit = None
        if unit_code is not None:
            unit = await session.scalar(select(Unit).where(Unit.code == unit_code.strip()))  # type: ignore[arg-type]
            if unit is None:
                raise click.ClickException(f"no unit {unit_code!r} (`zan units create` makes one)")
            with _one_line():  # a national officer belongs to no unit
                officer_district(Role(officer.role), officer.district or None, national=not officer.district,
                                 unit_code=unit.code)
            check_unit_fits(unit, department=officer.department, district=officer.district)
        if (before.id if before else None) == (unit.id if unit else None):
            raise click.ClickException(f"nothing to change: officer {badge!r} is in "
                                       f"{repr(unit.code) if unit else 'no unit'} already")
        await move_officer(session, officer, unit=unit, before=before, actor_id="cli")

    _change(badge, work)


@officers.command("deactivate")
@click.option("--badge", required=True)
@click.option("--reason", required=True, help="why, for the audit log (e.g. left the police); no personal data")
def deactivate(badge: str, reason: str) -> None:
    """Deactivate an officer (one who left): every session ends at once, and so does their open shift."""
    from backend.officers.service import revoke_officer

    with _one_line():
        reason = _length(reason, 200, "--reason")

    async def work(session: AsyncSession, account: Account) -> None:
        if not account.officer.active:
            raise click.ClickException(f"nothing to change: officer {badge!r} is deactivated already")
        await revoke_officer(session, officer_id=account.officer.id, by_officer="cli", reason=reason)

    _change(badge, work)


@officers.command("reactivate")
@click.option("--badge", required=True)
def reactivate(badge: str) -> None:
    """Let a deactivated officer log in again."""
    from backend.officers.accounts import reactivate as reactivate_officer

    async def work(session: AsyncSession, account: Account) -> None:
        if account.officer.active:
            raise click.ClickException(f"nothing to change: officer {badge!r} is active")
        await reactivate_officer(session, account.officer, actor_id="cli")

    _change(badge, work)


@officers.command("reset-password")
@click.option("--badge", required=True)
@click.option("--password", prompt="New password", hide_input=True, confirmation_prompt=True, callback=_password,
              help=f"at least {MIN_PASSWORD_CHARS} characters (prompted when not given)")
def reset_password(badge: str, password: str) -> None:
    """Give an officer a new password: every session of theirs ends at once."""
    from backend.officers.accounts import reset_password as set_password

    async def work(session: AsyncSession, account: Account) -> None:
        await set_password(session, account.officer, password=password, actor_id="cli")

    _change(badge, work)

    async def unlock(settings: Settings) -> None:
        from backend.context import context_scope
        from backend.officers.ratelimit import clear_badge

        # the failed logins that locked the officer out are no reason to keep them waiting with the new password;
        # the counters live in Redis (an embedded server's own memory is out of this process's reach: it lets go
        # within 15 minutes)
        async with context_scope(settings) as ctx:
            await clear_badge(ctx, badge=badge.strip())

    _run(unlock)


@officers.command("list")
@click.option("--district", default=None, help="only the officers of this district code")
@click.option("--role", default=None, type=click.Choice([r.value for r in Role]), help="only the officers of this role")
def list_officers(district: str | None, role: str | None) -> None:
    """Officer accounts by badge number, one JSON object a line (no password hashes)."""
    from backend.context import context_scope
    from backend.officers.accounts import roster

    if district is not None:
        with _one_line():
            district = check_district(district)

    async def go(settings: Settings) -> list[Account]:
        async with context_scope(settings) as ctx, ctx.sessions() as session:
            return await roster(session, district=district, role=Role(role) if role else None)

    for account in _run(go):
        click.echo(json.dumps(_shown(account), ensure_ascii=False))


@click.group()
def units() -> None:
    """Patrol units (cars, district inspectors' posts): what dispatch assigns reports to."""


@units.command("create")
@click.option("--code", required=True, help="unique, e.g. AST-ПП-3")
@click.option("--name", required=True)
@click.option("--department", required=True, help="taxonomy department code, e.g. patrol_police")
@click.option("--district", required=True, help="district code, e.g. astana (`zan units districts`)")
@click.option("--restricted-category", "restricted", multiple=True,
              help="a restricted category this unit is designated for (domestic_violence, child_incident, "
                   "police_complaint); repeat for more")
def units_create(code: str, name: str, department: str, district: str, restricted: tuple[str, ...]) -> None:
    """Create a unit (off duty until one of its officers starts a shift)."""
    from sqlalchemy import select
    from sqlalchemy.exc import IntegrityError

    from backend.audit.service import record
    from backend.context import context_scope
    from backend.officers import service
    from backend.officers.models import Unit
    from ml.taxonomy import load_taxonomy

    code = _length(code, 40, "--code")
    name = _length(name, 200, "--name")
    department, district = check_department(department), check_district(district)
    allowed = sorted(load_taxonomy().restricted_codes())
    categories = [_one_of(c, allowed, "restricted category", "--restricted-category") for c in restricted]

    async def go(settings: Settings) -> dict[str, Any]:
        async with context_scope(settings) as ctx, ctx.sessions() as session:
            if await session.scalar(select(Unit.id).where(Unit.code == code)) is not None:  # type: ignore[arg-type, call-overload]
                raise click.ClickException(f"a unit with code {code!r} already exists")
            try:
                async with session.begin_nested():
                    unit = await service.create_unit(session, code=code, name=name, department=department,
                                                     district=district, restricted_categories=list(dict.fromkeys(
                                                         categories)), status="off_duty")
            except IntegrityError as exc:  # created meanwhile
                raise click.ClickException(f"a unit with code {code!r} already exists") from exc
            await record(session, actor_type="admin", actor_id="cli", action="unit.create", target_type="unit",
                         target_id=unit.id, data={"department": department, "district": district,
                                                  "restricted_categories": unit.restricted_categories})
            await session.commit()
            return {"id": str(unit.id), "code": unit.code, "name": unit.name, "department": unit.department,
                    "district": unit.district, "restricted_categories": unit.restricted_categories}

    click.echo(json.dumps(_run(go), ensure_ascii=False))


@units.command("departments")
def units_departments() -> None:
    """List the department codes units and officers may belong to."""
    click.echo("\n".join(police_departments()))


@units.command("districts")
def units_districts() -> None:
    """List the district codes units and officers may belong to."""
    click.echo("\n".join(district_codes()))
