"""What both bots need to know about Telegram chats."""

from __future__ import annotations

import logging
import warnings

from prometheus_client import Counter

log = logging.getLogger("zan.bots")

# chats marked as refusing a bot for good, counted once when marked (a skipped send is not counted again): a rise
# means officers or citizens are missing escalations and status messages, e.g. a duty bot blocked district-wide
CHATS_REFUSED = Counter("zan_telegram_chats_refused_total",
                        "Chats marked as refusing the bot (blocked it, account deleted, chat gone)", ["bot", "reason"])


# Telegram refuses a longer message ("message is too long"): nothing retries a refused one, so it would be lost
TELEGRAM_LIMIT = 4096


def fit(text: str, limit: int = TELEGRAM_LIMIT) -> str:
    """`text` cut to what Telegram takes (or to `limit`, for a part of a message), with "…" where it was cut. The
    limit counts UTF-16 code units (an emoji or a rare CJK character is two), so a cut between a surrogate pair drops
    the half character."""
    units = text.encode("utf-16-le")
    if len(units) <= 2 * limit:
        return text
    return units[: 2 * (limit - 1)].decode("utf-16-le", errors="ignore") + "…"


def telegram_length(text: str) -> int:
    """`text`'s length as Telegram counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def is_private_chat(chat_id: int) -> bool:
    """Private chats have the user's (positive) id; groups and channels negative ones. Both bots link private chats
    only, but a link made in a group before that rule would send report numbers and places to the whole group."""
    return chat_id > 0


def refusal_reason(status: int, description: str) -> str | None:
    """Why Telegram will not deliver anything to a chat until its user writes to the bot again, or None when the
    refusal is about the message (a bad request of ours) and the chat itself may be fine.

    403 is always the chat: "bot was blocked by the user", "user is deactivated" (account deleted), "bot can't
    initiate conversation with a user". Of the 400s only "chat not found" is; the rest (unparsable text, a
    button's data too long...) would refuse the same message to any chat."""
    text = description.lower()
    if status == 403:
        return "deactivated" if "deactivated" in text else "blocked"
    if status == 400 and "chat not found" in text:
        return "chat_not_found"
    return None


def count_refusal(bot: str, reason: str) -> None:
    """Counted and logged once per marking; no chat id or name in the log (they identify a person)."""
    CHATS_REFUSED.labels(bot=bot, reason=reason).inc()
    log.info("%s bot: a chat refuses messages (%s), skipped until it writes to the bot again", bot, reason)


def flood_wait_s(exc: BaseException) -> float | None:
    """The wait in seconds a Bot API 429 (flood control) asks for: aiogram's TelegramRetryAfter (the citizen bot)
    or python-telegram-bot's RetryAfter (the duty bot); None for any other error."""
    from aiogram.exceptions import TelegramRetryAfter
    from telegram.error import RetryAfter

    if isinstance(exc, TelegramRetryAfter):
        return float(exc.retry_after)
    if isinstance(exc, RetryAfter):
        with warnings.catch_warnings():  # PTB 22.2+ warns that an int retry_after will become a timedelta
            warnings.simplefilter("ignore")
            after = exc.retry_after
        return after.total_seconds() if hasattr(after, "total_seconds") else float(after)
    return None
