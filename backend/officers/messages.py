"""Error codes of the officers domain (kk / ru / en)."""

from __future__ import annotations

from backend.lib.messages import register_errors

register_errors({
    "officer.bad_credentials": {
        "ru": "Неверный номер жетона или пароль",
        "kk": "Жетон нөмірі немесе құпиясөз қате",
        "en": "Wrong badge number or password",
    },
    "officer.device_not_allowed": {
        "ru": "Это устройство не зарегистрировано для сотрудника",
        "kk": "Бұл құрылғы қызметкерге тіркелмеген",
        "en": "This device is not enrolled for the officer",
    },
    "officer.token_invalid": {
        "ru": "Сессия недействительна или истекла, войдите снова",
        "kk": "Сессия жарамсыз немесе мерзімі өтті, қайта кіріңіз",
        "en": "The session is invalid or expired; sign in again",
    },
    "officer.not_found": {
        "ru": "Сотрудник не найден",
        "kk": "Қызметкер табылмады",
        "en": "Officer not found",
    },
    "officer.unit_not_found": {
        "ru": "Наряд не найден",
        "kk": "Жасақ табылмады",
        "en": "Unit not found",
    },
    "officer.badge_taken": {
        "ru": "Такой номер жетона уже есть",
        "kk": "Мұндай жетон нөмірі бар",
        "en": "This badge number already exists",
    },
    "officer.no_unit": {
        "ru": "Сотрудник не состоит в наряде",
        "kk": "Қызметкер жасақта емес",
        "en": "The officer is not in a unit",
    },
})
