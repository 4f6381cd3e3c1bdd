"""What a push says, per event and language (kk / ru / en), as data.

Lock screens are public: a push carries the report number and a plain status, never the report's text, the place,
or anything about the person. Restricted categories (see ml/taxonomy.py), and a citizen's report whose category is
not known yet (fanout.discreet_for_citizen), get no visible text at all: a data-only message that the app turns into
"you have an update" only after it is unlocked.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from backend.lib.clock import to_local
from backend.lib.i18n import pick
from backend.reports.workflow import QUESTION_WITHDRAWN, question_withdrawn_template
from ml.geo import load_district_index, load_district_names

# report event action → language → (title, body). Actions missing here send no push (partners still get webhooks).
CITIZEN: dict[str, dict[str, tuple[str, str]]] = {
    "registered": {
        "kk": ("Өтініш {number} тіркелді", "Жауап {deadline} дейін беріледі."),
        "ru": ("Обращение {number} зарегистрировано", "Ответ будет дан до {deadline}."),
        "en": ("Report {number} registered", "You will get an answer by {deadline}."),
    },
    "assign": {
        "kk": ("Өтініш {number}", "Өтініш бөлімшеге жіберілді."),
        "ru": ("Обращение {number}", "Обращение передано в подразделение полиции."),
        "en": ("Report {number}", "Your report was assigned to a police unit."),
    },
    # an assignment that withdrew the question the citizen was asked (reports.workflow.withdraws_question): their
    # last push asked them to answer
    "assign_question_withdrawn": {
        "kk": ("Өтініш {number}", "Өтініш бөлімшеге жіберілді. Сұраққа жауап беру қажет емес."),
        "ru": ("Обращение {number}", "Обращение передано в подразделение полиции. Отвечать на вопрос не нужно."),
        "en": ("Report {number}", "Your report was assigned to a police unit. No need to answer our question."),
    },
    "en_route": {
        "kk": ("Өтініш {number}", "Полиция қызметкері жолда."),
        "ru": ("Обращение {number}", "Сотрудник полиции выехал к вам."),
        "en": ("Report {number}", "A police officer is on the way."),
    },
    "on_scene": {
        "kk": ("Өтініш {number}", "Полиция қызметкері оқиға орнына келді."),
        "ru": ("Обращение {number}", "Сотрудник полиции прибыл на место."),
        "en": ("Report {number}", "A police officer has arrived."),
    },
    "request_info": {
        "kk": ("Өтініш {number}: мәліметтер қажет", "Қосымшаны ашып, сұраққа жауап беріңіз."),
        "ru": ("Обращение {number}: нужны ваши сведения", "Откройте приложение и ответьте на вопрос."),
        "en": ("Report {number}: we need your input", "Open the app to answer a question."),
    },
    "resolve": {
        "kk": ("Өтініш {number} қаралды", "Нәтижесін қосымшадан көріңіз."),
        "ru": ("Обращение {number} рассмотрено", "Результат — в приложении."),
        "en": ("Report {number} closed", "See the outcome in the app."),
    },
    "close_unfounded": {
        "kk": ("Өтініш {number} жабылды", "Тексеру нәтижесін қосымшадан көріңіз."),
        "ru": ("Обращение {number} закрыто", "Результат проверки — в приложении."),
        "en": ("Report {number} closed", "See the result of the check in the app."),
    },
    "redirect": {
        "kk": ("Өтініш {number} басқа органға жолданды", "Мәселе басқа органның құзыретінде. Толығырақ қосымшада."),
        "ru": ("Обращение {number} перенаправлено", "Вопрос в компетенции другого органа. Подробнее в приложении."),
        "en": ("Report {number} forwarded", "Another authority handles this. Details in the app."),
    },
    "mark_duplicate": {
        "kk": ("Өтініш {number} біріктірілді", "Бұл оқиға туралы бұрын хабарланған."),
        "ru": ("Обращение {number} объединено", "Об этом происшествии уже сообщили."),
        "en": ("Report {number} merged", "This incident was already reported."),
    },
    "original_closed": {
        "kk": ("Өтініш {number}: нәтиже", "Сіз хабарлаған оқиға бойынша нәтиже қосымшада."),
        "ru": ("Обращение {number}: итог", "Итог по происшествию, о котором вы сообщили, — в приложении."),
        "en": ("Report {number}: outcome", "See the outcome for the incident you reported in the app."),
    },
    "original_reopened": {
        "kk": ("Өтініш {number}: қайта қарау", "Нәтижеге шағым берілді, қайта қаралуда."),
        "ru": ("Обращение {number}: пересмотр", "Итог обжалован, рассматривается заново."),
        "en": ("Report {number}: under review again", "The outcome was appealed and is being reconsidered."),
    },
    "reject": {
        "kk": ("Өтініш {number} жабылды", "Себебін қосымшадан көріңіз."),
        "ru": ("Обращение {number} закрыто", "Причина — в приложении."),
        "en": ("Report {number} closed", "See the reason in the app."),
    },
    "reopen": {
        "kk": ("Өтініш {number} қайта ашылды", "Жаңа мерзім: {deadline}."),
        "ru": ("Обращение {number} возобновлено", "Новый срок: {deadline}."),
        "en": ("Report {number} reopened", "New deadline: {deadline}."),
    },
    "extend": {
        "kk": ("Өтініш {number}: мерзім ұзартылды", "Жаңа мерзім: {deadline}."),
        "ru": ("Обращение {number}: срок продлён", "Новый срок: {deadline}."),
        "en": ("Report {number}: deadline extended", "New deadline: {deadline}."),
    },
    # a staff member's message to the reporter (a staff `comment` event: citizen_kind); the words stay in the app
    "staff_message": {
        "kk": ("Өтініш {number}: полициядан хабарлама", "Оқу үшін қосымшаны ашыңыз."),
        "ru": ("Обращение {number}: сообщение от полиции", "Откройте приложение, чтобы прочитать."),
        "en": ("Report {number}: message from the police", "Open the app to read it."),
    },
}


def citizen_kind(action: str, actor_type: str, data: Mapping[str, Any] | None = None) -> str | None:
    """The CITIZEN text a report event is told in: its action's, but a `comment` is a message only when staff wrote
    it; the reporter is told nothing of their own comment (None); a step that withdrew the question they were asked
    (`data`, the event's, has QUESTION_WITHDRAWN) has its own text where one is written."""
    if action == "comment":
        return None if actor_type == "citizen" else "staff_message"
    if data and QUESTION_WITHDRAWN in data:
        return question_withdrawn_template(action, CITIZEN)
    return action


OFFICER: dict[str, dict[str, tuple[str, str]]] = {
    "assign": {
        "kk": ("Жаңа тапсырма {number}", "{category}, {district}"),
        "ru": ("Новое назначение {number}", "{category}, {district}"),
        "en": ("New assignment {number}", "{category}, {district}"),
    },
    "urgent": {
        "kk": ("ШҰҒЫЛ: {number}", "{category}, {district}. Оқиға орнына дереу шығыңыз."),
        "ru": ("СРОЧНО: {number}", "{category}, {district}. Выезжайте немедленно."),
        "en": ("URGENT: {number}", "{category}, {district}. Respond now."),
    },
    "restricted": {
        "kk": ("Жаңа тапсырма", "Толығырақ планшетте."),
        "ru": ("Новое назначение", "Подробности — на планшете."),
        "en": ("New assignment", "Details on the tablet."),
    },
}

# An SLA escalation (backend.dispatch.jobs) told to supervisors: one source for its push (notifications.escalation)
# and the duty bot's message (bots.officer.escalations), so the two never say it differently. The number only: a
# restricted report's too is safe on a lock screen.
ESCALATION_TITLE: dict[str, str] = {"kk": "Эскалация: {number}", "ru": "Эскалация: {number}",
                                    "en": "Escalation: {number}"}
# escalation kind → language → what is wrong
ESCALATION_KINDS: dict[str, dict[str, str]] = {
    "unaccepted_urgent": {
        "kk": "Шұғыл өтініш жасаққа тағайындалды, бірақ уақытында қабылданбады.",
        "ru": "Срочное обращение назначено наряду, но не принято вовремя.",
        "en": "An urgent report was assigned to a unit but not accepted in time.",
    },
    "unassigned_urgent": {
        "kk": "Шұғыл өтініш уақытында ешбір жасаққа тағайындалмады.",
        "ru": "Срочное обращение не назначено ни одному наряду вовремя.",
        "en": "An urgent report was not assigned to any unit in time.",
    },
    "deadline_near": {
        "kk": "Өтінішті қарау мерзімі аяқталып келеді.",
        "ru": "Истекает срок рассмотрения обращения.",
        "en": "The legal deadline to answer the report is close.",
    },
    "delay_complaint": {
        "kk": "Өтініш беруші қарау мерзімінің бұзылуына шағымданды.",
        "ru": "Заявитель подал жалобу на нарушение срока рассмотрения.",
        "en": "The reporter complained that the deadline was missed.",
    },
    "redirect_due": {
        "kk": "Өтінішті құзыреті бойынша жіберу мерзімі аяқталып келеді.",
        "ru": "Истекает срок направления обращения по компетенции.",
        "en": "The term to redirect the report out of police competence is ending.",
    },
}
# the term an escalation is about (jobs.escalation_term) → language → how it is shown, {at} in Almaty time
ESCALATION_TERMS: dict[str, dict[str, str]] = {
    "registered": {"kk": "Тіркелген уақыты: {at}", "ru": "Зарегистрировано: {at}", "en": "Registered: {at}"},
    "assigned": {"kk": "Тағайындалған уақыты: {at}", "ru": "Назначено: {at}", "en": "Assigned: {at}"},
    "deadline": {"kk": "Қарау мерзімі: {at}", "ru": "Срок рассмотрения: {at}", "en": "Deadline: {at}"},
    "redirect": {"kk": "Құзыреті бойынша жіберу мерзімі: {at}", "ru": "Направить по компетенции до: {at}",
                 "en": "Redirect by: {at}"},
}

# An officer's sign-in on a device about to end (backend.officers.jobs): the pushes to that device stop with it.
# {at} in Almaty time. Nothing of any report: it shows on a lock screen
SIGN_IN_EXPIRY_TITLE: dict[str, str] = {"kk": "Құрылғыдағы кіру мерзімі аяқталып келеді",
                                         "ru": "Срок входа на устройстве истекает",
                                         "en": "Your sign-in is about to end"}
SIGN_IN_EXPIRY_BODY: dict[str, str] = {
    "kk": "Осы құрылғыдағы Zan жүйесіне кіру {at} дейін жарамды. Тағайындаулар мен эскалацияларды ала беру үшін қайта "
          "кіріңіз.",
    "ru": "Вход в Zan на этом устройстве действует до {at}. Войдите заново, чтобы и дальше получать назначения и "
          "эскалации.",
    "en": "Your sign-in to Zan on this device is valid until {at}. Sign in again to keep receiving assignments and "
          "escalations.",
}

# How long FCM may keep a push for a device that is offline (Android `ttl`, APNs `apns-expiration`), counted from the
# moment the push is about (fanout.push_life; each attempt gets what is left of it: pushes._ttl_s). Without one FCM
# keeps a message for four weeks: a tablet back online after a day showed "urgent report assigned to your crew" hours
# after it mattered, a phone a citizen's "status changed" days late. Area alerts live until their own `expires_at`.
# push kind → seconds
PUSH_TTL_S: dict[str, int] = {
    # a citizen's report changed status: a few days covers a phone switched off over a long weekend; the report's
    # state is read in the app whenever it is opened, and older news is not worth a notification
    "report_update": 3 * 24 * 3600,
    # a crew's urgent assignment: the time it has to accept before supervisors are told it did not
    # (ZAN_ESCALATE_UNACCEPTED_MIN, which the fan-out job passes; this is its default); after that the report is
    # theirs to reassign, and the tablet learns of its assignments from its own sync anyway
    "assignment_urgent": 10 * 60,
    # an ordinary one: a shift; a tablet off longer than that syncs its assignments when it is back
    "assignment": 12 * 3600,
    # a supervisor's escalation of an urgent report not accepted / not assigned within minutes: half an hour, then
    # it is one of the console's escalations, no longer news worth waking a phone for
    "escalation:unaccepted_urgent": 30 * 60,
    "escalation:unassigned_urgent": 30 * 60,
    # one about a term counted in working days (the deadline, a redirect, a complaint of a missed deadline): a phone
    # off overnight still hears of it in the morning
    "escalation:deadline_near": 12 * 3600,
    "escalation:redirect_due": 12 * 3600,
    "escalation:delay_complaint": 12 * 3600,
}

ALERT_TITLES: dict[str, dict[str, str]] = {
    "missing_child": {"kk": "Бала жоғалды", "ru": "Пропал ребёнок", "en": "Missing child"},
    "fraud_warning": {"kk": "Алаяқтық туралы ескерту", "ru": "Осторожно, мошенники", "en": "Fraud warning"},
    "public_safety": {"kk": "Қоғамдық қауіпсіздік", "ru": "Общественная безопасность", "en": "Public safety"},
}


class _Blank(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return ""


def render(table: dict[str, dict[str, tuple[str, str]]], key: str, lang: str,
           params: dict[str, str]) -> tuple[str, str] | None:
    """(title, body) in `lang` (Russian when a text is missing), or None when this key sends nothing."""
    texts = table.get(key)
    if texts is None:
        return None
    title, body = texts.get(lang) or texts["ru"]
    values = _Blank(params)
    return _tidy(title.format_map(values)), _tidy(body.format_map(values))


def _tidy(text: str) -> str:
    """A text with a value left empty (a report not yet categorised, no district) without the separator it leaves
    behind: ", Алматы", "Кража, ." or a trailing comma."""
    text = re.sub(r"(?:,\s*)+(?=[.,]|$)", "", text.strip())
    return re.sub(r"^[,\s]+", "", text).strip()


def local_time(at: datetime) -> str:
    """A term as staff read it: Almaty's date and time."""
    return to_local(at).strftime("%d.%m.%Y %H:%M")


def escalation_lines(kind: str, term: str, at: datetime, lang: str) -> tuple[str, str]:
    """(what is wrong, the term it is about) of an escalation in `lang`, as its push and the duty bot say them."""
    return pick(ESCALATION_KINDS[kind], lang), pick(ESCALATION_TERMS[term], lang).format(at=local_time(at))


def alert_title(category: str, lang: str) -> str:
    return pick(ALERT_TITLES[category], lang)


def district_name(code: str | None, lang: str) -> str:
    """A district as a person reads it on a push, rather than its code: its current official name in `lang` (kk / ru /
    en; Russian for any other language) from ml/data/geo/district_names.json, which names every district of the map,
    the cities of republican significance as the region table does; a code the file lacks, by its name on the map
    (geoBoundaries, in Latin script); a code no map knows, as it is."""
    if not code:
        return ""
    texts = load_district_names().get(code)
    if texts is not None:
        return pick(texts, lang)
    try:
        name = load_district_index().district(code).name
    except KeyError:
        return code
    return name.replace("`", "'")  # geoBoundaries marks the soft sign with a backtick ("Akkol`skiy")
