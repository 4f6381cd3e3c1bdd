"""Personal data and secrets in the service's real log output (audit: each test here fails on a confirmed leak).

Every test builds the app the way the service does (`create_app`, as backend/asgi.py does, with the production log
settings: JSON at INFO) and reads what the root logger's handlers *really* write — not caplog, whose handler has
neither the masking filter nor the JSON formatter of backend/lib/logging.py.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager

import httpx
import pytest

from backend.app import create_app
from backend.context import Context
from backend.officers.models import Officer
from bots.officer import service as officer_bot_service
from bots.webhook import drain
from tests.fakes.telegram import FakeTelegram, make_user
from tests.helpers import make_iin
from tests.officers.factories import make_officer, make_unit

pytestmark = pytest.mark.anyio

OFFICER_TOKEN = "700002:OfficerBotLeakAuditToken"
WEBHOOK_SECRET = "audit-Webhook_secret"
OFFICER_WEBHOOK = "/api/v1/telegram/officer/webhook"


@pytest.fixture
def restore_root_logging() -> Iterator[None]:
    """create_app reconfigures the process's root logger: put it back for the tests that follow."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        yield
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)


def _service_handlers() -> list[logging.Handler]:
    """The root handlers the service installed (pytest's own capture handlers left out)."""
    return [h for h in logging.getLogger().handlers if not type(h).__module__.startswith("_pytest")]


@contextmanager
def service_log_output() -> Iterator[io.StringIO]:
    """Everything the service's root handlers write while the block runs, exactly as written (the stream of each
    StreamHandler, including those behind a queue listener, is pointed at a buffer; queues are drained)."""
    buf = io.StringIO()
    swapped: list[tuple[logging.StreamHandler, object]] = []  # type: ignore[type-arg]
    queues = []
    for handler in _service_handlers():
        listener = getattr(handler, "listener", None)
        targets = list(getattr(listener, "handlers", ())) or [handler]
        if listener is not None:
            queues.append(handler.queue)  # type: ignore[attr-defined]
        for target in targets:
            if isinstance(target, logging.StreamHandler):
                swapped.append((target, target.setStream(buf)))
    try:
        yield buf
    finally:
        for queue in queues:
            queue.join()  # the listener thread has written every record queued so far
        for target, old in swapped:
            target.setStream(old)  # type: ignore[arg-type]


@asynccontextmanager
async def production_app(ctx: Context) -> AsyncIterator[httpx.AsyncClient]:
    """The app with the log settings the service runs with (Settings.from_env defaults: JSON, INFO)."""
    ctx.settings = ctx.settings.with_(log_json=True, log_level="INFO")
    app = create_app(ctx=ctx)
    async with app.lifespan(), httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                                  base_url="http://zan.test") as client:
        yield client


async def test_log_pipeline_installed_by_create_app_masks_and_is_json(
        ctx: Context, restore_root_logging: None) -> None:
    # LEAK: backend/app.py calls zan_logging.configure() (MaskingFilter + JsonFormatter on the root logger) and
    # then constructs Litestar() without `logging_config`, so Litestar's default LoggingConfig runs
    # logging.config.dictConfig with configure_root_logger=True and REPLACES the root handler with its own
    # QueueListenerHandler ("%(levelname)s - %(asctime)s - %(name)s - %(module)s - %(message)s", no filter).
    # Every log line of the API process (backend/asgi.py) is therefore plain text with IINs, phones and cards
    # unmasked — the masking in backend/lib/logging.py never runs in the API.
    iin, phone, card = make_iin(7), "+7 701 555 12 34", "4400 4301 2345 6789"
    async with production_app(ctx) as client:
        with service_log_output() as out:
            assert (await client.get("/metrics")).status_code == 200
            # what any zan module does on a failure path, e.g. relay.execute's `%r` of a task's exception
            logging.getLogger("zan.jobs").warning("task x failed: %r", ValueError(f"{iin} {phone} {card}"))
    text = out.getvalue()
    assert "task x failed" in text, "the record reached the service's handler"
    assert iin not in text, f"raw IIN in the API's log output: {text!r}"
    assert "701 555 12 34" not in text and card not in text, f"raw phone / card in the log output: {text!r}"
    lines = [line for line in text.splitlines() if "task x failed" in line]
    assert all(json.loads(line)["logger"] == "zan.jobs" for line in lines), f"not the JSON formatter: {lines!r}"


