"""Error codes of the media domain (kk / ru / en) beyond the core ones in backend.lib.messages."""

from __future__ import annotations

from backend.lib.messages import register_errors

register_errors({
    "media.upload_closed": {
        "ru": "Файл уже загружен и проверен, заменить его нельзя. Чтобы отправить другой файл, загрузите его заново",
        "kk": "Файл жүктеліп, тексерілген, оны ауыстыруға болмайды. Басқа файл жіберу үшін оны қайта жүктеңіз",
        "en": "The file has already been uploaded and verified and cannot be replaced; upload another file anew",
    },
})
