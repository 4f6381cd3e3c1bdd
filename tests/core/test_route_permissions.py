"""Least privilege per route, across the whole API: who may call each path and method, stated here, and proven by
calling it.

`POLICY` is the one place a route's callers are declared: a route of the app missing from it, or an entry no route
answers, fails `test_every_route_declares_its_policy` (a new endpoint must say who may call it; it also shows that
no CLI-only operation — partners, units, keys, jobs, ledger seal — has an HTTP route; officer accounts have the
admins' API besides the CLI). For every route,
`test_forbidden_callers_are_refused` calls it for real as each principal the table leaves out (anonymous, a
partner-signed citizen, each officer role) with a malformed body, an out-of-range query and no Idempotency-Key, and
checks that authorization answers first (401/403 problem+json with the guard's code, never a 400/422 that describes
the body or the query), that an existing object and a missing one are answered alike, and that no row of any table
changed. `test_others_objects_are_answered_as_missing` does the same for callers the guard admits but the object is
not theirs (another citizen or app, another region, a restricted report): 404, as for a missing one.
`test_admitted_callers_get_past_authorization` keeps the table from drifting stricter than the code. /health,
/metrics and /schema are public on purpose (README: the load balancer's probe, Prometheus' scrape, partners'
integration).

Sources of the policy: README (roles per endpoint), docs/dispatch-console.md, docs/notifications.md,
docs/tablet-sync.md and the design notes in ../shared/design.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest
from litestar import Litestar
from litestar.handlers import HTTPRouteHandler
from sqlalchemy import text

from backend.app import create_app
from backend.context import Context, build_context
from backend.db import metadata
from backend.models import load_models
from backend.partners.service import create
from tests.conftest import _truncate, make_settings
from tests.core.factories import triage_report
from tests.fakes.fcm import registration_token
from tests.helpers import PartnerClient, make_iin
from tests.officers.factories import bearer, login, make_officer, make_unit

pytestmark = pytest.mark.anyio

# -- principals ------------------------------------------------------------------------------------------------------
ANONYMOUS = "anonymous"
CITIZEN = "citizen"  # a partner app's signed request on a citizen's behalf
TELEGRAM = "telegram"  # Telegram, proving itself with the webhook secret
LINK = "signed link"  # whoever holds an app-signed, expiring link (embedded media store)
PATROL, INSPECTOR = "patrol_officer", "district_inspector"
DISPATCHER, SUPERVISOR, PROSECUTOR, ADMIN = "dispatcher", "supervisor", "prosecutor", "admin"
ROLES = (PATROL, INSPECTOR, DISPATCHER, SUPERVISOR, PROSECUTOR, ADMIN)
# the callers each route is tried as when the table leaves them out
CALLERS = (ANONYMOUS, CITIZEN, *ROLES)

EVERYONE = frozenset({ANONYMOUS, CITIZEN, *ROLES})
ANY_OFFICER = frozenset(ROLES)
FIELD = frozenset({PATROL, INSPECTOR})
DISPATCH = frozenset({DISPATCHER, SUPERVISOR, ADMIN})  # act on reports (README: assign, close, request-info…)
OVERSIGHT = frozenset({SUPERVISOR, PROSECUTOR, ADMIN})  # history, proof, ledger, terms past the law's
READERS = DISPATCH | {PROSECUTOR}  # the console's lists: "prosecutors read"


@dataclass(frozen=True)
class Policy:
    allowed: frozenset[str]
    why: str
    refused_as: tuple[int, ...] = (401, 403)
    # the codes a refusal carries: the guards' (officer bearer, partner signature), or a link's own
    codes: frozenset[str] = frozenset({"auth.unauthenticated", "auth.forbidden", "officer.token_invalid",
                                       "auth.signature_missing", "auth.signature_invalid"})


POLICY: dict[tuple[str, str], Policy] = {
    # operations: the load balancer, the orchestrator and Prometheus call these without credentials (README)
    ("GET", "/health"): Policy(EVERYONE, "readiness probe of the load balancer"),
    ("GET", "/health/live"): Policy(EVERYONE, "liveness probe, says nothing else"),
    ("GET", "/metrics"): Policy(EVERYONE, "Prometheus scrape; aggregate counts only, by route template"),
    # the OpenAPI description is public on purpose: partner developers integrate against it
    ("GET", "/schema"): Policy(EVERYONE, "OpenAPI"),
    ("GET", "/schema/elements"): Policy(EVERYONE, "OpenAPI"),
    ("GET", "/schema/oauth2-redirect.html"): Policy(EVERYONE, "OpenAPI"),
    ("GET", "/schema/openapi.json"): Policy(EVERYONE, "OpenAPI"),
    ("GET", "/schema/openapi.yaml"): Policy(EVERYONE, "OpenAPI"),
    ("GET", "/schema/openapi.yml"): Policy(EVERYONE, "OpenAPI"),
    ("GET", "/schema/rapidoc"): Policy(EVERYONE, "OpenAPI"),
    ("GET", "/schema/redoc"): Policy(EVERYONE, "OpenAPI"),
    ("GET", "/schema/swagger"): Policy(EVERYONE, "OpenAPI"),
    ("GET", "/schema/{path:str}"): Policy(EVERYONE, "OpenAPI (unknown renderers answer 404)"),
    # citizens, through their partner app's signed request
    ("POST", "/api/v1/reports"): Policy(frozenset({CITIZEN}), "intake"),
    ("GET", "/api/v1/reports"): Policy(frozenset({CITIZEN}), "the citizen's own reports"),
    ("GET", "/api/v1/reports/{report_id:uuid}"): Policy(frozenset({CITIZEN}), "own report"),
    ("POST", "/api/v1/reports/{report_id:uuid}/comments"): Policy(frozenset({CITIZEN}), "own report"),
    ("POST", "/api/v1/reports/{report_id:uuid}/withdraw"): Policy(frozenset({CITIZEN}), "own report"),
    ("POST", "/api/v1/reports/{report_id:uuid}/reopen"): Policy(frozenset({CITIZEN}), "own report's appeal"),
    ("POST", "/api/v1/reports/{report_id:uuid}/feedback"): Policy(frozenset({CITIZEN}), "own report's rating"),
    ("POST", "/api/v1/reports/{report_id:uuid}/complaint"): Policy(frozenset({CITIZEN}), "own report's delay"),
    ("POST", "/api/v1/media"): Policy(frozenset({CITIZEN}), "declare a file"),
    ("POST", "/api/v1/media/{media_id:uuid}/complete"): Policy(frozenset({CITIZEN}), "own file"),
    ("POST", "/api/v1/legal/ask"): Policy(frozenset({CITIZEN}), "partner-signed only: CPU per question"),
    ("POST", "/api/v1/routing/preview"): Policy(frozenset({CITIZEN}), "a model pass per call"),
    # the embedded media store's signed links: the token is the credential
    ("PUT", "/api/v1/media/{media_id:uuid}/upload"): Policy(frozenset({LINK}), "signed upload link",
                                                                  codes=frozenset({"media.upload_token_invalid"})),
    ("GET", "/api/v1/media/files"): Policy(frozenset({LINK}), "signed download link, issued by audited reads",
                                                 codes=frozenset({"media.download_token_invalid"})),
    # push devices: citizens (signed) and officers (bearer), each their own
    ("POST", "/api/v1/devices"): Policy(frozenset({CITIZEN}) | ANY_OFFICER, "own device"),
    ("DELETE", "/api/v1/devices/{device_id:uuid}"): Policy(frozenset({CITIZEN}) | ANY_OFFICER, "own device"),
    ("POST", "/api/v1/devices/{device_id:uuid}/topics"): Policy(frozenset({CITIZEN}) | ANY_OFFICER, "own device"),
    # Telegram's webhooks: the secret of setWebhook
    ("POST", "/api/v1/telegram/citizen/webhook"): Policy(frozenset({TELEGRAM}), "webhook secret"),
    ("POST", "/api/v1/telegram/officer/webhook"): Policy(frozenset({TELEGRAM}), "webhook secret"),
    # officers' own session and tablet
    ("POST", "/api/v1/officer/auth/login"): Policy(EVERYONE, "the password is the credential"),
    ("POST", "/api/v1/officer/auth/refresh"): Policy(EVERYONE, "the refresh token is the credential"),
    ("POST", "/api/v1/officer/auth/logout"): Policy(ANY_OFFICER, "own session"),
    ("GET", "/api/v1/officer/me"): Policy(ANY_OFFICER, "self"),
    ("POST", "/api/v1/officer/me/password"): Policy(ANY_OFFICER, "own password, proven by the current one"),
    ("POST", "/api/v1/officer/location"): Policy(ANY_OFFICER, "own position"),
    ("GET", "/api/v1/officer/unit"): Policy(ANY_OFFICER, "own unit"),
    ("POST", "/api/v1/officer/unit/status"): Policy(FIELD, "own car: a desk officer listed in a crew drives none"),
    ("POST", "/api/v1/officer/telegram/link-code"): Policy(ANY_OFFICER, "duty bot: crews and supervisors"),
    ("POST", "/api/v1/officer/shift/start"): Policy(ANY_OFFICER, "own shift"),
    ("POST", "/api/v1/officer/shift/end"): Policy(ANY_OFFICER, "own shift"),
    ("POST", "/api/v1/officer/admin/devices/revoke"): Policy(frozenset({ADMIN}), "admins revoke tablets"),
    ("POST", "/api/v1/officer/admin/officers/{officer_id:uuid}/revoke"): Policy(frozenset({ADMIN}),
                                                                                "admins deactivate accounts"),
    ("GET", "/api/v1/officer/admin/officers"): Policy(frozenset({ADMIN}), "admins list their region's accounts"),
    ("POST", "/api/v1/officer/admin/officers"): Policy(frozenset({ADMIN}), "admins create accounts"),
    ("GET", "/api/v1/officer/admin/officers/{officer_id:uuid}"): Policy(frozenset({ADMIN}), "admins read accounts"),
    ("POST", "/api/v1/officer/admin/officers/{officer_id:uuid}/role"): Policy(frozenset({ADMIN}),
                                                                              "admins change roles"),
    ("POST", "/api/v1/officer/admin/officers/{officer_id:uuid}/unit"): Policy(frozenset({ADMIN}),
                                                                              "admins move officers"),
    ("POST", "/api/v1/officer/admin/officers/{officer_id:uuid}/reactivate"): Policy(frozenset({ADMIN}),
                                                                                    "admins reactivate accounts"),
    ("POST", "/api/v1/officer/admin/officers/{officer_id:uuid}/password"): Policy(frozenset({ADMIN}),
                                                                                  "admins reset passwords"),
    # patrol tablets (docs/tablet-sync.md: roles patrol_officer, district_inspector)
    ("GET", "/api/v1/sync/pull"): Policy(FIELD, "tablet sync"),
    ("POST", "/api/v1/sync/push"): Policy(FIELD, "tablet sync"),
    ("GET", "/api/v1/sync/evidence/{sha256:str}"): Policy(FIELD, "tablet evidence"),
    ("PUT", "/api/v1/sync/evidence/{sha256:str}"): Policy(FIELD, "tablet evidence"),
    # the dispatch console (README, docs/dispatch-console.md)
    ("GET", "/api/v1/dispatch/queue"): Policy(READERS, "dispatchers act, prosecutors read"),
    ("GET", "/api/v1/dispatch/escalations"): Policy(READERS, "README: dispatch roles and prosecutors"),
    ("GET", "/api/v1/dispatch/units"): Policy(READERS, "dispatchers send units, prosecutors read"),
    ("GET", "/api/v1/dispatch/routing-failures"): Policy(DISPATCH, "README: for dispatchers"),
    ("GET", "/api/v1/dispatch/reports/{report_id:uuid}"): Policy(READERS | FIELD, "field officers masked"),
    ("GET", "/api/v1/dispatch/reports/{report_id:uuid}/attachments"): Policy(READERS | FIELD, "staff open files"),
    ("GET", "/api/v1/dispatch/reports/{report_id:uuid}/history"): Policy(OVERSIGHT, "README: the whole record"),
    ("GET", "/api/v1/dispatch/reports/{report_id:uuid}/proof"): Policy(OVERSIGHT, "README: proof"),
    ("POST", "/api/v1/dispatch/reports/{report_id:uuid}/assign"): Policy(DISPATCH, "dispatch"),
    ("POST", "/api/v1/dispatch/reports/{report_id:uuid}/close"): Policy(DISPATCH, "dispatch"),
    ("POST", "/api/v1/dispatch/reports/{report_id:uuid}/extend"): Policy(frozenset({SUPERVISOR, ADMIN}),
                                                                         "APPK art. 76: the head, not dispatchers"),
    ("POST", "/api/v1/dispatch/reports/{report_id:uuid}/request-info"): Policy(DISPATCH, "README"),
    ("POST", "/api/v1/dispatch/reports/{report_id:uuid}/comments"): Policy(DISPATCH,
                                                                           "dispatch-console.md: prosecutors 403"),
    ("POST", "/api/v1/dispatch/reports/{report_id:uuid}/fields"): Policy(DISPATCH, "corrections of officer fields"),
    ("POST", "/api/v1/dispatch/reports/{report_id:uuid}/reclassify"): Policy(DISPATCH, "README: a dispatcher's"),
    ("POST", "/api/v1/dispatch/reports/{report_id:uuid}/label"): Policy(DISPATCH, "as reclassify, closed reports"),
    ("POST", "/api/v1/dispatch/reports/{report_id:uuid}/split"): Policy(DISPATCH, "README: staff"),
    ("POST", "/api/v1/dispatch/incidents/merge"): Policy(DISPATCH, "README: staff"),
    ("POST", "/api/v1/alerts"): Policy(frozenset({DISPATCHER, SUPERVISOR}), "notifications.md: duty officer, "
                                                                             "supervisor"),
    # oversight
    ("GET", "/api/v1/ledger/head"): Policy(OVERSIGHT, "README: oversight roles"),
    ("GET", "/api/v1/ledger/seals"): Policy(OVERSIGHT, "README: oversight roles"),
    ("GET", "/api/v1/oversight/terms"): Policy(OVERSIGHT, "README: prosecutors, supervisors, admins"),
    ("GET", "/api/v1/oversight/terms.csv"): Policy(OVERSIGHT, "README: prosecutors, supervisors, admins"),
    ("GET", "/api/v1/oversight/stats"): Policy(OVERSIGHT, "README: prosecutors, supervisors, admins"),
    ("POST", "/api/v1/oversight/reports/{report_id:uuid}/reopen"): Policy(OVERSIGHT, "README: a prosecutor's "
                                                                                     "protest, the head's review"),
}

WEBHOOK_SECRET = "route-permissions-webhook-secret"
MISSING = "00000000-0000-4000-8000-000000000000"
HOME, ELSEWHERE = "astana", "zhalagashskiy"  # the report's district, and one of another region (Kyzylorda)


def app_routes(app: Litestar) -> dict[tuple[str, str], HTTPRouteHandler]:
    """Every (method, path template) the app answers, as Litestar routes it; OPTIONS apart (test_options_*)."""
    found: dict[tuple[str, str], HTTPRouteHandler] = {}
    for route in app.routes:
        for handler in getattr(route, "route_handlers", ()):
            if isinstance(handler, HTTPRouteHandler):
                for method in handler.http_methods - {"OPTIONS"}:
                    found[(method, route.path)] = handler
    return found


# a body that passes validation, for each route naming an object: what reaches the lookup of that object, so that
# test_others_objects_are_answered_as_missing compares the lookup's answers, not validation's
KEYED = {"Idempotency-Key": "route-permissions-0001"}
REACHING_THE_OBJECT: dict[tuple[str, str], dict[str, Any] | None] = {
    ("GET", "/api/v1/reports/{report_id:uuid}"): None,
    ("POST", "/api/v1/reports/{report_id:uuid}/comments"): {"text": "ещё одна подробность"},
    ("POST", "/api/v1/reports/{report_id:uuid}/withdraw"): {},
    ("POST", "/api/v1/reports/{report_id:uuid}/reopen"): {"reason": "не согласен с решением"},
    ("POST", "/api/v1/reports/{report_id:uuid}/feedback"): {"satisfaction": 1},
    ("POST", "/api/v1/reports/{report_id:uuid}/complaint"): {"reason": "срок прошёл"},
    ("POST", "/api/v1/media/{media_id:uuid}/complete"): None,
    ("DELETE", "/api/v1/devices/{device_id:uuid}"): None,
    ("POST", "/api/v1/devices/{device_id:uuid}/topics"): {"districts": []},
    ("GET", "/api/v1/dispatch/reports/{report_id:uuid}"): None,
    ("GET", "/api/v1/dispatch/reports/{report_id:uuid}/attachments"): None,
    ("GET", "/api/v1/dispatch/reports/{report_id:uuid}/history"): None,
    ("GET", "/api/v1/dispatch/reports/{report_id:uuid}/proof"): None,
    ("POST", "/api/v1/dispatch/reports/{report_id:uuid}/assign"): {"unit_id": "auto"},
    ("POST", "/api/v1/dispatch/reports/{report_id:uuid}/close"): {"how": "unfounded", "reason": "не подтвердилось"},
    ("POST", "/api/v1/dispatch/reports/{report_id:uuid}/extend"):
        {"deadline_at": "2099-01-01T00:00:00+05:00", "reason": "нужна экспертиза"},
    ("POST", "/api/v1/dispatch/reports/{report_id:uuid}/request-info"): {"reason": "уточните адрес"},
    ("POST", "/api/v1/dispatch/reports/{report_id:uuid}/comments"): {"text": "заметка", "public": False},
    ("POST", "/api/v1/dispatch/reports/{report_id:uuid}/fields"): {"fields": {"findings": "осмотр"}},
    ("POST", "/api/v1/dispatch/reports/{report_id:uuid}/reclassify"): {"category": "theft", "reason": "кража"},
    ("POST", "/api/v1/dispatch/reports/{report_id:uuid}/label"): {"category": "theft", "reason": "кража"},
    ("POST", "/api/v1/dispatch/reports/{report_id:uuid}/split"): None,
    ("POST", "/api/v1/officer/admin/officers/{officer_id:uuid}/revoke"): {"reason": "left the police"},
    ("GET", "/api/v1/officer/admin/officers/{officer_id:uuid}"): None,
    ("POST", "/api/v1/officer/admin/officers/{officer_id:uuid}/role"): {"role": "dispatcher"},
    ("POST", "/api/v1/officer/admin/officers/{officer_id:uuid}/unit"): {"unit_id": None},
    ("POST", "/api/v1/officer/admin/officers/{officer_id:uuid}/reactivate"): None,
    ("POST", "/api/v1/officer/admin/officers/{officer_id:uuid}/password"): {"password": "a-brand-new-password"},
    ("POST", "/api/v1/oversight/reports/{report_id:uuid}/reopen"): {"reason": "проверка неполная"},
}
# a citizen's first request makes their row, and every signed write spends its signature: nothing else may change
SIGNED_CALL_TABLES = ("citizens", "request_nonces")


# -- one app for the module ------------------------------------------------------------------------------------------
@dataclass
class World:
    ctx: Context
    http: httpx.AsyncClient
    citizen: PartnerClient
    officers: dict[str, dict[str, str]]  # role -> bearer headers, all of the report's region
    elsewhere: dict[str, dict[str, str]]  # role -> bearer headers of an officer of another region
    strangers: dict[str, PartnerClient]  # another citizen of the same app; the same citizen through another app
    # what a path parameter is filled with: an existing object of the kind, reachable by the callers it is for
    existing: dict[str, str] = field(default_factory=dict)
    restricted_report_id: str = ""


async def _officers(ctx: Context, http: httpx.AsyncClient,
                    district: str) -> tuple[dict[str, dict[str, str]], dict[str, str]]:
    """A logged-in officer of each role in `district` (the field roles in a crew of a unit there): their bearer
    headers and their ids, by role."""
    unit = await make_unit(ctx, district=district)
    signed_in, ids = {}, {}
    for role in ROLES:
        officer, password = await make_officer(ctx, role=role, district=district,
                                               unit=unit if role in FIELD else None)
        signed_in[role] = bearer(await login(http, officer.badge_number, password))
        ids[role] = str(officer.id)
    return signed_in, ids


@pytest.fixture(scope="module")
async def world(pg_url: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[World]:
    """The real app on PostgreSQL, with no background work (the relay would change rows between two snapshots)."""
    settings = make_settings(pg_url, Path(tmp_path_factory.mktemp("route-permissions")), enable_relay=False,
                             enable_routing=False, telegram_webhook_secret=WEBHOOK_SECRET)
    # pooled: the module's tests share one event loop (this fixture's), and a connection opened for each of their
    # thousands of requests was most of the file's time
    ctx = build_context(settings)
    await _truncate(ctx)
    app = create_app(ctx=ctx)
    try:
        async with app.lifespan(), httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                                      base_url="http://zan.test") as http:
            async with ctx.sessions() as session:
                app_a = await create(session=session, secret_key=settings.secret_key, name="perm-a")
                app_b = await create(session=session, secret_key=settings.secret_key, name="perm-b")
            citizen = PartnerClient(http, str(app_a.id), app_a.secret, make_iin(7))
            strangers = {"another citizen": PartnerClient(http, str(app_a.id), app_a.secret, make_iin(8)),
                         "the same citizen through another app": PartnerClient(http, str(app_b.id), app_b.secret,
                                                                               make_iin(7))}
            officers, ids = await _officers(ctx, http, HOME)
            world = World(ctx, http, citizen, officers, (await _officers(ctx, http, ELSEWHERE))[0], strangers)
            report = await citizen.submit()
            assert report.status_code == 201, report.text
            device = await citizen.post("/api/v1/devices", {"platform": "android",
                                                            "token": registration_token("perm")})
            assert device.status_code == 200, device.text
            data = b"route permissions"
            media = await citizen.post("/api/v1/media", {"content_type": "image/jpeg", "size": len(data),
                                                         "sha256": hashlib.sha256(data).hexdigest()},
                                       headers={"Idempotency-Key": str(uuid.uuid4())})
            assert media.status_code == 201, media.text
            world.existing = {"report_id": report.json()["id"], "device_id": device.json()["id"],
                              "media_id": media.json()["id"], "officer_id": ids[PATROL],
                              "sha256": hashlib.sha256(b"no such evidence").hexdigest(), "path": "swagger"}
            hidden = await triage_report(ctx, category="police_complaint", restricted=True, district=HOME,
                                         department="internal_security", text="Участковый вымогает деньги")
            world.restricted_report_id = str(hidden.id)
            yield world
    finally:
        await ctx.close()


# -- requests --------------------------------------------------------------------------------------------------------
def fill(template: str, values: dict[str, str]) -> str:
    """`/x/{report_id:uuid}` with the value for report_id."""
    path = template
    for name, value in values.items():
        for kind in ("uuid", "str"):
            path = path.replace(f"{{{name}:{kind}}}", value)
    assert "{" not in path, f"no value for a parameter of {template}"
    return path


def missing(world: World) -> dict[str, str]:
    """The path values of objects that do not exist."""
    return {name: (MISSING if name.endswith("_id") else value) for name, value in world.existing.items()}


async def call(world: World, who: str | PartnerClient | dict[str, str], method: str, path: str, body: bytes | None,
               headers: dict[str, str] | None = None) -> httpx.Response:
    """`path` as `who`: a caller's name, a partner client (a signed citizen) or an officer's bearer headers."""
    if who == CITIZEN:
        who = world.citizen
    if isinstance(who, PartnerClient):
        return await who.request(method, path, raw=body or b"", headers=headers)
    sent = {"Content-Type": "application/json"} if body else {}
    sent.update(world.officers[who] if isinstance(who, str) and who in world.officers else {})
    sent.update(who if isinstance(who, dict) else {})
    sent.update(headers or {})
    return await world.http.request(method, path, content=body, headers=sent)


def problem(response: httpx.Response) -> tuple[int, str | None]:
    """(status, code) of a problem+json answer; fails on any other kind of answer."""
    assert response.headers.get("content-type", "").startswith("application/problem+json"), (
        response.status_code, response.headers, response.text)
    code = response.json().get("code")
    return response.status_code, code if isinstance(code, str) else None


async def snapshot(ctx: Context, *, apart: tuple[str, ...] = ()) -> dict[str, str]:
    """Every table's content (but `apart`), hashed: what a refused call must leave as it was."""
    load_models()
    names = [t.name for t in metadata.sorted_tables if t.name not in apart]
    query = " UNION ALL ".join(
        f"SELECT '{n}', md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM \"{n}\" t" for n in names)
    async with ctx.sessions() as session:
        return {str(name): str(digest) for name, digest in (await session.execute(text(query))).all()}


