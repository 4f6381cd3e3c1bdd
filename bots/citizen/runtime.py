"""The citizen bot's moving parts for one process: Bot client, FSM storage and Dispatcher, built once per Context.

FSM state lives in Redis when configured (conversations survive restarts and are shared by API replicas receiving
webhooks), with TTLs because a half-filed report holds personal data, and in this process's memory while Redis is
down (`bots.citizen.storage`); MemoryStorage in embedded mode. A chat's updates are handled one at a time, across
processes while Redis answers (`bots.citizen.isolation`), so two that arrive together do not overwrite each other's
FSM data. Whatever still fails is answered by the dispatcher's error handler (`errors.unexpected_error`), so a
citizen is never left without a reply.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, cast

from aiogram import BaseMiddleware, Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.middlewares.base import NextRequestMiddlewareType
from aiogram.client.telegram import PRODUCTION, TelegramAPIServer
from aiogram.exceptions import TelegramBadRequest
from aiogram.fsm.storage.base import BaseStorage
from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.fsm.storage.redis import DefaultKeyBuilder, RedisStorage
from aiogram.methods import AnswerCallbackQuery, Response, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import TelegramObject, Update

from backend.context import Context
from backend.lib.tasks import ended
from bots.citizen.errors import unexpected_error
from bots.citizen.handlers import build_router
from bots.citizen.isolation import ChatIsolation
from bots.citizen.storage import FallbackStorage
from bots.once import once
from bots.webhook import drain

log = logging.getLogger("zan.bots.citizen")
BOT_NAME = "citizen"  # of the update de-duplication keys, polled or delivered to the webhook
FSM_TTL_S = 24 * 3600
EXTRAS_KEY = "citizen_bot"


@dataclass
class CitizenBot:
    bot: Bot
    dispatcher: Dispatcher
    storage: BaseStorage

    async def close(self) -> None:
        await self.storage.close()
        await self.bot.session.close()


class _Session(AiohttpSession):
    """aiogram's session, whose close waits 250 ms for TLS connections to shut down (aiohttp's graceful-shutdown
    advice): a local Bot API server reached over plain HTTP has none, so its close does not wait (every process
    stop, `zan bot` command and test paid the quarter second)."""

    def __init__(self, api: TelegramAPIServer, *, tls: bool) -> None:
        super().__init__(api=api)
        self._tls = tls
        self.middleware(_stale_tap_answered)

    async def close(self) -> None:
        if self._tls:
            await super().close()
        elif self._session is not None and not self._session.closed:
            await self._session.close()


async def _stale_tap_answered(make_request: NextRequestMiddlewareType[TelegramType], bot: Bot,
                              method: TelegramMethod[TelegramType]) -> Response[TelegramType]:
    """Telegram waits about 15 s for a tapped button's answer, then refuses it ("query is too old"): a tap fetched
    after the bot was away (a restart, a deploy, an outage: the update itself waits a day), or behind a slow update of
    its chat. Every handler answers its tap first, so that refusal failed the tap's whole handling, and the citizen
    heard "service unavailable" instead of the report they sent being filed. The spinner stopped long ago on the
    client: the refused answer is taken as given (the duty bot's `answer_tap` does the same)."""
    try:
        return await make_request(bot, method)
    except TelegramBadRequest as exc:
        refused = exc.message.lower()
        if not isinstance(method, AnswerCallbackQuery) or not ("query is too old" in refused
                                                               or "query id is invalid" in refused):
            raise
        log.info("a button's answer was refused: %s", exc.message)
        return cast(Response[TelegramType], Response[bool](ok=True, result=True))


def make_bot(token: str, api_base: str | None) -> Bot:
    """A Bot client; `api_base` points it at a local Bot API server (or the test fake) instead of Telegram."""
    api = TelegramAPIServer.from_base(api_base) if api_base else PRODUCTION
    return Bot(token, session=_Session(api, tls=api.base.startswith("https://")))


def make_storage(ctx: Context) -> BaseStorage:
    if not ctx.settings.redis_url:
        return MemoryStorage()
    redis = RedisStorage.from_url(
        ctx.settings.redis_url, state_ttl=FSM_TTL_S, data_ttl=FSM_TTL_S,
        key_builder=DefaultKeyBuilder(prefix=ctx.keys("fsm", "citizen"), with_bot_id=True),
        # the same short timeouts as the app's own client (backend.lib.redis.make_redis): an unreachable Redis
        # must fail fast into the fallback, not hold the update for the OS's TCP timeout
        connection_kwargs={"socket_connect_timeout": 0.5, "socket_timeout": 1.0},
    )
    return FallbackStorage(redis, ttl_s=FSM_TTL_S)


class PolledOnce(BaseMiddleware):
    """A polled update is handled once (`bots.once`): claimed before any handler, marked done once handled, and
    handled again on its next delivery if it failed (the exception passes through here before the dispatcher's
    error handler answers it) or its process died. The webhook claims its updates before the dispatcher
    (`bots.webhook.take`), so this is for polling only.

    Within the chat's lock, so a chat's updates are claimed in the order they came; a copy that finds a claim waits
    for it there, which keeps that order too (and cannot deadlock: a poller is never handed an update it is still
    handling, so the claim is another process's)."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    async def __call__(self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        if not isinstance(event, Update):
            return await handler(event, data)
        async with once(self.ctx, BOT_NAME, event.update_id) as mine:
            return await handler(event, data) if mine else None


def build(ctx: Context, token: str | None = None, *, polling: bool = False) -> CitizenBot:
    """A fresh bot + dispatcher (`ctx` is handed to every handler); `polling`: it will poll getUpdates (`polling`)."""
    token = token or ctx.settings.telegram_citizen_token
    if not token:
        raise RuntimeError("ZAN_TELEGRAM_CITIZEN_TOKEN is not set")
    storage = make_storage(ctx)
    # not aiogram's RedisEventIsolation: it refuses every update while Redis is down, where the storage goes on
    dispatcher = Dispatcher(storage=storage, events_isolation=ChatIsolation(storage), ctx=ctx)
    if polling:
        dispatcher.update.outer_middleware(PolledOnce(ctx))
    dispatcher.include_router(build_router())
    # on the dispatcher, not the router: aiogram's ErrorsMiddleware wraps the whole update there, so a failure
    # before any handler (FSM storage, the chat's link in the database) is answered too
    dispatcher.errors.register(unexpected_error)
    return CitizenBot(make_bot(token, ctx.settings.telegram_api_base), dispatcher, storage)


@asynccontextmanager
async def polling(ctx: Context, **options: Any) -> AsyncIterator[CitizenBot]:
    """The citizen bot long-polling getUpdates in the background for the block (`zan bot citizen --polling`), then
    stopped and closed; `options` go to aiogram's `start_polling`. The tests' pollers are built here too, so they
    run what production runs (the de-duplication included)."""
    citizen = build(ctx, polling=True)
    try:
        # Telegram refuses getUpdates while a webhook is set, and aiogram does not remove it for us
        await citizen.bot.delete_webhook(drop_pending_updates=False)
        task = asyncio.create_task(citizen.dispatcher.start_polling(
            citizen.bot, close_bot_session=False, handle_signals=False, **options))
        try:
            yield citizen
        finally:
            await _stop(citizen, task)
    finally:
        await citizen.close()


async def _stop(citizen: CitizenBot, task: asyncio.Task[None]) -> None:
    if not task.done():
        try:
            await citizen.dispatcher.stop_polling()
        except RuntimeError:  # not started yet
            task.cancel()
    await ended(task)


def get(ctx: Context) -> CitizenBot | None:
    """The process's citizen bot (None without a token), closed with the Context."""
    found: CitizenBot | None = ctx.extras.get(EXTRAS_KEY)
    if found is None and ctx.settings.telegram_citizen_token:
        found = build(ctx)
        ctx.extras[EXTRAS_KEY] = found

        async def close() -> None:
            await drain(ctx)
            await found.close()

        ctx.extras.setdefault("_closers", []).append(close)
    return found
