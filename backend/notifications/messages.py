"""Error codes of the notifications domain, in kk / ru / en."""

from __future__ import annotations

from backend.lib.messages import register_errors

register_errors({
    "device.not_found": {
        "ru": "Устройство не найдено",
        "kk": "Құрылғы табылмады",
        "en": "Device not found",
    },
    "device.target_missing": {
        "ru": "Нужен токен FCM или идентификатор установки Firebase (fid)",
        "kk": "FCM токені немесе Firebase орнату идентификаторы (fid) қажет",
        "en": "An FCM registration token or a Firebase installation id (fid) is required",
    },
    "alert.area_invalid": {
        "ru": "Область оповещения задана неверно",
        "kk": "Хабарландыру аймағы қате көрсетілген",
        "en": "The alert area is invalid",
    },
    "alert.rate_limited": {
        "ru": "Превышен лимит оповещений в час, попробуйте позже",
        "kk": "Сағаттық хабарландыру шегінен асты, кейінірек қайталаңыз",
        "en": "Too many alerts this hour, try again later",
    },
})
