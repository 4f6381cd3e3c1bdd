"""The admin console's API for officer accounts (backend.officers.admin_controller): what `zan officers ...` does,
through the same functions, for admins only and only over the officers they answer for.

Before: accounts were managed by the console command alone; the API had only the deactivation (which let an admin
deactivate themselves) and no way to list, create or change an account, nor to lift a login lockout that lives in
the server's own memory (embedded mode, no Redis), which the command's process cannot reach."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlmodel import col

from backend.audit.models import AuditLog
from backend.context import Context
from backend.officers import service
from backend.officers.models import Officer, Shift
from backend.sync.models import RoleTenure
from tests.officers.factories import bearer, keyed, login, login_tokens, make_officer, make_unit

# passwords set here hashed at the factories' cost (conftest cheap_hashing)
pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("cheap_hashing")]


ADMIN = "/api/v1/officer/admin/officers"
NEW_PASSWORD = "a-brand-new-password"
REASON = {"reason": "уволился из полиции"}
KARAGANDA = "karkaralinskiy"  # a district of Karaganda region


async def _admin(ctx: Context, client: httpx.AsyncClient, district: str = "astana") -> tuple[Officer, dict[str, str]]:
    admin, password = await make_officer(ctx, role="admin", district=district)
    return admin, bearer(await login(client, admin.badge_number, password))


async def _national_admin(ctx: Context, client: httpx.AsyncClient) -> tuple[Officer, dict[str, str]]:
    return await _admin(ctx, client, district="")


async def _logged_in(ctx: Context, client: httpx.AsyncClient, **officer: Any) -> tuple[Officer, str, dict[str, str]]:
    row, password = await make_officer(ctx, **officer)
    return row, password, await login_tokens(client, row.badge_number, password, f"tab-{uuid.uuid4().hex[:10]}")


async def _dead(client: httpx.AsyncClient, tokens: dict[str, str]) -> bool:
    """Whether the session's access and refresh tokens are both refused."""
    me = await client.get("/api/v1/officer/me", headers=bearer(tokens["access_token"]))
    again = await client.post("/api/v1/officer/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    return me.status_code == 401 and again.status_code == 401


async def _login(client: httpx.AsyncClient, badge: str, password: str) -> httpx.Response:
    return await client.post("/api/v1/officer/auth/login",
                             json={"badge_number": badge, "password": password, "device_id": "tab-later"})


async def _audit(ctx: Context, officer_id: uuid.UUID, action: str) -> list[AuditLog]:
    async with ctx.sessions() as session:
        return list(await session.scalars(select(AuditLog).where(col(AuditLog.action) == action,
                                                                 col(AuditLog.target_id) == str(officer_id))))


async def _row(ctx: Context, officer_id: uuid.UUID) -> tuple[Any, ...]:
    async with ctx.sessions() as session:
        officer = await session.get(Officer, officer_id)
        assert officer is not None
        return officer.role, officer.district, officer.active, officer.password_hash


def _calls(officer_id: uuid.UUID) -> list[tuple[str, str, dict[str, Any] | None]]:
    """Every admin call on the account `officer_id`, with a body that passes validation."""
    return [("GET", ADMIN, None), ("GET", f"{ADMIN}/{officer_id}", None),
            ("POST", f"{ADMIN}/{officer_id}/role", {"role": "dispatcher"}),
            ("POST", f"{ADMIN}/{officer_id}/unit", {"unit_id": None}),
            ("POST", f"{ADMIN}/{officer_id}/revoke", REASON),
            ("POST", f"{ADMIN}/{officer_id}/reactivate", None),
            ("POST", f"{ADMIN}/{officer_id}/password", {"password": NEW_PASSWORD})]


@pytest.mark.parametrize("role", ["patrol_officer", "district_inspector", "dispatcher", "supervisor", "prosecutor"])
async def test_only_admins_may_call_it(ctx: Context, app_client: httpx.AsyncClient, role: str) -> None:
    target, _ = await make_officer(ctx)
    caller, password = await make_officer(ctx, role=role)
    headers = bearer(await login(app_client, caller.badge_number, password))
    before = await _row(ctx, target.id)
    calls = [*_calls(target.id), ("POST", ADMIN, {"badge_number": "X-1", "full_name": "Офицер",
                                                  "department": "patrol_police", "district": "astana",
                                                  "password": NEW_PASSWORD})]
    for method, path, body in calls:
        answer = await app_client.request(method, path, json=body, headers=keyed(headers))
        assert (answer.status_code, answer.json()["code"]) == (403, "auth.forbidden"), (path, answer.text)
    assert await _row(ctx, target.id) == before


async def test_an_admin_creates_an_account_once_and_it_logs_in(ctx: Context, app_client: httpx.AsyncClient) -> None:
    admin, headers = await _admin(ctx, app_client)
    unit = await make_unit(ctx)
    body = {"badge_number": " A-100 ", "full_name": "Айгерим Сапарова", "department": "patrol_police",
            "district": "astana", "unit_id": str(unit.id), "rank": "сержант", "password": NEW_PASSWORD}
    sent = keyed(headers)
    created = await app_client.post(ADMIN, json=body, headers=sent)
    assert created.status_code == 201, created.text
    shown = created.json()
    assert {k: shown[k] for k in ("badge_number", "role", "district", "unit_code", "active", "scope")} == {
        "badge_number": "A-100", "role": "patrol_officer", "district": "astana", "unit_code": unit.code,
        "active": True, "scope": "unit_and_district"}
    assert created.headers["etag"] == shown["etag"]
    assert NEW_PASSWORD not in created.text and "argon2" not in created.text and "password" not in shown
    # a retry with the same key gets the same answer; the account is made once
    again = await app_client.post(ADMIN, json=body, headers=sent)
    assert (again.status_code, again.json()["id"]) == (201, shown["id"])
    (line,) = await _audit(ctx, uuid.UUID(shown["id"]), "officer.create")
    assert (line.actor_type, line.actor_id) == ("admin", str(admin.id))
    assert (await _login(app_client, "A-100", NEW_PASSWORD)).status_code == 200
    taken = await app_client.post(ADMIN, json=body, headers=keyed(headers))
    assert (taken.status_code, taken.json()["code"]) == (409, "officer.badge_taken")
    unkeyed = await app_client.post(ADMIN, json={**body, "badge_number": "A-101"}, headers=headers)
    assert (unkeyed.status_code, unkeyed.json()["code"]) == (400, "idempotency.key_missing")


@pytest.mark.parametrize(("change", "code", "pointer"), [
    ({"password": "short-pass1"}, "officer.password_policy", "/password"),  # the console's policy: 12 or more
    ({"password": "x" * 201}, "officer.password_policy", "/password"),  # longer than a login takes
    ({"district": None}, "officer.district_required", "/district"),
    ({"district": "Astana City"}, "officer.district_unknown", "/district"),
    ({"district": None, "national": True}, "officer.field_role_national", "/national"),
    ({"national": True}, "officer.national_with_district", "/national"),
    ({"department": "akimat"}, "officer.department_unknown", "/department"),
    ({"department": "traffic_police", "unit": True}, "officer.unit_misfit", "/unit_id"),
    ({"district": None, "national": True, "role": "dispatcher", "unit": True}, "officer.national_in_unit",
     "/national"),
])
async def test_create_refuses_what_the_console_refuses(ctx: Context, app_client: httpx.AsyncClient,
                                                       change: dict[str, Any], code: str, pointer: str) -> None:
    _, headers = await _national_admin(ctx, app_client)
    unit = await make_unit(ctx)
    body: dict[str, Any] = {"badge_number": "B-1", "full_name": "Офицер", "department": "patrol_police",
                            "district": "astana", "password": NEW_PASSWORD, **change}
    if body.pop("unit", False):
        body["unit_id"] = str(unit.id)
    refused = await app_client.post(ADMIN, json=body, headers=keyed(headers))
    assert refused.status_code == 422, refused.text
    assert (refused.json()["code"], refused.json()["errors"][0]["pointer"]) == (code, pointer)
    async with ctx.sessions() as session:
        assert await session.scalar(select(Officer).where(col(Officer.badge_number) == "B-1")) is None


async def test_the_roster_is_the_admins_region_filtered_and_paged(ctx: Context, app_client: httpx.AsyncClient) -> None:
    admin, headers = await _admin(ctx, app_client)
    mine = [(await make_officer(ctx, badge_number=f"R-{i}"))[0] for i in range(3)]
    dispatcher, _ = await make_officer(ctx, badge_number="R-D", role="dispatcher")
    await make_officer(ctx, badge_number="R-K", district=KARAGANDA)  # another region
    await make_officer(ctx, badge_number="R-N", role="dispatcher", district="")  # national

    seen, cursor = [], None
    while True:
        page = await app_client.get(ADMIN, params={"limit": 2, **({"cursor": cursor} if cursor else {})},
                                    headers=headers)
        assert page.status_code == 200, page.text
        seen += [item["badge_number"] for item in page.json()["items"]]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted([admin.badge_number, *(o.badge_number for o in mine), "R-D"])
    only = await app_client.get(ADMIN, params={"role": "dispatcher", "district": "astana"}, headers=headers)
    assert [item["id"] for item in only.json()["items"]] == [str(dispatcher.id)]
    assert "argon2" not in only.text
    national = await app_client.get(ADMIN, params={"role": "dispatcher"},
                                    headers=(await _national_admin(ctx, app_client))[1])
    assert sorted(item["badge_number"] for item in national.json()["items"]) == ["R-D", "R-N"]
    unknown = await app_client.get(ADMIN, params={"district": "astan"}, headers=headers)
    assert (unknown.status_code, unknown.json()["code"]) == (422, "officer.district_unknown")
    forged = await app_client.get(ADMIN, params={"cursor": "forged"}, headers=headers)
    assert (forged.status_code, forged.json()["code"]) == (400, "pagination.cursor_invalid")


async def test_another_regions_officers_and_units_are_answered_as_unknown(
        ctx: Context, app_client: httpx.AsyncClient) -> None:
    _, headers = await _admin(ctx, app_client)
    other, _, tokens = await _logged_in(ctx, app_client, district=KARAGANDA)
    national, _ = await make_officer(ctx, role="dispatcher", district="")
    before = {o.id: await _row(ctx, o.id) for o in (other, national)}
    for target in (other.id, national.id):
        for method, path, body in _calls(target)[1:]:
            answer = await app_client.request(method, path, json=body, headers=headers)
            unknown = await app_client.request(method, path.replace(str(target), str(uuid.uuid4())), json=body,
                                               headers=headers)
            assert answer.status_code == 404, (path, answer.text)
            assert answer.json()["code"] == unknown.json()["code"] == "officer.not_found"
    assert {o.id: await _row(ctx, o.id) for o in (other, national)} == before
    assert not await _dead(app_client, tokens)

    mine, _ = await make_officer(ctx)
    far_unit = await make_unit(ctx, district=KARAGANDA)
    moved = await app_client.post(f"{ADMIN}/{mine.id}/unit", json={"unit_id": str(far_unit.id)}, headers=headers)
    assert (moved.status_code, moved.json()["code"]) == (404, "officer.unit_not_found")
    # nor may the admin make an account, or a scope, they would not answer for
    for body in ({"district": KARAGANDA}, {"district": None, "national": True, "role": "dispatcher"}):
        made = await app_client.post(ADMIN, headers=keyed(headers), json={
            "badge_number": "C-1", "full_name": "Офицер", "department": "patrol_police", "password": NEW_PASSWORD,
            **body})
        assert (made.status_code, made.json()["code"]) == (403, "officer.out_of_jurisdiction"), made.text
        changed = await app_client.post(f"{ADMIN}/{mine.id}/role", headers=headers,
                                        json={"role": body.get("role", "patrol_officer"),
                                              **{k: v for k, v in body.items() if k != "role"}})
        assert (changed.status_code, changed.json()["code"]) == (403, "officer.out_of_jurisdiction"), changed.text
    assert (await _row(ctx, mine.id))[:2] == ("patrol_officer", "astana")


async def test_an_admin_cannot_deactivate_or_demote_themselves(ctx: Context, app_client: httpx.AsyncClient) -> None:
    admin, headers = await _admin(ctx, app_client)
    for path, body in ((f"{ADMIN}/{admin.id}/revoke", REASON),
                       (f"{ADMIN}/{admin.id}/role", {"role": "dispatcher"}),
                       (f"{ADMIN}/{admin.id}/role", {"role": "admin", "district": "karkaralinskiy"})):
        refused = await app_client.post(path, json=body, headers=headers)
        assert (refused.status_code, refused.json()["code"]) == (403, "officer.self_change"), refused.text
    assert (await _row(ctx, admin.id))[:3] == ("admin", "astana", True)
    assert (await app_client.get(f"{ADMIN}/{admin.id}", headers=headers)).status_code == 200


async def test_a_role_change_ends_sessions_and_shift_with_the_consoles_audit_line(
        ctx: Context, app_client: httpx.AsyncClient) -> None:
    admin, headers = await _admin(ctx, app_client)
    unit = await make_unit(ctx, status="off_duty")
    officer, _, tokens = await _logged_in(ctx, app_client, unit=unit)
    assert (await app_client.post("/api/v1/officer/shift/start",
                                  headers=bearer(tokens["access_token"]))).status_code == 200
    changed = await app_client.post(f"{ADMIN}/{officer.id}/role", json={"role": "dispatcher"}, headers=headers)
    assert changed.status_code == 200, changed.text
    assert {k: changed.json()[k] for k in ("role", "district", "unit_code", "scope", "region")} == {
        "role": "dispatcher", "district": "astana", "unit_code": unit.code, "scope": "region", "region": "astana"}
    assert await _dead(app_client, tokens)
    async with ctx.sessions() as session:
        assert [t.role for t in await session.scalars(select(RoleTenure).where(
            col(RoleTenure.officer_id) == officer.id))] == ["patrol_officer"]
        shift = await session.scalar(select(Shift).where(col(Shift.officer_id) == officer.id))
        assert shift is not None and shift.ended_at is not None
    (line,) = await _audit(ctx, officer.id, "officer.role")
    assert (line.actor_type, line.actor_id) == ("admin", str(admin.id))
    assert line.data == {"role": {"from": "patrol_officer", "to": "dispatcher"},
                         "district": {"from": "astana", "to": "astana"}}
    # the same role again changes nothing and writes nothing
    same = await app_client.post(f"{ADMIN}/{officer.id}/role", json={"role": "dispatcher"}, headers=headers)
    assert same.status_code == 200 and same.json()["etag"] == changed.json()["etag"]
    assert len(await _audit(ctx, officer.id, "officer.role")) == 1
    misfit = await app_client.post(f"{ADMIN}/{officer.id}/role", json={"role": "patrol_officer", "national": True},
                                   headers=headers)
    assert (misfit.status_code, misfit.json()["code"]) == (422, "officer.field_role_national")


async def test_a_password_reset_ends_sessions_and_lifts_the_servers_own_lockout(
        ctx: Context, app_client: httpx.AsyncClient) -> None:
    """No Redis (embedded mode): the failed logins are counted in this server's memory, out of the console command's
    reach; the API's reset runs in the server and forgets them."""
    assert ctx.redis is None
    admin, headers = await _admin(ctx, app_client)
    officer, password, tokens = await _logged_in(ctx, app_client)
    for _ in range(5):
        await _login(app_client, officer.badge_number, "not-the-password-at-all")
    assert (await _login(app_client, officer.badge_number, password)).status_code == 429
    weak = await app_client.post(f"{ADMIN}/{officer.id}/password", json={"password": "short"}, headers=headers)
    assert (weak.status_code, weak.json()["code"]) == (422, "officer.password_policy")
    assert not await _dead(app_client, tokens)

    reset = await app_client.post(f"{ADMIN}/{officer.id}/password", json={"password": NEW_PASSWORD}, headers=headers)
    assert reset.status_code == 200, reset.text
    assert NEW_PASSWORD not in reset.text
    assert await _dead(app_client, tokens)
    assert (await _login(app_client, officer.badge_number, NEW_PASSWORD)).status_code == 200
    assert (await _login(app_client, officer.badge_number, password)).status_code == 401
    (line,) = await _audit(ctx, officer.id, "officer.password_reset")
    assert (line.actor_type, line.actor_id, line.data) == ("admin", str(admin.id), {})


async def test_a_stale_if_match_is_refused_and_nothing_is_written(ctx: Context, app_client: httpx.AsyncClient) -> None:
    _, headers = await _admin(ctx, app_client)
    old, new = await make_unit(ctx), await make_unit(ctx)
    officer, _, tokens = await _logged_in(ctx, app_client, unit=old)
    seen = await app_client.get(f"{ADMIN}/{officer.id}", headers=headers)
    tag = seen.headers["etag"]
    assert seen.json()["etag"] == tag
    moved = await app_client.post(f"{ADMIN}/{officer.id}/unit", json={"unit_id": str(new.id)},
                                  headers={**headers, "If-Match": tag})
    assert moved.status_code == 200 and moved.json()["unit_code"] == new.code, moved.text
    assert not await _dead(app_client, tokens)  # a move keeps the sessions
    # another admin's console still holds the first tag
    stale = await app_client.post(f"{ADMIN}/{officer.id}/revoke", json=REASON, headers={**headers, "If-Match": tag})
    assert (stale.status_code, stale.json()["code"]) == (412, "officer.changed")
    assert stale.headers["etag"] == moved.headers["etag"]
    assert (await _row(ctx, officer.id))[2] is True and not await _dead(app_client, tokens)
    current = stale.headers["etag"]
    revoked = await app_client.post(f"{ADMIN}/{officer.id}/revoke", json=REASON,
                                    headers={**headers, "If-Match": current})
    assert revoked.status_code == 200 and await _dead(app_client, tokens)
    back = await app_client.post(f"{ADMIN}/{officer.id}/reactivate",
                                 headers={**headers, "If-Match": revoked.headers["etag"]})
    assert back.status_code == 200 and back.json()["active"] is True
    actions = ("officer.unit", "officer.revoke", "officer.reactivate")
    assert [len(await _audit(ctx, officer.id, action)) for action in actions] == [1, 1, 1]
    left = await app_client.post(f"{ADMIN}/{officer.id}/unit", json={"unit_id": None}, headers=headers)
    assert left.status_code == 200 and left.json()["unit_id"] is None


async def test_a_deactivation_needs_a_reason_written_in_the_consoles_audit_line(
        ctx: Context, app_client: httpx.AsyncClient) -> None:
    """As `zan officers deactivate --reason`: whoever reads the audit log learns why the account was closed. A caller
    of the earlier endpoint, which took no body, is told what is missing and nothing is done."""
    admin, headers = await _admin(ctx, app_client)
    officer, _, tokens = await _logged_in(ctx, app_client)
    path = f"{ADMIN}/{officer.id}/revoke"
    for sent in (None, b"null", b'{"reason": "   "}', b'{"reason": ""}'):
        refused = await app_client.post(path, content=sent, headers={
            **headers, **({"Content-Type": "application/json"} if sent else {})})
        assert refused.status_code == 422, (sent, refused.text)
        assert (refused.json()["code"], refused.json()["errors"]) == ("officer.reason_required", [
            {"pointer": "/reason", "code": "required", "detail": "Обязательное поле"}]), sent
    kazakh = await app_client.post(path, headers={**headers, "Accept-Language": "kk"})
    assert kazakh.json()["title"] == "Есептік жазбаны өшіру себебін көрсетіңіз (аудит журналы үшін)"
    long = await app_client.post(path, json={"reason": "я" * 501}, headers=headers)
    assert (long.status_code, long.json()["errors"][0]["pointer"], long.json()["errors"][0]["code"]) == (
        422, "/reason", "too_long")
    assert (await _row(ctx, officer.id))[2] is True and not await _dead(app_client, tokens)
    assert await _audit(ctx, officer.id, "officer.revoke") == []

    revoked = await app_client.post(path, json={"reason": " " + "я" * 498 + " "}, headers=headers)
    assert revoked.status_code == 200, revoked.text
    assert (await _row(ctx, officer.id))[2] is False and await _dead(app_client, tokens)
    (line,) = await _audit(ctx, officer.id, "officer.revoke")
    assert (line.actor_type, line.actor_id, line.data) == (
        "admin", str(admin.id), {"active": {"from": True, "to": False}, "reason": "я" * 498})


async def test_a_refusal_points_at_what_the_request_sent(ctx: Context, app_client: httpx.AsyncClient) -> None:
    """A rule's refusal points at a member of the body the operation takes (RFC 9457 errors[].pointer), the one
    that caused it: a role change sends no unit, a move nothing but the unit."""
    _, headers = await _admin(ctx, app_client)
    unit = await make_unit(ctx)
    crew, _ = await make_officer(ctx, unit=unit)
    misfit = await app_client.post(f"{ADMIN}/{crew.id}/role", headers=headers,
                                   json={"role": "patrol_officer", "district": "almaty"})
    assert (misfit.status_code, misfit.json()["code"], misfit.json()["errors"][0]["pointer"]) == (
        422, "officer.unit_misfit", "/district")
    # a dispatcher scoped by their unit alone: out of it, they would read the whole country
    by_unit, _ = await make_officer(ctx, role="dispatcher", district="", unit=unit)
    out = await app_client.post(f"{ADMIN}/{by_unit.id}/unit", json={"unit_id": None}, headers=headers)
    assert (out.status_code, out.json()["code"], out.json()["errors"][0]["pointer"]) == (
        403, "officer.out_of_jurisdiction", "/unit_id")
    national = await app_client.post(ADMIN, headers=keyed(headers), json={
        "badge_number": "N-1", "full_name": "Офицер", "department": "patrol_police", "password": NEW_PASSWORD,
        "role": "dispatcher", "national": True})
    assert (national.status_code, national.json()["code"], national.json()["errors"][0]["pointer"]) == (
        403, "officer.out_of_jurisdiction", "/national")
    _, national_headers = await _national_admin(ctx, app_client)
    centre, _ = await make_officer(ctx, role="dispatcher", district="")
    into = await app_client.post(f"{ADMIN}/{centre.id}/unit", json={"unit_id": str(unit.id)},
                                 headers=national_headers)
    assert (into.status_code, into.json()["code"], into.json()["errors"][0]["pointer"]) == (
        422, "officer.national_in_unit", "/unit_id")


async def test_prosecutors_are_shown_but_never_made_nor_changed_by_an_admin(
        ctx: Context, app_client: httpx.AsyncClient) -> None:
    """Prosecutors oversee the police from an agency of their own: through this API, run by police admins, no admin
    (regional or national) makes a prosecutor, promotes or demotes one, or changes, resets, deactivates,
    reactivates or moves a prosecutor's account, which would let the police impersonate or silence its oversight.
    The roster still shows them (who has access); the operator's console (`zan officers ...`) keeps them.

    Before: every one of these calls went through."""
    _, regional = await _admin(ctx, app_client)
    _, national = await _national_admin(ctx, app_client)
    unit = await make_unit(ctx)
    prosecutor, _, tokens = await _logged_in(ctx, app_client, role="prosecutor")
    retired, _ = await make_officer(ctx, role="prosecutor")
    async with ctx.sessions() as session:  # as `zan officers deactivate` does
        await service.revoke_officer(session, officer_id=retired.id, by_officer="cli", reason="переведён")
    officer, _ = await make_officer(ctx)
    targets = (prosecutor, retired, officer)
    before = {o.id: await _row(ctx, o.id) for o in targets}
    create = {"badge_number": "P-1", "full_name": "Прокурор", "department": "patrol_police", "district": "astana",
              "role": "prosecutor", "password": NEW_PASSWORD}
    for headers in (regional, national):
        shown = await app_client.get(ADMIN, params={"role": "prosecutor"}, headers=headers)
        assert {item["id"] for item in shown.json()["items"]} == {str(prosecutor.id), str(retired.id)}
        assert (await app_client.get(f"{ADMIN}/{prosecutor.id}", headers=headers)).status_code == 200
        for path, body in ((f"{ADMIN}/{prosecutor.id}/role", {"role": "dispatcher"}),
                           (f"{ADMIN}/{prosecutor.id}/role", {"role": "prosecutor", "district": KARAGANDA}),
                           (f"{ADMIN}/{prosecutor.id}/unit", {"unit_id": str(unit.id)}),
                           (f"{ADMIN}/{prosecutor.id}/revoke", REASON),
                           (f"{ADMIN}/{prosecutor.id}/password", {"password": NEW_PASSWORD}),
                           (f"{ADMIN}/{retired.id}/reactivate", None)):
            refused = await app_client.post(path, json=body, headers=headers)
            assert (refused.status_code, refused.json().get("code")) == (403, "officer.oversight_account"), (
                path, body, refused.text)
        for path, body in ((ADMIN, create), (f"{ADMIN}/{officer.id}/role", {"role": "prosecutor"})):
            refused = await app_client.post(path, json=body, headers=keyed(headers))
            problem = refused.json()
            assert (refused.status_code, problem.get("code"), problem.get("errors", [{}])[0]["pointer"]) == (
                403, "officer.oversight_account", "/role"), (path, refused.text)
    kazakh = await app_client.post(f"{ADMIN}/{prosecutor.id}/password", json={"password": NEW_PASSWORD},
                                   headers={**regional, "Accept-Language": "kk"})
    assert kazakh.json()["title"].startswith("Прокурорлардың есептік жазбаларын")
    assert {o.id: await _row(ctx, o.id) for o in targets} == before
    assert not await _dead(app_client, tokens)
    for target, action in ((prosecutor, "officer.role"), (prosecutor, "officer.unit"), (prosecutor, "officer.revoke"),
                           (prosecutor, "officer.password_reset"), (retired, "officer.reactivate"),
                           (officer, "officer.role")):
        assert await _audit(ctx, target.id, action) == [], action
    async with ctx.sessions() as session:
        assert await session.scalar(select(Officer).where(col(Officer.badge_number) == "P-1")) is None


async def test_an_admin_cannot_reset_their_own_password(ctx: Context, app_client: httpx.AsyncClient) -> None:
    """A reset takes no old password: an admin's stolen access token (minutes) would become the account itself for
    good. An admin's own password is changed by another admin or the console.

    Before: the reset went through, and the admin's sessions (the thief's included) were ended for a fresh login."""
    for admin, headers in (await _admin(ctx, app_client), await _national_admin(ctx, app_client)):
        before = await _row(ctx, admin.id)
        refused = await app_client.post(f"{ADMIN}/{admin.id}/password", json={"password": NEW_PASSWORD},
                                        headers=headers)
        assert (refused.status_code, refused.json().get("code")) == (403, "officer.self_change"), refused.text
        assert await _row(ctx, admin.id) == before
        assert await _audit(ctx, admin.id, "officer.password_reset") == []
        assert (await app_client.get(f"{ADMIN}/{admin.id}", headers=headers)).status_code == 200
    other, _ = await _admin(ctx, app_client)
    _, colleague = await _admin(ctx, app_client)
    reset = await app_client.post(f"{ADMIN}/{other.id}/password", json={"password": NEW_PASSWORD},
                                  headers=colleague)
    assert reset.status_code == 200, reset.text
    assert (await _login(app_client, other.badge_number, NEW_PASSWORD)).status_code == 200


async def test_an_admin_cannot_revoke_a_prosecutors_tablet(ctx: Context, app_client: httpx.AsyncClient) -> None:
    """A tablet revocation ends its sessions and bars the tablet for good: on a prosecutor's tablet it would silence
    the oversight as a deactivation would, so it is refused as the account's changes are (403
    officer.oversight_account); the operator's console keeps prosecutors (a reset or deactivation ends a lost
    tablet's sessions). Another officer's tablet is still revoked.

    Before: any admin of the region revoked a prosecutor's tablet (200, every session on it killed)."""
    _, regional = await _admin(ctx, app_client)
    _, national = await _national_admin(ctx, app_client)
    prosecutor, _, tokens = await _logged_in(ctx, app_client, role="prosecutor")
    officer, _, officer_tokens = await _logged_in(ctx, app_client)
    async with ctx.sessions() as session:
        tablets = {row.actor_id: row.device_id for row in await session.scalars(select(AuditLog).where(
            col(AuditLog.action) == "auth.login"))}
    for headers in (regional, national):
        refused = await app_client.post("/api/v1/officer/admin/devices/revoke",
                                        json={"device_id": tablets[str(prosecutor.id)]}, headers=headers)
        assert (refused.status_code, refused.json().get("code")) == (403, "officer.oversight_account"), refused.text
    assert not await _dead(app_client, tokens)
    async with ctx.sessions() as session:
        assert list(await session.scalars(select(AuditLog).where(col(AuditLog.action) == "device.revoke"))) == []
    revoked = await app_client.post("/api/v1/officer/admin/devices/revoke",
                                    json={"device_id": tablets[str(officer.id)]}, headers=regional)
    assert revoked.status_code == 200, revoked.text
    assert await _dead(app_client, officer_tokens)
