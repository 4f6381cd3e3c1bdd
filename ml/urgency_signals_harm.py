"""The danger signals of `ml.urgency` for harm to people (Russian and Kazakh, folded text, `ml.text.fold`): weapons,
shooting, injuries, a person unconscious, drowning or trapped, killing, violence going on, threats to life, kidnapping
and confinement.

Part of `ml.urgency_signals.SIGNALS`, which puts these first, then `ml.urgency_signals_hazard`'s, then the English
ones: a verdict's reasons come in that order. Bump `ml.urgency.URGENCY_VERSION` whenever a pattern here changes.
"""

from __future__ import annotations

from ml.text import any_of
from ml.urgency_signal import (
    ANIMAL_CRUELTY_GOING_ON,
    ANIMAL_CRUELTY_NOW,
    ANIMAL_KILLED,
    KK_NOT_DONE,
    NOT_DENIED,
    NOT_NEGATED,
    RU_THINGS_BROKEN,
    Signal,
)
from ml.urgency_who import CHILD_STOLEN, CHILD_TAKEN_UNDER_THREAT, FEARED_HARM, FORCED_INTO, PERSON_KILLED, UNRESPONSIVE

# Targets of "бьет/бьют" that are things, not people ("бьют колеса", "бьет стекла", "бьет рекорды")
_NOT_PERSON = rf"(?!\s+(?:{RU_THINGS_BROKEN}|бутыл|рекорд))"
CHILD = r"реб[её]н|сын|доч|малыш|мальчик|девочк|школьни|внук|внучк|дет(?:и|ей)\b"
_PERSON = (
    CHILD + r"|человек|мужчин|женщин|парен|девушк|пенсионер|бабушк|дедушк|старик|сосед|рабоч|студент|подрост"
    r"|\bон\b|\bона\b|\bкто-то"
)
_FALL_FROM = r"(?:из окна|из окон|с окна|с балкона|с крыши|с \d+\W{0,2}(?:-?го\s+)?этажа)"
# Beating in the indefinite 3rd person plural with a pronoun as object ("меня избивают", "нас бьют", "его избивают во
# дворе") is how a victim or witness says it is happening: unlike "муж бьет меня" it is rarely habitual. "бют" is
# "b'yut"/"byut"/"b'jut" read from Latin letters. "у нас бьют…" is a place, not a victim.
_BEAT_3PL = r"(?:бьют|бют|избивают|пинают|колотят|лупят)"
_VICTIM_PRONOUN = r"(?:меня|нас|его|ее|их)"
_ADULT = r"(?:человек|мужчин|парн|женщин|девушк|пенсионер|старик|сосед(?:а|ку)\b)"
# a beating done, in the past tense ("избил", "ударили", "побила")
_BEAT_PAST = r"(?:избил|побил|ударил|бил|пнул|колотил|лупил)(?:[аи]|о)?"

# a taking threatened, not done: "баланы ұрлап кетемін деп қорқытады" (threatens: "I will take the child"), "ұрлаймын
# деп", "ұрламақ" (means to take): the future and "деп" quoting it, or the intention
KK_NOT_THREATENED = r"(?!\w*(?:\s+(?:кетемин|кетеди|аламын|алады))?\s+(?:деп|дейди|деди)\b|мак)" + KK_NOT_DONE

