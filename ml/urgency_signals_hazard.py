"""The danger signals of `ml.urgency` for hazards and people gone (Russian and Kazakh, folded text, `ml.text.fold`):
fire and smoke, a person choking, gas, explosions, a missing child or vulnerable person, a child in danger, suicide,
people hit or a drunk driver on the road, and someone getting into a home.

Part of `ml.urgency_signals.SIGNALS`, after `ml.urgency_signals_harm`'s and before the English ones. Bump
`ml.urgency.URGENCY_VERSION` whenever a pattern here changes.
"""

from __future__ import annotations

from ml.text import any_of
from ml.urgency_signal import KK_NOT_DONE, NOT_NEGATED, SMOKING, Signal, present
from ml.urgency_signals_harm import CHILD, KK_NOT_THREATENED
from ml.urgency_who import ACUTE_CHOKING, CHOKING, CHOKING_ON_AIR, INTRUDER_FORCING_IN, NO_INTRUDER, SMOKE_CHOKING

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

# where smoke coming out of is a fire's: a flat, a window, the stairwell, a door, a basement (folded)
_SMOKE_SOURCE = r"квартир|окн|окон|подъезд|дом|двер|под двер|подвал|гараж|машин|щел|вентиляц|розетк|подсобк|сара"
# out of one: "из квартиры", "из его квартиры", "из соседской квартиры", "из-под двери"
_OUT_OF = rf"\bиз(?:-под| под)? (?:(?:его|ее|их|соседск\w*|соседн\w*|чуж\w*|\d+\w*)\s+)?(?:{_SMOKE_SOURCE})"

# "in the home" and "now" for someone inside the home: "у меня дома", "в квартире"; "прямо сейчас"
_AT_HOME = r"(?:у (?:меня|нас) )?(?:в (?:доме|квартире)|дома)"
_NOW_HERE = r"(?:прямо )?(?:сейчас|щас)|в данный момент"

# All patterns are written in folded form: қ→к, ө→о, ұ/ү→у, ә→а, і→и, ғ→г, ң→н, ё→е.
HAZARD_SIGNALS: tuple[Signal, ...] = (
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
        any_of(present(r"\bдым(?:ит|ом|а|у|\b)|\bтутин")),
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
        # someone choking, smoke or none ("түтін жоқ, бірақ бала тұншығып жатыр"): an ambulance first. After the smoke
        # signals, so smoke with choking still leads with the fire's numbers
        "unconscious",
        CHOKING,
        ("103", "112"),
        habitual_sensitive=True,
        hypothetical_sensitive=True,
        unless=CHOKING_ON_AIR,
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
            rf"(?:{_MISSING_VERB}|ушел из дома|ушла из дома)\w*\W+(?:\w+\W+){{0,4}}?(?:{CHILD})",
            rf"(?:{CHILD})\w*\W+(?:\w+\W+){{0,6}}?(?:{_MISSING_VERB})",
            # a child's age told for him or her: "ей 12 лет, она пропала", "ему девять, не вернулся из школы"
            rf"\b(?:ему|ей)\s+(?:{_CHILD_AGE})\b\W+(?:\w+\W+){{0,6}}?(?:{_MISSING_VERB})",
            r"\b(?:бала|балам|баламыз|баласы|улым|кызым|немерем|балалар)\b\W+(?:\w+\W+){0,8}?(?:жогал|келмеди"
            rf"|кайтпады|табылмай|таба алмай|адас|жетпеди){KK_NOT_DONE}",
            # "балам жоқ", "қызым үйде жоқ" (my child is gone), "балам әлі келген жоқ" (has not come): "жоқ" after any
            # other participle denies the verb ("балам жоғалған жоқ" is my child is not missing)
            r"\b(?:балам|баламыз|улым|кызым)\b\W+(?:\w+\W+){0,3}?(?:(?<!ган )(?<!ген )(?<!кан )(?<!кен )"
            r"|(?<=\b(?:келген|жеткен) )|(?<=\b(?:кайткан|оралган) )|(?<=\bтабылган ))жок\b",
            r"\b(?:баланы|баламды|улымды|кызымды) урла" + KK_NOT_THREATENED,
            r"жогал(?!ма)\w*\W+(?:\w+\W+){0,3}?(?:бала|улым|кызым)",
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
            NOT_NEGATED + r"(?:пропала?\b|ушел\w*|ушла|потерял(?:ся|ась)|не вернул(?:ся|ась|ись)|исчез(?:ла)?\b"
            r"|жогалып кет\w*|адас\w*"
            r"|шыгып кет\w*|заблудил\w*)" + KK_NOT_DONE + r".{0,60}"
            r"(?:деменц|альцгейм|пожил|бабушк|дедушк|инвалид|не помнит|психическ|\bаже|\bата(?:м|мыз|сы)?\b|кария"
            r"|плохо (?:ходит|видит|слышит|ориентир)|не говорит по|орысша билмейди|аягы ауыр|кози нашар)",
            r"(?:деменц|альцгейм|пожил|бабушк|дедушк|\bдед\b|инвалид|психическ|психикалык|\bаже|\bата(?:м|мыз)\b|кария"
            r"|\b[6-9]\d\s*(?:лет|год|жас)).{0,60}" + NOT_NEGATED + r"(?:пропала?\b|ушел|ушла|исчез|потерял(?:ся|ась)"
            r"|не вернул(?:ся|ась|ись)|жогалып"
            r"|кайтпады|келмеди|шыгып кет"
            r"|адас|кетип калды|заблудил)" + KK_NOT_DONE,
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
            # no home named: "бандиты в форме полиции ворвались"
            INTRUDER_FORCING_IN,
        ),
        ("102",),
        needs_now=True,
        habitual_sensitive=True,
        asked_now=True,
        unless=NO_INTRUDER,
    ),
)
