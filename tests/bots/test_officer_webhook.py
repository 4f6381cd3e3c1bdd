"""The duty bot in webhook mode: the API takes Telegram's updates for it (secret checked in constant time, answered
at once, replays dropped) and the same python-telegram-bot handlers answer through the fake Bot API."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from backend.context import Context
from bots.officer import service
from bots.webhook import drain
from tests.bots.conftest import WEBHOOK_SECRET, link_code
from tests.fakes.telegram import FakeBot, make_user
from tests.officers.factories import make_officer, make_unit

pytestmark = pytest.mark.anyio
URL = "/api/v1/telegram/officer/webhook"
HEADER = "X-Telegram-Bot-Api-Secret-Token"
CHAT = 890001


async def _deliver(client: httpx.AsyncClient, update: dict[str, Any], secret: str = WEBHOOK_SECRET) -> httpx.Response:
    return await client.post(URL, json=update, headers={HEADER: secret})


async def test_an_officer_links_and_starts_a_shift_through_the_webhook(
        ctx: Context, officer_bot: FakeBot, app_client: httpx.AsyncClient) -> None:
    tg = officer_bot
    unit = await make_unit(ctx, district="astana")
    officer, _ = await make_officer(ctx, unit=unit, district="astana", full_name="Дана Омарова")
    code = await link_code(ctx, officer.id)
    user = make_user(CHAT, language_code="kk")

    link = tg.user_sends_text(CHAT, user, f"/link {code}")
    for headers in ({HEADER: WEBHOOK_SECRET + "x"}, {HEADER: ""}, {}):
        forged = await app_client.post(URL, json=link, headers=headers)
        assert forged.status_code == 401 and forged.headers["content-type"].startswith("application/problem+json")
    await drain(ctx)
    assert tg.sent_messages(CHAT) == []

    first, again = await _deliver(app_client, link), await _deliver(app_client, link)
    assert (first.status_code, again.status_code) == (200, 200)  # Telegram must stop re-delivering either way
    await drain(ctx)
    assert [m.text for m in tg.sent_messages(CHAT)] == ["Аккаунт байланыстырылды: Дана Омарова. "
                                                         "Ауысым кезінде ауданыңыздың шұғыл өтініштері осында келеді."]
    await _deliver(app_client, tg.user_sends_text(CHAT, user, "/shift"))
    await drain(ctx)
    assert tg.sent_messages(CHAT)[-1].text == "Ауысым басталды."
    status = await service.status(ctx, chat_id=CHAT)
    assert status is not None and status.on_shift


async def test_malformed_updates_and_no_token(ctx: Context, officer_bot: FakeBot,
                                              app_client: httpx.AsyncClient) -> None:
    for body in (b'{"update_id": "x"}', b"[1, 2]", b"{not json"):
        response = await app_client.post(URL, content=body, headers={HEADER: WEBHOOK_SECRET})
        assert response.status_code == 400 and response.json()["code"] == "validation.body_malformed", body
    ctx.settings = ctx.settings.with_(telegram_officer_token=None)
    ctx.extras.pop("officer_bot_application", None)
    response = await app_client.post(URL, json={"update_id": 1}, headers={HEADER: WEBHOOK_SECRET})
    assert response.status_code == 404
