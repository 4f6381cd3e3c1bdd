"""Public timeline texts per action, in kk / ru / en. Placeholders are filled from the event's data."""

from __future__ import annotations

from backend.lib.i18n import LANGS, pick
from backend.reports.workflow import (
    ALLOWED_STATUS_CHANGES,
    QUESTION_WITHDRAWN,
    Status,
    question_withdrawn_key,
    question_withdrawn_template,
    withdraws_question,
)
from ml.taxonomy import load_taxonomy

PUBLIC_TEXTS: dict[str, dict[str, str]] = {
    "registered": {
        "ru": "Обращение зарегистрировано под номером {number}. Ответ будет дан до {deadline}.",
        "kk": "Өтініш {number} нөмірімен тіркелді. Жауап {deadline} дейін беріледі.",
        "en": "Your report was registered as {number}. You will get an answer by {deadline}.",
    },
    "urgent_advice": {
        "ru": "Если опасность сохраняется, немедленно позвоните {numbers}.",
        "kk": "Қауіп әлі де төніп тұрса, дереу {numbers} нөміріне қоңырау шалыңыз.",
        "en": "If the danger continues, call {numbers} now.",
    },
    "triage": {
        "ru": "Обращение передано дежурному для распределения.",
        "kk": "Өтініш бөлу үшін кезекшіге жіберілді.",
        "en": "Your report was passed to the duty officer for assignment.",
    },
    "assign": {
        "ru": "Обращение передано в подразделение: {department}.",
        "kk": "Өтініш бөлімшеге жіберілді: {department}.",
        "en": "Your report was assigned to: {department}.",
    },
    "en_route": {
        "ru": "Сотрудник полиции выехал на место.",
        "kk": "Полиция қызметкері оқиға орнына шықты.",
        "en": "A police officer is on the way.",
    },
    "on_scene": {
        "ru": "Сотрудник полиции прибыл на место.",
        "kk": "Полиция қызметкері оқиға орнына келді.",
        "en": "A police officer has arrived at the scene.",
    },
    "start_work": {
        "ru": "По обращению проводится проверка.",
        "kk": "Өтініш бойынша тексеру жүргізілуде.",
        "en": "Your report is being looked into.",
    },
    "request_info": {
        "ru": "Нужны дополнительные сведения: {reason}",
        "kk": "Қосымша мәліметтер қажет: {reason}",
        "en": "We need more information: {reason}",
    },
    "reporter_replied": {
        "ru": "Ваш ответ получен, проверка продолжается.",
        "kk": "Жауабыңыз алынды, тексеру жалғасуда.",
        "en": "Your reply was received; the review continues.",
    },
    "resolve": {
        "ru": "Рассмотрение завершено. Результат: {outcome}.",
        "kk": "Қарау аяқталды. Нәтиже: {outcome}.",
        "en": "The review is complete. Outcome: {outcome}.",
    },
    "close_unfounded": {
        "ru": "По результатам проверки сведения не подтвердились. {reason}",
        "kk": "Тексеру нәтижесінде мәліметтер расталмады. {reason}",
        "en": "The check did not confirm the information. {reason}",
    },
    "redirect": {
        "ru": "Вопрос не относится к компетенции полиции и направлен: {target}.",
        "kk": "Мәселе полицияның құзыретіне жатпайды, сондықтан құзыреті бойынша жолданды: {target}.",
        "en": "This is not a police matter and was forwarded to: {target}.",
    },
    "mark_duplicate": {
        "ru": "Об этом происшествии уже сообщили, обращения объединены. Вы будете получать уведомления.",
        "kk": "Бұл оқиға туралы бұрын хабарланған, өтініштер біріктірілді. Хабарламалар сізге келеді.",
        "en": "This incident was already reported; the reports were merged. You will be kept informed.",
    },
    # told to the reporter of a report closed as a duplicate, when the report it was merged with closes: {text} is
    # that closing's outcome (DUPLICATE_OUTCOME, DUPLICATE_NOT_CONSIDERED), never the other reporter's number
    "original_closed": {
        "ru": "Итог по происшествию, о котором вы сообщили (ваше обращение было объединено с другим): {text}",
        "kk": "Сіз хабарлаған оқиға бойынша нәтиже (өтінішіңіз басқа өтінішпен біріктірілген): {text}",
        "en": "The outcome for the incident you reported (your report was merged with another): {text}",
    },
    # told to the same reporters when that report is reopened on appeal: the outcome they heard is not final
    "original_reopened": {
        "ru": "Итог по происшествию, о котором вы сообщили, обжалован и рассматривается заново. Мы сообщим новый итог.",
        "kk": "Сіз хабарлаған оқиға бойынша нәтижеге шағым берілді, ол қайта қаралуда. Жаңа нәтижені хабарлаймыз.",
        "en": "The outcome for the incident you reported was appealed and is being considered again. We will tell you the new outcome.",
    },
    "reject": {
        "ru": "Обращение оставлено без рассмотрения: {reason}",
        "kk": "Өтініш қараусыз қалдырылды: {reason}",
        "en": "The report was not taken up: {reason}",
    },
    "withdraw": {
        "ru": "Вы отозвали обращение.",
        "kk": "Сіз өтінішті кері қайтарып алдыңыз.",
        "en": "You withdrew the report.",
    },
    # a withdrawal of an appeal: the reconsideration ends and the decision appealed stands ({outcome}: its words)
    "withdraw_appeal": {
        "ru": "Вы отозвали жалобу. В силе остаётся прежнее решение: {outcome}.",
        "kk": "Сіз шағымыңызды кері қайтарып алдыңыз. Бұрынғы шешім күшінде қалады: {outcome}.",
        "en": "You withdrew your appeal. The earlier decision stands: {outcome}.",
    },
    "reopen": {
        "ru": "Обращение возобновлено по жалобе. Новый срок ответа: {deadline}.",
        "kk": "Өтініш шағым бойынша қайта ашылды. Жауаптың жаңа мерзімі: {deadline}.",
        "en": "The report was reopened on appeal. New answer due by: {deadline}.",
    },
    # the citizen's complaint that the report is still open past its term (reports.service.complain_of_delay)
    "delay_complaint": {
        "ru": "Жалоба на нарушение срока рассмотрения принята и направлена руководству.",
        "kk": "Қарау мерзімінің бұзылуына шағым қабылданып, басшылыққа жіберілді.",
        "en": "Your complaint that the deadline was missed was accepted and sent to the management.",
    },
    # oversight's reopening (a prosecutor's protest, the head's review: backend.oversight), not the citizen's appeal
    "reopen_oversight": {
        "ru": "Решение по обращению отменено в порядке надзора, обращение рассмотрят заново. Основание: {reason}. "
              "Новый срок ответа: {deadline}.",
        "kk": "Өтініш бойынша шешімнің күші қадағалау тәртібімен жойылды, өтініш қайта қаралады. Негіздеме: {reason}. "
              "Жауаптың жаңа мерзімі: {deadline}.",
        "en": "The decision on the report was set aside on review; it will be considered again. Grounds: {reason}. "
              "New answer due by: {deadline}.",
    },
    "extend": {
        "ru": "Срок рассмотрения продлён до {deadline}. Причина: {reason}",
        "kk": "Қарау мерзімі {deadline} дейін ұзартылды. Себебі: {reason}",
        "en": "The deadline was extended to {deadline}. Reason: {reason}",
    },
    "comment": {
        "ru": "Добавлен комментарий.",
        "kk": "Түсініктеме қосылды.",
        "en": "A comment was added.",
    },
    # a staff member's message to the reporter (a `comment` event by staff: reports.service.add_staff_comment); the
    # police speak as one, no officer is named
    "staff_message": {
        "ru": "Сообщение от полиции: {text}",
        "kk": "Полициядан хабарлама: {text}",
        "en": "Message from the police: {text}",
    },
    "feedback": {
        "ru": "Спасибо за оценку.",
        "kk": "Бағаңызға рақмет.",
        "en": "Thank you for your feedback.",
    },
}

