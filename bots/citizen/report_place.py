"""The report's place: a location inside Kazakhstan, or asked again."""

from __future__ import annotations

from aiogram import F
from aiogram.fsm.context import FSMContext
from aiogram.types import Message

from backend.context import Context
from bots.citizen import keyboards
from bots.citizen.registry import Handlers
from bots.citizen.report_draft import ReportForm, in_kazakhstan
from bots.citizen.texts import t

handlers = Handlers()


@handlers.message(ReportForm.location, F.location)
async def report_location(message: Message, state: FSMContext, ctx: Context, lang: str) -> None:
    location = message.location
    assert location is not None
    if not in_kazakhstan(ctx, location.latitude, location.longitude):
        # intake refuses it (report.outside_kazakhstan): asked again here, not after the files and the confirmation
        await message.answer(t("report_location_outside", lang), reply_markup=keyboards.send_location(lang))
        return
    await state.update_data(lat=location.latitude, lon=location.longitude,
                            accuracy=location.horizontal_accuracy)
    await state.set_state(ReportForm.photo)
    await message.answer(t("report_photo", lang), reply_markup=keyboards.skip_photo(lang))


@handlers.message(ReportForm.location)
async def report_location_missing(message: Message, lang: str) -> None:
    await message.answer(t("report_need_location", lang), reply_markup=keyboards.send_location(lang))

