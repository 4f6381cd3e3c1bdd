"""The danger signals `ml.urgency` looks for: each a pattern over the folded text (`ml.text.fold`) in Russian, Kazakh
and English, the reason code it gives, the emergency numbers it advises, and which context words turn it off.

Kept apart from the verdict rule (ml/urgency.py) because the tables are most of the detector's size and change on
their own: bump `ml.urgency.URGENCY_VERSION` whenever a pattern here changes. The Russian and Kazakh signals are
here, the English ones in `ml.urgency_signals_en` (appended last to SIGNALS, as they always were); the shape of a
signal is `ml.urgency_signal.Signal`.
"""

from __future__ import annotations

from ml.text import any_of
from ml.urgency_signal import (
    ABSENT_AFTER,
    ABSENT_BEFORE,
    ANIMAL_CRUELTY_GOING_ON,
    ANIMAL_CRUELTY_NOW,
    ANIMAL_KILLED,
    KK_NOT_DONE,
    NOT_NEGATED,
    SMOKING,
    Signal,
)
from ml.urgency_signals_en import EN_SIGNALS
from ml.urgency_who import (
    ACUTE_CHOKING,
    CHILD_STOLEN,
    CHILD_TAKEN_UNDER_THREAT,
    FORCED_INTO,
    NO_INTRUDER,
    PERSON_KILLED,
    SMOKE_CHOKING,
)

# Targets of "бьет/бьют" that are things, not people ("бьют колеса", "бьет стекла")
_NOT_PERSON = r"(?!\s+(?:колес|стекл|окн|бутыл|посуд|фонар|машин|витрин|рекорд))"
_CHILD = r"реб[её]н|сын|доч|малыш|мальчик|девочк|школьни|внук|внучк|дет(?:и|ей)\b"
_PERSON = (
    _CHILD + r"|человек|мужчин|женщин|парен|девушк|пенсионер|бабушк|дедушк|старик|сосед|рабоч|студент|подрост"
    r"|\bон\b|\bона\b|\bкто-то"
)
_FALL_FROM = r"(?:из окна|из окон|с окна|с балкона|с крыши|с \d+\W{0,2}(?:-?го\s+)?этажа)"
# a child's age in digits or words (up to 15, as the English signals read it)
_CHILD_AGE = (
    r"[1-9]|1[0-5]|два|двух|три|четыре|пять|шесть|семь|восемь|девять|десять|одиннадцать|двенадцать|тринадцать"
    r"|четырнадцать|пятнадцать"
)
# "не вернулся", not "не вернул": "сын не вернул долг" is a debt, not a missing child
_MISSING_VERB = NOT_NEGATED + (
    r"(?:пропал|потерял|исчез|не вернул(?:ся|ась|ись)|не приш|не пришел|нигде нет|не можем найти"
    r"|не могу найти|похитил)"
)
# Beating in the indefinite 3rd person plural with a pronoun as object ("меня избивают", "нас бьют", "его избивают во
# дворе") is how a victim or witness says it is happening: unlike "муж бьет меня" it is rarely habitual. "бют" is
# "b'yut"/"byut"/"b'jut" read from Latin letters. "у нас бьют…" is a place, not a victim.
_BEAT_3PL = r"(?:бьют|бют|избивают|пинают|колотят|лупят)"
_VICTIM_PRONOUN = r"(?:меня|нас|его|ее|их)"
_ADULT = r"(?:человек|мужчин|парн|женщин|девушк|пенсионер|старик|сосед(?:а|ку)\b)"

# where smoke coming out of is a fire's: a flat, a window, the stairwell, a door, a basement (folded)
_SMOKE_SOURCE = r"квартир|окн|окон|подъезд|дом|двер|под двер|подвал|гараж|машин|щел|вентиляц|розетк|подсобк|сара"
# out of one: "из квартиры", "из его квартиры", "из соседской квартиры", "из-под двери"
_OUT_OF = rf"\bиз(?:-под| под)? (?:(?:его|ее|их|соседск\w*|соседн\w*|чуж\w*|\d+\w*)\s+)?(?:{_SMOKE_SOURCE})"

