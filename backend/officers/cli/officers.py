"""`zan officers ...`: create an officer account, change its role, unit or password, (de)activate it, list them."""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

import click

from backend.officers.auth import Role
from backend.officers.cli.checks import (
    MAX_PASSWORD_CHARS,
    MIN_PASSWORD_CHARS,
    check_department,
    check_district,
    check_password,
    cli_refusal,
    length,
    officer_district,
    one_line,
    run,
    scope_of,
)
from backend.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from backend.context import Context
    from backend.officers.accounts import Account

_FORCE_HELP = ("take away the last active admin who answers for their region (or, a national admin, the country) all "
               "the same: the break-glass path when no one can be made admin first; needs --reason, and the audit "
               "line says so")
_REASON_HELP = "why, for the audit log; required with --force; no personal data"


def _last_admin(account: Account) -> click.ClickException:
    """officer.last_admin (backend.officers.admins) as the console words it: the region named by the district the
    admin is scoped by (their own, else their unit's: Account.jurisdiction)."""
    jurisdiction = account.jurisdiction
    where = ("whole country" if jurisdiction.national
             else f"region of {jurisdiction.district} (no national admin either)")
    return click.ClickException(f"officer {account.officer.badge_number!r} is the last active admin of the {where}: "
                                f"make another officer admin first, or pass --force with a --reason")


def _reason(reason: str) -> str:
    """A `--reason` for the audit line: one line, as long as the admin API's."""
    from backend.officers.rules import MAX_REASON_CHARS

    with one_line():
        return length(reason, MAX_REASON_CHARS, "--reason")


def _override_reason(reason: str | None, *, force: bool) -> str | None:
    """The `--reason` of a change, checked as every other; one is required with `--force`: a step past the last-admin
    rule says why in its audit line, as every console override does."""
    if reason is None:
        if force:
            raise click.ClickException("--force needs --reason: why the rule is overridden, for the audit log")
        return None
    return _reason(reason)


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
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True, callback=check_password,
              help=f"{MIN_PASSWORD_CHARS} to {MAX_PASSWORD_CHARS} characters (prompted when not given)")
def create(badge: str, name: str, role: str, department: str, district: str | None, national: bool,
           unit_code: str | None, rank: str, password: str) -> None:
    """Create an officer account, with the scope it reads reports in (printed as `scope`)."""
    from sqlalchemy import select

    from backend.context import context_scope
    from backend.lib.errors import ZanError
    from backend.officers import accounts, rules
    from backend.officers.models import Officer, Unit
    from backend.officers.service import CONSOLE

    badge = length(badge, 20, "--badge")
    name = length(name, 200, "--name")
    if len(rank) > 60:
        raise click.BadParameter("at most 60 characters", param_hint="--rank")
    department = check_department(department)
    district = officer_district(Role(role), district, national=national, unit_code=unit_code)

    async def go(settings: Settings) -> dict[str, str | None]:
        # hashed before the session's first statement begins its transaction (accounts.hashed says why)
        password_hash = await accounts.hashed(password)
        async with context_scope(settings) as ctx, ctx.sessions() as session:
            unit = None
            if unit_code:
                unit = await session.scalar(select(Unit).where(Unit.code == unit_code))  # type: ignore[arg-type]
                if unit is None:
                    raise click.ClickException(f"no unit {unit_code!r} (`zan units create` makes one)")
            if await session.scalar(select(Officer.id).where(Officer.badge_number == badge)) is not None:  # type: ignore[arg-type, call-overload]
                raise click.ClickException(f"an officer with badge {badge!r} already exists")
            try:
                officer = await accounts.create(session, badge_number=badge, full_name=name, rank=rank,
                                                role=Role(role), department=department,
                                                district=None if national else district, national=national,
                                                unit=unit, password=password, actor_id=CONSOLE,
                                                password_hash=password_hash)
            except rules.Refused as refused:
                raise cli_refusal(refused, role=Role(role), district=district, unit=unit,
                                  department=department) from refused
            except ZanError as exc:  # the badge was taken meanwhile
                raise click.ClickException(f"an officer with badge {badge!r} already exists") from exc
            await session.commit()
            return {"id": str(officer.id), "badge_number": officer.badge_number, "role": officer.role,
                    "district": officer.district or None, "unit": unit.code if unit else None,
                    **scope_of(Role(officer.role), officer.district)}

    click.echo(json.dumps(run(go), ensure_ascii=False))


