"""The export's column headers and values, in the requester's language (kk / ru / en)."""

from __future__ import annotations

# column key -> texts; the order here is the export's column order
COLUMNS: dict[str, dict[str, str]] = {
    "id": {"ru": "ID", "kk": "ID", "en": "ID"},
    "number": {"ru": "Номер талона", "kk": "Талон нөмірі", "en": "Report number"},
    "category": {"ru": "Категория", "kk": "Санат", "en": "Category"},
    "district": {"ru": "Район", "kk": "Аудан", "en": "District"},
    "unit_code": {"ru": "Наряд", "kk": "Жасақ", "en": "Unit"},
    "registered_at": {"ru": "Зарегистрировано (Алматы)", "kk": "Тіркелді (Алматы)", "en": "Registered (Almaty)"},
    "deadline_at": {"ru": "Срок (текущий)", "kk": "Мерзім (ағымдағы)", "en": "Deadline (current)"},
    "original_deadline_at": {"ru": "Первоначальный срок", "kk": "Бастапқы мерзім", "en": "Original deadline"},
    "extended": {"ru": "Продлён", "kk": "Ұзартылды", "en": "Extended"},
    "redirect_due_at": {"ru": "Срок перенаправления", "kk": "Құзыреті бойынша жолдау мерзімі", "en": "Redirect due"},
    "closed_at": {"ru": "Закрыто", "kk": "Жабылды", "en": "Closed"},
    # the late closing shown was set aside by a reopening (an appeal or oversight): the term missed stays listed.
    # Beside the closing it qualifies, and before the lapse and its days, which the export has always ended with
    "set_aside": {
        "ru": "Решение отменено (обжаловано или пересмотрено)",
        "kk": "Шешімнің күші жойылды (шағым немесе қайта қарау)",
        "en": "Decision set aside (appeal or review)",
    },
    "restricted": {"ru": "Ограниченный доступ", "kk": "Шектеулі қолжетімділік", "en": "Restricted"},
    "state": {"ru": "Нарушение", "kk": "Бұзушылық", "en": "Lapse"},
    "days_overdue": {
        "ru": "Просрочено рабочих дней",
        "kk": "Мерзімі өткен жұмыс күндері",
        "en": "Working days overdue",
    },
}

STATES: dict[str, dict[str, str]] = {
    "open_overdue": {"ru": "Не рассмотрено в срок", "kk": "Мерзімінде қаралмаған", "en": "Open past its term"},
    "closed_late": {
        "ru": "Рассмотрено с нарушением срока",
        "kk": "Мерзімі бұзылып қаралған",
        "en": "Closed after its term",
    },
    "redirect_overdue": {
        "ru": "Не перенаправлено в срок",
        "kk": "Мерзімінде жолданбаған",
        "en": "Not redirected in time",
    },
}

YES_NO: dict[bool, dict[str, str]] = {
    True: {"ru": "да", "kk": "иә", "en": "yes"},
    False: {"ru": "нет", "kk": "жоқ", "en": "no"},
}
