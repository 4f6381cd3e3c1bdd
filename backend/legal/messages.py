"""Error codes of the legal-help domain, in kk / ru / en."""

from __future__ import annotations

from backend.lib.messages import register_errors

register_errors({
    # whoever asks may be asking because something is happening to them: each refusal names both emergency numbers,
    # as the citizen bot's own refusals do
    "legal.unavailable": {
        "ru": "Юридическая справка временно недоступна, попробуйте позже. В экстренной ситуации звоните 102 или 112",
        "kk": "Құқықтық анықтама уақытша қолжетімсіз, кейінірек қайталаңыз. Төтенше жағдайда 102 немесе 112 нөміріне "
              "қоңырау шалыңыз",
        "en": "Legal help is temporarily unavailable, please try again later. In an emergency call 102 or 112",
    },
    "legal.busy": {
        "ru": "Сейчас слишком много вопросов, повторите через несколько секунд. "
              "Если вам угрожает опасность — звоните 102 или 112",
        "kk": "Қазір сұрақ тым көп, бірнеше секундтан кейін қайталаңыз. Қауіп төніп тұрса — 102 немесе 112 нөміріне "
              "қоңырау шалыңыз",
        "en": "Too many questions right now, please try again in a few seconds. If you are in danger, call 102 or 112",
    },
})