# A step that withdrew the question the reporter was asked (workflow.withdraws_question: a unit assigned, the report
# closed, before they answered) says so first, in its own text: one notice, and the last thing they were told was
# "needs your input". Open, the report still takes what they send (a comment; their answer is kept as one); closed,
# it takes nothing more, and its own text says why.
QUESTION_WITHDRAWN_TEXT: dict[str, str] = {
    "ru": "Отвечать на заданный вам вопрос больше не нужно.",
    "kk": "Сізге қойылған сұраққа жауап беру енді қажет емес.",
    "en": "You no longer need to answer the question we asked you.",
}
STILL_OPEN_TEXT: dict[str, str] = {
    "ru": "Если у вас есть дополнительные сведения, их по-прежнему можно отправить.",
    "kk": "Қосымша мәліметтеріңіз болса, оларды бұрынғыша жібере аласыз.",
    "en": "If you have anything to add, you can still send it.",
}


def _withdrawn_variants() -> dict[str, dict[str, str]]:
    """Each step the workflow lets leave awaiting_reporter other than the answer, its text told with the question's
    end (`PUBLIC_TEXTS[question_withdrawn_key(action)]`): derived from the table, so a new such step gets one."""
    variants: dict[str, dict[str, str]] = {}
    for rule in ALLOWED_STATUS_CHANGES:
        action = rule.action.value
        if (Status.AWAITING_REPORTER not in (*rule.sources, *rule.unheld_sources)
                or not withdraws_question(rule.action, Status.AWAITING_REPORTER) or action not in PUBLIC_TEXTS):
            continue
        parts = (QUESTION_WITHDRAWN_TEXT, PUBLIC_TEXTS[action],
                 *((STILL_OPEN_TEXT,) if rule.target is not Status.CLOSED else ()))
        variants[question_withdrawn_key(action)] = {lang: " ".join(part[lang] for part in parts) for lang in LANGS}
    return variants


