"""Keyboards of the citizen bot, built from the texts in the user's language."""

from __future__ import annotations

from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)

from bots.citizen.texts import t

LANGUAGE_NAMES = (("kk", "Қазақша"), ("ru", "Русский"), ("en", "English"))


def languages() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[
        InlineKeyboardButton(text=name, callback_data=f"lang:{code}") for code, name in LANGUAGE_NAMES
    ]])


def main_menu(lang: str) -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(resize_keyboard=True, keyboard=[
        [KeyboardButton(text=t("btn_ask", lang)), KeyboardButton(text=t("btn_report", lang))],
        [KeyboardButton(text=t("btn_my_reports", lang)), KeyboardButton(text=t("btn_language", lang))],
    ])


def send_location(lang: str) -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(resize_keyboard=True, one_time_keyboard=True, keyboard=[
        [KeyboardButton(text=t("btn_send_location", lang), request_location=True)],
        [KeyboardButton(text=t("btn_cancel", lang))],
    ])


def cancel_report(lang: str, use: str = "") -> InlineKeyboardMarkup:
    """The description step's way back: the menu's reply keyboard stays under it, and /cancel is easy to forget.
    `use`: words typed earlier (quoted, shortened), offered as the description, which they become only when tapped."""
    rows = [[InlineKeyboardButton(text=t("btn_use_typed", lang, text=use), callback_data="report:use_typed")]] if use \
        else []
    rows.append([InlineKeyboardButton(text=t("btn_cancel", lang), callback_data="report:cancel")])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def skip_photo(lang: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[
        InlineKeyboardButton(text=t("btn_skip", lang), callback_data="report:skip"),
        InlineKeyboardButton(text=t("btn_cancel", lang), callback_data="report:cancel"),
    ]])


def photos_done(lang: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[
        InlineKeyboardButton(text=t("btn_photos_done", lang), callback_data="report:photos_done"),
        InlineKeyboardButton(text=t("btn_cancel", lang), callback_data="report:cancel"),
    ]])


def confirm(lang: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[
        InlineKeyboardButton(text=t("btn_send", lang), callback_data="report:send"),
        InlineKeyboardButton(text=t("btn_cancel", lang), callback_data="report:cancel"),
    ]])


def offer_report(lang: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[
        InlineKeyboardButton(text=t("btn_file_report", lang), callback_data="report:start"),
    ]])


def continue_or_restart(lang: str) -> InlineKeyboardMarkup:
    """"Report" typed while a report is being written: go on with it, or start again (dropping it)."""
    return InlineKeyboardMarkup(inline_keyboard=[[
        InlineKeyboardButton(text=t("btn_report_continue", lang), callback_data="report:continue"),
        InlineKeyboardButton(text=t("btn_report_restart", lang), callback_data="report:restart"),
    ]])


def offer_report_with(lang: str) -> InlineKeyboardMarkup:
    """A voice message or audio file sent outside a report: file a report with it, or not."""
    return InlineKeyboardMarkup(inline_keyboard=[[
        InlineKeyboardButton(text=t("btn_offer_yes", lang), callback_data="report:offer_yes"),
        InlineKeyboardButton(text=t("btn_no", lang), callback_data="report:offer_no"),
    ]])


def add_or_new(lang: str, number: str, *, decline: bool = False, add: bool = True) -> InlineKeyboardMarkup:
    """Files sent outside a report shortly after one was filed: add them to that report, or file a new one; and, for
    a voice message or audio file (`decline`: it may be a question), neither ("No", as offer_report_with's). Not
    `add`: the report cannot take them (its files would pass the limit), so only a new report (or "No") is offered."""
    first = [InlineKeyboardButton(text=t("btn_add_to", lang, number=number), callback_data="report:add_to")] if add \
        else []
    rows = [[*first, InlineKeyboardButton(text=t("btn_add_new", lang), callback_data="report:add_new")]]
    if decline:
        rows.append([InlineKeyboardButton(text=t("btn_no", lang), callback_data="report:offer_no")])
    return InlineKeyboardMarkup(inline_keyboard=rows)
