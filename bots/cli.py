"""`zan bot citizen|officer [--polling|--webhook]`: each bot polls in its own process, or its webhook is registered
with Telegram and the API handles the updates.

Without a token the bot is simply not started (exit 0 with a message), so one compose file serves installations
with and without Telegram.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import TYPE_CHECKING, Any

import click

from backend.settings import Settings
from bots.chats import flood_wait_s

if TYPE_CHECKING:
    from backend.context import Context

CITIZEN_WEBHOOK_PATH = "/api/v1/telegram/citizen/webhook"
OFFICER_WEBHOOK_PATH = "/api/v1/telegram/officer/webhook"
# setWebhook is among the Bot API's most throttled methods (a 429 with retry_after when set twice in a row): tried this
# many times, waiting what Telegram asks, unless it asks for longer than RETRY_AFTER_MAX_S (then the command fails and
# is run again later, by the operator or the supervisor)
REGISTER_ATTEMPTS = 3
RETRY_AFTER_MAX_S = 60.0


def _webhook_url(settings: Settings, path: str) -> str:
    """The public URL Telegram will post to; refuses (exit 2) without a secret, or anyone could post updates."""
    if not settings.telegram_webhook_secret:
        click.echo("ZAN_TELEGRAM_WEBHOOK_SECRET must be set for webhook mode", err=True)
        sys.exit(2)
    return settings.public_base_url.rstrip("/") + path


def _mode_option(path: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    return click.option("--polling/--webhook", "polling", default=True,
                        help="Poll getUpdates in this process (default), or register the API's webhook with Telegram "
                             f"and exit (updates are then handled by `zan serve` at {path}).")


@click.group(name="bot")
def bot() -> None:
    """Telegram bots: the citizen bot (aiogram) and the officer duty bot (python-telegram-bot)."""


@bot.command(name="citizen")
@_mode_option(CITIZEN_WEBHOOK_PATH)
def citizen(polling: bool) -> None:
    """Run the citizen bot."""
    settings = Settings.from_env()
    _start("citizen", settings, settings.telegram_citizen_token, polling, CITIZEN_WEBHOOK_PATH,
           lambda: _poll(settings, _citizen_polling), lambda url: _set_webhook(settings, url))


def _start(name: str, settings: Settings, token: str | None, polling: bool, path: str,
           poll: Callable[[], Coroutine[Any, Any, None]], register: Callable[[str], Coroutine[Any, Any, None]]) -> None:
    """Poll in this process, or register the API's webhook at `path` and exit; without a token, do neither."""
    if not token:
        click.echo(f"ZAN_TELEGRAM_{name.upper()}_TOKEN is not set: the {name} bot is not started")
        return
    if polling:
        asyncio.run(poll())
        return
    url = _webhook_url(settings, path)
    asyncio.run(register(url))
    click.echo(f"webhook set to {url}")


async def _poll(settings: Settings, polling: Callable[[Context], AbstractAsyncContextManager[Any]]) -> None:
    """Run the bot's `polling` (the same for the tests' pollers) until SIGINT / SIGTERM, or until the poller ends on
    its own (`polling` yields an asyncio.Event it sets then): the process ends too, with the poller's error (raised
    as the polling block ends), so a supervisor starts it again rather than leaving a process that polls nothing."""
    from backend.context import context_scope
    from backend.jobs.registry import load_all_handlers
    from backend.lib import logging as zan_logging

    # a polling bot is a process of its own (no app or worker configures it): without this its lines went out through
    # Python's fallback handler, unmasked, an update's names and a traceback's row values with them
    zan_logging.configure(settings.log_level, settings.log_json)
    load_all_handlers()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        async with context_scope(settings) as ctx, polling(ctx) as poller:
            waits = [asyncio.create_task(stop.wait())]
            if isinstance(poller, asyncio.Event):
                waits.append(asyncio.create_task(poller.wait()))
            try:
                await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for wait in waits:
                    wait.cancel()
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


@asynccontextmanager
async def _citizen_polling(ctx: Context) -> AsyncIterator[asyncio.Event]:
    """The citizen bot polling; yields an Event set once its poller has ended. aiogram's poller ends at once when its
    first Bot API call (getMe) fails: Telegram away for a moment, a 5xx, flood control at a restart."""
    from bots.citizen.runtime import polling

    async with polling(ctx) as citizen:
        ended = asyncio.Event()

        async def poller_ended() -> None:
            ended.set()

        # registered before the poller's task first runs (nothing is awaited since it was created): the dispatcher
        # runs its shutdown handlers however start_polling ends, stopped or failed
        citizen.dispatcher.shutdown.register(poller_ended)
        yield ended


async def _set_webhook(settings: Settings, url: str) -> None:
    from bots.citizen.runtime import make_bot

    assert settings.telegram_citizen_token and settings.telegram_webhook_secret
    client = make_bot(settings.telegram_citizen_token, settings.telegram_api_base)
    secret = settings.telegram_webhook_secret
    try:
        await _waiting_out_flood_control(lambda: client.set_webhook(
            url, secret_token=secret,
            # edited_message: a citizen correcting their description mid-report
            allowed_updates=["message", "edited_message", "callback_query", "my_chat_member"]))
    finally:
        await client.session.close()


@bot.command(name="officer")
@_mode_option(OFFICER_WEBHOOK_PATH)
def officer(polling: bool) -> None:
    """Run the officer duty bot."""
    settings = Settings.from_env()
    _start("officer", settings, settings.telegram_officer_token, polling, OFFICER_WEBHOOK_PATH,
           lambda: _poll(settings, _officer_polling), lambda url: _set_officer_webhook(settings, url))


def _officer_polling(ctx: Context) -> AbstractAsyncContextManager[Any]:
    from bots.officer.app import polling

    return polling(ctx)


async def _set_officer_webhook(settings: Settings, url: str) -> None:
    from bots.officer.push import make_bot

    assert settings.telegram_officer_token and settings.telegram_webhook_secret
    async with make_bot(settings.telegram_officer_token, settings.telegram_api_base) as client:
        # my_chat_member: Telegram's note that the officer blocked or unblocked the bot (bots.officer.app.chat_is_back);
        # without it an unblocked chat would stay skipped by offers and escalations until it writes
        secret = settings.telegram_webhook_secret
        await _waiting_out_flood_control(lambda: client.set_webhook(
            url, secret_token=secret, allowed_updates=["message", "callback_query", "my_chat_member"]))


async def _waiting_out_flood_control(call: Callable[[], Awaitable[Any]]) -> None:
    """`call` (a Bot API request), again after Telegram's retry_after when it answers 429, REGISTER_ATTEMPTS times."""
    for attempt in range(1, REGISTER_ATTEMPTS + 1):
        try:
            await call()
            return
        except Exception as exc:
            wait = flood_wait_s(exc)
            if wait is None or attempt == REGISTER_ATTEMPTS or wait > RETRY_AFTER_MAX_S:
                raise
            click.echo(f"Telegram's flood control: trying again in {wait:g} s", err=True)
            await asyncio.sleep(wait)
