"""Error codes of the dispatch domain (kk / ru / en)."""

from __future__ import annotations

from backend.lib.messages import register_errors

register_errors({
    "dispatch.no_unit_available": {
        "ru": "Нет свободного наряда для этого обращения",
        "kk": "Бұл өтінішке бос жасақ жоқ",
        "en": "No available unit can take this report",
    },
    "dispatch.unit_not_designated": {
        "ru": "Этот наряд не назначен для обращений такой категории",
        "kk": "Бұл жасақ мұндай санаттағы өтініштерге тағайындалмаған",
        "en": "This unit is not designated for reports of this category",
    },
    "dispatch.assignment_changed": {
        "ru": "Другой дежурный уже изменил назначение этого обращения: обновите карточку",
        "kk": "Басқа кезекші бұл өтініштің жасағын өзгертіп қойды: карточканы жаңартыңыз",
        "en": "Another duty officer has changed this report's unit meanwhile: reload the card",
    },
    "dispatch.report_changed": {
        "ru": "Обращение изменилось, пока вы его смотрели: обновите карточку и повторите действие",
        "kk": "Сіз қарап отырғанда өтініш өзгерді: карточканы жаңартып, әрекетті қайталаңыз",
        "en": "The report changed while you were viewing it: reload the card and try again",
    },
    "dispatch.duplicate_of_invalid": {
        "ru": "Укажите существующее исходное обращение",
        "kk": "Жүйеде бар бастапқы өтінішті көрсетіңіз",
        "en": "Name an existing original report",
    },
})
