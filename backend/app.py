"""create_app(settings): plugins, routes and dependency injection in one place."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from litestar import Litestar
from litestar.config.cors import CORSConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.handlers import HTTPRouteHandler
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme, Server

from backend.context import Context, build_context
from backend.deps import provide_ctx, provide_lang, provide_session
from backend.health.controller import HealthController
from backend.jobs.registry import load_all_handlers
from backend.jobs.relay import Relay
from backend.lib import logging as zan_logging
from backend.lib.edge import REQUEST_ID_HEADER, edge_headers, request_id_middleware
from backend.lib.errors import EXCEPTION_HANDLERS, problem_responses
from backend.lib.head import head_as_get
from backend.lib.inputs import check_request, require_json_body, takes_json_data
from backend.lib.json_bodies import ZanRequest
from backend.lib.metrics import metrics_middleware
from backend.lib.modules import optional_attr
from backend.media.controller import MediaController
from backend.partners.auth import provide_principal
from backend.reports.controller import ReportController
from backend.routing.service import district_index
from backend.settings import Settings
from ml.taxonomy import load_taxonomy

# Domains that arrive with later capabilities register their controllers here.
OPTIONAL_CONTROLLERS = (
    "backend.routing.controller:RoutingController",
    "backend.routing.controller:StaffRoutingController",
    "backend.notifications.controller:DeviceController",
    "backend.notifications.controller:AlertController",
    "backend.officers.controller:OfficerAuthController",
    "backend.officers.controller:OfficerController",
    "backend.officers.admin_controller:OfficerAdminController",
    "backend.dispatch.controller:DispatchController",
    "backend.ledger.controller:LedgerController",
    "backend.sync.controller:SyncController",
    "backend.legal.controller:LegalController",
    "backend.oversight.controller:OversightController",
    "bots.citizen.webhook:CitizenWebhookController",
    "bots.officer.webhook:OfficerWebhookController",
)


def _optional_controllers() -> list[Any]:
    return [c for c in (optional_attr(spec) for spec in OPTIONAL_CONTROLLERS) if c is not None]


def create_app(settings: Settings | None = None, *, ctx: Context | None = None) -> Litestar:
    """The API. Pass `ctx` to share resources with a test or a worker in the same event loop."""
    settings = settings or (ctx.settings if ctx else Settings.from_env())

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        # a context bound before startup (create_app(ctx=…): a test or a worker sharing its event loop, which may
        # bind another one to the same app for its next run) is used and left open; otherwise the app owns one
        given: Context | None = app.state.get("ctx")
        context = given or build_context(settings)
        app.state.ctx = context
        relay: Relay | None = None
        try:  # a startup step that fails (a bad rules file) still closes and unbinds the context the app made
            load_all_handlers()
            # intake reads both on every report: load them now rather than in the first citizen's request
            district_index(context)
            load_taxonomy()
            if context.settings.enable_relay:
                relay = Relay(context)
                context.extras["relay"] = relay
                relay.start()
            yield
        finally:
            if relay is not None:
                await relay.stop()
                context.extras.pop("relay", None)
            if given is None:
                await context.close()
                del app.state.ctx

    zan_logging.configure(settings.log_level, settings.log_json)
    app = Litestar(
        route_handlers=[HealthController, ReportController, MediaController, *_optional_controllers()],
        lifespan=[lifespan],
        state=State({"ctx": ctx} if ctx else {}),
        dependencies={
            "ctx": Provide(provide_ctx, sync_to_thread=False),
            "session": Provide(provide_session),
            "lang": Provide(provide_lang, sync_to_thread=False),
            "principal": Provide(provide_principal, sync_to_thread=False),
        },
        exception_handlers=EXCEPTION_HANDLERS,
        # every `data` body is decoded by its json(): half an emoji's surrogate pair is read as U+FFFD, not refused
        request_class=ZanRequest,
        # None, not Litestar's default: its dictConfig would replace the root handler configured above (masking
        # filter, JSON) with an unmasked plain-text one. Our exception handlers log what needs logging
        logging_config=None,
        # before every controller's guard: a body refused for its label claims no partner signature
        guards=[require_json_body],
        before_request=check_request,
        before_send=[edge_headers],
        middleware=[request_id_middleware, metrics_middleware],
        request_max_body_size=1024 * 1024,
        # no CORS layer unless origins are configured: without one, browsers already refuse cross-origin calls
        # a browser shows a script only the safelisted answer headers: the wait of a 429/503 (Retry-After) and the
        # id to quote to support must be exposed to be read; a console may send its own id to trace a request
        cors_config=CORSConfig(allow_origins=list(settings.cors_origins), allow_methods=["GET", "POST"],
                               allow_headers=["Content-Type", "Authorization", "Accept-Language", "Idempotency-Key",
                                              "If-Match", REQUEST_ID_HEADER],
                               expose_headers=["Retry-After", "ETag", REQUEST_ID_HEADER])
        if settings.cors_origins else None,
        openapi_config=OpenAPIConfig(
            title="Zan — Закон и Порядок / Заң мен Тәртіп",
            # handlers' docstrings are written for partner developers (idempotency, 410 handling, …)
            use_handler_docstrings=True,
            version="1.0.0",
            description=(
                "Citizen reports, legal help, dispatch and patrol-tablet sync. Errors are RFC 9457 "
                "problem+json with a stable `code`, localized by Accept-Language (kk, ru, en). Every GET "
                "operation also answers HEAD: the same status and headers, no body (a partner signs it as HEAD)."
            ),
            servers=[Server(url=settings.public_base_url)],
            components=Components(security_schemes={
                "partnerSignature": SecurityScheme(
                    type="apiKey", name="X-Signature", security_scheme_in="header",
                    description=("hex HMAC-SHA256(secret, \"{X-Timestamp}\\n{METHOD}\\n{path_with_query}\\n"
                                 "{sha256_hex(body)}\\n{X-Citizen-IIN}\") with X-Partner-Id, X-Timestamp, "
                                 "X-Citizen-IIN headers"),
                ),
                "officerBearer": SecurityScheme(type="http", scheme="bearer", bearer_format="JWT"),
            }),
            path="/schema",
        ),
        debug=False,
    )
    app.asgi_handler = head_as_get(app.asgi_handler)  # around the router, which routes a HEAD to no GET handler
    document_problems(app)
    return app


def document_problems(app: Litestar) -> None:
    """Every operation's error answers are documented as the problem+json they are (the schema is built lazily,
    on the first request for it, from the handlers as registered)."""
    for route in app.routes:
        for handler in getattr(route, "route_handlers", ()):
            if isinstance(handler, HTTPRouteHandler) and handler.include_in_schema:
                errors = problem_responses(takes_body=bool(handler.http_methods & {"POST", "PUT", "PATCH"}),
                                           takes_json=takes_json_data(handler))
                handler.responses = {**errors, **(handler.responses or {})}