def _shown(account: Account) -> dict[str, Any]:
    """An account as the commands print it: never its password hash, nor its Telegram link."""
    officer, unit = account.officer, account.unit
    return {"id": str(officer.id), "badge_number": officer.badge_number, "full_name": officer.full_name,
            "rank": officer.rank, "role": officer.role, "department": officer.department,
            "district": officer.district or None, "unit": unit.code if unit else None, "active": officer.active,
            **scope_of(Role(officer.role), officer.district, unit.district if unit else None)}


Work = Callable[["AsyncSession", "Account"], Coroutine[Any, Any, None]]


async def _held(session: AsyncSession, badge: str, *, takes_admin: bool) -> Account:
    """The account with `badge`, read once its row is held as the admin API holds it, so what `work` checks is what
    it changes: for a change that may take an admin away (`takes_admin`) with admins.hold (with an admin's row,
    those of the other admins answering for their jurisdiction), else the officer's row alone."""
    from sqlalchemy import select
    from sqlmodel import col

    from backend.officers import admins
    from backend.officers.accounts import by_badge
    from backend.officers.locks import lock_officer
    from backend.officers.models import Officer

    officer_id = await session.scalar(select(col(Officer.id)).where(col(Officer.badge_number) == badge))
    if officer_id is not None:
        await (admins.hold if takes_admin else lock_officer)(session, officer_id)
    account = await by_badge(session, badge)
    if account is None:
        raise click.ClickException(f"no officer with badge {badge!r}")
    return account


async def _changed(ctx: Context, badge: str, work: Work, *, takes_admin: bool) -> dict[str, Any]:
    """Run `work` (which checks, changes and commits) on the account with `badge` (`_held`); the account after it,
    as the commands print it."""
    from backend.officers.accounts import by_badge

    async with ctx.sessions() as session:
        account = await _held(session, badge, takes_admin=takes_admin)
        await work(session, account)
        # read again: the unit may have changed, and the commit expired what was loaded
        return _shown(await by_badge(session, badge) or account)


def _change(badge: str, work: Work, *, takes_admin: bool = True) -> None:
    """`_changed` in a context of its own; prints the account."""
    from backend.context import context_scope

    async def go(settings: Settings) -> dict[str, Any]:
        async with context_scope(settings) as ctx:
            return await _changed(ctx, badge.strip(), work, takes_admin=takes_admin)

    click.echo(json.dumps(run(go), ensure_ascii=False))


@officers.command("set-role")
@click.option("--badge", required=True)
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--district", default=None, help="the officer's new district code (left out: it stays as it is)")
@click.option("--national", is_flag=True,
              help="no district: the whole country (dispatcher, supervisor, prosecutor, admin in no unit only)")
@click.option("--force", is_flag=True, help=_FORCE_HELP)
@click.option("--reason", default=None, help=_REASON_HELP)
def set_role(badge: str, role: str, district: str | None, national: bool, force: bool, reason: str | None) -> None:
    """Change an officer's role or district, as `create` checks them: their sessions and open shift end at once."""
    from backend.officers import rules
    from backend.officers.accounts import set_role as set_account_role
    from backend.officers.service import CONSOLE

    new_role = Role(role)
    reason = _override_reason(reason, force=force)

    async def work(session: AsyncSession, account: Account) -> None:
        officer = account.officer
        try:
            changed = await set_account_role(session, account, role=new_role, district=district, national=national,
                                             actor_id=CONSOLE, force=force, reason=reason)
        except rules.Refused as refused:
            if refused.code == "officer.last_admin":
                raise _last_admin(account) from refused
            with one_line():
                raise cli_refusal(refused, role=new_role, unit=account.unit, department=officer.department,
                                  district=district if district is not None else officer.district) from refused
        if not changed:
            raise click.ClickException(f"nothing to change: officer {badge!r} is a {role} of "
                                       f"{officer.district or 'the whole country'} already")

    _change(badge, work)


