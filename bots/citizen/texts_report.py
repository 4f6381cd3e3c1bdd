"""The citizen bot's texts of the report conversation (report_flow and its steps: the description, the place, the
files, the confirmation, and the question asked of a voice message sent outside a report), in Kazakh, Russian and
English: merged into texts.TEXTS, looked up with texts.t."""

from __future__ import annotations

REPORT_TEXTS: dict[str, dict[str, str]] = {
    "offer_report": {
        "kk": "Осы туралы полицияға өтініш бергіңіз келе ме?",
        "ru": "Хотите подать об этом обращение в полицию?",
        "en": "Would you like to file a report with the police about this?",
    },
    "btn_file_report": {"kk": "📝 Өтініш беру", "ru": "📝 Подать обращение", "en": "📝 File a report"},
    "report_text": {
        "kk": "Не болғанын сипаттаңыз: не, қашан, кім қатысты. Бас тарту үшін /cancel.",
        "ru": "Опишите, что произошло: что, когда, кто участвовал. Отменить — /cancel.",
        "en": "Describe what happened: what, when, who was involved. To cancel — /cancel.",
    },
    "report_text_short": {
        "kk": "Тым қысқа. Толығырақ сипаттаңыз.",
        "ru": "Слишком коротко. Опишите подробнее.",
        "en": "Too short. Please describe it in more detail.",
    },
    "report_location": {
        "kk": "Оқиға орнын жіберіңіз: төмендегі батырманы басыңыз немесе 📎 → Орналасу.",
        "ru": "Отправьте место происшествия: нажмите кнопку ниже или 📎 → Геопозиция.",
        "en": "Send the location: tap the button below or 📎 → Location.",
    },
    "report_location_outside": {
        "kk": "Бұл нүкте Қазақстаннан тыс. Оқиға орнын Қазақстан аумағында жіберіңіз (📎 → Орналасу). "
              "Сипаттамаңыз сақталды.",
        "ru": "Эта точка за пределами Казахстана. Отправьте место происшествия на территории Казахстана "
              "(📎 → Геопозиция). Ваше описание сохранено.",
        "en": "This point is outside Kazakhstan. Send the place of the incident in Kazakhstan (📎 → Location). "
              "Your description is kept.",
    },
    # the report's text is required (intake takes 1..5000 characters): a file or a voice message is not enough
    "report_text_need_words": {
        "kk": "Не болғанын қысқаша мәтінмен сипаттаңыз: өтінішке жазбаша сипаттама қажет.",
        "ru": "Коротко опишите словами, что произошло: обращению нужно письменное описание.",
        "en": "Please describe briefly in words what happened: a report needs a written description.",
    },
    # a photo, video or voice message sent before the location (with the description): kept in the draft, so the
    # citizen is not asked for it again at the files step
    "report_file_kept": {
        "kk": "📎 Файл өтінішке сақталды, оны қайта жіберудің қажеті жоқ.",
        "ru": "📎 Файл сохранён в обращении, присылать его ещё раз не нужно.",
        "en": "📎 The file is kept with the report: no need to send it again.",
    },
    "report_files_kept": {
        "kk": "📎 Файлдар өтінішке сақталды, оларды қайта жіберудің қажеті жоқ.",
        "ru": "📎 Файлы сохранены в обращении, присылать их ещё раз не нужно.",
        "en": "📎 The files are kept with the report: no need to send them again.",
    },
    # the same file sent again in a new message while the first copy is still downloaded and stored: its answer
    # comes with the earlier message, once stored
    "report_file_on_its_way": {
        "kk": "📎 Бұл файл алдыңғы хабарламаңыздан қабылданып жатыр, оны қайта жіберудің қажеті жоқ.",
        "ru": "📎 Этот файл уже принимается из вашего прежнего сообщения, присылать его ещё раз не нужно.",
        "en": "📎 This file is already on its way in from your earlier message: no need to send it again.",
    },
    "report_voice_kept": {
        "kk": "🎙 Дауыстық хабарлама өтінішке сақталды.",
        "ru": "🎙 Голосовое сообщение сохранено в обращении.",
        "en": "🎙 The voice message is kept with the report.",
    },
    # a file refused before the files step: said without the files step's "Done", which is not on screen yet
    "report_file_not_kept": {
        "kk": "Бұл файлды қабылдай алмадым: фото (10 МБ дейін), бейне немесе дауыстық хабарлама (20 МБ дейін) "
              "қажет.",
        "ru": "Не удалось принять этот файл: подходят фото (до 10 МБ), видео и голосовые сообщения (до 20 МБ).",
        "en": "I could not accept this file: photos (up to 10 MB), videos and voice messages (up to 20 MB) work.",
    },
    "report_file_store_down": {
        "kk": "Файл қоймасы уақытша қолжетімсіз, сондықтан бұл файл сақталмады: оны сәл кейінірек қайта жіберіңіз.",
        "ru": "Хранилище файлов временно недоступно, поэтому этот файл не сохранён: пришлите его ещё раз чуть "
              "позже.",
        "en": "File storage is temporarily unavailable, so this file was not saved: send it again a little later.",
    },
    "report_file_limit": {
        "kk": "Бір өтінішке {max} файлдан артық қосуға болмайды: бұл файл қосылмады.",
        "ru": "К одному обращению можно приложить не более {max} файлов: этот файл не приложен.",
        "en": "A report takes at most {max} files: this one is not attached.",
    },
    "report_files_so_far": {
        "kk": "📎 Қосылған файлдар: {count} / {max}.",
        "ru": "📎 Уже приложено файлов: {count} из {max}.",
        "en": "📎 Files attached so far: {count} of {max}.",
    },
    "report_caption_taken": {
        "kk": "📝 Файлдың астындағы жазу сипаттама ретінде алынды.",
        "ru": "📝 Подпись к файлу принята как описание.",
        "en": "📝 The caption is taken as the description.",
    },
    "report_text_added": {
        "kk": "📝 Сипаттамаға қосылды.",
        "ru": "📝 Добавлено к описанию.",
        "en": "📝 Added to the description.",
    },
    "report_text_corrected": {
        "kk": "✏️ Сипаттама түзетілді.",
        "ru": "✏️ Описание исправлено.",
        "en": "✏️ The description is corrected.",
    },
    "report_text_full": {
        "kk": "Сипаттама тым ұзын болып кетеді ({max} таңбадан артық), сондықтан бұл мәтін қосылмады. "
              "Қысқартып жіберіңіз.",
        "ru": "Описание получилось бы длиннее {max} символов, поэтому этот текст не добавлен. "
              "Пришлите его короче.",
        "en": "The description would be longer than {max} characters, so this text was not added. "
              "Please send it shorter.",
    },
    "report_photo_hint": {
        "kk": "Бұл қадамда фото немесе бейне, дауыстық хабарлама (немесе сипаттамаға қосатын мәтін) күтемін. "
              "Жіберіңіз немесе «Дайын» батырмасын басыңыз.",
        "ru": "На этом шаге я жду фото или видео, голосовое сообщение (или текст, который добавлю к описанию). "
              "Пришлите их или нажмите «Готово».",
        "en": "At this step I expect photos or videos, voice messages (or text to add to the description). Send "
              "them or tap “Done”.",
    },
    "report_retry": {
        "kk": "Өтінішті тіркеу мүмкін болмады: {reason}. Сипаттама, орын және файлдар сақталды — «Жіберу» "
              "батырмасын қайта басыңыз. Төтенше жағдайда бірден 102 немесе 112 нөміріне қоңырау шалыңыз.",
        "ru": "Не удалось зарегистрировать обращение: {reason}. Описание, место и файлы сохранены — нажмите "
              "«Отправить» ещё раз. В экстренной ситуации сразу звоните 102 или 112.",
        "en": "The report could not be registered: {reason}. The description, place and files are kept: tap "
              "“Send” again. In an emergency call 102 or 112 right away.",
    },
    # a draft's button tapped when its conversation is gone (after a day, a cancel, a lost state): nothing was filed by
    # it, yet an older confirmation of a report that was filed may carry a "Send" too, hence "if you did not get"
    "report_expired": {
        "kk": "Бұл өтініш жобасы енді сақталмайды, бұл батырма ештеңе жіберген жоқ. «Өтініш тіркелді» деген "
              "хабарлама келмеген болса, қайта бастаңыз: «🚨 Құқық бұзушылық туралы хабарлау». Өтініштеріңіз — "
              "/reports. Төтенше жағдайда бірден 102 немесе 112 нөміріне қоңырау шалыңыз.",
        "ru": "Этот черновик обращения больше не хранится, и эта кнопка ничего не отправила. Если вы не получили "
              "сообщение «Обращение зарегистрировано», начните заново: «🚨 Сообщить о правонарушении». Ваши "
              "обращения — /reports. В экстренной ситуации сразу звоните 102 или 112.",
        "en": "This draft report is no longer kept, and this button sent nothing. If you did not get “Report "
              "registered”, please start again: “🚨 Report an offence”. Your reports: /reports. In an emergency "
              "call 102 or 112 right away.",
    },
    # something sent at a step of a report whose draft expired (its data gone before its state): what was sent now is
    # taken afresh after it (a new report's description, file or place), or the menu is there to start again
    "report_draft_expired": {
        "kk": "Сіз жазып жатқан өтініштің жобасы енді сақталмайды: ол жіберілмеді.",
        "ru": "Черновик обращения, которое вы писали, больше не хранится: оно не отправлено.",
        "en": "The draft of the report you were writing is no longer kept: it was not sent.",
    },
    # the same, but the draft is only unreadable for a moment (Redis away): kept, and nothing sent was taken
    "report_draft_unread": {
        "kk": "Жазып жатқан өтінішіңізді қазір оқи алмадым. Ол жоғалған жоқ: бір минуттан кейін мұны қайта "
              "жіберіңіз. Төтенше жағдайда бірден 102 немесе 112 нөміріне қоңырау шалыңыз.",
        "ru": "Сейчас не удалось прочитать обращение, которое вы пишете. Оно не потеряно: через минуту отправьте это "
              "ещё раз. В экстренной ситуации сразу звоните 102 или 112.",
        "en": "I could not read the report you are writing just now. It is not lost: please send that again in a "
              "minute. In an emergency call 102 or 112 right away.",
    },
    # a file, place or "Report" with Redis away from the update's start: whether a report is in progress is unknown,
    # so none was started (it would replace one in progress) and nothing sent was taken
    "report_step_unknown": {
        "kk": "Қазір өтінішті жазып жатқаныңызды тексере алмадым, сондықтан бұл хабар қабылданбады. Өтінішті бастаған "
              "болсаңыз, ол жоғалған жоқ: бір минуттан кейін мұны қайта жіберіңіз. Төтенше жағдайда бірден 102 немесе "
              "112 нөміріне қоңырау шалыңыз.",
        "ru": "Сейчас не удалось проверить, пишете ли вы обращение, поэтому это сообщение не принято. Если вы начали "
              "обращение, оно не потеряно: через минуту отправьте это ещё раз. В экстренной ситуации сразу звоните 102 "
              "или 112.",
        "en": "I could not check just now whether you are writing a report, so this message was not taken. A report "
              "you have begun is not lost: please send that again in a minute. In an emergency call 102 or 112 right "
              "away.",
    },
    # the same, of a button ("Reply", "Appeal") that would have opened its step over a report in progress (stacked)
    "report_step_unknown_tap": {
        "kk": "Қазір өтінішті жазып жатқаныңызды тексере алмадым, сондықтан батырма орындалмады. Өтінішті бастаған "
              "болсаңыз, ол жоғалған жоқ: бір минуттан кейін батырманы қайта басыңыз. Төтенше жағдайда бірден 102 "
              "немесе 112 нөміріне қоңырау шалыңыз.",
        "ru": "Сейчас не удалось проверить, пишете ли вы обращение, поэтому кнопка не сработала. Если вы начали "
              "обращение, оно не потеряно: через минуту нажмите кнопку ещё раз. В экстренной ситуации сразу звоните "
              "102 или 112.",
        "en": "I could not check just now whether you are writing a report, so the button did nothing. A report you "
              "have begun is not lost: please tap the button again in a minute. In an emergency call 102 or 112 right "
              "away.",
    },
    # the language chosen while a report is being written: the report is kept and its step asked again
    "report_resumed": {
        "kk": "🌐 Тіл өзгертілді. Өтінішіңіз сақталды, жалғастырайық.",
        "ru": "🌐 Язык изменён. Ваше обращение сохранено, продолжим.",
        "en": "🌐 Language changed. Your report is kept; let us carry on.",
    },
    # "File a report" under an older legal answer tapped while a report is being written: that one goes on
    "report_in_progress": {
        "kk": "Сіз өтінішті жазып жатырсыз, ол сақталды — жалғастырайық. Жаңадан бастау үшін «Болдырмау» батырмасын "
              "басыңыз.",
        "ru": "Вы уже пишете обращение, оно сохранено — продолжим. Чтобы начать заново, нажмите «Отменить».",
        "en": "You are already writing a report, and it is kept: let us carry on. To start again, tap “Cancel”.",
    },
    # "Report" typed while a report is being written: nothing of it is dropped before the citizen chooses
    "report_restart_ask": {
        "kk": "Сіз өтінішті жазып жатырсыз. Оны жалғастырасыз ба, әлде жаңадан бастайсыз ба? Жаңадан бастасаңыз, "
              "оған жіберілгеннің бәрі жойылады.",
        "ru": "Вы уже пишете обращение. Продолжить его или начать заново? Если начать заново, всё, что вы к нему "
              "прислали, будет удалено.",
        "en": "You are writing a report. Continue it or start again? Starting again deletes everything you have sent "
              "for it.",
    },
    "btn_report_continue": {"kk": "▶️ Жалғастыру", "ru": "▶️ Продолжить", "en": "▶️ Continue"},
    "btn_report_restart": {"kk": "🔄 Жаңадан бастау", "ru": "🔄 Начать заново", "en": "🔄 Start again"},
    # a voice message or audio file sent outside a report: kept in a draft until the citizen says whether it is one
    # (a question asked by voice is as likely, and the bot answers questions in words only)
    "report_offer": {
        "kk": "Осы хабарламамен полицияға өтініш бересіз бе? Дауыстық хабарламаларды тани алмаймын: бұл сұрақ болса, "
              "«Жоқ» батырмасын басып, оны мәтінмен жазыңыз.",
        "ru": "Подать обращение в полицию с этим сообщением? Голосовые сообщения я не распознаю: если это вопрос, "
              "нажмите «Нет» и напишите его текстом.",
        "en": "File a report with the police with this message? I cannot understand voice messages: if it is a "
              "question, tap “No” and type it.",
    },
    "btn_offer_yes": {"kk": "✅ Иә, өтініш беру", "ru": "✅ Да, подать обращение", "en": "✅ Yes, file a report"},
    "report_offer_declined": {
        "kk": "Жақсы: өтініш берілмеді, файл жойылды. Сұрағыңызды мәтінмен бір хабарламамен жазыңыз.",
        "ru": "Хорошо: обращение не подано, файл удалён. Вопрос напишите текстом одним сообщением.",
        "en": "All right: no report, and the file is deleted. Type your question in one message.",
    },
    # a button of an earlier report's messages tapped while another is being written (a callback alert: at most 200
    # characters): it neither cancels nor sends the one on screen
    "report_button_earlier": {
        "kk": "Бұл батырма бұрынғы өтініштікі. Қазір жазып жатқан өтінішіңіз өзгермеді — жалғастырыңыз.",
        "ru": "Эта кнопка — от прежнего обращения. Обращение, которое вы сейчас пишете, не изменилось — продолжайте.",
        "en": "This button belongs to an earlier report. The report you are writing now is unchanged: carry on.",
    },
    "report_location_changed": {
        "kk": "📍 Оқиға орны жаңартылды.",
        "ru": "📍 Место происшествия обновлено.",
        "en": "📍 The location is updated.",
    },
    # a location sent where the description is expected: kept, so it is not asked for again after the description
    "report_location_kept": {
        "kk": "📍 Оқиға орны сақталды.",
        "ru": "📍 Место происшествия сохранено.",
        "en": "📍 The location is kept.",
    },
    "report_location_outside_early": {
        "kk": "Бұл нүкте Қазақстаннан тыс: оқиға орны Қазақстан аумағында болуы керек, оны сипаттамадан кейін "
              "сұраймын.",
        "ru": "Эта точка за пределами Казахстана: место происшествия должно быть на территории Казахстана, я "
              "спрошу его после описания.",
        "en": "This point is outside Kazakhstan: the place must be in Kazakhstan, and I will ask for it after the "
              "description.",
    },
    "btn_send_location": {"kk": "📍 Орналасуды жіберу", "ru": "📍 Отправить геопозицию", "en": "📍 Send location"},
    "report_need_location": {
        "kk": "Орналасуды Telegram арқылы жіберіңіз (📎 → Орналасу).",
        "ru": "Пришлите геопозицию через Telegram (📎 → Геопозиция).",
        "en": "Please share a location via Telegram (📎 → Location).",
    },
    "report_photo": {
        "kk": "5 фото немесе бейнеге дейін қоса аласыз (міндетті емес). Жіберіңіз немесе «Өткізіп жіберу» батырмасын "
              "басыңыз. Фотоны файл ретінде жіберсеңіз, оның уақыты мен орны сақталады.",
        "ru": "Можно приложить до 5 фото или видео (необязательно). Отправьте их или нажмите «Пропустить». "
              "Фото, отправленное файлом, сохранит время и место съёмки.",
        "en": "You may attach up to 5 photos or videos (optional). Send them or tap “Skip”. "
              "A photo sent as a file keeps the time and place it was taken.",
    },
    "report_photo_added": {
        "kk": "📎 Файл қабылданды: {count} / {max}. Тағы жіберіңіз немесе «Дайын» батырмасын басыңыз.",
        "ru": "📎 Принято файлов: {count} из {max}. Пришлите ещё или нажмите «Готово».",
        "en": "📎 Files received: {count} of {max}. Send more or tap “Done”.",
    },
    # the file that fills the draft, kept while Redis is away: the confirmation (it quotes the description) cannot be
    # shown, so it is promised for "Done" once the draft can be read; "send more" or "send that again" would be untrue
    "report_files_full_unread": {
        "kk": "📎 Файл қабылданды: {count} / {max}. Өтінішті тексеруге көрсету үшін оны қазір оқи алмадым. Ол "
              "жоғалған жоқ: бір минуттан кейін «Дайын» батырмасын басыңыз. Төтенше жағдайда бірден 102 немесе 112 "
              "нөміріне қоңырау шалыңыз.",
        "ru": "📎 Принято файлов: {count} из {max}. Сейчас не удалось прочитать обращение, чтобы показать его для "
              "проверки. Оно не потеряно: через минуту нажмите «Готово». В экстренной ситуации сразу звоните 102 "
              "или 112.",
        "en": "📎 Files received: {count} of {max}. I could not read the report just now to show it to you for a "
              "check. It is not lost: tap “Done” in a minute. In an emergency call 102 or 112 right away.",
    },
    "report_photo_limit": {
        "kk": "Бір өтінішке {max} файлдан артық қосуға болмайды. «Дайын» батырмасын басыңыз.",
        "ru": "К одному обращению можно приложить не более {max} файлов. Нажмите «Готово».",
        "en": "A report takes at most {max} files. Tap “Done”.",
    },
    "btn_photos_done": {"kk": "✅ Дайын", "ru": "✅ Готово", "en": "✅ Done"},
    "btn_skip": {"kk": "Өткізіп жіберу", "ru": "Пропустить", "en": "Skip"},
    "report_photo_bad": {
        "kk": "Бұл файлды қабылдай алмадым: фото (10 МБ дейін), бейне немесе дауыстық хабарлама (20 МБ дейін) "
              "қажет. Басқасын жіберіңіз немесе «Дайын» батырмасын басыңыз.",
        "ru": "Не удалось принять этот файл: подходят фото (до 10 МБ), видео и голосовые сообщения (до 20 МБ). "
              "Пришлите другой или нажмите «Готово».",
        "en": "I could not accept this file: photos (up to 10 MB), videos and voice messages (up to 20 MB) work. "
              "Send another one or tap “Done”.",
    },
    "report_photo_store_down": {
        "kk": "Файл қоймасы уақытша қолжетімсіз, сондықтан бұл файл сақталмады. Оны сәл кейінірек қайта "
              "жіберіңіз немесе өтінішті онсыз жіберу үшін «Дайын» батырмасын басыңыз.",
        "ru": "Хранилище файлов временно недоступно, поэтому этот файл не сохранён. Пришлите его ещё раз чуть "
              "позже или нажмите «Готово», чтобы отправить обращение без него.",
        "en": "File storage is temporarily unavailable, so this file was not saved. Send it again a little later "
              "or tap “Done” to file the report without it.",
    },
    "report_files_over_limit": {
        "kk": "⚠️ Өтінішке алғашқы {max} файл ғана қосылады; қалған {extra} файл қосылмады.",
        "ru": "⚠️ К обращению прикладываются только первые {max} файлов; ещё {extra} не приложены.",
        "en": "⚠️ Only the first {max} files go with the report; {extra} more were not attached.",
    },
    # an album's files all past the limit (late files of an album answered already, or an album sent to a full
    # draft): not "only the first 5", which they may well have been among
    "report_files_limit": {
        "kk": "⚠️ Бір өтінішке {max} файлдан артық қосуға болмайды. Қосылмаған файлдар: {extra}.",
        "ru": "⚠️ К одному обращению можно приложить не более {max} файлов. Не приложено файлов: {extra}.",
        "en": "⚠️ A report takes at most {max} files. Files not attached: {extra}.",
    },
    "report_confirm": {
        "kk": "Тексеріңіз:\n\n{text}\n\n📍 {lat:.5f}, {lon:.5f}\n📎 Файлдар: {photos}\n\n"
              "Сіздің жеке басыңыз Telegram арқылы расталмаған — бұл өтініште көрсетіледі. Жіберейін бе?",
        "ru": "Проверьте:\n\n{text}\n\n📍 {lat:.5f}, {lon:.5f}\n📎 Файлы: {photos}\n\n"
              "Ваша личность через Telegram не подтверждена — это будет указано в обращении. Отправить?",
        "en": "Please check:\n\n{text}\n\n📍 {lat:.5f}, {lon:.5f}\n📎 Files: {photos}\n\n"
              "Your identity is not verified via Telegram; the report will say so. Send it?",
    },
    "btn_send": {"kk": "✅ Жіберу", "ru": "✅ Отправить", "en": "✅ Send"},
    "report_filed": {
        "kk": "✅ Өтініш тіркелді: № {number}. Қарау мерзімі — {deadline} дейін. "
              "Мәртебе өзгергенде осында хабарлаймын.",
        "ru": "✅ Обращение зарегистрировано: № {number}. Срок рассмотрения — до {deadline}. "
              "О смене статуса сообщу здесь.",
        "en": "✅ Report registered: No. {number}. Deadline: {deadline}. I will tell you here when its status changes.",
    },
}
