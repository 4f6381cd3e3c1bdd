"""Guard for citizen endpoints called by partner apps server-to-server (HMAC-signed, replay-protected)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeAlias

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency
from litestar.handlers.base import BaseRouteHandler

from backend.citizens.service import get_or_create_by_iin, iin_hash
from backend.context import Context
from backend.deps import path_with_query, provide_lang
from backend.lib.errors import undo_if_database_lost
from backend.lib.head import sent_method
from backend.partners.admission import release
from backend.partners.service import SignedHeaders, unauthenticated, verify


@dataclass(frozen=True)
class CitizenPrincipal:
    citizen_id: uuid.UUID
    partner_id: uuid.UUID
    channel: str
    # partner apps authenticate citizens (eGov: ЭЦП/biometrics, banks: KYC), so their identity is verified
    identity_verified: bool = True

    @property
    def id(self) -> uuid.UUID:
        return self.citizen_id


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
    partner_id, partner_name, iin, claim = await verify(ctx, headers=headers, method=sent_method(request),
                                                        path_with_query=path_with_query(request), body=body)
    if claim is not None:
        # kept with the request, no round trip: a request its database could not carry out (the citizen lookup
        # below included) gives its signature back, so the very same request may be sent again
        undo_if_database_lost(request, partial(release, ctx, claim))
    citizen_id = await _citizen_id(ctx, iin, provide_lang(request))
    request.state.principal = CitizenPrincipal(citizen_id, partner_id, partner_name.lower())


async def _citizen_id(ctx: Context, iin: str, language: str) -> uuid.UUID:
    """IIN → citizen id, cached per process (the mapping never changes once created)."""
    cache: dict[str, uuid.UUID] = ctx.extras.setdefault("citizen_ids", {})
    digest = iin_hash(ctx.settings.secret_key, iin)
    found = cache.get(digest)
    if found is None:
        async with ctx.sessions() as session:
            citizen = await get_or_create_by_iin(session=session, secret_keys=ctx.settings.secret_keys, iin=iin,
                                                 language=language)
            found = citizen.id
            await session.commit()
        if len(cache) > 100_000:
            cache.clear()
        cache[digest] = found
    return found


def provide_principal(request: Request[Any, Any, Any]) -> CitizenPrincipal:
    principal: CitizenPrincipal | None = getattr(request.state, "principal", None)
    if principal is None:
        raise unauthenticated("auth.unauthenticated")
    return principal


PrincipalDep: TypeAlias = NamedDependency[CitizenPrincipal]
"""How a handler behind `partner_guard` takes the citizen: `principal: PrincipalDep`."""
