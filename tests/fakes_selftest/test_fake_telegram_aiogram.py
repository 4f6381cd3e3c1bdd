"""The fake Bot API driven by the real aiogram 3 client: calls, polling, callbacks, files, webhooks, errors."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator

import httpx
import pytest
from aiogram import Bot, Dispatcher, F
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramRetryAfter,
    TelegramUnauthorizedError,
)
from aiogram.filters import CommandStart
from aiogram.methods import SendMessage
from aiogram.types import (
    BotCommand,
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    Message,
)
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

from tests.fakes.telegram import FakeBot, FakeTelegram, make_user, sample_jpeg
from tests.fakes.webhook_receiver import WebhookReceiver

pytestmark = pytest.mark.anyio

TOKEN = "424242:AAFakeTokenForAiogramSelftest"
CITIZEN = make_user(7001, "Aigerim", username="aigerim_kz", language_code="kk")
CHAT = CITIZEN["id"]


@pytest.fixture
async def bot(fake_telegram: FakeTelegram) -> AsyncIterator[Bot]:
    fake_telegram.register_bot(TOKEN)
    bot = Bot(TOKEN, session=AiohttpSession(api=fake_telegram.aiogram_api()))
    yield bot
    await bot.session.close()


def fake(telegram: FakeTelegram) -> FakeBot:
    return telegram.register_bot(TOKEN)


async def test_get_me_and_send_message_with_markup(fake_telegram: FakeTelegram, bot: Bot) -> None:
    me = await bot.get_me()
    assert me.id == 424242 and me.is_bot and me.username

    keyboard = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="Принять", callback_data="r:1:ok")]])
    sent = await bot.send_message(CHAT, "<b>Заявка №1</b> принята", parse_mode="HTML", reply_markup=keyboard)

    assert sent.text == "Заявка №1 принята"
    assert sent.entities is not None and sent.entities[0].type == "bold" and sent.entities[0].length == 9
    seen = fake(fake_telegram).wait_for_message(CHAT)
    assert seen.message_id == sent.message_id and seen.text == "Заявка №1 принята"
    assert seen.button("Принять")["callback_data"] == "r:1:ok"
    assert seen.params["parse_mode"] == "HTML"


async def test_polling_dialogue_with_callback_and_edit(fake_telegram: FakeTelegram, bot: Bot) -> None:
    dp = Dispatcher()

    @dp.message(CommandStart())
    async def start(message: Message) -> None:
        markup = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="Қазақша", callback_data="kk")]])
        await message.answer("Тілді таңдаңыз", reply_markup=markup)

    @dp.callback_query(F.data == "kk")
    async def chosen(query: CallbackQuery) -> None:
        await query.answer("OK")
        assert isinstance(query.message, Message)
        await query.message.edit_text("Сәлем!")

    polling = asyncio.create_task(dp.start_polling(bot, polling_timeout=1, handle_signals=False))
    try:
        tg = fake(fake_telegram)
        tg.user_sends_text(CHAT, CITIZEN, "/start")
        question = await tg.wait_for_message_async(CHAT, contains="Тілді")
        tg.user_taps_button(question, "kk")
        answer = await tg.wait_for_call_async("answerCallbackQuery")
        assert answer.ok and answer.params["text"] == "OK"
        await tg.wait_for_call_async("editMessageText")
        edited = tg.sent_messages(CHAT)[0]
        assert edited.text == "Сәлем!" and edited.inline_keyboard == []  # edit without markup drops the keyboard
        await tg.wait_until_delivered_async()
    finally:
        await dp.stop_polling()
        await polling


async def test_get_updates_offset_and_long_poll(fake_telegram: FakeTelegram, bot: Bot) -> None:
    tg = fake(fake_telegram)
    first = tg.user_sends_text(CHAT, CITIZEN, "бір")["update_id"]
    tg.user_sends_text(CHAT, CITIZEN, "екі")

    updates = await bot.get_updates()
    assert [u.update_id for u in updates] == [first, first + 1]
    assert updates[0].message is not None and updates[0].message.text == "бір"
    assert [u.update_id for u in await bot.get_updates(offset=first + 1)] == [first + 1]
    assert await bot.get_updates(offset=first + 2, timeout=0) == []

    loop = asyncio.get_running_loop()
    loop.call_later(0.2, tg.user_sends_text, CHAT, CITIZEN, "үш")
    started = loop.time()
    updates = await bot.get_updates(offset=first + 2, timeout=5)
    assert [u.message.text for u in updates if u.message] == ["үш"]
    assert loop.time() - started < 2


async def test_user_photo_get_file_and_download(fake_telegram: FakeTelegram, bot: Bot) -> None:
    photo = sample_jpeg(800, 600)
    update = fake(fake_telegram).user_sends_photo(CHAT, CITIZEN, photo, caption="Авария")
    sizes = update["message"]["photo"]
    assert sizes[-1]["width"] == 800 and sizes[0]["width"] <= 90

    file = await bot.get_file(sizes[-1]["file_id"])
    assert file.file_path and file.file_size == len(photo)
    downloaded = await bot.download(file)
    assert downloaded is not None and downloaded.read() == photo


async def test_bot_uploads_photo_document_location(fake_telegram: FakeTelegram, bot: Bot) -> None:
    tg = fake(fake_telegram)
    jpeg = sample_jpeg(120, 80)
    photo = await bot.send_photo(CHAT, BufferedInputFile(jpeg, "map.jpg"), caption="Карта")  # attach:// upload
    assert photo.photo is not None and photo.photo[-1].width == 120
    assert tg.file_bytes(photo.photo[-1].file_id) == jpeg
    document = await bot.send_document(CHAT, BufferedInputFile(b"%PDF-1.4", "act.pdf"))
    assert document.document is not None and document.document.file_name == "act.pdf"
    album = await bot.send_media_group(
        CHAT, [InputMediaPhoto(media=BufferedInputFile(jpeg, f"{n}.jpg")) for n in range(2)]
    )
    assert len({m.media_group_id for m in album}) == 1 and all(m.photo for m in album)
    location = await bot.send_location(CHAT, latitude=51.1694, longitude=71.4491)
    assert location.location is not None and location.location.latitude == pytest.approx(51.1694)

    assert await bot.set_my_commands([BotCommand(command="report", description="Сообщить")])
    assert tg.commands() == [{"command": "report", "description": "Сообщить"}]
    assert await bot.send_chat_action(CHAT, "typing")
    assert await bot.delete_message(CHAT, location.message_id)
    kept = [m.method for m in tg.sent_messages(CHAT) if not m.deleted]
    assert kept == ["sendPhoto", "sendDocument", "sendMediaGroup", "sendMediaGroup"]


async def test_errors_like_telegram(fake_telegram: FakeTelegram, bot: Bot) -> None:
    tg = fake(fake_telegram)
    stranger = Bot("999:WrongToken", session=AiohttpSession(api=fake_telegram.aiogram_api()))
    with pytest.raises(TelegramUnauthorizedError):
        await stranger.get_me()
    await stranger.session.close()

    with pytest.raises(TelegramBadRequest, match="can't parse entities"):
        await bot.send_message(CHAT, "Заявка 12. принята", parse_mode="MarkdownV2")
    long_data = InlineKeyboardButton(text="x", callback_data="x" * 65)
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await bot.send_message(CHAT, "hi", reply_markup=InlineKeyboardMarkup(inline_keyboard=[[long_data]]))

    fake_telegram.fail_next("sendMessage", 429, retry_after=7)
    with pytest.raises(TelegramRetryAfter) as retry:
        await bot.send_message(CHAT, "hi")
    assert retry.value.retry_after == 7

    tg.user_blocks_bot(CHAT)
    with pytest.raises(TelegramForbiddenError, match="blocked by the user"):
        await bot.send_message(CHAT, "hi")
    assert "my_chat_member" in tg.pending_updates[-1]

    async with httpx.AsyncClient() as client:
        response = await client.post(f"{fake_telegram.base_url}/bot{TOKEN}/noSuchMethod")
    assert response.status_code == 404
    assert response.json() == {"ok": False, "error_code": 404, "description": "Not Found"}


@contextlib.asynccontextmanager
async def serve(app: web.Application) -> AsyncIterator[str]:
    """Serve an aiohttp app in the test's loop on 127.0.0.1; yields its base URL."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


