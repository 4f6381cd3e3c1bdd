"""Officer endpoints: login/refresh/logout for tablets, an officer's own password, heartbeats, unit status, shifts,
tablet revocation (the admin API for accounts, their deactivation included, is backend.officers.admin_controller)."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import Provide
from litestar.params import JSONBody
from sqlalchemy.ext.asyncio import AsyncSession

from backend.deps import CtxDep, SessionDep
from backend.lib.errors import ZanError
from backend.officers import accounts, field, rules, service
from backend.officers.auth import (
    BEARER_REFUSED,
    FIELD_ROLES,
    OfficerDep,
    OfficerPrincipal,
    Role,
    client_ip,
    officer_guard,
    principal_for_session,
    provide_officer,
)
from backend.officers.jurisdiction import jurisdiction_for
from backend.officers.locks import lock_officer
from backend.officers.models import Officer, Unit
from backend.officers.schemas import (
    LinkCodeOut,
    LocationIn,
    LoginIn,
    OfficerOut,
    Ok,
    PasswordChangeIn,
    RefreshIn,
    RevokeDeviceIn,
    ShiftOut,
    TokensOut,
    UnitOut,
    UnitStatusIn,
)


def officer_out(officer: Officer, unit_id: uuid.UUID | None) -> OfficerOut:
    return OfficerOut(id=officer.id, badge_number=officer.badge_number, full_name=officer.full_name,
                      rank=officer.rank, role=officer.role, department=officer.department,
                      district=officer.district, unit_id=unit_id)


def unit_out(unit: Unit) -> UnitOut:
    return UnitOut(id=unit.id, code=unit.code, name=unit.name, department=unit.department, district=unit.district,
                   status=unit.status, last_lat=unit.last_lat, last_lon=unit.last_lon, last_at=unit.last_at)


async def _still_live(session: AsyncSession, officer: OfficerPrincipal) -> OfficerPrincipal:
    """The officer's principal read again under their row lock, held to the commit; 401 officer.token_invalid if
    their session, tablet or account was withdrawn meanwhile.

    The guard read it once, at the request's start. A password reset, a deactivation and a role change hold the
    officer's row before they write (accounts.reset_password, admins.hold), and void what this request would write:
    a link code (the reset drops it, so that a stolen token cannot keep a Telegram chat of its own), an open shift
    (a deactivation or role change ends it). Written after such a change committed, it outlived it. Under the lock,
    either the change committed first (and is read here) or it waits for this request and undoes its write."""
    await lock_officer(session, officer.officer_id)
    live = await principal_for_session(session, officer.session_id)
    if live is None:
        raise ZanError("officer.token_invalid", 401, headers=BEARER_REFUSED)
    return live


async def _tokens_out(session: AsyncSession, tokens: service.Tokens) -> TokensOut:
    unit_id = await service.unit_of(session, tokens.officer.id)
    return TokensOut(access_token=tokens.access_token, refresh_token=tokens.refresh_token, token_type="Bearer",  # noqa: S106 (a scheme name)
                     expires_in=tokens.expires_in, officer=officer_out(tokens.officer, unit_id))


class OfficerAuthController(Controller):
    path = "/api/v1/officer/auth"
    tags = ["officer auth"]

    @post("/login", status_code=200, summary="Log in on an enrolled tablet")
    async def login(self, ctx: CtxDep, session: SessionDep, request: Request[Any, Any, Any],
                    data: JSONBody[LoginIn]) -> TokensOut:
        tokens = await service.login(ctx, session, badge_number=data.badge_number, password=data.password,
                                     device_id=data.device_id, ip=client_ip(request))
        return await _tokens_out(session, tokens)

    @post("/refresh", status_code=200, summary="Rotate the refresh token")
    async def refresh(self, ctx: CtxDep, session: SessionDep, request: Request[Any, Any, Any],
                      data: JSONBody[RefreshIn]) -> TokensOut:
        tokens = await service.refresh(ctx, session, refresh_token=data.refresh_token, ip=client_ip(request))
        return await _tokens_out(session, tokens)

    @post("/logout", status_code=200, guards=[officer_guard()],
          dependencies={"officer": Provide(provide_officer, sync_to_thread=False)}, summary="End this session")
    async def logout(self, session: SessionDep, officer: OfficerDep) -> Ok:
        await service.logout(session, session_id=officer.session_id, officer_id=officer.officer_id)
        return Ok()


class OfficerController(Controller):
    path = "/api/v1/officer"
    tags = ["officer"]
    guards = [officer_guard()]
    dependencies = {"officer": Provide(provide_officer, sync_to_thread=False)}

    @get("/me", summary="Who is logged in")
    async def me(self, session: SessionDep, officer: OfficerDep) -> OfficerOut:
        row = await session.get(Officer, officer.officer_id)
        if row is None:
            raise ZanError("officer.not_found", 404)
        return officer_out(row, officer.unit_id)

    @post("/me/password", status_code=200, summary="Change my own password (every session ends, this one too)")
    async def change_password(self, ctx: CtxDep, session: SessionDep, request: Request[Any, Any, Any],
                              officer: OfficerDep, data: JSONBody[PasswordChangeIn]) -> Ok:
        """Any officer, with their current password: a wrong one is 403 officer.current_password_wrong and counts
        toward the badge's login lockout (429 rate_limited once five are spent, as at login). The new one is 12 to
        200 characters (422 officer.password_policy) and not the current one (422 officer.password_unchanged). On
        success every session of the officer ends, this one included: the tablet logs in again with the new
        password (and registers its push device again). Audit line `officer.password_change`."""
        try:
            await accounts.change_own_password(ctx, session, officer, current=data.current_password,
                                               new=data.new_password, ip=client_ip(request))
        except rules.Refused as refused:
            raise rules.as_error(refused, {"password": "/new_password"}) from refused
        return Ok()

    @post("/location", status_code=202, summary="Position heartbeat")
    async def location(self, session: SessionDep, officer: OfficerDep, data: JSONBody[LocationIn]) -> Ok:
        await field.record_location(session, officer, lat=data.lat, lon=data.lon, accuracy_m=data.accuracy_m,
                                    at=data.at)
        return Ok()

    @get("/unit", summary="My unit")
    async def my_unit(self, session: SessionDep, officer: OfficerDep) -> UnitOut:
        return unit_out(await field.own_unit(session, officer))

    # the crew in the car: a dispatcher still listed in the crew they were promoted from would set it `available`
    # with nobody in it, which start_shift refuses them (dispatch then sends urgent reports to an empty car)
    @post("/unit/status", status_code=200, guards=[officer_guard(*FIELD_ROLES)], summary="Set my unit's status")
    async def unit_status(self, session: SessionDep, officer: OfficerDep, data: JSONBody[UnitStatusIn]) -> UnitOut:
        return unit_out(await field.set_unit_status(session, officer, data.status))

    @post("/telegram/link-code", status_code=201, summary="One-time code to link the officer duty bot")
    async def telegram_link_code(self, ctx: CtxDep, session: SessionDep,
                                 officer: OfficerDep) -> LinkCodeOut:
        """Shown on the tablet; the officer sends `/link CODE` to the duty bot. Valid 10 minutes, stored hashed."""
        from bots.officer.service import LINK_TTL, issue_link_code

        await _still_live(session, officer)
        row = await session.get(Officer, officer.officer_id, populate_existing=True)
        if row is None:
            raise ZanError("officer.not_found", 404)
        code = await issue_link_code(ctx, session, row)
        await session.commit()
        return LinkCodeOut(code=code, expires_in=int(LINK_TTL.total_seconds()))

    @post("/shift/start", status_code=200, summary="Start a shift")
    async def shift_start(self, session: SessionDep, officer: OfficerDep) -> ShiftOut:
        # read again under the officer's lock: the role and unit as they are now (a move meanwhile), or 401 for an
        # officer deactivated or given another role meanwhile, whose shift that change has just ended
        shift = await field.start_shift(session, await _still_live(session, officer))
        return ShiftOut(id=shift.id, started_at=shift.started_at, ended_at=shift.ended_at, unit_id=shift.unit_id)

    @post("/shift/end", status_code=200, summary="End the shift")
    async def shift_end(self, session: SessionDep, officer: OfficerDep) -> ShiftOut:
        shift = await field.end_shift(session, officer)
        if shift is None:
            raise ZanError("not_found", 404)
        return ShiftOut(id=shift.id, started_at=shift.started_at, ended_at=shift.ended_at, unit_id=shift.unit_id)

    @post("/admin/devices/revoke", status_code=200, guards=[officer_guard(Role.ADMIN)],
          summary="Revoke a tablet (kills its sessions at once)")
    async def revoke_device(self, session: SessionDep, officer: OfficerDep, data: JSONBody[RevokeDeviceIn]) -> Ok:
        """A tablet of the admin's region (another's is 404, as an unknown one); not a prosecutor's (403
        officer.oversight_account: the operator's console keeps prosecutors, backend.officers.admin_controller).
        `reason`, if given, goes into the audit line."""
        await service.revoke_device(session, device_id=data.device_id, by_officer=officer.officer_id,
                                    within=await jurisdiction_for(session, officer),
                                    reason=(data.reason or "").strip() or None)
        return Ok()
