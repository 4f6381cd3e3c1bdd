"""Error codes of the sync and dispatch domains (kk / ru / en)."""

from __future__ import annotations

from backend.lib.messages import register_errors

register_errors({
    "sync.cursor_invalid": {
        "ru": "Курсор синхронизации повреждён",
        "kk": "Синхрондау курсоры бүлінген",
        "en": "The sync cursor has been tampered with",
    },
    "sync.reset_required": {
        "ru": "Нужна полная повторная синхронизация",
        "kk": "Толық қайта синхрондау қажет",
        "en": "A full resync is required",
    },
    "sync.batch_too_large": {
        "ru": "Слишком много изменений в одном пакете",
        "kk": "Бір пакетте өзгерістер тым көп",
        "en": "Too many mutations in one batch",
    },
    "sync.wrong_device": {
        "ru": "Пакет отправлен не с того устройства, на котором выполнен вход",
        "kk": "Пакет кіру орындалған құрылғыдан жіберілмеген",
        "en": "The batch names a different device than the session's",
    },
    "sync.blob_not_declared": {
        "ru": "Файл доказательства не заявлен",
        "kk": "Дәлел файлы мәлімделмеген",
        "en": "This evidence file has not been declared",
    },
    "sync.blob_offset": {
        "ru": "Загрузка должна продолжаться с другого места",
        "kk": "Жүктеу басқа орыннан жалғасуы керек",
        "en": "The upload must resume at another offset",
    },
    "sync.blob_hash_mismatch": {
        "ru": "Содержимое файла не совпадает с его хешем",
        "kk": "Файл мазмұны оның хешіне сәйкес келмейді",
        "en": "The file content does not match its hash",
    },
    "sync.blob_store_unavailable": {
        "ru": "Файл получен полностью, но хранилище сейчас недоступно. Повторите последний запрос позже — "
              "заново загружать файл не нужно",
        "kk": "Файл толық алынды, бірақ қойма қазір қолжетімсіз. Соңғы сұрауды кейінірек қайталаңыз — "
              "файлды қайта жүктеудің қажеті жоқ",
        "en": "The file arrived in full but the store is unavailable; repeat the last request later, "
              "without uploading the file again",
    },
    "sync.wanted_region_unknown": {
        "ru": "Неизвестный регион розыска: укажите national или код области либо города республиканского значения",
        "kk": "Іздеу өңірі белгісіз: national немесе облыстың не республикалық маңызы бар қаланың кодын көрсетіңіз",
        "en": "Unknown wanted-list region: give national or the code of a region or city of republican significance",
    },
})
