"""Device registry (citizens through partner apps, officers' tablets) and area alerts. Thin: parse, call, shape."""

from __future__ import annotations

import uuid
from typing import Any, TypeAlias

import msgspec
from litestar import Controller, Request, Response, delete, post
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency, Provide
from litestar.handlers.base import BaseRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody

from backend.audit.service import record as audit
from backend.deps import CtxDep, SessionDep
from backend.jobs.relay import notify
from backend.lib.errors import ZanError
from backend.lib.i18n import negotiate
from backend.notifications import service
from backend.notifications.schemas import AlertIn, AlertOut, DeviceIn, DeviceOut, TopicsIn
from backend.notifications.service import Owner
from backend.officers.auth import (
    BEARER_CHALLENGE,
    OfficerDep,
    OfficerPrincipal,
    Role,
    client_ip,
    officer_guard,
    provide_officer,
)
from backend.partners.auth import CitizenPrincipal, partner_guard
from backend.partners.service import CHALLENGE as PARTNER_CHALLENGE
from backend.reports import idempotency
from backend.reports.idempotency import IdempotencyKey, Stored

_any_officer = officer_guard()


def _is_officer(connection: ASGIConnection[Any, Any, Any, Any]) -> bool:
    return (connection.headers.get("authorization") or "").lower().startswith("bearer ")


# RFC 9110 §11.6.1: a 401 names every scheme that would authenticate the request. This endpoint takes two (partner
# apps sign with HMAC, tablets present a bearer token), so a request that tried neither is offered both: answered
# with the partner challenge alone, a tablet's HTTP client (or a gateway) would be told to sign as a partner
BOTH_CHALLENGES = f'{BEARER_CHALLENGE["WWW-Authenticate"]}, {PARTNER_CHALLENGE["WWW-Authenticate"]}'
PARTNER_HEADERS = ("x-partner-id", "x-signature", "x-timestamp", "x-citizen-iin")


def _tried_partner(connection: ASGIConnection[Any, Any, Any, Any]) -> bool:
    return any(connection.headers.get(name) for name in PARTNER_HEADERS)


async def device_owner_guard(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """Officers present a bearer token; citizens come through their partner app's signed request. A refusal's
    challenge answers what the request tried: a bearer token, a partner signature, or neither (both offered)."""
    if _is_officer(connection):
        await _any_officer(connection, handler)  # a refused token is answered `invalid_token` (officers.auth)
        return
    try:
        await partner_guard(connection, handler)
    except ZanError as exc:
        if exc.status == 401 and not _tried_partner(connection):
            exc.headers = {**exc.headers, "WWW-Authenticate": BOTH_CHALLENGES}
        raise


def provide_owner(request: Request[Any, Any, Any]) -> Owner:
    officer: OfficerPrincipal | None = getattr(request.state, "officer", None)
    if officer is not None:
        return Owner(kind="officer", officer_id=officer.officer_id, session_id=officer.session_id)
    citizen: CitizenPrincipal | None = getattr(request.state, "principal", None)
    if citizen is None:
        raise ZanError("auth.unauthenticated", 401)
    return Owner(kind="citizen", citizen_id=citizen.citizen_id, partner_id=citizen.partner_id)


OwnerDep: TypeAlias = NamedDependency[Owner]


class DeviceController(Controller):
    path = "/api/v1/devices"
    tags = ["notifications"]
    guards = [device_owner_guard]
    dependencies = {"owner": Provide(provide_owner, sync_to_thread=False)}

    @post("/", status_code=200, summary="Register (or refresh) this device for push notifications")
    async def register(self, request: Request[Any, Any, Any], session: SessionDep, owner: OwnerDep,
                       data: JSONBody[DeviceIn]) -> DeviceOut:
        """Upsert by FCM token / Firebase installation id: registering again updates the language and districts it
        names (`language`, else Accept-Language) and keeps those it does not."""
        device = await service.register_device(session, owner=owner, data=data,
                                               language=negotiate(request.headers.get("accept-language"), None))
        await session.commit()
        return service.device_view(device)

    @delete("/{device_id:uuid}", status_code=204, summary="Forget this device (logout)")
    async def remove(self, session: SessionDep, owner: OwnerDep, device_id: FromPath[uuid.UUID]) -> None:
        await service.remove_device(session, owner=owner, device_id=device_id)
        await session.commit()

    @post("/{device_id:uuid}/topics", status_code=200, summary="Districts whose area alerts this device wants")
    async def topics(self, session: SessionDep, owner: OwnerDep, device_id: FromPath[uuid.UUID],
                     data: JSONBody[TopicsIn]) -> DeviceOut:
        """Returns the FCM topics for the app to subscribe to with the Firebase client SDK."""
        device = await service.set_districts(session, owner=owner, device_id=device_id, districts=data.districts)
        await session.commit()
        return service.device_view(device)


class AlertController(Controller):
    path = "/api/v1/alerts"
    tags = ["notifications"]
    guards = [officer_guard(Role.DISPATCHER, Role.SUPERVISOR)]
    dependencies = {"officer": Provide(provide_officer, sync_to_thread=False)}

    @post("/", status_code=201, summary="Send an area alert (missing child, fraud warning, public safety)",
          responses={201: ResponseSpec(AlertOut, description="Sent; a retry with the same Idempotency-Key gets "
                                                             "this answer, and the alert goes out once")})
    async def create(self, request: Request[Any, Any, Any], ctx: CtxDep, session: SessionDep,
                     officer: OfficerDep, data: JSONBody[AlertIn],
                     idempotency_key: IdempotencyKey = None) -> Response[Any]:
        """Officer tablets inside the area and citizens subscribed to the touched districts; rate-limited per
        officer, audited. A console's retry with the same Idempotency-Key gets the first answer: a second alert
        would push to every phone in the area again."""
        async def send() -> Stored:
            alert, topic_messages = await service.create_alert(ctx, session, officer_id=officer.officer_id,
                                                               unit_id=officer.unit_id, data=data)
            await audit(session, actor_type="officer", actor_id=officer.officer_id, action="alert.create",
                        target_type="area_alert", target_id=alert.id, ip=client_ip(request),
                        data={"category": alert.category, "districts": alert.districts,
                              "officer_devices": alert.officer_devices, "expires_at": alert.expires_at.isoformat()})
            return Stored(201, msgspec.to_builtins(AlertOut(
                id=alert.id, category=alert.category, districts=alert.districts,
                officer_devices=alert.officer_devices, topic_messages=topic_messages,
                expires_at=alert.expires_at, created_at=alert.created_at)))

        stored, sent = await idempotency.once(session, f"alert:{officer.officer_id}", idempotency_key, data, send)
        if sent:
            notify(ctx)
        return Response(stored.body, status_code=stored.status_code)