@officers.command("move")
@click.option("--badge", required=True)
@click.option("--unit", "unit_code", default=None, help="the code of the unit to join (of their department and region)")
@click.option("--no-unit", is_flag=True, help="leave their unit, joining none")
@click.option("--force", is_flag=True, help=_FORCE_HELP + " (an admin scoped by their unit's district)")
@click.option("--reason", default=None, help=_REASON_HELP)
def move(badge: str, unit_code: str | None, no_unit: bool, force: bool, reason: str | None) -> None:
    """Move an officer to another unit, or out of any: their open shift ends (their sessions live on)."""
    from sqlalchemy import select

    from backend.officers import rules
    from backend.officers.accounts import move_to
    from backend.officers.models import Unit
    from backend.officers.service import CONSOLE

    if (unit_code is not None) == no_unit:
        raise click.ClickException("give either --unit CODE or --no-unit")
    reason = _override_reason(reason, force=force)

    async def work(session: AsyncSession, account: Account) -> None:
        officer = account.officer
        unit = None
        if unit_code is not None:
            unit = await session.scalar(select(Unit).where(Unit.code == unit_code.strip()))  # type: ignore[arg-type]
            if unit is None:
                raise click.ClickException(f"no unit {unit_code!r} (`zan units create` makes one)")
        try:
            moved = await move_to(session, account, unit=unit, actor_id=CONSOLE, force=force, reason=reason)
        except rules.Refused as refused:
            if refused.code == "officer.last_admin":
                raise _last_admin(account) from refused
            with one_line():
                raise cli_refusal(refused, role=Role(officer.role), unit=unit, department=officer.department,
                                  district=officer.district) from refused
        if not moved:
            raise click.ClickException(f"nothing to change: officer {badge!r} is in "
                                       f"{repr(unit.code) if unit else 'no unit'} already")

    _change(badge, work)


@officers.command("deactivate")
@click.option("--badge", required=True)
@click.option("--reason", required=True, help="why, for the audit log (e.g. left the police); no personal data")
@click.option("--force", is_flag=True, help=_FORCE_HELP)
def deactivate(badge: str, reason: str, force: bool) -> None:
    """Deactivate an officer (one who left): every session ends at once, and so does their open shift."""
    from backend.officers import rules
    from backend.officers.service import CONSOLE, revoke_officer

    reason = _reason(reason)

    async def work(session: AsyncSession, account: Account) -> None:
        if not account.officer.active:
            raise click.ClickException(f"nothing to change: officer {badge!r} is deactivated already")
        try:
            await revoke_officer(session, officer_id=account.officer.id, by_officer=CONSOLE, reason=reason,
                                 force=force)
        except rules.Refused as refused:
            raise _last_admin(account) from refused

    _change(badge, work)


