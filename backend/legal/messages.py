"""Error codes of the legal-help domain, in kk / ru / en."""

from __future__ import annotations

from backend.lib.messages import register_errors

register_errors({
    "legal.unavailable": {
        "ru": "Юридическая справка временно недоступна, попробуйте позже",
        "kk": "Құқықтық анықтама уақытша қолжетімсіз, кейінірек қайталаңыз",
        "en": "Legal help is temporarily unavailable, please try again later",
    },
    "legal.busy": {
        "ru": "Сейчас слишком много вопросов, повторите через несколько секунд. "
              "Если вам угрожает опасность — звоните 102",
        "kk": "Қазір сұрақ тым көп, бірнеше секундтан кейін қайталаңыз. Қауіп төніп тұрса — 102-ге қоңырау шалыңыз",
        "en": "Too many questions right now, please try again in a few seconds. If you are in danger, call 102",
    },
})
