"""The fake Bot API driven by the real python-telegram-bot 22 client: calls, files and a polling dialogue."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, KeyboardButton, ReplyKeyboardMarkup, Update
from telegram.error import BadRequest, Forbidden, RetryAfter
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from tests.fakes.telegram import FakeTelegram, make_user, sample_jpeg

pytestmark = pytest.mark.anyio

TOKEN = "515151:AAFakeTokenForPtbSelftest"
OFFICER = make_user(9001, "Nurlan", username="nurlan_police")
CHAT = OFFICER["id"]


@pytest.fixture
async def app(fake_telegram: FakeTelegram) -> AsyncIterator[Application]:  # type: ignore[type-arg]
    fake_telegram.register_bot(TOKEN)
    application = (
        Application.builder()
        .token(TOKEN)
        .base_url(fake_telegram.ptb_base_url)
        .base_file_url(fake_telegram.ptb_base_file_url)
        .build()
    )
    await application.initialize()  # calls getMe
    yield application
    await application.shutdown()


async def test_get_me_send_and_files(fake_telegram: FakeTelegram, app: Application) -> None:  # type: ignore[type-arg]
    tg = fake_telegram.register_bot(TOKEN)
    me = await app.bot.get_me()
    assert me.id == 515151 and me.username == tg.username

    keyboard = ReplyKeyboardMarkup([[KeyboardButton("📍 Геолокация", request_location=True)]], resize_keyboard=True)
    sent = await app.bot.send_message(CHAT, "Отправьте *место*", parse_mode="MarkdownV2", reply_markup=keyboard)
    assert sent.text == "Отправьте место" and sent.entities[0].type == "bold"
    seen = tg.wait_for_message(CHAT)
    assert seen.keyboard[0][0]["request_location"] is True  # reply keyboards are recorded, not echoed

    jpeg = sample_jpeg(64, 48)
    photo = await app.bot.send_photo(CHAT, jpeg, caption="Схема")  # multipart, file under its own name
    assert photo.photo[-1].width == 64 and tg.file_bytes(photo.photo[-1].file_id) == jpeg

    update = tg.user_sends_photo(CHAT, OFFICER)
    file = await app.bot.get_file(update["message"]["photo"][-1]["file_id"])
    assert bytes(await file.download_as_bytearray()) == tg.file_bytes(file.file_id)


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")  # PTB reads its own retry_after
async def test_errors(fake_telegram: FakeTelegram, app: Application) -> None:  # type: ignore[type-arg]
    tg = fake_telegram.register_bot(TOKEN)
    fake_telegram.fail_next("sendmessage", 429, retry_after=3)
    with pytest.raises(RetryAfter, match="Retry in 3 seconds"):  # .retry_after is an int in 22.x (a warning)
        await app.bot.send_message(CHAT, "hi")

    sent = await app.bot.send_message(CHAT, "same")
    with pytest.raises(BadRequest, match="not modified"):
        await app.bot.edit_message_text("same", chat_id=CHAT, message_id=sent.message_id)

    tg.user_blocks_bot(CHAT, notify=False)
    with pytest.raises(Forbidden):
        await app.bot.send_message(CHAT, "hi")


async def test_polling_dialogue(fake_telegram: FakeTelegram, app: Application) -> None:  # type: ignore[type-arg]
    tg = fake_telegram.register_bot(TOKEN)

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        markup = InlineKeyboardMarkup([[InlineKeyboardButton("Принять заявку", callback_data="take:17")]])
        assert update.effective_message is not None
        await update.effective_message.reply_text("Новая заявка №17", reply_markup=markup, do_quote=True)

    async def take(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer("Принято")
        await query.edit_message_reply_markup(reply_markup=None)

    app.add_handler(CommandHandler("start", start))  # needs the bot_command entity the fake adds
    app.add_handler(CallbackQueryHandler(take, pattern=r"^take:"))
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=1)  # deletes the webhook first, like PTB does
    try:
        start_update = tg.user_sends_text(CHAT, OFFICER, "/start")
        offer = await tg.wait_for_message_async(CHAT, contains="№17")
        assert offer.message["reply_to_message"]["message_id"] == start_update["message"]["message_id"]
        tg.user_taps_button(offer, "take:17")
        await tg.wait_for_call_async("editMessageReplyMarkup")
        assert tg.calls("answerCallbackQuery")[0].params["text"] == "Принято"
        assert tg.sent_messages(CHAT)[0].inline_keyboard == []
    finally:
        await app.updater.stop()
        await app.stop()
    assert [c.method for c in tg.calls()][:2] == ["getMe", "deleteWebhook"]
