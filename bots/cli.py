"""`zan bot citizen|officer [--polling|--webhook]`: each bot polls in its own process, or its webhook is registered
with Telegram and the API handles the updates.

Without a token the bot is simply not started (exit 0 with a message), so one compose file serves installations
with and without Telegram.
"""

from __future__ import annotations

import asyncio
import sys

import click

from backend.settings import Settings

CITIZEN_WEBHOOK_PATH = "/api/v1/telegram/citizen/webhook"
OFFICER_WEBHOOK_PATH = "/api/v1/telegram/officer/webhook"


def _webhook_url(settings: Settings, path: str) -> str:
    """The public URL Telegram will post to; refuses (exit 2) without a secret, or anyone could post updates."""
    if not settings.telegram_webhook_secret:
        click.echo("ZAN_TELEGRAM_WEBHOOK_SECRET must be set for webhook mode", err=True)
        sys.exit(2)
    return settings.public_base_url.rstrip("/") + path


@click.group(name="bot")
def bot() -> None:
    """Telegram bots: the citizen bot (aiogram) and the officer duty bot (python-telegram-bot)."""


@bot.command(name="citizen")
@click.option("--polling/--webhook", "polling", default=True,
              help="Poll getUpdates in this process (default), or register the API's webhook with Telegram and exit "
                   "(updates are then handled by `zan serve` at " + CITIZEN_WEBHOOK_PATH + ").")
def citizen(polling: bool) -> None:
    """Run the citizen bot."""
    settings = Settings.from_env()
    if not settings.telegram_citizen_token:
        click.echo("ZAN_TELEGRAM_CITIZEN_TOKEN is not set: the citizen bot is not started")
        return
    if polling:
        asyncio.run(_citizen_polling(settings))
        return
    url = _webhook_url(settings, CITIZEN_WEBHOOK_PATH)
    asyncio.run(_set_webhook(settings, url))
    click.echo(f"webhook set to {url}")


async def _citizen_polling(settings: Settings) -> None:
    from backend.context import context_scope
    from backend.jobs.registry import load_all_handlers
    from bots.citizen import runtime

    load_all_handlers()
    async with context_scope(settings) as ctx:
        citizen_bot = runtime.build(ctx)
        try:
            # Telegram refuses getUpdates while a webhook is set, and aiogram does not remove it for us
            await citizen_bot.bot.delete_webhook(drop_pending_updates=False)
            await citizen_bot.dispatcher.start_polling(citizen_bot.bot, handle_signals=True, close_bot_session=False)
        finally:
            await citizen_bot.close()


async def _set_webhook(settings: Settings, url: str) -> None:
    from bots.citizen.runtime import make_bot

    assert settings.telegram_citizen_token and settings.telegram_webhook_secret
    client = make_bot(settings.telegram_citizen_token, settings.telegram_api_base)
    try:
        await client.set_webhook(url, secret_token=settings.telegram_webhook_secret,
                                 allowed_updates=["message", "callback_query", "my_chat_member"])
    finally:
        await client.session.close()


@bot.command(name="officer")
@click.option("--polling/--webhook", "polling", default=True,
              help="Poll getUpdates in this process (default), or register the API's webhook with Telegram and exit "
                   "(updates are then handled by `zan serve` at " + OFFICER_WEBHOOK_PATH + ").")
def officer(polling: bool) -> None:
    """Run the officer duty bot."""
    settings = Settings.from_env()
    if not settings.telegram_officer_token:
        click.echo("ZAN_TELEGRAM_OFFICER_TOKEN is not set: the officer bot is not started")
        return
    if polling:
        from bots.officer.app import run_polling

        asyncio.run(run_polling(settings))
        return
    url = _webhook_url(settings, OFFICER_WEBHOOK_PATH)
    asyncio.run(_set_officer_webhook(settings, url))
    click.echo(f"webhook set to {url}")


async def _set_officer_webhook(settings: Settings, url: str) -> None:
    from telegram import Bot

    assert settings.telegram_officer_token and settings.telegram_webhook_secret
    base = settings.telegram_api_base
    client = Bot(settings.telegram_officer_token, base_url=f"{base}/bot", base_file_url=f"{base}/file/bot") \
        if base else Bot(settings.telegram_officer_token)
    async with client:
        await client.set_webhook(url, secret_token=settings.telegram_webhook_secret,
                                 allowed_updates=["message", "callback_query"])