PUBLIC_TEXTS.update(_withdrawn_variants())


def withdrawn_question_template(action: str) -> str:
    """The PUBLIC_TEXTS key of `action`'s text when it withdrew the reporter's question (its own if it has none)."""
    return question_withdrawn_template(action, PUBLIC_TEXTS)


def without_withdrawn_question(public_text: dict[str, str], data: dict[str, object]) -> dict[str, str]:
    """A step's public text (`data`: its event's) as told to another reporter: a closing's words reach the reporters
    of the reports merged into it (reports.duplicates), who were asked nothing, so the notice that its own
    reporter's question is withdrawn (QUESTION_WITHDRAWN_TEXT, which such a step's text starts with) is left out."""
    if QUESTION_WITHDRAWN not in data:
        return dict(public_text)
    return {lang: text.removeprefix(QUESTION_WITHDRAWN_TEXT.get(lang, "")).lstrip()
            for lang, text in public_text.items()}


OUTCOME_TEXTS: dict[str, dict[str, str]] = {
    "protocol": {"ru": "составлен административный протокол", "kk": "әкімшілік құқық бұзушылық туралы хаттама жасалды",
                 "en": "an administrative offence report was drawn up"},
    "criminal_case": {"ru": "зарегистрировано уголовное дело (ЕРДР)", "kk": "қылмыстық іс тіркелді (СДТБТ)",
                      "en": "a criminal case was registered"},
    "warning": {"ru": "нарушителю вынесено предупреждение", "kk": "құқық бұзушыға ескерту жасалды",
                "en": "the offender was given a warning"},
    "measures_taken": {"ru": "приняты меры", "kk": "шаралар қабылданды", "en": "measures were taken"},
    "not_confirmed": {"ru": "факт не подтвердился", "kk": "дерек расталмады", "en": "the facts were not confirmed"},
}


# A closing without a field outcome still tells the citizen, in plain words, how it ended
RESOLUTION_TEXTS: dict[str, dict[str, str]] = {
    "resolved": {"ru": "рассмотрение завершено", "kk": "қарау аяқталды", "en": "the review is complete"},
    "unfounded": {"ru": "сведения не подтвердились", "kk": "мәліметтер расталмады",
                  "en": "the information was not confirmed"},
    "redirected": {"ru": "направлено по компетенции в другой орган", "kk": "құзыреті бойынша басқа органға жіберілді",
                   "en": "forwarded to the competent body"},
    "duplicate": {"ru": "объединено с обращением о том же происшествии",
                  "kk": "сол оқиға туралы өтінішпен біріктірілді",
                  "en": "merged with a report of the same incident"},
    "rejected": {"ru": "оставлено без рассмотрения", "kk": "қараусыз қалдырылды", "en": "not taken up"},
    "withdrawn": {"ru": "отозвано вами", "kk": "сіз кері қайтарып алдыңыз", "en": "withdrawn by you"},
}