# All patterns are written in folded form: қ→к, ө→о, ұ/ү→у, ә→а, і→и, ғ→г, ң→н, ё→е.
HARM_SIGNALS: tuple[Signal, ...] = (
    Signal(
        "weapon",
        any_of(
            r"\bнож(?:\b|ом|ем|ик|ами|и\b|евое|евым)|\bс ножами",
            r"п[иеи]ст[оа]лет|\bружь[еяю]|\bобрез\b|\bс автоматом|\bствол(?:ом|\b)|травмат",
            r"\bтопор(?:ом|\b)|\bбит(?:ой|ами)\b|арматур(?:ой|ами)|монтировк|гранат|взрывчатк|\bоружи|вооруж",
            r"\bпыша[кг]|\bмылты[кг]|тапанша|\bбалта(?:мен|сы|\b)|\bкару(?:\b|мен|лы)|арматурамен|\bбейсбол\w* таяг",
        ),
        ("102", "112"),
        past_sensitive=False,
    ),
    Signal(
        "shooting",
        any_of(
            r"стр[еи]л(?:яют|яет|ял|яли|ьб)|выстрел|\bпальб|\bпалят\b",
            r"\bатып (?:жатыр|тастай|олтир)|\bатыс|\bок атт?|\bатылган",
        ),
        ("102", "112"),
        past_sensitive=False,
    ),
    Signal(
        "injury",
        any_of(
            r"\bранен|\bранил|\bранени|\bранят|\bкров(?:ь|и\b|ью|ищ|отеч)|\bистека|перелом|разбит\w* голов",
            r"пострадавш|\bпострадал|травм(?:ы|ой|ирован|ировал)",
            r"\bболит (?:шея|нога|голова|спина|рука|грудь)|\b(?:шея|нога|голова|спина|рука) болит|подушк\w* сработал",
            r"(?:вызвал\w*|вызовите|вызывайте) скор|\bскор\w* (?:вызвал|едет|нужна)|жедел жардем (?:шакыр|керек|келе)",
            r"\bжаралан|жаракат|\bкан(?:ы|ын|га|ды|дап|ымен)?\s+(?:аг|шык|кет|тог)|\bбасын жар",
        ),
        ("103", "102"),
    ),
    Signal(
        "unconscious",
        any_of(
            r"без сознани|потерял\w* сознани|\bне дыш|\bобморок|без движени|не двига|не шевел|не подает признаков",
            r"не приход\w+ в себя|лежит\w*.{0,30}не реагир|не может встать|плохо с сердцем|посинел",
            r"(?:человек|мужчин|женщин|мотоциклист|велосипедист|пешеход|парень|\bон|\bона)\w*"
            r" лежит на (?:дороге|асфальте|земле)",
            r"передоз|судорог|приступ|придавил|ударило током|упал\w* с высоты",
            r"есинен тан|ес-?туссиз|\bдем алмай|тыныс алмай|есин жогалт|озине келмей|козгалмай|тура алмай",
            r"\bустамас|ток согып|плита басып|бииктен кулап|курысып",
            # a fall from a window, balcony or roof: a person, not a flower pot ("горшок упал с балкона")
            rf"(?:{_PERSON})\w*[^.!?]{{0,40}}(?:вы|у)пал\w* {_FALL_FROM}|(?:вы|у)пал\w* {_FALL_FROM}[^.!?]{{0,20}}"
            rf"(?:{_PERSON})",
            rf"{_FALL_FROM} (?:вы|у)пал\w*[^.!?]{{0,20}}(?:{_PERSON})",
            rf"(?:{_PERSON})\w*[^.!?]{{0,40}}(?:сорвал\w*|спрыгнул\w*) {_FALL_FROM}",
            r"(?:терезе(?:си)?(?:ден|нен)|балкон(?:ы)?(?:нан|дан)|шатыр(?:ы)?(?:дан|нан)|\d+\W{0,2}кабат\w*(?:тан|нан|дан))"
            r"\s+(?:\w+\s+)?(?:кулап|кулады|кулаган|секирип|лактырып)",
        ),
        ("103", "112"),
    ),
    Signal(
        # poisoned: a person, not a pet ("сосед отравил мою собаку" is cruelty to an animal, `ANIMAL_KILLED`)
        "unconscious",
        any_of(r"\bотравил|\bотравлен|\bулан"),
        ("103", "112"),
        unless=ANIMAL_KILLED,
    ),
    # a person who does not react ("мужчина ни на что не реагирует", "бала жауап бермейді"), lying or not
    Signal("unconscious", UNRESPONSIVE, ("103", "112")),
    Signal(
        "drowning_or_trapped",
        any_of(
            r"\bтонет|\bтонут|\bутонул|провалил\w* под л[её]д|люди внутри|человек внутри|зажат\w* в машин",
            r"суга батып|муз астына|ишинде адам|батып бара жатыр",
        ),
        ("112", "102"),
    ),
    Signal(
        "killing",
        any_of(
            rf"{NOT_DENIED}(?:\bубива(?:ет|ют)|\bубил[иа]?\b)|\bтруп|\bмертв|{NOT_DENIED}умира(?:ет|ю)",
            r"\bолтирип жатыр|\bолип жатыр|\bолик\b|\bмайит",
        ),
        ("102", "103"),
        # a killed pet is cruelty to an animal, for the police but no emergency ("убили кошку, есть ли статья",
        # "сосед убил мою собаку"); going on now it is `ANIMAL_CRUELTY_NOW`
        unless=ANIMAL_KILLED,
    ),
    Signal(
        # a person killed, whatever animal is killed beside: "убили собаку и хозяина" (`ANIMAL_KILLED` turns the
        # signal above off), "итті және иесін өлтірді"
        "killing",
        PERSON_KILLED,
        ("102", "103"),
        # "что будет, если убили собаку и хозяина" asks about the law, as the English signal reads it
        hypothetical_sensitive=True,
    ),
    Signal(
        # cruelty to an animal going on now: the police can stop it (102), there is no one for an ambulance
        "violence_in_progress",
        ANIMAL_CRUELTY_NOW,
        ("102",),
        needs_now=True,
        habitual_sensitive=True,
    ),
    Signal(
        # the Kazakh present continuous says it is going on ("итті өлтіріп жатыр")
        "violence_in_progress",
        ANIMAL_CRUELTY_GOING_ON,
        ("102",),
        habitual_sensitive=True,
    ),
    Signal(
        # "убьет меня если…" is a threat: a matter for the police, an emergency only when it is happening now
        "threat_to_life",
        any_of(r"\bубь(?:ет|ют|ю)\b|\bубить\b|\bолтир(?:еди|емин|ем)\b"),
        ("102",),
        needs_now=True,
    ),
    # a killing feared, not done nor denied ("боюсь, как бы его не убили", "өлтіріп жібере ме деп қорқамын"): a threat
    # to life, an emergency when it is told as going on now, like a threat
    Signal("threat_to_life", FEARED_HARM, ("102",), needs_now=True),
    Signal(
        "violence_in_progress",
        any_of(
            r"\bдуш(?:ит|ат)\b|\bреж(?:ет|ут)\b|\bнасилу(?:ет|ют)|\bизнасил|поножовщин|\bмассовая драка",
            r"\bдерутся\b|драка (?:идет|началась)",
            # still going on as the citizen writes: "полиция не приехала, а сосед продолжает бить жену"
            r"\bпродолжа(?:ет|ют) (?:бить|избивать|пинать|душить)",
            r"\bкида(?:ется|ются) (?:на \w+ )?с кулаками|\bброса(?:ется|ются) на (?:людей|прохожих|меня)",
            r"\bурып жатыр|\bсогып жатыр|\bурып-?согып жатыр|\bтобелес\w* жатыр|\bсабап жатыр|\bтобелес болып",
            r"\bтуншыкт?ыр|\bбуындыр|\bумтылып (?:жур|жатыр)|адамдарга \w+ умтыл",
        ),
        ("102",),
        habitual_sensitive=True,
    ),
    Signal(
        "violence_in_progress",
        any_of(
            r"\bбь(?:е|ё)т\b" + _NOT_PERSON,
            r"\bбьют\b" + _NOT_PERSON,
            r"\bизбива(?:ет|ют)|\bпина(?:ет|ют)",
        ),
        ("102",),
        needs_now=True,
        habitual_sensitive=True,
    ),
    Signal(
        "violence_in_progress",
        any_of(
            rf"(?<!\bу )(?<!\bпри )(?<!\bза )(?<!\bот )\b{_VICTIM_PRONOUN}\s+(?:\w+\s+){{0,2}}?{_BEAT_3PL}\b",
            rf"\b{_BEAT_3PL}\s+(?:{_VICTIM_PRONOUN}\b|{_ADULT})",
            # chat Kazakh writes і and ы alike: "meni urip jatyr" reads "урип жатыр"
            r"\bур[иы]п(?:-?сог[иы]п)? жат[иы]р|\bсог[иы]п жат[иы]р",
        ),
        ("102",),
        habitual_sensitive=True,
        hypothetical_sensitive=True,
    ),
    Signal(
        # the teller beaten a moment ago, told with a "now" ("сосед избил меня, он ещё здесь", "меня только что
        # ударили", "бил по двери, а потом по мне, он ещё тут", "мені жаңа ғана ұрды"): the one who did it is still
        # there or near. The past verb alone tells an attack over ("вчера меня избили", "избили, уже всё
        # закончилось"), so a "now" cue is needed; "вчера избил меня, что мне сейчас делать?" asks, and is no now
        "violence_in_progress",
        any_of(
            # not denied ("меня не били", "никто не бил меня")
            rf"(?<!\bу )(?<!\bпри )(?<!\bза )(?<!\bот )\b(?:меня|нас)\s+(?:\w+\s+){{0,2}}?{NOT_NEGATED}{_BEAT_PAST}\b",
            rf"\b{NOT_NEGATED}{_BEAT_PAST}\s+(?:\w+\s+)?(?:меня|нас)\b",
            # a blow at a thing, then at the teller: "бил по двери, а потом по мне"
            rf"\b{NOT_NEGATED}{_BEAT_PAST}\b[^.!?]{{0,40}}?\bпо (?:мне|нам)\b",
            r"\b(?:мени|бизди)\s+(?:\w+\s+){0,2}?(?:урды|урып (?:кетти|жиберди)|урып-сокты|сокты|тепти|сабады)\b",
        ),
        ("102",),
        needs_now=True,
        habitual_sensitive=True,
        asked_now=True,
    ),
    Signal(
        "confinement",
        any_of(r"\bзапер\w* меня|\bзаперли меня|\bне могу выйти|\bкамап кет|\bшыга алмаймын"),
        ("102",),
    ),
    Signal(
        # taken by force: the victim, or someone who saw it, writes while it still goes on ("меня похитили")
        "kidnapping",
        any_of(
            # "у меня похитили телефон" is a theft
            r"(?<!\bу )\b(?:меня|нас)\s+(?:\w+\s+){0,2}?похи(?:тил|ща|щен)",
            r"\bпохи(?:тил|ща)\w*\s+(?:\w+\s+)?(?:меня|нас|человек|мужчин|женщин|девушк|парн|жену|сестр|брат|мужа"
            r"|маму|мать|отца|подругу\b|друга\b)",
            # "ұрлап кетті" alone is as often a stolen car: only a person taken counts
            rf"\b(?:мени|бизди)\s+(?:\w+\s+){{0,2}}?(?:урла(?:п|ды|нды)|алып кашып|алып кашты){KK_NOT_THREATENED}",
            r"\b(?:айелимди|кызымды|карындасымды|апамды|синлимди|адамды|кызды|жигитти|куйеуимди)\s+(?:\w+\s+)?"
            rf"(?:урлап|алып кашып|алып кашты){KK_NOT_THREATENED}",
        ),
        ("102", "112"),
        hypothetical_sensitive=True,
    ),
    Signal(
        # a child stolen, or a child taken with a threat told beside it: the child is in the taker's hands whenever it
        # began ("вчера кто-то украл моего ребенка"), and a question about it ("бывший забрал ребенка и угрожает убить
        # его, что делать?") is the citizen's own danger, so neither the past nor a question turns it off. A parent
        # taking the child with no threat stays a family matter
        "kidnapping",
        CHILD_STOLEN,
        ("102", "112"),
        past_sensitive=False,
    ),
    Signal("kidnapping", CHILD_TAKEN_UNDER_THREAT, ("102", "112"), past_sensitive=False),
    Signal(
        # someone forced into a car or a hidden place ("мужчина затащил девочку в машину")
        "kidnapping",
        FORCED_INTO,
        ("102", "112"),
    ),
    Signal(
        # a person held now: the state persists whenever it began ("похитили два дня назад, держат в подвале")
        "confinement",
        any_of(
            r"\b(?:я|мы) в багажнике|\b(?:меня|нас|человек\w*|реб[её]нк?\w*|девушк\w*|женщин\w*)\s+(?:\w+\s+){0,2}?"
            r"в багажник",
            r"в багажнике\s+(?:\w+\s+){0,3}?(?:человек|кто-то|стуч|крич|реб[её]н|девушк|женщин)",
            r"(?:меня|нас)\s+(?:насильно\s+|силой\s+)?(?:держат|удерживают)\s+(?:в (?:подвал|квартир|доме|машин|гараж"
            r"|комнат|плену)|взаперти|силой|насильно)|\bудерживают (?:меня|нас)\b|\bв заложник",
            r"\b(?:держат|удерживают)\s+(?:\w+\s+)?(?:в подвале|в плену|взаперти)",
            r"жуксалгыш\w*(?:да|та)(?:мын|мыз)\b|\b(?:мени|бизди|адамды)\s+(?:\w+\s+)?жуксалгыш",
            r"жуксалгыш\w*(?:да|та)\s+(?:\w+\s+)?(?:адам|бала|айел|кыз|тыкыл|айкай|дыбыс)",
            r"\b(?:мени|бизди)\s+(?:\w+\s+){0,2}?(?:камап|устап) (?:кой|таста|отыр|тур)",
        ),
        ("102", "112"),
        past_sensitive=False,
        hypothetical_sensitive=True,
    ),
)
