"""Every text the citizen bot shows, in Kazakh, Russian and English: data, not code. The report conversation's are in
texts_report, those of files added to a report just filed in texts_addition; all are looked up here (`t`)."""

from __future__ import annotations

from backend.lib.i18n import DEFAULT_LANG, LANGS, pick
from bots.citizen.texts_addition import ADDITION_TEXTS
from bots.citizen.texts_report import REPORT_TEXTS

TEXTS: dict[str, dict[str, str]] = {
    "choose_language": {
        "kk": "Сәлеметсіз бе! Тілді таңдаңыз:",
        "ru": "Здравствуйте! Выберите язык:",
        "en": "Hello! Choose your language:",
    },
    "welcome": {
        "kk": "«Заң мен Тәртіп» боты. Құқықтық сұрағыңызды жазыңыз — заңнан дәйексөзбен жауап беремін. "
              "Құқық бұзушылық туралы хабарлауға немесе өтініштеріңіздің мәртебесін көруге болады.\n"
              "Төтенше жағдайда бірден 102 немесе 112 нөміріне қоңырау шалыңыз.",
        "ru": "Бот «Закон и Порядок». Напишите ваш юридический вопрос — отвечу со ссылками на закон. "
              "Можно также сообщить о правонарушении или посмотреть статус своих обращений.\n"
              "В экстренной ситуации сразу звоните 102 или 112.",
        "en": "The «Law and Order» bot. Write your legal question and I will answer with references to the law. "
              "You can also report an offence or check the status of your reports.\n"
              "In an emergency call 102 or 112 right away.",
    },
    "btn_ask": {"kk": "❓ Құқықтық сұрақ", "ru": "❓ Юридический вопрос", "en": "❓ Legal question"},
    "btn_report": {"kk": "🚨 Құқық бұзушылық туралы хабарлау", "ru": "🚨 Сообщить о правонарушении",
                   "en": "🚨 Report an offence"},
    "btn_my_reports": {"kk": "📋 Менің өтініштерім", "ru": "📋 Мои обращения", "en": "📋 My reports"},
    "btn_language": {"kk": "🌐 Тіл", "ru": "🌐 Язык", "en": "🌐 Language"},
    "btn_cancel": {"kk": "✖️ Болдырмау", "ru": "✖️ Отменить", "en": "✖️ Cancel"},
    "ask_prompt": {
        "kk": "Сұрағыңызды бір хабарламамен жазыңыз.",
        "ru": "Напишите ваш вопрос одним сообщением.",
        "en": "Write your question in one message.",
    },
    "thinking": {"kk": "Іздеп жатырмын…", "ru": "Ищу ответ…", "en": "Looking it up…"},
    "sources": {"kk": "Дереккөздер", "ru": "Источники", "en": "Sources"},
    # an answer read together with the chat's previous question (`follow_up`): a wrong reading must be visible
    "legal_follow_up": {
        "kk": "↪️ Жауап алдыңғы сұрағыңызды ескеріп берілді. Бөлек сұрау үшін сұрағыңызды толық жазыңыз.",
        "ru": "↪️ Ответ дан с учётом вашего предыдущего вопроса. Чтобы спросить отдельно — напишите вопрос полностью.",
        "en": "↪️ This answer reads your question together with your previous one. To ask it on its own, write the "
              "question in full.",
    },
    "legal_unavailable": {
        "kk": "Құқықтық анықтама уақытша қолжетімсіз. Кейінірек қайталаңыз; шұғыл жағдайда — 102 / 112.",
        "ru": "Юридическая справка временно недоступна. Попробуйте позже; в экстренном случае — 102 / 112.",
        "en": "Legal help is temporarily unavailable. Please try later; in an emergency call 102 / 112.",
    },
    "legal_rate_limited": {
        "kk": "Сұрақтар тым жиі келіп жатыр. Келесі сұрақты {minutes} минуттан кейін қойыңыз. "
              "Шұғыл жағдайда дәл қазір 102 немесе 112 нөміріне қоңырау шалыңыз.",
        "ru": "Слишком много вопросов подряд. Следующий вопрос можно задать через {minutes} мин. "
              "В экстренной ситуации звоните 102 или 112 прямо сейчас.",
        "en": "Too many questions in a row. You can ask the next one in {minutes} min. "
              "In an emergency call 102 or 112 right now.",
    },
    "urgent_banner": {
        "kk": "🆘 Қауіп төніп тұрса — ДӘЛ ҚАЗІР 102 немесе 112 нөміріне қоңырау шалыңыз.",
        "ru": "🆘 Если есть опасность — ЗВОНИТЕ 102 или 112 ПРЯМО СЕЙЧАС.",
        "en": "🆘 If anyone is in danger, CALL 102 or 112 NOW.",
    },
    "cancelled": {"kk": "Болдырылмады.", "ru": "Отменено.", "en": "Cancelled."},
    "no_reports": {
        "kk": "Сізде әлі өтініштер жоқ.",
        "ru": "У вас пока нет обращений.",
        "en": "You have no reports yet.",
    },
    "my_reports": {"kk": "Сіздің өтініштеріңіз:", "ru": "Ваши обращения:", "en": "Your reports:"},
    "more_reports": {"kk": "Ертерек өтініштеріңіз:", "ru": "Более ранние обращения:", "en": "Earlier reports:"},
    "btn_more_reports": {"kk": "Тағы ▸", "ru": "Ещё ▸", "en": "More ▸"},
    "report_line": {
        "kk": "№ {number} — {status} ({date})",
        "ru": "№ {number} — {status} ({date})",
        "en": "No. {number} — {status} ({date})",
    },
    "status_changed": {
        "kk": "Өтініш № {number}: {status}.",
        "ru": "Обращение № {number}: {status}.",
        "en": "Report No. {number}: {status}.",
    },
    # a restricted report's update (domestic violence, children, complaints about the police): a chat's messages show
    # on the lock screen and in the chat list, so it says nothing of the report — no number, no status, no reason —
    # like the app's data-only push; the details come only when the citizen taps the button
    "update_discreet": {
        "kk": "🔔 Өтінішіңіз бойынша жаңалық бар. Оқу үшін «Көрсету» батырмасын басыңыз.",
        "ru": "🔔 По вашему обращению есть новости. Чтобы прочитать, нажмите «Показать».",
        "en": "🔔 There is an update on your report. Tap “Show” to read it.",
    },
    "btn_show_update": {"kk": "Көрсету", "ru": "Показать", "en": "Show"},
    # "Show" tapped once staff's question ended (answered, or withdrawn by a later step): no answer is awaited
    "update_question_ended": {
        "kk": "Бұл сұрақ енді жауап күтпейді.",
        "ru": "Этот вопрос больше не ждёт ответа.",
        "en": "This question no longer needs your answer.",
    },
    "update_unavailable": {
        "kk": "Бұл жаңалық енді қолжетімсіз. Өтініштеріңіздің мәртебесі — /reports.",
        "ru": "Эта новость больше недоступна. Статус ваших обращений — /reports.",
        "en": "This update is no longer available. The status of your reports: /reports.",
    },
    # staff asked the citizen for information (dispatch request-info): the status message and /reports offer "Reply";
    # the citizen's next message becomes a comment on the report, which puts it back in work
    "btn_reply": {"kk": "✍️ Жауап беру", "ru": "✍️ Ответить", "en": "✍️ Reply"},
    "btn_reply_to": {"kk": "✍️ № {number} өтінішке жауап беру", "ru": "✍️ Ответить по № {number}",
                     "en": "✍️ Reply on No. {number}"},
    "report_question": {"kk": "   ❓ {question}", "ru": "   ❓ {question}", "en": "   ❓ {question}"},
    "reply_prompt": {
        "kk": "№ {number} өтініш бойынша жауабыңызды бір хабарламамен жазыңыз. Фото немесе бейнені жазбасымен "
              "қоса жіберуге немесе дауыстық хабарламамен жауап беруге болады.",
        "ru": "Напишите ответ по обращению № {number} одним сообщением. Можно приложить фото или видео с "
              "подписью или ответить голосовым сообщением.",
        "en": "Write your answer on report No. {number} in one message. You may attach a photo or video with "
              "a caption, or answer with a voice message.",
    },
    "reply_sent": {
        "kk": "✅ Жауабыңыз № {number} өтінішке қосылды. Қызметкер оны көреді.",
        "ru": "✅ Ваш ответ добавлен к обращению № {number}. Сотрудник его увидит.",
        "en": "✅ Your answer was added to report No. {number}. The officer will see it.",
    },
    "reply_files_kept": {
        "kk": "📎 Файлдар алынды ({count}). Енді жауабыңызды сөзбен жазыңыз — файлдар онымен бірге жіберіледі.",
        "ru": "📎 Файлы получены ({count}). Теперь напишите ответ словами — файлы уйдут вместе с ним.",
        "en": "📎 Files received ({count}). Now write your answer in words; the files go with it.",
    },
    "reply_draft_kept": {
        "kk": "Өтініш жобасы сақталды — тоқтаған жерден жалғастырыңыз.",
        "ru": "Черновик обращения сохранён — продолжайте с того места, где остановились.",
        "en": "Your report draft is kept: carry on where you left off.",
    },
    "reply_file_kept": {
        "kk": "📎 Файл алынды ({count}). Енді жауабыңызды сөзбен жазыңыз — файл онымен бірге жіберіледі.",
        "ru": "📎 Файл получен ({count}). Теперь напишите ответ словами — файл уйдёт вместе с ним.",
        "en": "📎 File received ({count}). Now write your answer in words; the file goes with it.",
    },
    "reply_file_bad": {
        "kk": "Бұл файлды қабылдай алмадым: фото (10 МБ дейін), бейне немесе дауыстық хабарлама (20 МБ дейін) "
              "қажет. Басқасын жіберіңіз немесе жауапты сөзбен жазыңыз.",
        "ru": "Не удалось принять этот файл: подходят фото (до 10 МБ), видео и голосовые сообщения (до 20 МБ). "
              "Пришлите другой или напишите ответ словами.",
        "en": "I could not accept this file: photos (up to 10 MB), videos and voice messages (up to 20 MB) work. "
              "Send another one or write your answer in words.",
    },
    "reply_file_store_down": {
        "kk": "Файл қоймасы уақытша қолжетімсіз, сондықтан бұл файл сақталмады. Оны сәл кейінірек қайта "
              "жіберіңіз немесе жауапты онсыз жазыңыз.",
        "ru": "Хранилище файлов временно недоступно, поэтому этот файл не сохранён. Пришлите его чуть позже "
              "или напишите ответ без него.",
        "en": "File storage is temporarily unavailable, so this file was not saved. Send it again a little later "
              "or write your answer without it.",
    },
    "reply_hint": {
        "kk": "Жауабыңызды сөзбен жазыңыз немесе «Болдырмау» батырмасын басыңыз.",
        "ru": "Напишите ответ словами или нажмите «Отменить».",
        "en": "Write your answer in words, or tap “Cancel”.",
    },
    "reply_not_found": {
        "kk": "Бұл өтініш табылмады: тек өз өтініштеріңізге жауап бере аласыз. Тізім — /reports.",
        "ru": "Обращение не найдено: ответить можно только по своим обращениям. Список — /reports.",
        "en": "Report not found: you can only answer on your own reports. Your list: /reports.",
    },
    "reply_closed": {
        "kk": "№ {number} өтініш жабылды, оған жауап қосылмайды. Қажет болса, жаңа өтініш жіберіңіз.",
        "ru": "Обращение № {number} закрыто, ответ к нему не добавить. При необходимости подайте новое обращение.",
        "en": "Report No. {number} is closed, so no answer can be added. File a new report if needed.",
    },
    "reply_withdrawn": {
        "kk": "Сіз № {number} өтінішті қайтарып алдыңыз, оған жауап қосылмайды. Қажет болса, жаңа өтініш "
              "жіберіңіз.",
        "ru": "Вы отозвали обращение № {number}, ответ к нему не добавить. При необходимости подайте новое "
              "обращение.",
        "en": "You withdrew report No. {number}, so no answer can be added. File a new report if needed.",
    },
    "reply_empty": {
        "kk": "Жауап бос болмауы керек: сөзбен жазыңыз.",
        "ru": "Ответ не может быть пустым: напишите его словами.",
        "en": "The answer cannot be empty: please write it in words.",
    },
    "reply_files_limit": {
        "kk": "Өтінішке барлығы {max} файлдан артық қосылмайды, сондықтан жауап жіберілмеді. Оны файлсыз қайта "
              "жазыңыз.",
        "ru": "К обращению можно приложить не более {max} файлов всего, поэтому ответ не отправлен. Напишите его "
              "ещё раз без файлов.",
        "en": "A report takes at most {max} files in all, so the answer was not sent. Write it again without files.",
    },
    "bot_unavailable": {
        "kk": "Хабарламаңызды өңдей алмадым: қызмет уақытша қолжетімсіз. Бірнеше минуттан кейін қайталап "
              "көріңіз. Төтенше жағдайда бірден 102 немесе 112 нөміріне қоңырау шалыңыз.",
        "ru": "Не удалось обработать ваше сообщение: сервис временно недоступен. Попробуйте ещё раз через "
              "несколько минут. В экстренной ситуации сразу звоните 102 или 112.",
        "en": "I could not process your message: the service is temporarily unavailable. Please try again in a "
              "few minutes. In an emergency call 102 or 112 right away.",
    },
    # callback alerts take at most 200 characters
    "private_only": {
        "kk": "Мен тек жеке чатта жұмыс істеймін: мұнда өтініштеріңізді басқа қатысушылар көріп қояды. "
              "Маған жеке хабарлама жазыңыз.",
        "ru": "Я работаю только в личном чате: здесь ваши обращения увидели бы другие участники. "
              "Напишите мне в личные сообщения.",
        "en": "I only work in a private chat: here other members would see your reports. "
              "Please message me directly.",
    },
    "start_first": {
        "kk": "Алдымен /start басыңыз.",
        "ru": "Сначала нажмите /start.",
        "en": "Please press /start first.",
    },
    # the citizen's own steps on a report from /reports (bots.citizen.own_steps): withdraw, rate, appeal
    "btn_withdraw_report": {"kk": "↩️ № {number} өтінішті кері қайтарып алу", "ru": "↩️ Отозвать № {number}",
                            "en": "↩️ Withdraw No. {number}"},
    "withdraw_confirm": {
        "kk": "№ {number} өтінішті кері қайтарып аласыз ба? Ол жабылады және енді қаралмайды.",
        "ru": "Отозвать обращение № {number}? Оно будет закрыто и больше не будет рассматриваться.",
        "en": "Withdraw report No. {number}? It will be closed and no longer handled.",
    },
    "btn_yes": {"kk": "Иә", "ru": "Да", "en": "Yes"},
    "btn_no": {"kk": "Жоқ", "ru": "Нет", "en": "No"},
    "withdraw_done": {
        "kk": "Сіз № {number} өтінішті кері қайтарып алдыңыз.",
        "ru": "Обращение № {number} отозвано.",
        "en": "Report No. {number} is withdrawn.",
    },
    "withdraw_kept": {
        "kk": "№ {number} өтінішті қарау жалғасады.",
        "ru": "Обращение № {number} остаётся в работе.",
        "en": "Report No. {number} stays in work.",
    },
    "btn_stars": {"kk": "{stars}⭐", "ru": "{stars}⭐", "en": "{stars}⭐"},
    "rate_done": {
        "kk": "Рақмет! № {number} өтініш бойынша бағаңыз: {stars}⭐.",
        "ru": "Спасибо! Ваша оценка по обращению № {number}: {stars}⭐.",
        "en": "Thank you! Your rating of report No. {number}: {stars}⭐.",
    },
    "btn_appeal_report": {"kk": "⚖️ № {number} бойынша шағымдану", "ru": "⚖️ Обжаловать № {number}",
                          "en": "⚖️ Appeal No. {number}"},
    "appeal_prompt": {
        "kk": "№ {number} өтініштің жабылуымен неге келіспейтініңізді бір хабарламамен жазыңыз (кемінде 3 таңба) "
              "немесе «Болдырмау» батырмасын басыңыз.",
        "ru": "Напишите одним сообщением, почему вы не согласны с закрытием обращения № {number} (не короче "
              "3 символов), или нажмите «Отменить».",
        "en": "Write in one message why you disagree with how report No. {number} was closed (3 characters at "
              "least), or tap “Cancel”.",
    },
    "appeal_done": {
        "kk": "№ {number} өтініш бойынша шағымыңыз қабылданды: өтініш қайта қаралады.",
        "ru": "Жалоба по обращению № {number} принята: обращение будет рассмотрено повторно.",
        "en": "Your appeal on report No. {number} is filed: the report will be reconsidered.",
    },
    "appeal_bad_length": {
        "kk": "Негіздеме 3-тен 5000 таңбаға дейін болуы керек: сөзбен жазыңыз.",
        "ru": "Основания жалобы — от 3 до 5000 символов: напишите их словами.",
        "en": "The grounds must be 3 to 5000 characters long: please write them in words.",
    },
    "appeal_hint": {
        "kk": "Шағымның негіздемесін сөзбен жазыңыз немесе «Болдырмау» батырмасын басыңыз.",
        "ru": "Напишите основания жалобы словами или нажмите «Отменить».",
        "en": "Write the grounds of your appeal in words, or tap “Cancel”.",
    },
    "step_not_found": {
        "kk": "Бұл өтініш табылмады: тек өз өтініштеріңізбен әрекет ете аласыз. Тізім — /reports.",
        "ru": "Обращение не найдено: действовать можно только по своим обращениям. Список — /reports.",
        "en": "Report not found: you can act only on your own reports. Your list: /reports.",
    },
    "step_stale": {
        "kk": "Бұл батырма ескірген: № {number} өтініш содан бері өзгерді. Жаңа тізім — /reports.",
        "ru": "Эта кнопка устарела: обращение № {number} с тех пор изменилось. Актуальный список — /reports.",
        "en": "This button is out of date: report No. {number} has changed since. Current list: /reports.",
    },
    # the API's own refusal (its error catalogue's words), named by the report's number
    "step_refused": {"kk": "№ {number}: {reason}.", "ru": "№ {number}: {reason}.", "en": "No. {number}: {reason}."},
}

# kept in modules of their own by flow, so that this one stays readable: the report being written, and files added
# to a report just filed
TEXTS.update(REPORT_TEXTS)
TEXTS.update(ADDITION_TEXTS)


def t(key: str, lang: str, **params: object) -> str:
    """The text `key` in `lang` (Russian when missing), formatted with `params`."""
    text = pick(TEXTS[key], lang)
    return text.format(**params) if params else text


def all_languages(key: str) -> set[str]:
    """The text in every language: reply-keyboard buttons come back as their text in the user's language."""
    return {TEXTS[key][lang] for lang in LANGS}


def normalize_lang(code: str | None) -> str:
    """kk/ru/en from a Telegram language_code ("ru-RU", "kk", "kz"); Russian otherwise."""
    primary = (code or "").lower().split("-")[0]
    primary = "kk" if primary == "kz" else primary
    return primary if primary in LANGS else DEFAULT_LANG