# The public reason of an anonymous appeal closed because its matter is considered only from a named applicant
# (law on appeals: anonymous appeals are not considered, except about crimes and threats to public security)
ANONYMOUS_NOT_CONSIDERED: dict[str, str] = {
    "ru": "анонимные обращения по такому вопросу по закону не рассматриваются. Вы можете подать обращение повторно, "
          "указав свои данные.",
    "kk": "мұндай мәселе бойынша жасырын өтініштер заң бойынша қаралмайды. Өтінішті деректеріңізді көрсетіп, қайта "
          "бере аласыз.",
    "en": "anonymous appeals on this matter are not considered by law. You may file it again with your name.",
}

# What a duplicate's reporter is told of a restricted original's closing: the outcome in plain words only, never the
# reason written for that reporter ({outcome}: OUTCOME_TEXTS or RESOLUTION_TEXTS)
DUPLICATE_OUTCOME: dict[str, str] = {"ru": "Результат: {outcome}.", "kk": "Нәтиже: {outcome}.",
                                     "en": "Outcome: {outcome}."}
# ... and of an original closed without an answer on the matter (its author withdrew it, or it was left without
# consideration): their own report was never considered, so they are told how to have it considered
DUPLICATE_NOT_CONSIDERED: dict[str, str] = {
    "ru": "обращение, с которым было объединено ваше, закрыто без рассмотрения по существу. Вы можете обжаловать "
          "закрытие своего обращения, и оно будет рассмотрено отдельно.",
    "kk": "өтінішіңіз біріктірілген өтініш мәні бойынша қаралмай жабылды. Өтінішіңіздің жабылуына шағымдана "
          "аласыз, сонда ол жеке қаралады.",
    "en": "the report yours was merged with was closed without being considered on its merits. You may appeal the "
          "closing of your report, and it will be considered on its own.",
}

# Restricted reports (domestic violence, children, complaints about officers) are named neutrally to the
# citizen's app: the person the report is about may see the screen
NEUTRAL_CATEGORY: dict[str, str] = {"ru": "Обращение", "kk": "Өтініш", "en": "Report"}
NEUTRAL_DEPARTMENT: dict[str, str] = {"ru": "уполномоченное подразделение полиции",
                                      "kk": "полицияның уәкілетті бөлімшесі", "en": "the responsible police unit"}


class _Blank(dict[str, str]):
    def __missing__(self, key: str) -> str:  # an absent placeholder renders empty, never a KeyError
        return ""


def render(action: str, params: dict[str, object]) -> dict[str, str]:
    """All three languages at once: events are stored with every text, shown in the reader's language."""
    templates = PUBLIC_TEXTS.get(action)
    if templates is None:
        return {}
    out: dict[str, str] = {}
    for lang, template in templates.items():
        localized = {k: (pick(v, lang) if isinstance(v, dict) else str(v)) for k, v in params.items()}
        out[lang] = template.format_map(_Blank(localized)).strip()
    return out


def department_names(code: str | None, fallback: str) -> dict[str, str]:
    """A department's name in every language (the taxonomy's), for a `{department}` placeholder; `fallback`
    (e.g. the unit's own name) for a code the taxonomy does not know."""
    try:
        names = load_taxonomy().department(code or "").names
    except KeyError:
        return dict.fromkeys(LANGS, fallback)
    return {lang: names.get(lang) for lang in LANGS}


def outcome_text(outcome: str | None, lang: str, resolution: str | None = None) -> str | None:
    """The field outcome in plain words, else how the report was closed (`resolution`), else None."""
    if outcome in OUTCOME_TEXTS:
        return pick(OUTCOME_TEXTS[outcome], lang)
    return pick(RESOLUTION_TEXTS[resolution], lang) if resolution in RESOLUTION_TEXTS else None