# a taking threatened, not done: "баланы ұрлап кетемін деп қорқытады" (threatens: "I will take the child"), "ұрлаймын
# деп", "ұрламақ" (means to take): the future and "деп" quoting it, or the intention
_KK_NOT_THREATENED = r"(?!\w*(?:\s+(?:кетемин|кетеди|аламын|алады))?\s+(?:деп|дейди|деди)\b|мак)" + KK_NOT_DONE

# "in the home" and "now" for someone inside the home: "у меня дома", "в квартире"; "прямо сейчас"
_AT_HOME = r"(?:у (?:меня|нас) )?(?:в (?:доме|квартире)|дома)"
_NOW_HERE = r"(?:прямо )?(?:сейчас|щас)|в данный момент"

# All patterns are written in folded form: қ→к, ө→о, ұ/ү→у, ә→а, і→и, ғ→г, ң→н, ё→е.
SIGNALS: tuple[Signal, ...] = (
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
            rf"{NOT_NEGATED}(?:\bубива(?:ет|ют)|\bубил[иа]?\b)|\bтруп|\bмертв|{NOT_NEGATED}умира(?:ет|ю)",
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
            rf"\b(?:мени|бизди)\s+(?:\w+\s+){{0,2}}?(?:урла(?:п|ды|нды)|алып кашып|алып кашты){_KK_NOT_THREATENED}",
            r"\b(?:айелимди|кызымды|карындасымды|апамды|синлимди|адамды|кызды|жигитти|куйеуимди)\s+(?:\w+\s+)?"
            rf"(?:урлап|алып кашып|алып кашты){_KK_NOT_THREATENED}",
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
    Signal(
        "fire",
        any_of(
            r"пожар(?!н\w* (?:проезд|выезд|гидрант|лестниц|выход|част))|(?<!не )\bгор(?:ит|ят|им)\b|загорел|\bполыха",
            r"\bпламя|\bзадымлен|\bискры\b|\bгарью",
            # smoke coming out of a place, or heavy smoke, is a fire whoever smokes nearby: "из квартиры соседей идет
            # дым", "дым из подъезда", "валит черный дым", "пәтерден түтін шығып жатыр"
            rf"\bдым\w*\W+(?:\w+\W+){{0,2}}?{_OUT_OF}|{_OUT_OF}\w*\W+(?:\w+\W+){{0,3}}?дым",
            r"(?:\bчерн|\bгуст|\bедк)\w* дым|\bдым\w* (?:валит|столбом|коромыслом)|\bвалит дым",
            # smoke too thick to see through: "дым по всей квартире, ничего не видно", "түтіннен ештеңе көрінбейді"
            r"\bдым\w*[^.!?]{0,40}ничего не видно|ничего не видно[^.!?]{0,40}\bдым|\bтутин\w*[^.!?]{0,40}ештене корин",
            r"\b(?:патер|уй|терезе|подъезд|есик|подвал)\w*(?:ден|нен|дан|нан|тен|тан)\W+(?:\w+\W+)?тутин",
            r"\b(?:кара|кою) тутин",
            r"\bорт(?! сондир)(?:\b|ен|те|ке|тен| шык)|\bжанып жатыр|\bжалын|\bушкын",
        ),
        ("112", "101"),
    ),
    Signal(
        # smoke alone: a fire, unless someone is smoking ("соседи курят на балконе, дым идет ко мне", "көрші темекі
        # шегеді, түтіні бізге келеді" is a neighbours' matter, not a call to 101)
        "fire",
        # "дыма нет, но ребенок кашляет", "түтін жоқ": no smoke
        any_of(rf"{ABSENT_BEFORE}(?:\bдым(?:ит|ом|а|у|\b)|\bтутин)\w*{ABSENT_AFTER}"),
        ("112", "101"),
        unless=SMOKING,
    ),
    Signal(
        # smoke that makes people cough or choke is a danger to health (a fire not yet seen, or fumes), whoever smokes
        # nearby: "в квартире дым, дети кашляют, сосед курит". Told as going on for long ("постоянно курит, дым к
        # нам, ребенок кашляет") it is a neighbours' matter
        "smoke_inhalation",
        SMOKE_CHOKING,
        ("112", "101"),
        habitual_sensitive=True,
        acute=ACUTE_CHOKING,
        hypothetical_sensitive=True,
    ),
    Signal(
        "gas",
        any_of(
            r"\bгаз\w{0,4}\b.{0,20}(?:пахн|запах|утечк|иис|шыг)|(?:пахн\w*|запах|утечк\w*) газ|угарн\w* газ|иис газ",
        ),
        ("104", "112"),
    ),
    Signal(
        "explosion",
        any_of(
            r"\bвзрыв(?!\w*\s+петард)|\bвзорв(?!\w*\s+петард)|\bжарылыс|заминир|\bминала|\bбомб(?:а|у|ы|ой)?\b",
            r"взрывное устройство|explosi|\bblast\b|\bbomb",
        ),
        ("112", "102"),
        past_sensitive=False,
    ),
    Signal(
        "missing_child",
        any_of(
            rf"(?:{_MISSING_VERB}|ушел из дома|ушла из дома)\w*\W+(?:\w+\W+){{0,4}}?(?:{_CHILD})",
            rf"(?:{_CHILD})\w*\W+(?:\w+\W+){{0,6}}?(?:{_MISSING_VERB})",
            # a child's age told for him or her: "ей 12 лет, она пропала", "ему девять, не вернулся из школы"
            rf"\b(?:ему|ей)\s+(?:{_CHILD_AGE})\b\W+(?:\w+\W+){{0,6}}?(?:{_MISSING_VERB})",
            r"\b(?:бала|балам|баламыз|баласы|улым|кызым|немерем|балалар)\b\W+(?:\w+\W+){0,8}?(?:жогал|келмеди"
            rf"|кайтпады|табылмай|таба алмай|адас|жетпеди){KK_NOT_DONE}",
            r"\b(?:балам|баламыз|улым|кызым)\b\W+(?:\w+\W+){0,3}?жок\b|\b(?:баланы|баламды|улымды|кызымды) урла"
            + _KK_NOT_THREATENED,
            r"жогал\w*\W+(?:\w+\W+){0,3}?(?:бала|улым|кызым)",
        ),
        ("102",),
        past_sensitive=False,
    ),
    Signal(
        "child_in_danger",
        any_of(
            r"(?:реб[её]н|малыш|бала)\w*\W+(?:\w+\W+){0,3}?(?:закрыт|заперт|камал)|(?:закрыт|заперт)\w* в машине",
            r"(?:реб[её]н|малыш|мальчик|девочк)\w*.{0,25}\b(?:один|одна)\b.{0,25}(?:бродит|плачет|на балкон|на улице)",
            r"(?:вышел|вылез|залез)\w* на (?:балкон|подоконник|крышу)",
            r"(?:реб[её]н|малыш|мальчик|девочк)\w*.{0,25}\b(?:один|одна)\b.{0,25}(?:трасс|дорог|проезж)",
            r"\bбала\w*\W+(?:\w+\W+){0,2}?жалгыз\W+(?:\w+\W+){0,2}?(?:трасса|жол|кош)",
        ),
        ("102", "112"),
    ),
    Signal(
        "vulnerable_missing",
        any_of(
            r"(?:пропала?\b|ушел\w*|ушла|потерял(?:ся|ась)|не вернул(?:ся|ась|ись)|исчез(?:ла)?\b|жогалып кет\w*"
            r"|адас\w*"
            r"|шыгып кет\w*|заблудил\w*).{0,60}"
            r"(?:деменц|альцгейм|пожил|бабушк|дедушк|инвалид|не помнит|психическ|\bаже|\bата(?:м|мыз|сы)?\b|кария"
            r"|плохо (?:ходит|видит|слышит|ориентир)|не говорит по|орысша билмейди|аягы ауыр|кози нашар)",
            r"(?:деменц|альцгейм|пожил|бабушк|дедушк|\bдед\b|инвалид|психическ|психикалык|\bаже|\bата(?:м|мыз)\b|кария"
            r"|\b[6-9]\d\s*(?:лет|год|жас)).{0,60}(?:пропала?\b|ушел|ушла|исчез|потерял(?:ся|ась)"
            r"|не вернул(?:ся|ась|ись)|жогалып"
            r"|кайтпады|келмеди|шыгып кет"
            r"|адас|кетип калды|заблудил)",
        ),
        ("102",),
        past_sensitive=False,
    ),
    Signal(
        "missing_on_water",
        any_of(
            # an empty boat: someone may have drowned (an adult late back from a trip is not urgent by itself)
            r"лодк\w* (?:нашли )?пуст|кайыг\w* бос",
        ),
        ("112", "102"),
        past_sensitive=False,
    ),
    Signal(
        "suicide_risk",
        any_of(
            r"поконч\w* с собой|\bсуицид|\bповесил|повеситься|прыгнуть|стоит на (?:крыше|краю)|вскрыл\w* вены",
            r"озин-?ози олтир|\bасылып|асылмак|озин олтир|секирмек",
        ),
        ("112", "103"),
        past_sensitive=False,
    ),
    Signal(
        "hit_person",
        any_of(
            r"(?<!чуть не )(?:сбил\w*|наех\w*|задавил\w*|задел\w*)\s+(?:\w+\s+){0,2}?"
            r"(?:пешеход|человек|реб[её]н|женщин|мужчин|девочк|мальчик|бабушк|дедушк|велосипедист|самокат|школьни)",
            r"(?:пешеход\w*|реб[её]н\w*|человек\w*)\W+(?:\w+\W+){0,2}?(?:сбил|сбит|задавил)",
            r"(?:адам|жургинши|бала|айел|киси|кари|велосипедши|жаяу)\w*\W+(?:\w+\W+){0,5}?"
            r"(?:кагып|согып) кет(?!е жазда)",
        ),
        ("103", "102"),
    ),
    Signal(
        "drunk_driver",
        any_of(
            r"пьян\w*\s+(?:\w+\s+){0,2}?(?:за рул|водител|шофер|едет|гоняет|катается)|(?:водител\w*|за рул\w*)"
            r"\W+(?:\w+\W+){0,3}?(?:пьян|бух|нетрезв|в хлам|лыка не вяжет)|\bбух\w* водител|нетрезв\w* водител",
            r"\bмас\s+(?:\w+\s+){0,2}?(?:жургизуши|рулде|ролде|айдап|келе жатыр|жургизип)|(?:жургизуши|рулде|ролде)\W+"
            r"(?:\w+\W+){0,2}?мас\b",
        ),
        ("102",),
    ),
    Signal(
        "break_in_progress",
        any_of(
            r"\bлезут в|\bлезет в|взлам(?:ыва)?(?:ют|ет)|вскрыва(?:ют|ет)|\bграбят\b|ломают замок",
            # forcing the door is getting in, not yet a blow: "кто-то ломится в квартиру" is a break-in, "менты
            # ломятся в квартиру" officials entering (`unless` below)
            r"\bломится\b|\bломятся\b|выламыва|\bвыбива(?:ет|ют) дверь",
            # not "должен ли кто-то в квартире присутствовать при обыске?": "ли" asks whether someone is or must be
            # there, a question about a procedure
            r"(?<!\bли )кто[- ]?то (?:ходит )?в квартире|\bходит по (?:дому|квартире)|воры в (?:квартире|доме)"
            r"|выносят (?:вещи|из)|заттарды тасып",
            r"\bпыта(?:ются|ется) (?:вскрыть|открыть|угнать|залезть|выломать|влезть|проникнуть|забраться|вломиться"
            r"|ворваться|войти (?:в (?:дом|квартир)|ко мне|к нам))",
            # the home named first: "ко мне в дом лезет пьяный сосед", "к нам в квартиру ломятся"
            r"\b(?:ко мне|к нам) (?:в (?:дом|квартиру|комнату) |домой )?(?:\w+ )?(?:лез(?:ет|ут)|вламыва(?:ет|ют)ся"
            r"|рвется|рвутся)\b",
            r"\bугоня(?:ют|ет)|\bурлап жатыр|\bкирип жатыр|\bбузып жатыр|\bтонап жатыр",
            # about to get in: "үйіме кіруге тырысып жатыр", "кіргелі жатыр", "терезеден кірмек болып жатыр"
            r"\bкируге тырысып|\bкиргели (?:жатыр|тур)|\bкирмек болып (?:жатыр|тур|жур)",
            # someone is in the home now: "кто-то сейчас в доме", "в доме кто-то есть прямо сейчас", "қазір біреу үйде
            # жүр" (not "кто-то был в доме"). Being there needs a "now" beside it or a verb of moving about: "должен
            # ли кто-то дома присутствовать при обыске?", "біреу үйде бар ма" are questions about the law
            rf"\bкто[- ]?то (?:ходит|бродит|шарится|шастает) (?:{_AT_HOME})",
            rf"\bкто[- ]?то (?:{_NOW_HERE}) (?:ходит |есть |находится )?(?:{_AT_HOME})\b",
            rf"(?:\bкто[- ]?то (?:есть |находится )?(?:{_AT_HOME})|(?:{_AT_HOME}) кто[- ]?то(?: есть| находится)?)\W+"
            rf"(?:{_NOW_HERE})\b",
            rf"(?:{_NOW_HERE}) (?:{_AT_HOME}) кто[- ]?то\b",
            rf"(?:{_NOW_HERE}) кто[- ]?то (?:есть |находится )?(?:{_AT_HOME})",
            r"\bбиреу\W+(?:казир\W+)?(?:уй|патер)\w*д[еа]\W+жур\b",
            r"(?:\bказир\W+биреу\W+(?:уй|патер)\w*д[еа]|\bбиреу\W+казир\W+(?:уй|патер)\w*д[еа]"
            r"|\bбиреу\W+(?:уй|патер)\w*д[еа]\W+казир)\W+бар\b(?!\W+ма\b)",
        ),
        ("102",),
        habitual_sensitive=True,
        # officials getting in, nobody else named ("менты ворвались в квартиру", "приставы ломятся в дверь"): whether
        # they may is a question of lawful entry, no emergency; smoke or water coming in ("түтін кіріп жатыр") is no
        # one getting in
        unless=NO_INTRUDER,
    ),
    Signal(
        # someone got into the home and is there now: "в мой дом кто-то вломился прямо сейчас", "біреу қазір үйге
        # кірді". The verb alone tells a past break-in ("вчера к нам залезли воры"), so a "now" cue is needed
        "break_in_progress",
        any_of(
            r"\b(?:вломил(?:ся|ась|ись)|залез(?:ли|ла)?|влез(?:ли|ла)?|проник(?:ли|ла)?|ворвал(?:ся|ась|ись)"
            r"|забрал(?:ся|ась|ись))\W+(?:\w+\W+){0,2}?(?:в (?:мо\w+ |наш\w+ )?(?:дом|квартир)|ко мне|к нам)",
            r"\bв (?:мо\w+ |наш\w+ )?(?:дом|квартиру)\W+(?:\w+\W+){0,2}?(?:вломил(?:ся|ась|ись)|залез|влез|проник"
            r"|ворвал(?:ся|ась|ись)|забрал(?:ся|ась|ись))",
            r"\b(?:уй|патер)\w*\W+(?:\w+\W+){0,2}?(?:басып )?кир(?:ди|ип алды|ип кетти)",
        ),
        ("102",),
        needs_now=True,
        habitual_sensitive=True,
        asked_now=True,
        unless=NO_INTRUDER,
    ),
    *EN_SIGNALS,
)
