"""Error titles by stable code, in kk / ru / en. Codes are API contract: never rename one."""

from __future__ import annotations

ERRORS: dict[str, dict[str, str]] = {
    "validation.failed": {
        "ru": "Запрос содержит ошибки",
        "kk": "Сұрауда қателер бар",
        "en": "The request is invalid",
    },
    "validation.body_malformed": {
        "ru": "Тело запроса не является корректным JSON",
        "kk": "Сұрау денесі дұрыс JSON емес",
        "en": "The request body is not valid JSON",
    },
    "request.too_large": {
        "ru": "Запрос слишком большой",
        "kk": "Сұрау тым үлкен",
        "en": "The request is too large",
    },
    # a body for a JSON endpoint labelled otherwise (text/plain, a form) or not at all (backend/lib/inputs.py)
    "request.unsupported_media_type": {
        "ru": "Тело запроса должно быть в формате JSON (Content-Type: application/json)",
        "kk": "Сұрау денесі JSON пішімінде болуы керек (Content-Type: application/json)",
        "en": "The request body must be JSON (Content-Type: application/json)",
    },
    "auth.signature_missing": {
        "ru": "Запрос не подписан",
        "kk": "Сұрауға қол қойылмаған",
        "en": "The request is not signed",
    },
    "auth.signature_invalid": {
        "ru": "Подпись запроса неверна",
        "kk": "Сұраудың қолтаңбасы жарамсыз",
        "en": "The request signature is invalid",
    },
    "auth.clock_skew": {
        "ru": "Время запроса слишком расходится со временем сервера",
        "kk": "Сұрау уақыты сервер уақытынан тым алшақ",
        "en": "The request timestamp is too far from the server time",
    },
    "auth.replayed": {
        "ru": "Этот запрос уже был получен",
        "kk": "Бұл сұрау бұрын алынған",
        "en": "This request has already been received",
    },
    "auth.partner_unknown": {
        "ru": "Неизвестное партнёрское приложение",
        "kk": "Белгісіз серіктес қосымша",
        "en": "Unknown partner application",
    },
    "auth.iin_invalid": {
        "ru": "ИИН указан неверно",
        "kk": "ЖСН қате көрсетілген",
        "en": "The IIN is invalid",
    },
    "auth.unauthenticated": {
        "ru": "Требуется вход",
        "kk": "Кіру қажет",
        "en": "Authentication required",
    },
    "auth.forbidden": {
        "ru": "Недостаточно прав",
        "kk": "Құқықтар жеткіліксіз",
        "en": "You are not allowed to do this",
    },
    "idempotency.key_missing": {
        "ru": "Нужен заголовок Idempotency-Key",
        "kk": "Idempotency-Key тақырыбы қажет",
        "en": "The Idempotency-Key header is required",
    },
    "idempotency.key_reused": {
        "ru": "Этот Idempotency-Key уже использован с другим запросом",
        "kk": "Бұл Idempotency-Key басқа сұраумен қолданылған",
        "en": "This Idempotency-Key was already used with a different request",
    },
    "report.not_found": {
        "ru": "Обращение не найдено",
        "kk": "Өтініш табылмады",
        "en": "Report not found",
    },
    "report.outside_kazakhstan": {
        "ru": "Место происшествия вне территории Казахстана",
        "kk": "Оқиға орны Қазақстан аумағынан тыс",
        "en": "The location is outside Kazakhstan",
    },
    "report.anonymous_not_allowed": {
        "ru": "Анонимные обращения принимаются только о преступлениях и угрозах общественной безопасности",
        "kk": "Жасырын өтініштер тек қылмыстар мен қоғамдық қауіпсіздікке қатерлер туралы қабылданады",
        "en": "Anonymous reports are accepted only about crimes and threats to public security",
    },
    "report.transition_forbidden": {
        "ru": "Это действие недоступно для обращения в текущем статусе",
        "kk": "Өтініштің қазіргі мәртебесінде бұл әрекет қолжетімсіз",
        "en": "This action is not available in the report's current status",
    },
    # APPK: a complaint is not considered by the official whose decision it complains of
    "report.appeal_own_decision": {
        "ru": "Обжалуется ваше собственное решение: повторно обращение рассматривает другой сотрудник",
        "kk": "Шағым сіздің шешіміңізге берілген: өтінішті басқа қызметкер қайта қарайды",
        "en": "The appeal is against your own decision: another officer must decide it",
    },
    "report.extension_exceeded": {
        "ru": "Срок рассмотрения нельзя продлить более чем на два месяца в общей сложности",
        "kk": "Қарау мерзімін барлығы екі айдан артық ұзартуға болмайды",
        "en": "The deadline cannot be extended beyond two months in total",
    },
    "report.extension_not_later": {
        "ru": "Новый срок должен быть позже текущего срока и ещё не наступить",
        "kk": "Жаңа мерзім қазіргі мерзімнен кейін болуы және әлі келмеген болуы керек",
        "en": "The new deadline must be later than the current one and still ahead",
    },
    "report.term_lapsed": {
        "ru": "Срок рассмотрения уже истёк: продлить можно только срок, который ещё не наступил",
        "kk": "Қарау мерзімі өтіп кетті: тек әлі келмеген мерзімді ұзартуға болады",
        "en": "The deadline has already passed: only a term still running can be extended",
    },
    "report.term_running": {
        "ru": "Срок рассмотрения ещё не истёк: жалобу на его нарушение можно подать, когда он пройдёт",
        "kk": "Қарау мерзімі әлі өтпеді: оның бұзылуына шағымды мерзім өткен соң беруге болады",
        "en": "The deadline has not passed yet: a complaint about it can be filed once it has",
    },
    "report.complaint_filed": {
        "ru": "Жалоба на нарушение этого срока уже подана",
        "kk": "Осы мерзімнің бұзылуына шағым бұрын берілген",
        "en": "A complaint about this deadline has already been filed",
    },
    "report.feedback_not_allowed": {
        "ru": "Оценку можно поставить только закрытому обращению, которое вы не отзывали",
        "kk": "Бағаны тек сіз кері қайтарып алмаған жабылған өтінішке қоюға болады",
        "en": "Feedback can be given only for a closed report that you did not withdraw",
    },
    "report.feedback_given": {
        "ru": "Вы уже оценили это решение по обращению",
        "kk": "Сіз өтініш бойынша бұл шешімді бағалап қойдыңыз",
        "en": "You have already rated how this report was closed",
    },
    "report.unknown_category": {
        "ru": "Неизвестная категория",
        "kk": "Белгісіз санат",
        "en": "Unknown category",
    },
    "media.not_found": {
        "ru": "Файл не найден",
        "kk": "Файл табылмады",
        "en": "Media file not found",
    },
    "media.type_not_allowed": {
        "ru": "Такой тип файла не принимается",
        "kk": "Мұндай файл түрі қабылданбайды",
        "en": "This file type is not accepted",
    },
    "media.too_large": {
        "ru": "Файл слишком большой",
        "kk": "Файл тым үлкен",
        "en": "The file is too large",
    },
    "media.too_many": {
        "ru": "К обращению можно приложить не более 5 файлов",
        "kk": "Өтінішке 5 файлдан артық тіркеуге болмайды",
        "en": "At most 5 files can be attached to a report",
    },
    "media.not_uploaded": {
        "ru": "Файл ещё не загружен",
        "kk": "Файл әлі жүктелмеген",
        "en": "The file has not been uploaded yet",
    },
    "media.checksum_mismatch": {
        "ru": "Контрольная сумма файла не совпадает",
        "kk": "Файлдың бақылау сомасы сәйкес келмейді",
        "en": "The file checksum does not match",
    },
    "media.size_mismatch": {
        "ru": "Размер файла не совпадает с заявленным",
        "kk": "Файл өлшемі мәлімделгенге сәйкес келмейді",
        "en": "The file size does not match the declared size",
    },
    "media.upload_token_invalid": {
        "ru": "Ссылка для загрузки недействительна или устарела",
        "kk": "Жүктеу сілтемесі жарамсыз немесе ескірген",
        "en": "The upload link is invalid or expired",
    },
    "media.download_token_invalid": {
        "ru": "Ссылка на файл недействительна или устарела. Откройте вложения обращения заново",
        "kk": "Файл сілтемесі жарамсыз немесе ескірген. Өтініш тіркемелерін қайта ашыңыз",
        "en": "The file link is invalid or expired; open the report's attachments again",
    },
    "media.store_unavailable": {
        "ru": "Хранилище файлов временно недоступно. Повторите через несколько секунд — загруженное не потеряно",
        "kk": "Файл қоймасы уақытша қолжетімсіз. Бірнеше секундтан кейін қайталаңыз — жүктелгені жоғалмайды",
        "en": "The file store is temporarily unavailable; retry in a few seconds. Nothing uploaded is lost",
    },
    "media.already_attached": {
        "ru": "Файл уже приложен к другому обращению",
        "kk": "Файл басқа өтінішке тіркелген",
        "en": "The file is already attached to another report",
    },
    "pagination.cursor_invalid": {
        "ru": "Неверный курсор",
        "kk": "Курсор жарамсыз",
        "en": "Invalid cursor",
    },
    "routing.busy": {
        "ru": "Подсказка категории сейчас недоступна, повторите через секунду. На подачу обращений это не влияет",
        "kk": "Санат ұсынысы қазір қолжетімсіз, бір секундтан кейін қайталаңыз. Өтініш беруге бұл әсер етпейді",
        "en": "Category suggestions are busy; try again in a second. Filing reports is not affected",
    },
    "rate_limited": {
        "ru": "Слишком много запросов, попробуйте позже",
        "kk": "Сұраулар тым көп, кейінірек қайталаңыз",
        "en": "Too many requests, try again later",
    },
    "not_found": {
        "ru": "Не найдено",
        "kk": "Табылмады",
        "en": "Not found",
    },
    "method_not_allowed": {
        "ru": "Метод не поддерживается",
        "kk": "Әдіске қолдау көрсетілмейді",
        "en": "Method not allowed",
    },
    "database.unavailable": {
        "ru": "Сервис на несколько секунд недоступен. Отправьте запрос ещё раз: он будет учтён только один раз",
        "kk": "Қызмет бірнеше секундқа қолжетімсіз. Сұрауды қайта жіберіңіз: ол бір рет қана тіркеледі",
        "en": "The service is unavailable for a few seconds. Send the request again; it will be recorded only once",
    },
    # an unexpected failure rolls the request back: telling the citizen it was kept would make them not resend it
    "internal": {
        "ru": "Внутренняя ошибка сервера. Отправьте запрос ещё раз: он будет учтён только один раз",
        "kk": "Сервердің ішкі қатесі. Сұрауды қайта жіберіңіз: ол бір рет қана тіркеледі",
        "en": "Internal server error. Send the request again; it will be recorded only once",
    },
}

