"""Error codes of the routing domain (kk / ru / en)."""

from __future__ import annotations

from backend.lib.messages import register_errors

register_errors({
    # a label is for a closed report only: an open report's category is corrected by reclassify, which also routes it
    "routing.label_report_open": {
        "ru": "Обращение ещё не закрыто: категорию открытого обращения исправляют переклассификацией (reclassify)",
        "kk": "Өтініш әлі жабылмаған: ашық өтініштің санаты қайта жіктеу (reclassify) арқылы түзетіледі",
        "en": "The report is still open: an open report's category is corrected with reclassify",
    },
})
