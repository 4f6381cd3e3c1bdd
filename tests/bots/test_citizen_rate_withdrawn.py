"""Rating a report the citizen withdrew (its stars forged, or on a list shown before the withdrawal) is refused with
the API's own words, which say the rule (backend.reports.service.give_feedback): only a closed report the citizen did
not withdraw is rated, in each language; nothing stored. Real aiogram against the fake Bot API."""

from __future__ import annotations

import pytest

from backend.context import Context
from backend.lib.messages import ERRORS
from bots.citizen import service as citizen_bot
from tests.bots.test_citizen_audit_conversation import Chat
from tests.bots.test_citizen_own_steps import _filed, _forged, _report
from tests.fakes.telegram import FakeBot

pytestmark = pytest.mark.anyio
REFUSED = {"ru": "только закрытому обращению, которое вы не отзывали",
           "kk": "тек сіз кері қайтарып алмаған жабылған өтінішке",
           "en": "only for a closed report that you did not withdraw"}


@pytest.mark.parametrize("lang", ["ru", "kk", "en"])
async def test_rating_a_withdrawn_report_is_refused_with_the_rule(ctx: Context, citizen_tg: FakeBot,
                                                                  lang: str) -> None:
    chat = Chat(ctx, citizen_tg, {"ru": 797001, "kk": 797002, "en": 797003}[lang])
    linked = await citizen_bot.link_chat(ctx, user_id=chat.id, chat_id=chat.id, language=lang, chosen=True)
    report = await _filed(ctx, linked.citizen_id)
    await citizen_bot.withdraw_report(ctx, citizen_id=linked.citizen_id, report_id=report.id, seen=0,
                                      idempotency_key="withdrawn-before-rating")
    stars = await _forged(ctx, citizen_tg, chat.id, f"rate:{report.id}:0:5")
    await chat.feed(citizen_tg.user_taps_button(stars, f"rate:{report.id}:0:5", user=chat.user))
    said = chat.texts()[-1]
    assert REFUSED[lang] in said and report.number in said, said
    assert ERRORS["report.feedback_not_allowed"][lang].rstrip(".") in said
    assert (await _report(ctx, report.id)).satisfaction is None
