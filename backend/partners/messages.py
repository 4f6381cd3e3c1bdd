"""Error codes of partner apps' requests (kk / ru / en), beside the core ones in backend/lib/messages.py."""

from __future__ import annotations

from backend.lib.messages import register_errors

register_errors({
    # told only to a request signed with the app's own secret: whoever holds it is the partner, and learns why its
    # citizens' requests stopped working (a bare "signature invalid" sent its developers checking their signing code)
    "auth.partner_disabled": {
        "ru": "Партнёрское приложение отключено. Обратитесь к администратору сервиса",
        "kk": "Серіктес қосымша өшірілген. Сервис әкімшісіне хабарласыңыз",
        "en": "The partner application is disabled; contact the service's administrators",
    },
})