# Per-field problems, shown next to the JSON pointer of the field.
FIELD_ERRORS: dict[str, dict[str, str]] = {
    "required": {"ru": "Обязательное поле", "kk": "Міндетті өріс", "en": "This field is required"},
    "invalid": {"ru": "Неверное значение", "kk": "Мәні қате", "en": "Invalid value"},
    "too_short": {"ru": "Слишком коротко", "kk": "Тым қысқа", "en": "Too short"},
    "too_long": {"ru": "Слишком длинно", "kk": "Тым ұзын", "en": "Too long"},
    "out_of_range": {"ru": "Значение вне допустимого диапазона", "kk": "Мән рұқсат етілген ауқымнан тыс",
                     "en": "Value out of range"},
    "wrong_type": {"ru": "Неверный тип значения", "kk": "Мән түрі қате", "en": "Wrong value type"},
    "unknown_field": {"ru": "Неизвестное поле", "kk": "Белгісіз өріс", "en": "Unknown field"},
    "outside_kazakhstan": {"ru": "Точка вне Казахстана", "kk": "Нүкте Қазақстаннан тыс",
                           "en": "The point is outside Kazakhstan"},
    "in_future": {"ru": "Дата в будущем", "kk": "Күні болашақта", "en": "The date is in the future"},
    "timezone_required": {"ru": "Укажите время со смещением от UTC, например 2026-12-04T15:30:00+05:00",
                          "kk": "Уақытты UTC-ден ығысуымен көрсетіңіз, мысалы 2026-12-04T15:30:00+05:00",
                          "en": "Give the time with its UTC offset, e.g. 2026-12-04T15:30:00+05:00"},
    "not_found": {"ru": "Не найдено", "kk": "Табылмады", "en": "Not found"},
    "control_character": {"ru": "Недопустимый управляющий символ (U+0000)",
                          "kk": "Рұқсат етілмеген басқару таңбасы (U+0000)",
                          "en": "A forbidden control character (U+0000)"},
    # a restricted report (domestic violence, children, complaints about officers) never joins an incident
    "restricted": {"ru": "Обращение с ограниченным доступом нельзя объединять с другими",
                   "kk": "Қолжетімділігі шектелген өтінішті басқалармен біріктіруге болмайды",
                   "en": "A restricted report cannot be joined with others"},
}


def register_errors(messages: dict[str, dict[str, str]]) -> None:
    """Domains add their own error codes (kk/ru/en) at import; a code may be registered only once."""
    for code, texts in messages.items():
        if code in ERRORS and ERRORS[code] != texts:
            raise ValueError(f"error code {code!r} is already registered with other texts")
        missing = {"kk", "ru", "en"} - set(texts)
        if missing:
            raise ValueError(f"error code {code!r} lacks texts in {sorted(missing)}")
        ERRORS[code] = texts
