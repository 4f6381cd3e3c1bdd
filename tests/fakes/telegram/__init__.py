"""Fake Telegram Bot API on loopback, for running aiogram and python-telegram-bot end to end.

    with FakeTelegram() as telegram:
        fake_bot = telegram.register_bot("123456:TEST")
        bot = Bot("123456:TEST", session=AiohttpSession(api=telegram.aiogram_api()))       # aiogram
        app = (Application.builder().token("123456:TEST")                                  # python-telegram-bot
               .base_url(telegram.ptb_base_url).base_file_url(telegram.ptb_base_file_url).build())

        fake_bot.user_sends_text(CHAT, user, "/start")
        reply = fake_bot.wait_for_message(CHAT, contains="Сәлем")          # await ..._async(...) in async tests
        fake_bot.user_taps_button(reply, "lang:kk")

Waiting: in async tests use the ``*_async`` waits (``wait_for_message_async``, ``wait_for_call_async``...). The sync
ones block the calling thread, so called from the loop that runs the bot under test they stall that bot until the
timeout. The fake itself lives on its own thread and loop, so it never depends on the test's loop.

What it serves (method names case-insensitive; JSON, urlencoded and multipart bodies; ``attach://`` files):
getMe, getUpdates (offset confirms, long poll, 409 while a webhook is set or when a newer poll takes over),
setWebhook / deleteWebhook / getWebhookInfo (updates POSTed to the URL with ``X-Telegram-Bot-Api-Secret-Token``,
re-delivered until the bot answers 2xx; a method in the webhook answer is executed), sendMessage, sendPhoto,
sendDocument, sendMediaGroup, sendLocation, sendVenue, sendContact, editMessageText, editMessageCaption,
editMessageReplyMarkup, deleteMessage, answerCallbackQuery, getFile + ``/file/bot{token}/{path}``, set/get/delete
MyCommands, sendChatAction, getChat, logOut, close.

Telegram's own errors, in its JSON shape ``{"ok": false, "error_code", "description", "parameters"?}``: 401 for an
unregistered token, 404 for an unknown method, 403 "bot was blocked by the user" (`FakeBot.user_blocks_bot`), 403
"user is deactivated" (`FakeBot.user_deletes_account`), 400 for unparsable HTML/MarkdownV2, empty or too long text,
callback_data over 64 bytes, "message is not modified", stale callback queries, unknown file_id, "chat not found"
(strict mode); and scripted ones via `FakeTelegram.fail_next` (429 with retry_after...).

Like Telegram: an edit without reply_markup drops the inline keyboard; a leading /command gets a bot_command entity
(python-telegram-bot's CommandHandler needs it); message ids count per chat; update ids increase by one.
Unlike Telegram: webhook URLs may be plain http on any port; updates go to a webhook one at a time (max_connections
is recorded, not used); sending to a chat that never wrote to the bot works unless ``strict_chats=True``; reply
keyboards are recorded for tests (`SentMessage.keyboard`) though Telegram echoes only inline ones.
"""

from tests.fakes.telegram.bot import FakeBot, sample_jpeg
from tests.fakes.telegram.server import FakeTelegram, WebhookAttempt
from tests.fakes.telegram.state import ApiCall, SentMessage, StoredFile, Webhook, make_user
from tests.fakes.telegram.text import EntityParseError, render

__all__ = [
    "ApiCall",
    "EntityParseError",
    "FakeBot",
    "FakeTelegram",
    "SentMessage",
    "StoredFile",
    "Webhook",
    "WebhookAttempt",
    "make_user",
    "render",
    "sample_jpeg",
]