@officers.command("revoke-device")
@click.option("--device-id", required=True, help="the tablet's device id (as its login's audit line names it)")
@click.option("--reason", required=True, help="why, for the audit log (e.g. tablet lost); no personal data")
def revoke_device(device_id: str, reason: str) -> None:
    """Revoke a lost or stolen tablet, a prosecutor's too: its sessions end at once, it never logs in again, and the
    push registrations made from it get nothing more (the admin API's device revocation, with the reason)."""
    with one_line():
        device_id = length(device_id, 100, "--device-id")
    reason = _reason(reason)

    async def go(settings: Settings) -> dict[str, Any]:
        from sqlalchemy import select
        from sqlmodel import col

        from backend.context import context_scope
        from backend.lib.clock import as_utc
        from backend.officers.models import Device, Officer
        from backend.officers.service import CONSOLE
        from backend.officers.service import revoke_device as revoke

        async with context_scope(settings) as ctx, ctx.sessions() as session:
            row = (await session.execute(select(Device, col(Officer.badge_number))
                                         .join(Officer, col(Officer.id) == col(Device.officer_id))
                                         .where(col(Device.device_id) == device_id))).first()
            if row is None:
                raise click.ClickException(f"no tablet {device_id!r}")
            if row[0].revoked_at is not None:
                raise click.ClickException(f"nothing to change: tablet {device_id!r} is revoked already")
            badge = row[1]
            device = await revoke(session, device_id=device_id, by_officer=CONSOLE, reason=reason, console=True)
            revoked_at = as_utc(device.revoked_at).isoformat() if device.revoked_at else None
            return {"device_id": device_id, "badge_number": badge, "revoked_at": revoked_at}

    click.echo(json.dumps(run(go), ensure_ascii=False))


@officers.command("reactivate")
@click.option("--badge", required=True)
def reactivate(badge: str) -> None:
    """Let a deactivated officer log in again."""
    from backend.officers.accounts import reactivate as reactivate_officer
    from backend.officers.service import CONSOLE

    async def work(session: AsyncSession, account: Account) -> None:
        if account.officer.active:
            raise click.ClickException(f"nothing to change: officer {badge!r} is active")
        await reactivate_officer(session, account.officer, actor_id=CONSOLE)

    _change(badge, work, takes_admin=False)  # a reactivation takes no admin away


@officers.command("reset-password")
@click.option("--badge", required=True)
@click.option("--password", prompt="New password", hide_input=True, confirmation_prompt=True, callback=check_password,
              help=f"{MIN_PASSWORD_CHARS} to {MAX_PASSWORD_CHARS} characters (prompted when not given)")
def reset_password(badge: str, password: str) -> None:
    """Give an officer a new password: every session of theirs ends at once."""
    from backend.context import context_scope
    from backend.officers.accounts import by_badge, hashed
    from backend.officers.accounts import reset_password as set_password
    from backend.officers.ratelimit import clear_badge
    from backend.officers.service import CONSOLE

    badge = badge.strip()

    async def go(settings: Settings) -> dict[str, Any]:
        async with context_scope(settings) as ctx:
            # an unknown badge is refused before argon2's deliberate half second is spent on it
            async with ctx.sessions() as session:
                if await by_badge(session, badge) is None:
                    raise click.ClickException(f"no officer with badge {badge!r}")
            # hashed between the sessions, so no transaction is open through it (accounts.hashed says why);
            # the policy was checked by the option's callback
            password_hash = await hashed(password)

            async def work(session: AsyncSession, account: Account) -> None:
                await set_password(session, account.officer, password=password, actor_id=CONSOLE,
                                   password_hash=password_hash)

            # a reset takes no admin away: the officer's row alone is held
            shown = await _changed(ctx, badge, work, takes_admin=False)
            # the failed logins that locked the officer out are no reason to keep them waiting with the new
            # password; the counters live in Redis (an embedded server's own memory is out of this process's reach:
            # it lets go within 15 minutes)
            await clear_badge(ctx, badge=badge)
            return shown

    click.echo(json.dumps(run(go), ensure_ascii=False))


@officers.command("list")
@click.option("--district", default=None, help="only the officers of this district code")
@click.option("--role", default=None, type=click.Choice([r.value for r in Role]), help="only the officers of this role")
def list_officers(district: str | None, role: str | None) -> None:
    """Officer accounts by badge number, one JSON object a line (no password hashes)."""
    from backend.context import context_scope
    from backend.officers.accounts import roster

    if district is not None:
        with one_line():
            district = check_district(district)

    async def go(settings: Settings) -> list[Account]:
        async with context_scope(settings) as ctx, ctx.sessions() as session:
            return await roster(session, district=district, role=Role(role) if role else None)

    for account in run(go):
        click.echo(json.dumps(_shown(account), ensure_ascii=False))