def changed(before: dict[str, str], after: dict[str, str]) -> list[str]:
    return sorted(name for name in before if before[name] != after.get(name))


PARAMS = pytest.mark.parametrize(("method", "template"), sorted(POLICY), ids=[f"{m} {p}" for m, p in sorted(POLICY)])


# -- the tests -------------------------------------------------------------------------------------------------------
async def test_every_route_declares_its_policy(world: World) -> None:
    """A route the app answers that the table does not name has no declared policy; an entry no route answers is a
    stale promise. Either fails, so a new endpoint states who may call it here."""
    routes = set(app_routes(create_app(ctx=world.ctx)))
    assert sorted(routes - set(POLICY)) == [], "routes without a declared policy"
    assert sorted(set(POLICY) - routes) == [], "policies for routes the app does not have"
    assert set(REACHING_THE_OBJECT) <= set(POLICY)


@PARAMS
async def test_forbidden_callers_are_refused(world: World, method: str, template: str) -> None:
    """Each caller the table leaves out is refused by authorization, before anything else reads the request: a
    malformed body, an out-of-range query and a missing Idempotency-Key would answer 400/422 if validation came
    first. A refusal names nothing of the object: one that exists and one that does not get the same answer. A 401
    names the scheme that would do (RFC 9110 §11.6.1). Nothing is written."""
    policy = POLICY[(method, template)]
    body = b'{"x": ' if method in {"POST", "PUT"} else None
    # `token` forged: the link endpoints' credential (without it they answer 422 `#query/token` required, which the
    # published schema says anyway)
    query = "?limit=0&cursor=x&token=forged" if method == "GET" or LINK in policy.allowed else ""
    before = await snapshot(world.ctx)
    answers: dict[str, tuple[int, str | None]] = {}
    for who in CALLERS:
        if who in policy.allowed:
            continue
        seen = []
        for values in (world.existing, missing(world)):
            response = await call(world, who, method, fill(template, values) + query, body)
            assert response.status_code in policy.refused_as, (who, response.status_code, response.text)
            if response.status_code == 401:
                assert response.headers.get("www-authenticate"), (who, response.headers)
            seen.append(problem(response))
        assert seen[0] == seen[1], (who, seen)
        answers[who] = seen[0]
    assert changed(before, await snapshot(world.ctx)) == [], "a refused call changed the database"
    assert all(code in policy.codes for _, code in answers.values()), answers


