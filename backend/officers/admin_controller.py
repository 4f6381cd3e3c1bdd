"""The admin console's API for officer accounts: the roster, one account, creation, role and scope, unit,
deactivation, reactivation and a new password — what `zan officers ...` does, through the same functions
(backend.officers.accounts, whose rules are backend.officers.rules), so both refuse the same things and write the
same audit lines (`actor_type` admin; the admin's id instead of the console's, service.CONSOLE).

Admins only, and each over the officers they answer for (Jurisdiction.answers_for: a regional admin their region's,
never a national officer's; a national admin everyone's). Another region's officer or unit is answered as an unknown
id is (404), so ids cannot be probed; an account a change would put outside the admin's region is refused (403
officer.out_of_jurisdiction). An admin cannot deactivate themselves nor change their own role or scope (403
officer.self_change): the last admin of a region would lock everyone out of its administration. Nor can anyone
take away the last active admin who answers for a jurisdiction (for a region its own admins and the national ones,
for the country its national ones), by a deactivation, a demotion or a move to another region (409
officer.last_admin, backend.officers.admins, which also keeps two admins demoting each other at once from both
succeeding): another admin is made first. A national admin answers for every region, so they may deactivate a
region's only admin of its own (one who left) and make its next one when there is one. Nor can they set
their own password (the same 403): a reset takes no old password, so a stolen access token would become the account
for good; another admin or the console sets it, or they change it themselves by giving the current one
(`POST /api/v1/officer/me/password`). A deactivation names its reason, which its audit line keeps as the
console's does.

Prosecutors oversee the police from an agency of their own (rules.admins_manage): no admin makes an account a
prosecutor's (created so, or promoted), nor changes, moves, deactivates, reactivates, demotes or sets the password of a
prosecutor's, nor revokes a prosecutor's tablet (`/api/v1/officer/admin/devices/revoke`, service.revoke_device)
(403 officer.oversight_account), or the police could impersonate or silence its oversight. The roster shows them
(who has access); the service operator's console (`zan officers ...`) keeps them.

A new password is hashed (argon2, deliberately slow) before the request's transaction begins (accounts.hashed): inside
it, the officer's row, and on SQLite the whole database's write lock, would be held through the hash. What is refused
without it (an unknown or another region's account, one's own, a prosecutor's, a stale If-Match, the password
policy) is answered before it is hashed.

Two admins may change one account at once: every answer carries the account's tag (`etag`, and the ETag header),
and a change sent with If-Match is refused (412 officer.changed, the current tag in ETag) if the account changed
since; without If-Match it is not checked, as dispatch's report steps. A change to what the account already is
(its role, its unit, active) writes nothing and answers 200.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import msgspec
from litestar import Controller, Response, get, post
from litestar.di import Provide
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, FromQuery, HeaderParameter, JSONBody, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from backend.deps import CtxDep, SessionDep
from backend.lib.clock import as_utc
from backend.lib.crypto import TokenError, sign_token, verify_token
from backend.lib.errors import PROBLEM_JSON, FieldProblem, Problem, ZanError
from backend.officers import accounts, admins, ratelimit, rules, service
from backend.officers.accounts import Account
from backend.officers.admin_schemas import (
    DeactivateIn,
    OfficerAccountOut,
    OfficerAccountPage,
    OfficerCreateIn,
    PasswordIn,
    RoleIn,
    UnitIn,
)
from backend.officers.auth import OfficerDep, OfficerPrincipal, Role, officer_guard, provide_officer
from backend.officers.jurisdiction import Jurisdiction, jurisdiction_for, jurisdiction_of
from backend.officers.locks import lock_officer
from backend.officers.models import Unit
from backend.officers.schemas import Ok
from backend.reports import idempotency
from backend.reports.idempotency import IdempotencyKey, Stored

IfMatch = Annotated[str | None, HeaderParameter(
    name="If-Match", max_length=1000, required=False,
    description="the account's ETag as the console last saw it (`etag`); if the account changed since, 412 "
                "officer.changed and nothing is written. Left out: not checked")]
STALE = {412: ResponseSpec(data_container=Problem, media_type=PROBLEM_JSON, generate_examples=False,
                           description="If-Match names another state than the account's current one "
                                       "(officer.changed; the current tag in ETag): nothing was changed")}
# a change that would take a region's (or the country's) last active admin away (backend.officers.admins)
LAST_ADMIN = {409: ResponseSpec(data_container=Problem, media_type=PROBLEM_JSON, generate_examples=False,
                                description="The account is the last active admin who answers for its region "
                                            "(none other of it, no national one), or of the country "
                                            "(officer.last_admin): another admin is made first; nothing was "
                                            "changed")}
_CURSOR = "cursor:admin-officers"
# where each rules.Refused field is in each body (one not named: "/<field>"), so a pointer names what was sent:
# a role change sends no unit (a unit that does not fit is the new district's doing), a move the unit alone
_CREATE_POINTERS = {"unit": "/unit_id"}
_ROLE_POINTERS = {"unit": "/district"}
_MOVE_POINTERS = dict.fromkeys(("unit", "district", "national"), "/unit_id")


def account_tag(account: Account) -> str:
    """The strong entity tag (quoted, RFC 9110) of the account as the console shows it; every change of it moves
    `updated_at` too (a new password included: the console's copy is stale then as well)."""
    officer = account.officer
    state = "|".join(str(part) for part in (
        officer.id, officer.badge_number, officer.full_name, officer.rank, officer.role, officer.department,
        officer.district, officer.active, account.unit.id if account.unit else None,
        as_utc(officer.updated_at).isoformat()))
    return '"' + hashlib.sha256(state.encode()).hexdigest()[:32] + '"'


def account_out(account: Account) -> OfficerAccountOut:
    officer, unit = account.officer, account.unit
    scope = rules.scope_of(Role(officer.role), officer.district, unit.district if unit else None)
    return OfficerAccountOut(
        id=officer.id, badge_number=officer.badge_number, full_name=officer.full_name, rank=officer.rank,
        role=officer.role, department=officer.department, district=officer.district or None,
        unit_id=unit.id if unit else None, unit_code=unit.code if unit else None, active=officer.active,
        scope=str(scope["scope"]), region=scope.get("region"), created_at=officer.created_at,
        updated_at=officer.updated_at, etag=account_tag(account))


def _tagged(account: Account) -> Response[OfficerAccountOut]:
    shown = account_out(account)
    return Response(shown, headers={"ETag": shown.etag})


def _reason(data: DeactivateIn | None) -> str:
    """The deactivation's reason without its surrounding blanks. None, or a blank one, is 422
    officer.reason_required: the endpoint took no body before, and such a caller is told what is missing."""
    reason = data.reason.strip() if data is not None else ""
    if not reason:
        raise ZanError("officer.reason_required", 422, errors=[FieldProblem("/reason", "required")])
    return reason


def _trimmed(value: str, pointer: str) -> str:
    """A name or badge without its surrounding blanks, as the console stores them; a blank one is 422."""
    value = value.strip()
    if not value:
        raise ZanError("validation.failed", 422, errors=[FieldProblem(pointer, "required")])
    return value


# how a change holds the account it checks (If-Match, the rules) to the end of its transaction, so what is checked is
# what it changes: `admins.hold` for one that may take an admin away (with an admin's row, those of the other admins
# answering for their jurisdiction), `lock_officer` (the officer's row alone) for one that never does
Lock = Callable[[AsyncSession, uuid.UUID], Awaitable[None]]


async def _account(session: AsyncSession, within: Jurisdiction, officer_id: uuid.UUID, *,
                   lock: Lock | None = None) -> Account:
    """The account `officer_id` if an admin of `within` answers for it, else 404 as for an unknown id, held first
    with `lock` (None: a read that holds nothing)."""
    if lock is not None:
        await lock(session, officer_id)
    account = await accounts.by_id(session, officer_id)
    if account is None or not within.answers_for(await jurisdiction_of(session, officer_id)):
        raise ZanError("officer.not_found", 404)
    return account


async def _fresh(session: AsyncSession, officer_id: uuid.UUID) -> Account:
    """The account as committed (a change's commit expired what was loaded; its unit may be another)."""
    account = await accounts.by_id(session, officer_id)
    if account is None:  # accounts are never deleted
        raise ZanError("officer.not_found", 404)
    return account


def _ensure_unchanged(account: Account, if_match: str | None) -> None:
    if if_match is None:
        return
    # a list of tags; W/ dropped: a compressing proxy weakens a strong tag it passes on, which still names the state
    tags = [tag.strip().removeprefix("W/") for tag in if_match.split(",") if tag.strip()]
    tag = account_tag(account)
    if "*" not in tags and tag not in tags:
        raise ZanError("officer.changed", 412, headers={"ETag": tag}, extra={"etag": tag})


def _not_self(account: Account, admin: OfficerPrincipal) -> None:
    if account.officer.id == admin.officer_id:
        raise ZanError("officer.self_change", 403)


def _managed(account: Account | None = None, *, role: Role | None = None) -> None:
    """403 officer.oversight_account (rules.admins_manage) for `account` if it is a prosecutor's, and for `role`
    (what the request would give, pointed at /role) if it is the prosecutor's."""
    if account is not None and not rules.admins_manage(account.officer.role):
        raise ZanError("officer.oversight_account", 403)
    if role is not None and not rules.admins_manage(role):
        raise ZanError("officer.oversight_account", 403, errors=[FieldProblem("/role", "invalid")])


async def _editable(session: AsyncSession, within: Jurisdiction, officer_id: uuid.UUID, admin: OfficerPrincipal, *,
                    lock: Lock | None, if_match: str | None, own_ok: bool = False,
                    role: Role | None = None) -> Account:
    """The account a change may go ahead on, checked in this order: held with `lock` and answered for (`_account`,
    404), not the admin's own unless `own_ok` (403 officer.self_change), not a prosecutor's nor made one by `role`
    (`_managed`, 403), still as `if_match` saw it (412; None: not checked)."""
    account = await _account(session, within, officer_id, lock=lock)
    if not own_ok:
        _not_self(account, admin)
    _managed(account, role=role)
    _ensure_unchanged(account, if_match)
    return account


async def _unit(session: AsyncSession, unit_id: uuid.UUID, within: Jurisdiction) -> Unit:
    """A unit of the admin's region (another region's is answered as an unknown one, 404)."""
    unit = await session.get(Unit, unit_id)
    if unit is None or not within.answers_for(Jurisdiction(unit.district)):
        raise ZanError("officer.unit_not_found", 404, errors=[FieldProblem("/unit_id", "not_found")])
    return unit


def _request_key(ctx_secret: str, data: OfficerCreateIn) -> OfficerCreateIn:
    """The request as its Idempotency-Key remembers it: the password as a keyed hash, never as itself nor a plain
    hash of a body whose other fields are known (one a database reader could try passwords against)."""
    keyed = hmac.new(ctx_secret.encode(), f"zan:officer-create:{data.password}".encode(), hashlib.sha256).hexdigest()
    return msgspec.structs.replace(data, password=keyed)


class OfficerAdminController(Controller):
    path = "/api/v1/officer/admin/officers"
    tags = ["officer admin"]
    guards = [officer_guard(Role.ADMIN)]
    dependencies = {"officer": Provide(provide_officer, sync_to_thread=False)}

    @get("/", summary="Officer accounts the admin answers for, by badge number")
    async def roster(self, ctx: CtxDep, session: SessionDep, officer: OfficerDep,
                     district: FromQuery[str | None] = None, role: FromQuery[Role | None] = None,
                     cursor: FromQuery[str | None] = None,
                     limit: Annotated[int, QueryParameter(ge=1, le=200)] = 50) -> OfficerAccountPage:
        """`district`: officers of that district code (their own, not their unit's); `role`: of that role. Pages by
        badge number (`next_cursor`)."""
        if district is not None and district not in rules.district_codes():
            raise ZanError("officer.district_unknown", 422, errors=[FieldProblem("#query/district", "invalid")])
        after = None
        if cursor:
            try:
                after = str(verify_token(ctx.settings.secret_key, _CURSOR, cursor)["b"])
            except (TokenError, KeyError) as exc:
                raise ZanError("pagination.cursor_invalid", 400, errors=[FieldProblem("#query/cursor")]) from exc
        rows = await accounts.roster(session, district=district, role=role, within=await jurisdiction_for(
            session, officer), after=after, limit=limit + 1)
        next_cursor = None
        if len(rows) > limit:
            next_cursor = sign_token(ctx.settings.secret_key, _CURSOR, {"b": rows[limit - 1].officer.badge_number})
        return OfficerAccountPage(items=[account_out(account) for account in rows[:limit]], next_cursor=next_cursor)

    @post("/", status_code=201, summary="Create an officer account",
          responses={201: ResponseSpec(OfficerAccountOut, description=(
              "Created; a retry with the same Idempotency-Key gets this answer, and the account is made once"))})
    async def create(self, ctx: CtxDep, session: SessionDep, officer: OfficerDep, data: JSONBody[OfficerCreateIn],
                     idempotency_key: IdempotencyKey = None) -> Response[Any]:
        """As `zan officers create`: a department of the taxonomy, a district (or `national` for a staff role in no
        unit), a unit of the officer's department and region, the password policy (422 with the rule's code); a
        badge taken is 409 officer.badge_taken. The answer carries no password. No prosecutor (403)."""
        _managed(role=data.role)
        password_hash = await accounts.hashed(data.password)  # before the transaction: see the module's docstring
        within = await jurisdiction_for(session, officer)

        async def make() -> Stored:
            unit = await _unit(session, data.unit_id, within) if data.unit_id is not None else None
            try:
                created = await accounts.create(
                    session, badge_number=_trimmed(data.badge_number, "/badge_number"),
                    full_name=_trimmed(data.full_name, "/full_name"), rank=data.rank.strip(), role=data.role,
                    department=data.department, district=data.district, national=data.national, unit=unit,
                    password=data.password, actor_id=officer.officer_id, within=within, password_hash=password_hash)
            except rules.Refused as refused:
                raise rules.as_error(refused, _CREATE_POINTERS) from refused
            return Stored(201, msgspec.to_builtins(account_out(Account(created, unit))))

        stored, _ = await idempotency.once(session, f"officer-create:{officer.officer_id}", idempotency_key,
                                           _request_key(ctx.settings.secret_key, data), make)
        return Response(stored.body, status_code=stored.status_code, headers={"ETag": str(stored.body["etag"])})

    @get("/{officer_id:uuid}", summary="One officer account")
    async def one(self, session: SessionDep, officer: OfficerDep,
                  officer_id: FromPath[uuid.UUID]) -> Response[OfficerAccountOut]:
        return _tagged(await _account(session, await jurisdiction_for(session, officer), officer_id))

    @post("/{officer_id:uuid}/role", status_code=200, responses={**STALE, **LAST_ADMIN},
          summary="Change an officer's role or scope")
    async def set_role(self, session: SessionDep, officer: OfficerDep, officer_id: FromPath[uuid.UUID],
                       data: JSONBody[RoleIn], if_match: IfMatch = None) -> Response[OfficerAccountOut]:
        """As `zan officers set-role`: `district`, or `national`, or neither to keep theirs. Every session of theirs
        and their open shift end at once (the tablet logs in again under the new role). Not one's own, nor a
        prosecutor's or to a prosecutor's (403); not the last active admin who answers for a region (no national
        one either), or of the country, away from it (409 officer.last_admin)."""
        within = await jurisdiction_for(session, officer)
        account = await _editable(session, within, officer_id, officer, lock=admins.hold, if_match=if_match,
                                  role=data.role)
        try:
            await accounts.set_role(session, account, role=data.role, district=data.district, national=data.national,
                                    actor_id=officer.officer_id, within=within)
        except rules.Refused as refused:
            raise rules.as_error(refused, _ROLE_POINTERS) from refused
        return _tagged(await _fresh(session, officer_id))

    @post("/{officer_id:uuid}/unit", status_code=200, responses={**STALE, **LAST_ADMIN},
          summary="Move an officer to another unit")
    async def move(self, session: SessionDep, officer: OfficerDep, officer_id: FromPath[uuid.UUID],
                   data: JSONBody[UnitIn], if_match: IfMatch = None) -> Response[OfficerAccountOut]:
        """As `zan officers move`: a unit of their department and region, or null for none. Their open shift ends;
        their sessions live on (every request reads the unit again). Not a prosecutor's (403); not, for an admin
        scoped by their unit's district (no district of their own), out of a region it leaves with no active admin
        (409 officer.last_admin)."""
        within = await jurisdiction_for(session, officer)
        # If-Match after the unit: an unknown unit is 404 before a stale tag is 412
        account = await _editable(session, within, officer_id, officer, lock=admins.hold, if_match=None,
                                  own_ok=True)
        unit = await _unit(session, data.unit_id, within) if data.unit_id is not None else None
        _ensure_unchanged(account, if_match)
        try:
            await accounts.move_to(session, account, unit=unit, actor_id=officer.officer_id, within=within)
        except rules.Refused as refused:
            raise rules.as_error(refused, _MOVE_POINTERS) from refused
        return _tagged(await _fresh(session, officer_id))

    @post("/{officer_id:uuid}/revoke", status_code=200, responses={**STALE, **LAST_ADMIN},
          summary="Deactivate an officer (kills every session at once)")
    async def revoke(self, session: SessionDep, officer: OfficerDep, officer_id: FromPath[uuid.UUID],
                     data: JSONBody[DeactivateIn | None] = None, if_match: IfMatch = None) -> Response[Ok]:
        """As `zan officers deactivate --reason`: every session and the open shift end, their push devices are
        silenced, and the audit line `officer.revoke` carries the `reason`. Without a reason (no body, as this took
        before), 422 officer.reason_required and nothing is done. Not one's own account, nor a prosecutor's (403),
        nor the last active admin of a region or of the country (409 officer.last_admin).
        An account deactivated already is left as it is."""
        reason = _reason(data)
        within = await jurisdiction_for(session, officer)
        account = await _editable(session, within, officer_id, officer, lock=admins.hold, if_match=if_match)
        if account.officer.active:
            try:
                await service.revoke_officer(session, officer_id=officer_id, by_officer=officer.officer_id,
                                             within=within, reason=reason)
            except rules.Refused as refused:
                raise rules.as_error(refused, {}) from refused
        return Response(Ok(), headers={"ETag": account_tag(await _fresh(session, officer_id))})

    @post("/{officer_id:uuid}/reactivate", status_code=200, responses=STALE,
          summary="Let a deactivated officer log in again")
    async def reactivate(self, session: SessionDep, officer: OfficerDep, officer_id: FromPath[uuid.UUID],
                         if_match: IfMatch = None) -> Response[OfficerAccountOut]:
        """As `zan officers reactivate`: their old sessions stay revoked. An active account is left as it is. Not a
        prosecutor's (403)."""
        account = await _editable(session, await jurisdiction_for(session, officer), officer_id, officer,
                                  lock=lock_officer, if_match=if_match, own_ok=True)
        if not account.officer.active:
            await accounts.reactivate(session, account.officer, actor_id=officer.officer_id)
        return _tagged(await _fresh(session, officer_id))

    @post("/{officer_id:uuid}/password", status_code=200, responses=STALE, summary="Set a new password")
    async def reset_password(self, ctx: CtxDep, session: SessionDep, officer: OfficerDep,
                             officer_id: FromPath[uuid.UUID], data: JSONBody[PasswordIn],
                             if_match: IfMatch = None) -> Response[OfficerAccountOut]:
        """As `zan officers reset-password`, under the same password policy: every session of theirs ends, the push
        devices registered under the old password are silenced, and the failed logins that locked the badge out are
        forgotten (the counters in Redis and this server's own, which the console's command cannot reach). Not
        one's own (403: it takes no old password), nor a prosecutor's (403)."""
        within = await jurisdiction_for(session, officer)
        # what is refused without the password is refused before it is hashed (argon2's deliberate half second,
        # spent on nothing), in the order the change below refuses it; the read holds nothing and ends before the
        # hash (see the module's docstring), and the change checks it all again under the officer's lock (a reset
        # takes no admin away: no other admin's row is held)
        await _editable(session, within, officer_id, officer, lock=None, if_match=if_match)
        try:
            rules.check_password(data.password)
        except rules.Refused as refused:
            raise rules.as_error(refused, {}) from refused
        await session.rollback()
        password_hash = await accounts.hashed(data.password)
        account = await _editable(session, within, officer_id, officer, lock=lock_officer, if_match=if_match)
        badge = account.officer.badge_number
        try:
            await accounts.reset_password(session, account.officer, password=data.password,
                                          actor_id=officer.officer_id, password_hash=password_hash)
        except rules.Refused as refused:
            raise rules.as_error(refused, {}) from refused
        await ratelimit.clear_badge(ctx, badge=badge)
        return _tagged(await _fresh(session, officer_id))
