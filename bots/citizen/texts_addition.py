"""The citizen bot's texts of files added to a report just filed (report_addition) and of words kept while a question
about a voice message waited (report_draft.take_offer), in Kazakh, Russian and English: merged into texts.TEXTS."""

from __future__ import annotations

ADDITION_TEXTS: dict[str, dict[str, str]] = {
    "report_add_ask": {
        "kk": "№ {number} өтінішіңіз әлі қаралуда. Жіберген файлдарыңызды соған қосайын ба, әлде жаңа өтініш "
              "бересіз бе?",
        "ru": "Ваше обращение № {number} ещё рассматривается. Добавить присланные файлы к нему или подать новое "
              "обращение?",
        "en": "Your report No. {number} is still being handled. Add the files you sent to it, or file a new report?",
    },
    "btn_add_to": {"kk": "№ {number} өтінішке қосу", "ru": "Добавить к № {number}", "en": "Add to No. {number}"},
    "btn_add_new": {"kk": "Жаңа өтініш", "ru": "Новое обращение", "en": "New report"},
    # the comment the files are sent with when the citizen wrote nothing with them (a comment needs words)
    "report_add_comment": {
        "kk": "Өтінішке қосымша файлдар.",
        "ru": "Дополнительные файлы к обращению.",
        "en": "More files for the report.",
    },
    "report_add_done": {
        "kk": "✅ № {number} өтінішке қосылған файлдар: {count}.",
        "ru": "✅ К обращению № {number} добавлено файлов: {count}.",
        "en": "✅ Files added to report No. {number}: {count}.",
    },
    "report_add_refused": {
        "kk": "№ {number} өтінішке қосу мүмкін болмады: {reason}. Ештеңе қосылған жоқ.",
        "ru": "Не удалось добавить к обращению № {number}: {reason}. Ничего не добавлено.",
        "en": "Could not add to report No. {number}: {reason}. Nothing was added.",
    },
    # the words of an answer to a request for information given as a voice message (reply_flow): a comment needs some
    "reply_voice_comment": {
        "kk": "🎙 Жауап дауыстық хабарламамен берілді.",
        "ru": "🎙 Ответ дан голосовым сообщением.",
        "en": "🎙 Answered by voice message.",
    },
    "report_words_taken": {
        "kk": "📝 Хабарламаңыз сипаттама ретінде алынды: «{text}»",
        "ru": "📝 Ваше сообщение принято как описание: «{text}»",
        "en": "📝 Your message is taken as the description: “{text}”",
    },
}
