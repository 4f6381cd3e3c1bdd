"""Bot API wire details of the fake, checked with a bare HTTP client (the body encodings each library uses)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest

from tests.fakes.telegram import FakeTelegram, make_user, render
from tests.fakes.webhook_receiver import WebhookReceiver

TOKEN = "777:AAProtocolSelftest"
USER = make_user(5005, "Dana")


def call(telegram: FakeTelegram, method: str, **kwargs: Any) -> httpx.Response:
    return httpx.post(f"{telegram.base_url}/bot{TOKEN}/{method}", **kwargs)


def test_body_encodings_and_case_insensitive_methods(fake_telegram: FakeTelegram) -> None:
    tg = fake_telegram.register_bot(TOKEN)
    markup = {"inline_keyboard": [[{"text": "OK", "callback_data": "ok"}]]}
    as_json = call(fake_telegram, "sendMessage", json={"chat_id": 5005, "text": "json", "reply_markup": markup})
    form = {"chat_id": "5005", "text": "form", "reply_markup": json.dumps(markup)}
    as_form = call(fake_telegram, "SENDMESSAGE", data=form)
    as_multipart = call(
        fake_telegram, "senddocument", data={"chat_id": "5005"}, files={"document": ("a.txt", b"abc", "text/plain")}
    )
    as_query = httpx.get(f"{fake_telegram.base_url}/bot{TOKEN}/sendMessage", params={"chat_id": 5005, "text": "q"})

    assert [r.status_code for r in (as_json, as_form, as_multipart, as_query)] == [200, 200, 200, 200]
    assert as_form.json()["result"]["chat"]["id"] == 5005  # "5005" was coerced to an int
    assert as_form.json()["result"]["reply_markup"] == markup  # JSON-string field decoded
    assert tg.sent_messages(5005)[1].params["chat_id"] == 5005
    file_id = as_multipart.json()["result"]["document"]["file_id"]
    path = call(fake_telegram, "getFile", json={"file_id": file_id}).json()["result"]["file_path"]
    assert httpx.get(f"{fake_telegram.base_url}/file/bot{TOKEN}/{path}").content == b"abc"
    assert httpx.get(f"{fake_telegram.base_url}/file/bot{TOKEN}/documents/nope").status_code == 404


def test_update_queue_semantics(fake_telegram: FakeTelegram) -> None:
    tg = fake_telegram.register_bot(TOKEN)
    ids = [tg.user_sends_text(5005, USER, str(n))["update_id"] for n in range(4)]
    assert ids == list(range(ids[0], ids[0] + 4))
    last_two = call(fake_telegram, "getUpdates", json={"offset": -2}).json()["result"]
    assert [u["update_id"] for u in last_two] == ids[2:]  # earlier ones are forgotten
    call(fake_telegram, "getUpdates", json={"offset": ids[3] + 1})
    assert tg.pending_updates == []

    call(fake_telegram, "getUpdates", json={"allowed_updates": ["callback_query"]})
    tg.user_sends_text(5005, USER, "dropped")
    assert tg.pending_updates == []


@pytest.mark.anyio
async def test_a_second_poller_terminates_the_first(fake_telegram: FakeTelegram) -> None:
    fake_telegram.register_bot(TOKEN)
    url = f"{fake_telegram.base_url}/bot{TOKEN}/getUpdates"
    async with httpx.AsyncClient(timeout=5) as client:
        first = asyncio.ensure_future(client.post(url, json={"timeout": 3}))
        await asyncio.sleep(0.1)
        second = await client.post(url, json={"timeout": 0})
        terminated = await first
    assert second.status_code == 200
    assert terminated.status_code == 409 and "terminated by other getUpdates" in terminated.json()["description"]


def test_telegram_errors(fake_telegram: FakeTelegram) -> None:
    tg = fake_telegram.register_bot(TOKEN)
    html = call(fake_telegram, "sendMessage", json={"chat_id": 1, "text": "<script>x</script>", "parse_mode": "HTML"})
    assert html.status_code == 400
    assert (
        html.json()["description"]
        == 'Bad Request: can\'t parse entities: Unsupported start tag "script" at byte offset 0'
    )
    assert call(fake_telegram, "sendMessage", json={"chat_id": 1, "text": " "}).json()["description"] == (
        "Bad Request: message text is empty"
    )
    assert (
        call(fake_telegram, "getFile", json={"file_id": "nope"}).json()["description"] == "Bad Request: invalid file_id"
    )

    question = {
        "chat_id": 5005,
        "text": "?",
        "reply_markup": {"inline_keyboard": [[{"text": "Да", "callback_data": "yes"}]]},
    }
    sent = call(fake_telegram, "sendMessage", json=question).json()["result"]
    tg.user_sends_text(5005, USER, "hi")
    query_id = tg.user_taps_button(sent, "yes")["callback_query"]["id"]
    assert call(fake_telegram, "answerCallbackQuery", json={"callback_query_id": query_id}).status_code == 200
    again = call(fake_telegram, "answerCallbackQuery", json={"callback_query_id": query_id})
    assert again.status_code == 400 and "query is too old" in again.json()["description"]
    with pytest.raises(LookupError):
        tg.user_taps_button(sent, "no")

    fake_telegram.fail_next("*", 502, times=2)
    assert [call(fake_telegram, "getMe").status_code for _ in range(3)] == [502, 502, 200]


def test_strict_chats() -> None:
    with FakeTelegram(strict_chats=True) as telegram:
        tg = telegram.register_bot(TOKEN)
        assert call(telegram, "sendMessage", json={"chat_id": 5005, "text": "hi"}).json()["description"] == (
            "Bad Request: chat not found"
        )
        tg.user_sends_text(5005, USER, "/start")
        assert call(telegram, "sendMessage", json={"chat_id": 5005, "text": "hi"}).status_code == 200


def test_markdown_v2_rendering() -> None:
    text, entities = render(r"*Заявка* №12 \- [карта](https://2gis.kz/x) `a.b`", "MarkdownV2", None)
    assert text == "Заявка №12 - карта a.b"
    assert [e["type"] for e in entities] == ["bold", "text_link", "code"]


def test_webhook_timeout_is_redelivered() -> None:
    with FakeTelegram(webhook_timeout=0.2, webhook_retry_delay=0.05) as telegram, WebhookReceiver() as receiver:
        tg = telegram.register_bot(TOKEN)
        receiver.delay_next(1, seconds=1.0)
        assert call(telegram, "setWebhook", json={"url": receiver.url("/tg")}).json()["result"] is True
        update_id = tg.user_sends_text(5005, USER, "hi")["update_id"]
        attempts = tg.wait_for_webhook_attempts(2)
        tg.wait_until_delivered()
    assert [(a.update_id, a.status, a.error) for a in attempts] == [
        (update_id, None, "Read timeout expired"),
        (update_id, 200, None),
    ]
