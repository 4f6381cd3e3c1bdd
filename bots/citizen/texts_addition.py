"""The citizen bot's texts of files added to a report just filed (report_addition: its question, "Add", its refusals
and "No" of a voice message) and of what the questions about files sent outside a report end in (report_offer's "No",
words kept for report_asked.take_offer), in Kazakh, Russian and English: merged into texts.TEXTS."""

from __future__ import annotations

ADDITION_TEXTS: dict[str, dict[str, str]] = {
    "report_add_ask": {
        "kk": "№ {number} өтінішіңіз әлі қаралуда. Жіберген файлдарыңызды соған қосайын ба, әлде жаңа өтініш "
              "бересіз бе?",
        "ru": "Ваше обращение № {number} ещё рассматривается. Добавить присланные файлы к нему или подать новое "
              "обращение?",
        "en": "Your report No. {number} is still being handled. Add the files you sent to it, or file a new report?",
    },
    # a voice message or audio file sent without words: it may be a question (the bot reads no voice), so "No" too
    "report_add_voice_ask": {
        "kk": "№ {number} өтінішіңіз әлі қаралуда. Осы хабарламаны соған қосайын ба, әлде жаңа өтініш бересіз бе? "
              "Дауыстық хабарламаларды тани алмаймын: бұл сұрақ болса, «Жоқ» батырмасын басып, оны мәтінмен жазыңыз.",
        "ru": "Ваше обращение № {number} ещё рассматривается. Добавить это сообщение к нему или подать новое "
              "обращение? Голосовые сообщения я не распознаю: если это вопрос, нажмите «Нет» и напишите его текстом.",
        "en": "Your report No. {number} is still being handled. Add this message to it, or file a new report? I cannot "
              "understand voice messages: if it is a question, tap “No” and type it.",
    },
    "btn_add_to": {"kk": "№ {number} өтінішке қосу", "ru": "Добавить к № {number}", "en": "Add to No. {number}"},
    "btn_add_new": {"kk": "Жаңа өтініш", "ru": "Новое обращение", "en": "New report"},
    # the comment the files are sent with when the citizen wrote nothing with them (a comment needs words)
    "report_add_comment": {
        "kk": "Өтінішке қосымша файлдар.",
        "ru": "Дополнительные файлы к обращению.",
        "en": "More files for the report.",
    },
    # the same, for a voice message or an audio file added with no words
    "report_add_voice_comment": {
        "kk": "🎙 Өтінішке дауыстық хабарлама қосылды.",
        "ru": "🎙 К обращению добавлено голосовое сообщение.",
        "en": "🎙 A voice message added to the report.",
    },
    "report_add_audio_comment": {
        "kk": "🎧 Өтінішке аудиожазба қосылды.",
        "ru": "🎧 К обращению добавлена аудиозапись.",
        "en": "🎧 An audio recording added to the report.",
    },
    # "Add" tapped while a file sent meanwhile is still being stored (a callback alert: at most 200 characters)
    "report_add_wait": {
        "kk": "Файл әлі сақталып жатыр. Ол сақталған соң қайта сұраймын.",
        "ru": "Файл ещё сохраняется. Я спрошу снова, как только он будет сохранён.",
        "en": "A file is still being saved. I will ask again as soon as it is saved.",
    },
    # "Add" refused as the report was closed meanwhile: what was sent goes on as it would with no report to add to
    "report_add_closed": {
        "kk": "№ {number} өтініш жабылды, оған ештеңе қосылмайды.",
        "ru": "Обращение № {number} уже закрыто, добавить к нему ничего нельзя.",
        "en": "Report No. {number} is closed, so nothing can be added to it.",
    },
    # "No" to the question about a voice message: nothing added, nothing filed, what was sent deleted
    "report_add_declined": {
        "kk": "Жақсы: № {number} өтінішке ештеңе қосылмады, жаңа өтініш берілмеді, жібергеніңіз жойылды. "
              "Сұрағыңызды мәтінмен бір хабарламамен жазыңыз.",
        "ru": "Хорошо: к обращению № {number} ничего не добавлено, новое не подано, присланное удалено. Вопрос "
              "напишите текстом одним сообщением.",
        "en": "All right: nothing was added to report No. {number}, no new report, and what you sent is deleted. Type "
              "your question in one message.",
    },
    # "No" to "File a report with this?" when more than the voice message was sent meanwhile
    "report_offer_declined_files": {
        "kk": "Жақсы: өтініш берілмеді, жіберген {count} файлыңыз жойылды. Сұрағыңызды мәтінмен бір хабарламамен "
              "жазыңыз.",
        "ru": "Хорошо: обращение не подано, присланные файлы ({count}) удалены. Вопрос напишите текстом одним "
              "сообщением.",
        "en": "All right: no report, and the {count} files you sent are deleted. Type your question in one message.",
    },
    "report_add_done": {
        "kk": "✅ № {number} өтінішке қосылған файлдар: {count}.",
        "ru": "✅ К обращению № {number} добавлено файлов: {count}.",
        "en": "✅ Files added to report No. {number}: {count}.",
    },
    # "Add" with more files than the report has room for: those that fit are added, the ones sent last are not
    "report_add_over_limit": {
        "kk": "⚠️ Соңғы жіберілген {count} файл қосылмады: {reason}. Олар сақталды: олармен жаңа өтініш беруге "
              "болады.",
        "ru": "⚠️ Последние присланные файлы ({count}) не добавлены: {reason}. Они сохранены: с ними можно подать "
              "новое обращение.",
        "en": "⚠️ The last {count} files you sent were not added: {reason}. They are kept: you can file a new report "
              "with them.",
    },
    # "Add" to a report that had no room left before it, with a place sent: the place is added alone, no file is
    "report_add_none_fit": {
        "kk": "⚠️ Жіберілген {count} файл қосылмады: {reason}. Олар сақталды: олармен жаңа өтініш беруге болады.",
        "ru": "⚠️ Присланные файлы ({count}) не добавлены: {reason}. Они сохранены: с ними можно подать новое "
              "обращение.",
        "en": "⚠️ The files you sent ({count}) were not added: {reason}. They are kept: you can file a new report with "
              "them.",
    },
    # a whole "Add" with files past the limit still downloading (never added): their captions were not posted either
    "report_add_captions_not_added": {
        "kk": "Олардың жазулары да қосылмады: «{text}»",
        "ru": "Подписи к ним тоже не добавлены: «{text}»",
        "en": "Their captions were not added either: “{text}”",
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
    # "Add" refused as the report's files would pass the limit: asked again without "Add", which could only fail again
    "report_add_full_ask": {
        "kk": "Жібергеніңізді № {number} өтінішке қосу мүмкін емес. Жаңа өтініш бересіз бе?",
        "ru": "Добавить присланное к обращению № {number} нельзя. Подать новое обращение?",
        "en": "What you sent cannot be added to report No. {number}. File a new report?",
    },
    # the data of the question's draft expired before its state: a file sent then is asked about on its own
    "report_draft_lost": {
        "kk": "Бұрын жіберген файлдарыңыз енді сақталмайды: қажет болса, оларды қайта жіберіңіз.",
        "ru": "Файлы, присланные раньше, больше не хранятся: если они нужны, пришлите их снова.",
        "en": "The files you sent earlier are no longer kept: send them again if they are needed.",
    },
    # a file refused after "New report" took its caption as the description (tapped while the file was stored)
    "report_caption_dropped": {
        "kk": "Оның астындағы жазу да сипаттамаға енбеді.",
        "ru": "Подпись к нему в описание не вошла.",
        "en": "Its caption is not in the description either.",
    },
    # a location sent at the "Add" question: a filed report's place cannot be changed (the API has no such step), so
    # "Add" posts it in the comment as its coordinates; a new report takes it as its place
    "report_add_place_as_comment": {
        "kk": "«Қосу» батырмасын бассаңыз, ол № {number} өтінішке координаталарымен түсініктеме ретінде қосылады "
              "(берілген өтініштің оқиға орнын өзгерту мүмкін емес); жаңа өтініште ол оқиға орны болады.",
        "ru": "Если нажмёте «Добавить», оно будет добавлено к обращению № {number} комментарием с координатами (место "
              "поданного обращения изменить нельзя); в новом обращении оно станет местом происшествия.",
        "en": "If you tap “Add”, it is added to report No. {number} as a comment with its coordinates (a filed "
              "report's place cannot be changed); in a new report it becomes the place.",
    },
    # the comment's line with the place sent at the "Add" question (read by staff and the citizen alike)
    "report_add_place_line": {
        "kk": "📍 Өтініш берушінің көрсеткен орны: {lat}, {lon}",
        "ru": "📍 Место, указанное заявителем: {lat}, {lon}",
        "en": "📍 Place given by the reporter: {lat}, {lon}",
    },
    "report_add_place_added": {
        "kk": "📍 Оқиға орны № {number} өтінішке координаталарымен түсініктеме ретінде қосылды: өтініштің өз "
              "оқиға орны өзгермеді.",
        "ru": "📍 Место добавлено к обращению № {number} комментарием с координатами: место самого обращения не "
              "изменилось.",
        "en": "📍 The place is added to report No. {number} as a comment with its coordinates: the report's own place "
              "is unchanged.",
    },
    # words typed while a question about files waited were answered as a question: offered, never taken unasked
    "report_typed_offer": {
        "kk": "Жоғарыда жазған хабарламаңыз болған оқиғаны сипаттаса, «Пайдалану» батырмасын басыңыз: ол сипаттама "
              "болады.",
        "ru": "Если сообщение, которое вы написали выше, описывает случившееся, нажмите «Использовать»: оно станет "
              "описанием.",
        "en": "If the message you wrote above tells what happened, tap “Use” and it becomes the description.",
    },
    "report_typed_offer_many": {
        "kk": "Жоғарыда жазған {count} хабарламаңыз болған оқиғаны сипаттаса, «Пайдалану» батырмасын басыңыз: олар "
              "жазылған ретімен сипаттама болады.",
        "ru": "Если сообщения, которые вы написали выше ({count}), описывают случившееся, нажмите «Использовать»: "
              "по порядку они станут описанием.",
        "en": "If the {count} messages you wrote above tell what happened, tap “Use” and, in order, they become the "
              "description.",
    },
    "btn_use_typed": {"kk": "Пайдалану: «{text}»", "ru": "Использовать: «{text}»", "en": "Use: “{text}”"},
    # words joined from several captions over the limit of a description or a comment: cut, and said so
    "report_words_cut": {
        "kk": "Мәтін {max} таңбадан ұзын болды, сондықтан оның алғашқы {max} таңбасы ғана алынды.",
        "ru": "Текст был длиннее {max} символов, поэтому взяты только первые {max}.",
        "en": "The text was longer than {max} characters, so only its first {max} are taken.",
    },
    "report_words_taken": {
        "kk": "📝 Хабарламаңыз сипаттама ретінде алынды: «{text}»",
        "ru": "📝 Ваше сообщение принято как описание: «{text}»",
        "en": "📝 Your message is taken as the description: “{text}”",
    },
    # the same when several messages (typed, or the captions of several files) were joined into the description
    "report_words_taken_many": {
        "kk": "📝 {count} хабарламаңыз біріктіріліп, сипаттама ретінде алынды: «{text}»",
        "ru": "📝 Ваши сообщения ({count}) объединены и приняты как описание: «{text}»",
        "en": "📝 Your {count} messages are joined and taken as the description: “{text}”",
    },
}