@PARAMS
async def test_admitted_callers_get_past_authorization(world: World, method: str, template: str) -> None:
    """The other half of the table: each caller it admits is not refused by authorization (a minimal body may still
    be invalid; the point is that the table is no stricter than the code). A public route is tried anonymously only:
    credentials are not read there. Logging out comes last (test_logout_admits_every_officer)."""
    policy = POLICY[(method, template)]
    if template == "/api/v1/officer/auth/logout":
        return
    path = fill(template, missing(world))
    body = b"{}" if method in {"POST", "PUT"} else None
    admitted = {ANONYMOUS} if ANONYMOUS in policy.allowed else policy.allowed & set(CALLERS)
    for who in sorted(admitted):
        response = await call(world, who, method, path, body)
        if response.headers.get("content-type", "").startswith("application/problem+json"):
            assert problem(response)[1] not in policy.codes, (who, response.status_code, response.text)
    if TELEGRAM in policy.allowed:
        response = await world.http.post(path, content=b"{}",
                                         headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET})
        assert response.status_code != 401, response.text


@pytest.mark.parametrize(("method", "template"), sorted(REACHING_THE_OBJECT),
                         ids=[f"{m} {p}" for m, p in sorted(REACHING_THE_OBJECT)])
async def test_others_objects_are_answered_as_missing(world: World, method: str, template: str) -> None:
    """Admitted by the guard, but not to this object: another citizen, the same citizen through another partner
    app, an officer on a citizen's device, and each admitted officer role of another region (README: each app sees
    only the reports filed through it; staff see their region's). The object that exists is answered exactly as one
    that does not (404 and its code: no IDOR, no probing), with a body that passes validation, and nothing is
    written but the strangers' own citizen rows and spent signatures."""
    policy = POLICY[(method, template)]
    given = REACHING_THE_OBJECT[(method, template)]
    body = None if given is None else msgspec.json.encode(given)
    Caller = tuple[str, str | PartnerClient | dict[str, str], dict[str, str]]  # name, who, the object asked for
    callers: list[Caller] = []
    if CITIZEN in policy.allowed:
        callers += [(name, client, world.existing) for name, client in world.strangers.items()]
    if "{device_id" in template:
        callers += [(f"{role} (own bearer)", role, world.existing) for role in sorted(policy.allowed & ANY_OFFICER)]
    elif policy.allowed & ANY_OFFICER:
        staff = sorted(policy.allowed & ANY_OFFICER)
        callers += [(f"{role} of {ELSEWHERE}", world.elsewhere[role], world.existing) for role in staff]
        # a restricted report (a complaint about the police) in their own district: oversight roles only, and a
        # unit designated for its category (backend.dispatch.visibility)
        restricted = {**world.existing, "report_id": world.restricted_report_id}
        callers += [(f"{role} on a restricted report", role, restricted)
                    for role in staff if role not in {SUPERVISOR, PROSECUTOR, ADMIN}]
    assert callers
    before = await snapshot(world.ctx, apart=SIGNED_CALL_TABLES)
    for name, who, existing in callers:
        seen = []
        for values in (existing, missing(world)):
            response = await call(world, who, method, fill(template, values), body, headers=KEYED)
            seen.append(problem(response))
        assert seen[0][0] == 404 and seen[0] == seen[1], (name, seen)
    assert changed(before, await snapshot(world.ctx, apart=SIGNED_CALL_TABLES)) == []


async def test_options_answers_reveal_nothing(world: World) -> None:
    """Litestar answers OPTIONS on every path itself (a CORS preflight is answered by its middleware before any
    route): anonymous callers get the Allow list, or the controller's guard refusal, never a handler's body."""
    for template in sorted({route.path for route in create_app(ctx=world.ctx).routes}):
        response = await world.http.options(fill(template, world.existing))
        assert response.status_code in (204, 401), (template, response.status_code, response.text)
        if response.status_code == 204:
            assert response.content == b"", template
        else:
            problem(response)


async def test_logout_admits_every_officer(world: World) -> None:
    """Last in the module: it ends the sessions the other tests use."""
    for role in ROLES:
        response = await call(world, role, "POST", "/api/v1/officer/auth/logout", None)
        assert response.status_code == 200, (role, response.text)
