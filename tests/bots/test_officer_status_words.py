"""/status in the duty bot named the crew's state by its code ("available", "off_duty") in the middle of a Kazakh or
Russian answer: the unit's status went out as stored, not in the officer's language."""

from __future__ import annotations

import pytest

from backend.context import Context
from backend.officers.models import UNIT_STATUSES
from tests.bots.conftest import link_code
from tests.fakes.telegram import FakeBot, make_user
from tests.officers.factories import make_officer, make_unit

pytestmark = pytest.mark.anyio
CHAT = 886001


async def test_status_names_the_crews_state_in_the_officers_language(ctx: Context, officer_tg: FakeBot) -> None:
    tg, user = officer_tg, make_user(CHAT, language_code="kk")
    unit = await make_unit(ctx, code="AST-KK-7", district="astana")
    officer, _ = await make_officer(ctx, unit=unit, district="astana")
    tg.user_sends_text(CHAT, user, f"/link {await link_code(ctx, officer.id)}")
    await tg.wait_for_message_async(CHAT, contains="Аккаунт байланыстырылды")

    tg.user_sends_text(CHAT, user, "/status")
    free = await tg.wait_for_message_async(CHAT, contains="AST-KK-7")
    assert "Жасақ: AST-KK-7 (бос)" in (free.text or ""), free.text  # before: "Жасақ: AST-KK-7 (available)"
    for said in ("Ауысым басталды", "Ауысым аяқталды"):  # the crew's last shift ends: the car is off duty
        tg.user_sends_text(CHAT, user, "/shift")
        await tg.wait_for_message_async(CHAT, contains=said)
    tg.user_sends_text(CHAT, user, "/lang ru")
    await tg.wait_for_message_async(CHAT, contains="Язык бота")
    tg.user_sends_text(CHAT, user, "/status")
    off = await tg.wait_for_message_async(CHAT, contains="AST-KK-7")
    assert "Наряд: AST-KK-7 (не на дежурстве)" in (off.text or ""), off.text


def test_every_unit_status_has_a_name_in_every_language() -> None:
    from bots.officer.texts import UNIT_STATUS_NAMES

    assert set(UNIT_STATUS_NAMES) == set(UNIT_STATUSES)
    assert all(set(names) == {"kk", "ru", "en"} for names in UNIT_STATUS_NAMES.values())
