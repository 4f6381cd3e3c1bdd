"""Litestar dependency providers shared by every domain's controller, and the markers handlers declare them with.

Handlers take a dependency as `ctx: CtxDep`, never as a bare `ctx: Context`: Litestar 3 injects only parameters
marked as dependencies. A domain's own dependency gets its marker next to its provider (`PrincipalDep` in
backend.partners.auth, `OfficerDep` in backend.officers.auth, `OwnerDep` in backend.notifications.controller).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, TypeAlias

from litestar import Request
from litestar.di import NamedDependency
from sqlalchemy.ext.asyncio import AsyncSession

from backend.context import Context
from backend.lib.i18n import Lang, negotiate

CtxDep: TypeAlias = NamedDependency[Context]
SessionDep: TypeAlias = NamedDependency[AsyncSession]
LangDep: TypeAlias = NamedDependency[Lang]
AskedLangDep: TypeAlias = NamedDependency[Lang | None]


def provide_ctx(request: Request[Any, Any, Any]) -> Context:
    ctx: Context = request.app.state.ctx
    return ctx


async def provide_session(request: Request[Any, Any, Any]) -> AsyncIterator[AsyncSession]:
    ctx: Context = request.app.state.ctx
    async with ctx.sessions() as session:
        yield session


def provide_lang(request: Request[Any, Any, Any]) -> Lang:
    return negotiate(request.headers.get("accept-language"))


def provide_asked_lang(request: Request[Any, Any, Any]) -> Lang | None:
    """The app's language for a citizen's answers; None: it asked for none of ours, and each report answers in its
    own (the app-wide `lang` would be Russian, which is neither the state language nor a Kazakh report's: the law on
    appeals answers in the state language or the appeal's)."""
    return negotiate(request.headers.get("accept-language"), None)


def path_with_query(request: Request[Any, Any, Any]) -> str:
    """Exactly what the client put on the request line: the string partners sign."""
    raw = request.scope.get("raw_path") or request.scope["path"].encode()
    query = request.scope.get("query_string") or b""
    return (raw.decode("latin-1") if isinstance(raw, bytes) else str(raw)) + (f"?{query.decode('latin-1')}"
                                                                             if query else "")
