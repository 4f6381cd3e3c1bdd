"""Guard for citizen endpoints called by partner apps server-to-server (HMAC-signed, replay-protected)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from backend.citizens.models import Citizen
from backend.citizens.service import get_or_create_by_iin
from backend.context import Context
from backend.deps import path_with_query, provide_lang
from backend.lib.errors import ZanError
from backend.partners.models import Partner
from backend.partners.service import SignedHeaders, verify


@dataclass(frozen=True)
class CitizenPrincipal:
    citizen_id: uuid.UUID
    partner_id: uuid.UUID
    channel: str


async def partner_guard(connection: ASGIConnection[Any, Any, Any, Any], _handler: BaseRouteHandler) -> None:
    """Authenticate before the body is parsed, so an unauthenticated caller learns nothing from validation."""
    request: Request[Any, Any, Any] = connection  # type: ignore[assignment]
    ctx: Context = request.app.state.ctx
    headers = SignedHeaders(
        partner_id=request.headers.get("x-partner-id"),
        timestamp=request.headers.get("x-timestamp"),
        iin=request.headers.get("x-citizen-iin"),
        signature=request.headers.get("x-signature"),
    )
    body = await request.body()
    async with ctx.sessions() as session:
        partner_id, iin = await verify(ctx, session, headers=headers, method=request.method,
                                       path_with_query=path_with_query(request), body=body)
        citizen = await get_or_create_by_iin(session=session, secret_key=ctx.settings.secret_key, iin=iin,
                                             language=provide_lang(request))
        partner = await session.get(Partner, partner_id)
        await session.commit()
    channel = partner.name.lower() if partner else "partner"
    request.state.principal = CitizenPrincipal(citizen.id, partner_id, channel)


def provide_principal(request: Request[Any, Any, Any]) -> CitizenPrincipal:
    principal: CitizenPrincipal | None = getattr(request.state, "principal", None)
    if principal is None:
        raise ZanError("auth.unauthenticated", 401)
    return principal


async def load_citizen(ctx: Context, principal: CitizenPrincipal) -> Citizen:
    async with ctx.sessions() as session:
        citizen = await session.get(Citizen, principal.citizen_id)
    if citizen is None:
        raise ZanError("auth.unauthenticated", 401)
    return citizen
