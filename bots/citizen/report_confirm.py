"""The report's confirmation: what will be filed, more words if the citizen writes them, "Send" (filed once, the
draft kept if the service fails) — and a "report:" button of a conversation that is over."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from aiogram import F
from aiogram.exceptions import TelegramBadRequest
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from backend.context import Context
from backend.lib.errors import ZanError
from backend.lib.i18n import pick
from backend.lib.messages import ERRORS
from backend.reports.idempotency import Stored
from bots.citizen import keyboards, service
from bots.citizen.middlewares import citizen_of
from bots.citizen.registry import Handlers
from bots.citizen.report_draft import (
    DECLINED_SINCE,
    FILED_SINCE,
    MAX_FILES,
    WORDS,
    ReportForm,
    add_to_description,
    ask_confirmation,
    draft_gone,
    local_date_iso,
)
from bots.citizen.report_offer import OFFER_NO
from bots.citizen.texts import t

log = logging.getLogger("zan.bots.citizen")
handlers = Handlers()


@handlers.message(ReportForm.confirm, *WORDS)
async def report_confirm_text(message: Message, state: FSMContext, ctx: Context, lang: str) -> None:
    """Words written instead of tapping "Send": added to the description, and the confirmation shows them, quoting
    the draft as it was just read and written (read again, it may be unreadable for want of Redis though the words
    are kept: "send that again" would add them twice)."""
    added = await add_to_description(message, state, lang, message.text or "", keyboards.confirm(lang))
    if added is not None:
        await ask_confirmation(message, state, ctx, lang, data=added)


@handlers.message(ReportForm.confirm)
async def report_confirm_other(message: Message, state: FSMContext, ctx: Context, lang: str) -> None:
    await ask_confirmation(message, state, ctx, lang)


@handlers.callback_query(ReportForm.confirm, F.data == "report:send")
async def report_send(callback: CallbackQuery, state: FSMContext, ctx: Context, lang: str,
                      linked: service.ChatUser | None) -> None:
    await callback.answer()
    message = callback.message
    if not isinstance(message, Message):
        return
    data = await state.get_data()
    if "key" not in data or "lat" not in data:
        # the other tap of a double tap filed it meanwhile, or the draft's data expired before its state (Redis
        # keeps the two under their own TTLs, and the state was written last)
        await draft_gone(message, state, data, lang)
        return
    user = await citizen_of(ctx, linked, callback.from_user, message.chat.id, lang)
    try:
        try:
            stored = await _file(ctx, user, data, lang)
        except ZanError as exc:
            if exc.code != "idempotency.key_reused":
                raise
            # the draft's key filed a report already, with other contents: the draft is a copy of one filed since
            # that Redis brought back (restarted from an older snapshot, or read stale while another worker kept the
            # chat in memory through an outage), and the citizen added to it. What they just confirmed is filed as a
            # report of its own under a new key: refused, "press Send again" would be refused for ever, and the files
            # added since (kept under the old key) never filed
            log.warning("telegram draft's key was filed already; filing the draft under a new key")
            data = await _rekeyed(state, ctx, data)
            stored = await _file(ctx, user, data, lang)
    except ZanError as exc:
        # the draft (text, place, files) is kept: a citizen reporting an offence must not have to write it all again
        # because the service failed once. The idempotency key stays too, so a retry cannot file it twice.
        reason = pick(ERRORS.get(exc.code, ERRORS["internal"]), lang).rstrip(".")
        log.info("telegram report not filed: %s", exc.code)
        if exc.code == "report.outside_kazakhstan":
            await state.set_state(ReportForm.location)
            await message.answer(t("report_location_outside", lang), reply_markup=keyboards.send_location(lang))
            return
        await message.answer(t("report_retry", lang, reason=reason), reply_markup=keyboards.confirm(lang))
        return
    # the draft's data is replaced in one write (never empty in between: a concurrent second tap reading it then
    # would hear "expired"), so the buttons of this conversation are told apart from those of an expired one
    await state.set_data({FILED_SINCE: data.get("since", 0)})
    await state.set_state(None)
    await service.forget_draft(ctx, data["key"])
    try:
        await message.edit_reply_markup(reply_markup=None)
    except TelegramBadRequest as exc:
        if "not modified" in exc.message:
            # both taps of a double tap got the same stored answer (one idempotency key); Telegram applies one
            # removal of the buttons, and the tap whose removal came second stays silent: one "registered" message
            return
        log.info("confirmation buttons not removed: %s", exc.message)
    body = stored.body
    text = t("report_filed", lang, number=body["number"], deadline=local_date_iso(body["deadline_at"]))
    if body.get("routing", {}).get("urgent"):
        text = t("urgent_banner", lang) + "\n\n" + text
    await message.answer(text, reply_markup=keyboards.main_menu(lang))



async def _file(ctx: Context, user: service.ChatUser, data: dict[str, Any], lang: str) -> Stored:
    """The draft filed once (its key the idempotency key: a double tap or a re-delivered update files it once)."""
    return await service.file_report(
        ctx, citizen_id=user.citizen_id, text=data["text"], lat=data["lat"], lon=data["lon"],
        accuracy_m=data.get("accuracy"), media_ids=(await service.draft_media(ctx, data["key"]))[:MAX_FILES],
        language=lang, idempotency_key=f"telegram:{data['key']}",
    )


async def _rekeyed(state: FSMContext, ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """The draft under a new key, its files with it: the draft's data as now written."""
    key = uuid.uuid4().hex
    await service.move_draft(ctx, str(data["key"]), key)
    await state.update_data(key=key)
    return {**data, "key": key}


@handlers.callback_query(F.data.startswith("report:"))
async def report_stale_button(callback: CallbackQuery, state: FSMContext, lang: str) -> None:
    """A button of another step or of a conversation that is over: acknowledged so the client stops spinning.

    Within a conversation (a second tap on "Done") or on the report just filed (the other tap of a double tap on
    "Send") that is all. With no conversation at all — it expired after a day, was cancelled, or its state was
    lost — the citizen is told that nothing was sent: a "Send" that answers nothing looks like a report filed."""
    await callback.answer()
    message = callback.message
    if not isinstance(message, Message) or await state.get_state() is not None:
        return
    data = await state.get_data()
    declined = data.get(DECLINED_SINCE)
    if callback.data == OFFER_NO and declined is not None and message.message_id > int(declined):
        return  # the other tap of a double "No": answered once
    await draft_gone(message, state, data, lang)
