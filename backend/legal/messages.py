"""Error codes of the legal-help domain, in kk / ru / en."""

from __future__ import annotations

from backend.lib.messages import register_errors

register_errors({
    "legal.unavailable": {
        "ru": "Юридическая справка временно недоступна, попробуйте позже",
        "kk": "Құқықтық анықтама уақытша қолжетімсіз, кейінірек қайталаңыз",
        "en": "Legal help is temporarily unavailable, please try again later",
    },
})