async def test_webhook_delivery_with_secret_to_aiogram(fake_telegram: FakeTelegram, bot: Bot) -> None:
    """Updates reach aiogram's own webhook handler with the secret header; a wrong secret is re-delivered."""
    dp = Dispatcher()

    @dp.message()
    async def echo(message: Message) -> None:
        await message.answer(f"echo: {message.text}")

    app = web.Application()
    SimpleRequestHandler(dp, bot, secret_token="s3cr3t-Zan").register(app, path="/tg")
    tg = fake(fake_telegram)
    async with serve(app) as base:
        await bot.set_webhook(f"{base}/tg", secret_token="wrong-secret")
        tg.user_sends_text(CHAT, CITIZEN, "сәлем")
        rejected = (await tg.wait_for_webhook_attempts_async(1))[0]
        assert rejected.status == 401  # aiogram rejected the secret; the update stays queued
        info = await bot.get_webhook_info()
        assert info.pending_update_count == 1 and info.last_error_message

        with pytest.raises(TelegramConflictError):
            await bot.get_updates()

        await bot.set_webhook(f"{base}/tg", secret_token="s3cr3t-Zan")
        reply = await tg.wait_for_message_async(CHAT, contains="echo: сәлем")
        assert reply.text == "echo: сәлем"
        await tg.wait_until_delivered_async()
        assert (await bot.get_webhook_info()).pending_update_count == 0
        assert await bot.delete_webhook()
        assert await bot.get_updates(timeout=0) == []


async def test_webhook_answer_may_carry_a_method(fake_telegram: FakeTelegram, bot: Bot) -> None:
    """aiogram's handle_in_background=False puts a returned method into the HTTP answer; Telegram executes it."""
    dp = Dispatcher()

    @dp.message()
    async def echo(message: Message) -> SendMessage:
        return message.answer("в ответе вебхука")  # returned, not awaited

    app = web.Application()
    SimpleRequestHandler(dp, bot, handle_in_background=False).register(app, path="/tg")
    tg = fake(fake_telegram)
    async with serve(app) as base:
        await bot.set_webhook(f"{base}/tg")
        tg.user_sends_text(CHAT, CITIZEN, "сұрақ")
        reply = await tg.wait_for_message_async(CHAT, contains="в ответе")
    assert reply.params["chat_id"] == CHAT
    assert [c.via_webhook_answer for c in tg.calls("sendMessage")] == [True]


async def test_webhook_redelivers_after_failures(fake_telegram: FakeTelegram, bot: Bot) -> None:
    tg = fake(fake_telegram)
    with WebhookReceiver() as receiver:
        receiver.fail_next(2, status=500)
        await bot.set_webhook(receiver.url("/hook"), secret_token="abc")
        update = tg.user_sends_text(CHAT, CITIZEN, "бір")
        deliveries = await receiver.wait_for_deliveries_async(3)
    assert [d.answered_status for d in deliveries] == [500, 500, 200]
    assert {d.json()["update_id"] for d in deliveries} == {update["update_id"]}
    assert all(d.header("X-Telegram-Bot-Api-Secret-Token") == "abc" for d in deliveries)
