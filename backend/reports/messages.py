"""Error codes of the citizen's steps on their report (kk / ru / en), beside those in backend/lib/messages.py."""

from __future__ import annotations

from backend.lib.messages import register_errors

register_errors({
    # a withdrawal that lost the race to a closing (a dispatcher's, a crew's): the problem names how it closed
    "report.already_closed": {
        "ru": "Обращение уже закрыто, отозвать его нельзя",
        "kk": "Өтініш жабылып қойған, оны кері қайтарып алуға болмайды",
        "en": "The report has already been closed and can no longer be withdrawn",
    },
})
