"""A report's card in the duty bot: the "Open report" button under an escalation (bots.officer.escalations).

It works as the citizen bot's "Show" button (bots.citizen.notify / follow_up.show_update): the button carries the
report's id only, and tapping it asks the backend again, for the officer the chat is linked to at that moment
(`service.open_report`: the dispatch card's rule), before anything is shown; the message is then edited in place.

What the chat may hold is less than the console's card: the text with personal data masked (ml.pii, as the tablet and
the urgent offer show it, cut to an excerpt), and for a restricted category (domestic violence, children, complaints
about the police) neither its name, nor its place, nor its text: a chat's messages show on the lock screen and in the
chat list, and a phone is easily read over a shoulder. The console has the rest.
"""

from __future__ import annotations

import uuid

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from backend.context import Context
from backend.lib.i18n import pick
from backend.notifications.templates import ESCALATION_TERMS, district_name, local_time
from backend.reports.models import Report
from backend.reports.service import is_restricted
from bots.officer import service
from bots.officer.push import category_name, excerpt
from bots.officer.texts import STATUS_NAMES, t

OPEN_REPORT = "oreport:"  # callback data prefix of the "Open report" button, followed by the report's id


def open_keyboard(report: Report, lang: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(t("btn_open_report", lang),
                                                       callback_data=f"{OPEN_REPORT}{report.id}")]])


def card_text(report: Report, unit_code: str | None, lang: str) -> str:
    """The report as the chat shows it (see the module's docstring for what a restricted one leaves out)."""
    restricted = is_restricted(report)
    deadline = pick(ESCALATION_TERMS["deadline"], lang).format(at=local_time(report.deadline_at))
    text = t("card", lang, number=report.number, urgent=t("card_urgent", lang) if report.urgent else "",
             status=pick(STATUS_NAMES.get(report.status, {"ru": report.status}), lang),
             category=t("restricted_text", lang) if restricted else category_name(report, lang),
             district=district_name(report.district, lang) or t("none", lang), unit=unit_code or t("none", lang),
             deadline=deadline)
    if restricted:
        return text
    return f"{text}\n{t('card_place', lang, lat=report.lat, lon=report.lon)}\n\n{excerpt(report.text)}"


async def opened_report(ctx: Context, *, chat_id: int, data: str) -> service.Opened | None:
    """The report behind a tapped "Open report" (None: data no report id; it comes from the client)."""
    try:
        report_id = uuid.UUID(data.removeprefix(OPEN_REPORT))
    except ValueError:
        return None
    return await service.open_report(ctx, chat_id=chat_id, report_id=report_id)
