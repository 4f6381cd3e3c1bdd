"""The citizen bot's moving parts for one process: Bot client, FSM storage and Dispatcher, built once per Context.

FSM state lives in Redis when configured (conversations survive restarts and are shared by API replicas receiving
webhooks), with TTLs because a half-filed report holds personal data, and in this process's memory while Redis is
down (`bots.citizen.storage`); MemoryStorage in embedded mode. Whatever still fails is answered by the
dispatcher's error handler (`errors.unexpected_error`), so a citizen is never left without a reply.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.fsm.storage.base import BaseStorage
from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.fsm.storage.redis import DefaultKeyBuilder, RedisStorage

from backend.context import Context
from bots.citizen.errors import unexpected_error
from bots.citizen.handlers import build_router
from bots.citizen.storage import FallbackStorage
from bots.webhook import drain

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


def make_bot(token: str, api_base: str | None) -> Bot:
    """A Bot client; `api_base` points it at a local Bot API server (or the test fake) instead of Telegram."""
    session = AiohttpSession(api=TelegramAPIServer.from_base(api_base)) if api_base else AiohttpSession()
    return Bot(token, session=session)


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


def build(ctx: Context, token: str | None = None) -> CitizenBot:
    """A fresh bot + dispatcher (`ctx` is handed to every handler)."""
    token = token or ctx.settings.telegram_citizen_token
    if not token:
        raise RuntimeError("ZAN_TELEGRAM_CITIZEN_TOKEN is not set")
    storage = make_storage(ctx)
    dispatcher = Dispatcher(storage=storage, ctx=ctx)
    dispatcher.include_router(build_router())
    # on the dispatcher, not the router: aiogram's ErrorsMiddleware wraps the whole update there, so a failure
    # before any handler (FSM storage, the chat's link in the database) is answered too
    dispatcher.errors.register(unexpected_error)
    return CitizenBot(make_bot(token, ctx.settings.telegram_api_base), dispatcher, storage)


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
