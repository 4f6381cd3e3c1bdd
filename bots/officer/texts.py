"""Texts of the officer duty bot (kk / ru / en). Russian, the service language of the MVD, until the officer links the
chat (then their Telegram app's language) or picks one with /lang."""

from __future__ import annotations

from backend.lib.i18n import pick

TEXTS: dict[str, dict[str, str]] = {
    "start": {
        "ru": "Дежурный бот «Закон и Порядок». Привяжите аккаунт: получите одноразовый код на планшете или в "
              "консоли и отправьте его сюда командой /link КОД.",
        "kk": "«Заң мен Тәртіп» кезекші боты. Аккаунтты байланыстырыңыз: планшеттен немесе консольден бір реттік "
              "кодты алып, осында /link КОД командасымен жіберіңіз.",
        "en": "The «Law and Order» duty bot. Link your account: get a one-time code on the tablet or console and send "
              "/link CODE.",
    },
    "linked": {
        "ru": "Аккаунт привязан: {name}. Срочные обращения вашего района будут приходить сюда во время смены.",
        "kk": "Аккаунт байланыстырылды: {name}. Ауысым кезінде ауданыңыздың шұғыл өтініштері осында келеді.",
        "en": "Account linked: {name}. Urgent reports of your district will arrive here during your shift.",
    },
    # also a callback alert: at most 200 characters
    "private_only": {
        "ru": "Я работаю только в личном чате: здесь вызовы увидели бы и могли принять другие участники. "
              "Напишите мне в личные сообщения.",
        "kk": "Мен тек жеке чатта жұмыс істеймін: мұнда шақыруларды басқа қатысушылар көріп, қабылдай алар еді. "
              "Маған жеке хабарлама жазыңыз.",
        "en": "I only work in a private chat: here other members would see and could accept call-outs. "
              "Please message me directly.",
    },
    "link_code_shown": {
        "ru": "Код увидели все участники группы, и он больше не действует. Получите новый код на планшете и "
              "отправьте его мне в личные сообщения.",
        "kk": "Кодты топтың барлық қатысушылары көрді, ол енді жарамсыз. Планшеттен жаңа код алып, маған жеке "
              "хабарламамен жіберіңіз.",
        "en": "Everyone in the group has seen the code, so it no longer works. Get a new code on the tablet and "
              "send it to me in a private chat.",
    },
    "link_failed": {
        "ru": "Код неверный или истёк. Получите новый код на планшете.",
        "kk": "Код қате немесе мерзімі өткен. Планшеттен жаңа код алыңыз.",
        "en": "The code is wrong or expired. Get a new one on the tablet.",
    },
    "link_throttled": {
        "ru": "Слишком много неверных кодов. Попробуйте снова через {minutes} мин.",
        "kk": "Қате кодтар тым көп. {minutes} минуттан кейін қайталап көріңіз.",
        "en": "Too many wrong codes. Try again in {minutes} min.",
    },
    # an update whose handling failed (the database away): no later delivery comes. It may have failed after its
    # step was taken, so the officer checks before repeating it (a repeated /shift would end the shift)
    "bot_unavailable": {
        "ru": "Не удалось выполнить команду или нажатие: сервис временно недоступен. Через минуту проверьте "
              "/status и при необходимости повторите.",
        "kk": "Команданы немесе батырманы орындау мүмкін болмады: қызмет уақытша қолжетімсіз. Бір минуттан кейін "
              "/status арқылы тексеріп, қажет болса қайталаңыз.",
        "en": "Your command or tap could not be completed: the service is temporarily unavailable. Check /status in "
              "a minute and repeat it if needed.",
    },
    "not_linked": {
        "ru": "Аккаунт не привязан. Отправьте /link КОД.",
        "kk": "Аккаунт байланыстырылмаған. /link КОД жіберіңіз.",
        "en": "Your account is not linked. Send /link CODE.",
    },
    "urgent": {
        "ru": "🚨 СРОЧНО № {number}\n{category}\nРайон: {district}\n📍 {lat:.5f}, {lon:.5f}\n\n{text}",
        "kk": "🚨 ШҰҒЫЛ № {number}\n{category}\nАудан: {district}\n📍 {lat:.5f}, {lon:.5f}\n\n{text}",
        "en": "🚨 URGENT No. {number}\n{category}\nDistrict: {district}\n📍 {lat:.5f}, {lon:.5f}\n\n{text}",
    },
    # a restricted category's offer (bots.officer.push.offer_text): no category name, place or text
    "urgent_restricted": {
        "ru": "🚨 СРОЧНО № {number}\n{category}\nРайон: {district}",
        "kk": "🚨 ШҰҒЫЛ № {number}\n{category}\nАудан: {district}",
        "en": "🚨 URGENT No. {number}\n{category}\nDistrict: {district}",
    },
    "restricted_text": {
        "ru": "(категория с ограниченным доступом — подробности на планшете)",
        "kk": "(шектеулі санат — толығырақ планшетте)",
        "en": "(restricted category — details on the tablet)",
    },
    # an SLA escalation told to the region's supervisors (bots.officer.escalations): the kind, then the term
    "escalation": {
        "ru": "⚠️ Эскалация № {number}\n{kind}\n{category}\nРайон: {district}\n{term}",
        "kk": "⚠️ Эскалация № {number}\n{kind}\n{category}\nАудан: {district}\n{term}",
        "en": "⚠️ Escalation No. {number}\n{kind}\n{category}\nDistrict: {district}\n{term}",
    },
    # an escalation's "Open report" button (bots.officer.cards): the report's card in the chat
    "btn_open_report": {"ru": "📄 Открыть обращение", "kk": "📄 Өтінішті ашу", "en": "📄 Open report"},
    "card": {
        "ru": "📄 Обращение № {number}{urgent}\n"
              "Статус: {status}\n{category}\nРайон: {district}\nНаряд: {unit}\n{deadline}",
        "kk": "📄 Өтініш № {number}{urgent}\n"
              "Мәртебесі: {status}\n{category}\nАудан: {district}\nЖасақ: {unit}\n{deadline}",
        "en": "📄 Report No. {number}{urgent}\n"
              "Status: {status}\n{category}\nDistrict: {district}\nUnit: {unit}\n{deadline}",
    },
    "card_urgent": {"ru": " 🚨 СРОЧНО", "kk": " 🚨 ШҰҒЫЛ", "en": " 🚨 URGENT"},
    "card_place": {"ru": "📍 {lat:.5f}, {lon:.5f}", "kk": "📍 {lat:.5f}, {lon:.5f}", "en": "📍 {lat:.5f}, {lon:.5f}"},
    "btn_accept": {"ru": "✅ Принять", "kk": "✅ Қабылдау", "en": "✅ Accept"},
    "btn_decline": {"ru": "✖️ Отказаться", "kk": "✖️ Бас тарту", "en": "✖️ Decline"},
    "accepted": {
        "ru": "✅ Принято: № {number} назначено наряду {unit}.",
        "kk": "✅ Қабылданды: № {number} {unit} жасағына тағайындалды.",
        "en": "✅ Accepted: No. {number} assigned to unit {unit}.",
    },
    "declined": {"ru": "Вы отказались от № {number}.", "kk": "Сіз № {number} өтініштен бас тарттыңыз.",
                 "en": "You declined No. {number}."},
    "taken": {
        "ru": "№ {number} уже принято другим нарядом.",
        "kk": "№ {number} басқа жасақ қабылдап қойған.",
        "en": "No. {number} was already taken by another unit.",
    },
    "report_closed": {
        "ru": "№ {number} уже закрыто: принимать нечего.",
        "kk": "№ {number} жабылып қойған: қабылдайтын ештеңе жоқ.",
        "en": "No. {number} is already closed: there is nothing to accept.",
    },
    "no_unit": {
        "ru": "Вы не состоите в наряде: принять обращение нельзя.",
        "kk": "Сіз жасақ құрамында емессіз: өтінішті қабылдау мүмкін емес.",
        "en": "You are not in a unit, so you cannot accept a report.",
    },
    "not_yours": {
        "ru": "Это обращение вам недоступно.",
        "kk": "Бұл өтініш сізге қолжетімсіз.",
        "en": "This report is not available to you.",
    },
    "off_shift": {
        "ru": "Вы не на смене: принять № {number} нельзя. Начните смену командой /shift.",
        "kk": "Сіз ауысымда емессіз: № {number} өтінішті қабылдау мүмкін емес. Ауысымды /shift командасымен бастаңыз.",
        "en": "You are not on shift, so you cannot accept No. {number}. Start your shift with /shift.",
    },
    "status": {
        "ru": "{name}\nНаряд: {unit} ({unit_status})\nСмена: {shift}\nОткрытых обращений наряда: {open}",
        "kk": "{name}\nЖасақ: {unit} ({unit_status})\nАуысым: {shift}\nЖасақтың ашық өтініштері: {open}",
        "en": "{name}\nUnit: {unit} ({unit_status})\nShift: {shift}\nOpen reports of the unit: {open}",
    },
    "shift_on": {"ru": "идёт", "kk": "жүріп жатыр", "en": "on"},
    "shift_off": {"ru": "не начата", "kk": "басталмаған", "en": "off"},
    "shift_started": {"ru": "Смена начата.", "kk": "Ауысым басталды.", "en": "Shift started."},
    "shift_ended": {"ru": "Смена завершена.", "kk": "Ауысым аяқталды.", "en": "Shift ended."},
    "none": {"ru": "—", "kk": "—", "en": "—"},
    "choose_language": {"ru": "Выберите язык:", "kk": "Тілді таңдаңыз:", "en": "Choose the language:"},
    "language_set": {
        "ru": "Язык бота: русский.",
        "kk": "Бот тілі: қазақша.",
        "en": "Bot language: English.",
    },
}
# a report's workflow status (backend.reports.workflow.Status) as staff name it
STATUS_NAMES: dict[str, dict[str, str]] = {
    "registered": {"ru": "зарегистрировано", "kk": "тіркелді", "en": "registered"},
    "triage": {"ru": "на сортировке", "kk": "сұрыптауда", "en": "in triage"},
    "assigned": {"ru": "назначено наряду", "kk": "жасаққа тағайындалды", "en": "assigned to a unit"},
    "en_route": {"ru": "наряд выехал", "kk": "жасақ жолда", "en": "unit en route"},
    "on_scene": {"ru": "наряд на месте", "kk": "жасақ оқиға орнында", "en": "unit on scene"},
    "in_progress": {"ru": "в работе", "kk": "жұмыста", "en": "in progress"},
    "awaiting_reporter": {"ru": "ждём сведений заявителя", "kk": "өтініш берушінің мәліметтері күтілуде",
                          "en": "awaiting the reporter"},
    "reopened": {"ru": "возобновлено", "kk": "қайта ашылды", "en": "reopened"},
    "closed": {"ru": "закрыто", "kk": "жабылды", "en": "closed"},
}
# a unit's state (backend.officers.models.UNIT_STATUSES) as /status names it: the stored code is no word of kk or ru
UNIT_STATUS_NAMES: dict[str, dict[str, str]] = {
    "available": {"ru": "свободен", "kk": "бос", "en": "available"},
    "en_route": {"ru": "в пути", "kk": "жолда", "en": "en route"},
    "on_scene": {"ru": "на месте", "kk": "оқиға орнында", "en": "on scene"},
    "busy": {"ru": "занят", "kk": "бос емес", "en": "busy"},
    "off_duty": {"ru": "не на дежурстве", "kk": "кезекшілікте емес", "en": "off duty"},
}
LANGUAGE_NAMES = {"kk": "Қазақша", "ru": "Русский", "en": "English"}


def t(key: str, lang: str, **params: object) -> str:
    text = pick(TEXTS[key], lang)
    return text.format(**params) if params else text
