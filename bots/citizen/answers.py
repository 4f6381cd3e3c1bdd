"""A legal answer as one Telegram message: the emergency banner, the follow-up note, the answer, then its sources."""

from __future__ import annotations

from bots.chats import fit
from bots.citizen.texts import t
from ml.legal import LegalAnswer
from ml.legal.messages import format_ref


def format_answer(answer: LegalAnswer, lang: str) -> str:
    """Plain text (no parse mode: quoted law may contain anything). Sources are listed by reference and title;
    the answer body already quotes them."""
    parts = []
    if answer.urgent:
        parts.append(t("urgent_banner", lang))
    if answer.follow_up:
        # read with the previous question: the citizen sees it, and how to ask on its own if that reading is wrong
        parts.append(t("legal_follow_up", lang))
    parts.append(answer.answer)
    if answer.citations:
        refs = [f"• {format_ref(c.code, c.article, c.part, lang)} «{c.title}»" for c in answer.citations]
        parts.append(f"📚 {t('sources', lang)}:\n" + "\n".join(refs))
    if answer.urgent or answer.suggested_action == "report":
        parts.append(t("offer_report", lang))
    text = "\n\n".join(parts)
    return fit(text)