async def test_officer_bot_token_never_in_the_api_logs(
        ctx: Context, fake_telegram: FakeTelegram, restore_root_logging: None) -> None:
    # LEAK: the duty bot runs inside the API process in webhook mode (bots/officer/app.py, python-telegram-bot on
    # httpx). httpx logs every request at INFO as `HTTP Request: POST <url> "HTTP/1.1 200 OK"`, and a Bot API URL
    # is https://api.telegram.org/bot<TOKEN>/<method>: ZAN_TELEGRAM_OFFICER_TOKEN — full control of the duty bot
    # (read officers' chats, send forged urgent offers) — is written to the log on every call (getMe, sendMessage).
    # backend/lib/logging.mask() has no rule for tokens, so even the intended JSON pipeline would keep it.
    fake_bot = fake_telegram.register_bot(OFFICER_TOKEN, username="zan_duty_audit_bot")
    ctx.settings = ctx.settings.with_(telegram_officer_token=OFFICER_TOKEN, telegram_api_base=fake_telegram.base_url,
                                      telegram_webhook_secret=WEBHOOK_SECRET)
    unit = await make_unit(ctx, district="astana")
    officer, _ = await make_officer(ctx, unit=unit, district="astana", full_name="Дана Омарова")
    async with ctx.sessions() as session:
        row = await session.get(Officer, officer.id)
        assert row is not None
        code = await officer_bot_service.issue_link_code(ctx, session, row)
        await session.commit()
    chat = 890077
    async with production_app(ctx) as client:
        with service_log_output() as out:
            update = fake_bot.user_sends_text(chat, make_user(chat, language_code="ru"), f"/link {code}")
            response = await client.post(OFFICER_WEBHOOK, json=update,
                                         headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET})
            assert response.status_code == 200
            await drain(ctx)
    assert fake_bot.sent_messages(chat), "the duty bot answered through the fake Bot API"
    text = out.getvalue()
    secret_part = OFFICER_TOKEN.split(":", 1)[1]
    assert secret_part not in text, f"the duty bot's token in the API's log output: {text[:600]!r}"


def test_plain_text_log_format_masks_tracebacks_too(restore_root_logging: None) -> None:
    # LEAK: ZAN_LOG_JSON=false is a supported setting (Settings.log_json; the test suite itself runs with it) and
    # the worker process (backend/worker.py) installs exactly backend.lib.logging.configure(level, as_json). In
    # plain mode MaskingFilter masks only record.getMessage(); logging.Formatter then appends
    # formatException(exc_info) — the traceback and the exception's message — unmasked. JsonFormatter masks its
    # "exc" member, the plain formatter does not: every log.exception (errors._internal_handler,
    # sync.push "mutation failed", bots.webhook "update failed", scheduled jobs) writes raw IINs / phones.
    from backend.lib import logging as zan_logging

    iin, phone = make_iin(9), "+77015551234"
    zan_logging.configure("INFO", as_json=False)
    with service_log_output() as out:
        try:
            raise ValueError(f"citizen {iin} called from {phone}")
        except ValueError:
            logging.getLogger("zan.errors").exception("unhandled error on %s %s", "POST", "/api/v1/reports")
    text = out.getvalue()
    assert "unhandled error on POST /api/v1/reports" in text
    assert iin not in text and phone not in text, f"raw IIN / phone in a plain-text traceback: {text!r}"


def test_capability_tokens_in_access_log_lines_are_masked(restore_root_logging: None) -> None:
    # uvicorn runs with log_config=None (backend/cli.py serve), so its access lines — full path with query — reach
    # the root handler. A signed media link (`/api/v1/media/files?token=…`) or an S3 presigned URL in the log lets
    # whoever reads the logs fetch a citizen's evidence until the link expires.
    from backend.lib import logging as zan_logging

    zan_logging.configure("INFO", as_json=True)
    token = "eyJtIjoiMTIzIn0.c2lnbmF0dXJlLWJ5dGVz"
    presigned = "X-Amz-Credential=AKIA%2F20261204&X-Amz-Signature=0a1b2c3d4e5f"
    with service_log_output() as out:
        # exactly what uvicorn.protocols.http logs for each request
        logging.getLogger("uvicorn.access").info('%s - "%s %s HTTP/%s" %d', "10.0.0.7:51234", "GET",
                                                 f"/api/v1/media/files?token={token}&disposition=inline", "1.1", 200)
        logging.getLogger("zan.media").info("copied from https://s3.local/zan-media/uploads/a?%s", presigned)
    text = out.getvalue()
    assert "/api/v1/media/files?token=***&disposition=inline" in text, text
    assert token not in text and "0a1b2c3d4e5f" not in text and "AKIA" not in text, text
