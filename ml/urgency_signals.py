"""The danger signals `ml.urgency` looks for: each a pattern over the folded text (`ml.text.fold`) in Russian, Kazakh
and English, the reason code it gives, the emergency numbers it advises, and which context words turn it off.

Kept apart from the verdict rule (ml/urgency.py) because the tables are most of the detector's size and change on
their own: bump `ml.urgency.URGENCY_VERSION` whenever a pattern here changes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ml.text import any_of


@dataclass(frozen=True, slots=True)
class Signal:
    code: str
    pattern: re.Pattern[str]
    advise: tuple[str, ...]
    # a past-tense marker ("вчера", "кеше") without a present one turns the signal off: a fire last week is a report,
    # not an emergency. Weapons and missing people stay urgent: the danger persists.
    past_sensitive: bool = True
    # present-tense verbs that are just as often habitual ("муж бьет меня") count only with a "now" cue
    needs_now: bool = False
    # "постоянно", "каждую ночь", "үнемі": a chronic situation, serious but not an emergency
    habitual_sensitive: bool = False
    # "что делать, если меня бьют": a question about the law, not a report, unless a "now" cue says otherwise
    hypothetical_sensitive: bool = False
    # beside a past marker, a "now" of the asking ("в прошлом месяце залезли воры, что мне сейчас делать?") is no now
    asked_now: bool = False


# Targets of "бьет/бьют" that are things, not people ("бьют колеса", "бьет стекла")
_NOT_PERSON = r"(?!\s+(?:колес|стекл|окн|бутыл|посуд|фонар|машин|витрин|рекорд))"
_CHILD = r"реб[её]н|сын|доч|малыш|мальчик|девочк|школьни|внук|внучк|дет(?:и|ей)\b"
_PERSON = (
    _CHILD + r"|человек|мужчин|женщин|парен|девушк|пенсионер|бабушк|дедушк|старик|сосед|рабоч|студент|подрост"
    r"|\bон\b|\bона\b|\bкто-то"
)
_FALL_FROM = r"(?:из окна|из окон|с окна|с балкона|с крыши|с \d+\W{0,2}(?:-?го\s+)?этажа)"
# "не вернулся", not "не вернул": "сын не вернул долг" is a debt, not a missing child
_MISSING_VERB = (
    r"пропал|потерял|исчез|не вернул(?:ся|ась|ись)|не приш|не пришел|нигде нет|не можем найти"
    r"|не могу найти|похитил"
)
# Beating in the indefinite 3rd person plural with a pronoun as object ("меня избивают", "нас бьют", "его избивают во
# дворе") is how a victim or witness says it is happening: unlike "муж бьет меня" it is rarely habitual. "бют" is
# "b'yut"/"byut"/"b'jut" read from Latin letters. "у нас бьют…" is a place, not a victim.
_BEAT_3PL = r"(?:бьют|бют|избивают|пинают|колотят|лупят)"
_VICTIM_PRONOUN = r"(?:меня|нас|его|ее|их)"
_ADULT = r"(?:человек|мужчин|парн|женщин|девушк|пенсионер|старик|сосед(?:а|ку)\b)"

# -- English ------------------------------------------------------------------------------------------------
# English reports (tourists, expats, students) are read as typed (ml.lang.reading_text leaves English in Latin
# letters), so these patterns never see a Russian or Kazakh text, and their gating is English's own: a question
# about the law ("is it legal to carry a knife", "penalty for drunk driving") names the danger as often as a report
# does, so most English signals are off in a question unless a "now" cue says otherwise.
_EN_VICTIM = (
    r"(?:me|us|him|her|them|my|his|a|an|the|people|someone|somebody|each other|everyone|kids|children"
    r"|women|girls?|boys?|man|woman)"
)
# "my son was found", "she is back home now": the person is no longer missing
_EN_FOUND = (
    r"(?![^.!?]{0,80}\b(?:(?:was|were|been|got|is|are) found|found (?:him|her|them)"
    r"|(?:is|are) (?:back|home|safe) now|came back (?:home|safe))\b)"
)
_EN_MISSING = (
    r"(?:missing|\blost\b|wandered|disappeared|ran away|walked (?:away|out|off)|went out"
    r"|left (?:the |our |his |her )?(?:house|home|flat|apartment|hospital)"
    r"|(?:has|have|did|does)(?:n'?t| not) (?:come|return|answer)"
    r"|(?:can'?t|cannot|can not|could(?:n'?t| not)) (?:find|reach)|not (?:come )?back)"
)
_EN_CHILD = (
    r"(?:\b(?:child|son|daughter|kid|boy|girl|baby|toddler)s?\b|\b(?:[1-9]|1[0-5])[ -]?(?:years?|yrs?)[ -]old\b)"
)
_EN_VULNERABLE = (
    r"(?:elderly|dementia|alzheimer|memory (?:loss|problems?)|grand(?:mother|father|ma|pa)|granny|disabled"
    r"|autis|special needs|mental(?:ly)? (?:ill|illness|health)|non-?verbal|\bold (?:man|woman|lady)"
    r"|\b[6-9]\d(?: years?| y\.?o\b|yo\b)|\b(?:is|aged) [6-9]\d\b)"
)
_EN_SIGNALS: tuple[Signal, ...] = (
    Signal(
        "weapon",
        any_of(
            r"\bknife|\bknives|\bgun\b|\bguns\b|pistol|firearm|\bweapon|\barmed\b|stabb|\bmachete|\baxe\b|\brifle"
            r"|with a (?:baseball )?bat\b|(?:broken|with a) bottle\b|\bcrowbar"
        ),
        ("102", "112"),
        past_sensitive=False,
        hypothetical_sensitive=True,
    ),
    Signal(
        "shooting",
        any_of(r"shoot|shots? fired|gunfire|gunshot"),
        ("102", "112"),
        past_sensitive=False,
        hypothetical_sensitive=True,
    ),
    Signal(
        "injury",
        any_of(
            r"bleed|\bblood|injur|wounded|broken (?:arm|leg|bone|nose|ribs?|neck|back)",
            r"(?:arm|leg|bone|nose|ribs?|neck|hip) (?:is |are |looks |seems )?broken",
            r"(?:ca?n'?t|cannot|can not) (?:stand|walk|get up|move (?:my|his|her))",
            r"(?:call|need|send) (?:an |the )?ambulance",
        ),
        ("103", "102"),
    ),
    Signal(
        "unconscious",
        any_of(
            r"unconscious|(?:not|isn'?t|stopped|barely) breathing|overdos|passed out|seizure|heart attack|collapsed"
            r"|fainted|unresponsive",
            r"(?:he|she|they|man|woman|boy|girl|child|kid|baby|person|guy|rider|cyclist|pedestrian|driver|someone|somebody"
            r"|lady)(?: is|'s| are|'re)? (?:not|isn'?t|aren'?t) (?:moving|responding|reacting|waking)",
            r"lying (?:on the (?:road|ground|floor|street|pavement|sidewalk|asphalt|snow|ice)|there"
            r"|in the (?:street|road|stairwell|snow))",
            r"fell (?:from|out of|off) (?:a |the )?(?:\d+\w* floor|window|balcony|roof)",
            r"\band (?:is |'s )?(?:not|isn'?t|ca?n'?t|cannot) (?:moving|responding|breathing|waking|wake up|get up)",
            r"(?:too many|a lot of|lots of|a handful of|all (?:his|her|the)) (?:pills|tablets|sleeping pills)",
        ),
        ("103", "112"),
    ),
    Signal(
        "drowning_or_trapped",
        any_of(r"drowning|trapped|fell through (?:the )?ice"),
        ("112", "102"),
    ),
    Signal(
        "killing",
        any_of(r"\bkilling|\bkilled\b|dead body|\bdying\b|\bmurder"),
        ("102", "103"),
        hypothetical_sensitive=True,
    ),
    Signal(
        "threat_to_life",
        any_of(r"\bwill kill|\bkill (?:me|you|us|her|him)\b|(?:going|gonna|threat\w*|wants?) to kill"),
        ("102",),
        needs_now=True,
        hypothetical_sensitive=True,
    ),
    Signal(
        # the present progressive with its victim says it is happening: "is attacking us", "are beating a man"
        "violence_in_progress",
        any_of(
            r"\bstrangl|\bchoking (?:me|her|him)|chok(?:es|ed) me|by the throat|fight(?:ing)? (?:right )?now",
            rf"(?:\bis|\bare|'s|'re) (?:attacking|hitting|beating|punching|kicking|stabbing|raping|strangling|choking"
            rf"|assaulting) {_EN_VICTIM}\b",
            r"(?:\bis|\bare|'s|'re) hurting (?:us|him|her|them|people|kids|children)\b",
            r"\bbeing (?:attacked|beaten|hit|raped|stabbed|robbed|assaulted|strangled|choked)|\battacking (?:me|us)\b",
            r"(?:fighting|fight) with (?:knives|a knife|bats|weapons)|banging on (?:my|the|our) door",
            r"grabbed (?:me|my (?:arm|hand|hair|neck))",
        ),
        ("102",),
        habitual_sensitive=True,
        hypothetical_sensitive=True,
    ),
    Signal(
        # a past-tense blow counts when a "now" cue ("just", "he is still here") says it has only just happened
        "violence_in_progress",
        any_of(
            r"\b(?:punched|hit|kicked|slapped|attacked|beat|assaulted|robbed|mugged|stabbed) (?:me|us)\b",
            r"\b(?:grabbed|snatched|took|stole) (?:my|our) (?:bag|phone|purse|wallet)",
        ),
        ("102",),
        needs_now=True,
        habitual_sensitive=True,
        hypothetical_sensitive=True,
    ),
    Signal(
        "kidnapping",
        any_of(
            r"kidnapp|abduct",
            r"(?:pushed|forced|dragged|pulled) (?:me|her|him|a (?:girl|woman|boy|child|man|kid)) into",
        ),
        ("102", "112"),
        hypothetical_sensitive=True,
    ),
    Signal(
        "confinement",
        any_of(
            r"\bin the trunk|\bholding (?:me|us)\b|hostage|locked (?:me|us) (?:in|inside|up)"
            r"|(?:won'?t|will not|doesn'?t|does not|refuses to|refused to) let (?:me|us) (?:out|leave|go)\b"
        ),
        ("102", "112"),
        past_sensitive=False,
        hypothetical_sensitive=True,
    ),
    Signal(
        "fire",
        any_of(
            r"\bfire\b(?!\s+(?:alarm|exit|escape|extinguisher|station|department|safety|drill|door|hydrant|lane|code"
            r"|inspect|regulation|insurance))|burning|\bflames|\bon fire",
            r"(?:\bthe|\bof|\blots of|\bblack|\bthick|\bwhite|\bheavy|\bgr[ae]y|\bsee|\bsmell|\bis|\bfull of) smoke\b"
            r"(?!\s+(?:detector|alarm))|\bsmoke (?:is |was )?(?:coming|pouring|everywhere)",
        ),
        ("112", "101"),
        hypothetical_sensitive=True,
    ),
    Signal(
        "gas",
        any_of(r"gas leak|smell(?:s|ing)? (?:of |like )?gas|gas smell|leaking gas"),
        ("104", "112"),
    ),
    Signal(
        "explosion",
        any_of(r"explosi|\bblast\b|\bbomb"),
        ("112", "102"),
        past_sensitive=False,
        hypothetical_sensitive=True,
    ),
    Signal(
        "missing_child",
        any_of(
            rf"{_EN_CHILD}[^.!?]{{0,40}}{_EN_MISSING}{_EN_FOUND}",
            rf"{_EN_MISSING}[^.!?]{{0,20}}{_EN_CHILD}{_EN_FOUND}",
        ),
        ("102",),
        past_sensitive=False,
        hypothetical_sensitive=True,
    ),
    Signal(
        "child_in_danger",
        any_of(
            r"child (?:alone|locked)",
            r"(?:child|baby|kid|toddler|boy|girl)\w* (?:\w+ ){0,3}?locked in (?:a |the )?(?:hot )?car",
            r"(?:child|baby|kid|toddler|boy|girl)\w* (?:is )?alone (?:on|at|in) (?:the |a )?"
            r"(?:balcony|window|road|highway)",
            r"on the (?:balcony )?railing|hanging (?:from|out of) (?:the |a )?(?:window|balcony)",
        ),
        ("102", "112"),
    ),
    Signal(
        "vulnerable_missing",
        any_of(
            rf"{_EN_VULNERABLE}[^.!?]{{0,80}}?{_EN_MISSING}{_EN_FOUND}",
            rf"{_EN_MISSING}[^.!?]{{0,60}}?{_EN_VULNERABLE}{_EN_FOUND}",
        ),
        ("102",),
        past_sensitive=False,
        hypothetical_sensitive=True,
    ),
    Signal(
        "missing_on_water",
        any_of(r"(?:lost|missing) (?:in the mountains|on the lake)"),
        ("112", "102"),
        past_sensitive=False,
    ),
    Signal(
        "suicide_risk",
        any_of(
            r"suicid|kill (?:him|her|my|them)sel(?:f|ves)|jump off|end (?:his|her|my|their) (?:own )?life",
            r"take (?:his|her|my|their) (?:own )?life|wants? to die|cut (?:his|her|my|their) (?:wrists|veins)",
            r"hang (?:him|her|my)self|(?:will|going to|gonna|wants? to|threatening to|says? (?:he|she) will) jump\b",
            r"standing on the (?:roof|edge|ledge|bridge)",
        ),
        ("112", "103"),
        past_sensitive=False,
    ),
    Signal(
        "hit_person",
        any_of(
            r"hit (?:a |by a )?(?:pedestrian|person|child|cyclist)|ran over|hit-and-run",
            r"(?:hit|knocked down|run over|struck) by (?:a |an |the )?(?:car|bus|truck|taxi|vehicle|driver|motorbike"
            r"|motorcycle|van|jeep|minibus|scooter)",
            r"(?:car|driver|bus|truck|taxi|van|motorbike|motorcycle|jeep|scooter)\W+(?:\w+\W+){0,3}?(?:hit|knocked down"
            r"|ran over|struck) (?:me|him|her|a (?:man|woman|boy|girl|kid|child|pedestrian|person|cyclist|biker|old)"
            r"|an (?:old|elderly)"
            r"|my (?:son|daughter|child|kid|friend|wife|husband|mother|father|mom|dad|brother|sister))\b",
        ),
        ("103", "102"),
        hypothetical_sensitive=True,
    ),
    Signal(
        "drunk_driver",
        any_of(
            r"drunk (?:driver|driving)|driving drunk",
            r"drunk\W+(?:\w+\W+){0,3}?(?:is |was )?(?:driving|drives|behind the wheel|at the wheel)",
            r"(?:driver|driving|behind the wheel|at the wheel)\W+(?:\w+\W+){0,10}?(?:is|'s|seems|looks|totally"
            r"|completely|very|so) (?:\w+ )?(?:drunk|wasted|intoxicated)\b",
        ),
        ("102",),
        habitual_sensitive=True,
        hypothetical_sensitive=True,
    ),
    Signal(
        "break_in_progress",
        any_of(
            r"breaking in|break-in in progress|robbing|(?:\bis|\bare|'s|'re) stealing",
            r"trying to (?:break|get|force|climb) (?:in|into|open)\b|(?:\bis|\bare|'s|'re) (?:breaking|getting) in",
            r"(?:stranger|someone|somebody|intruder|burglar|thief|thieves|men|man)\W+(?:\w+\W+){0,3}?(?:in|inside)"
            r" (?:my|our|the) (?:house|home|flat|apartment|room)\b|\bstill inside",
        ),
        ("102",),
        habitual_sensitive=True,
        hypothetical_sensitive=True,
    ),
)

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
            r"передоз|судорог|приступ|\bотравил|\bотравлен|придавил|ударило током|упал\w* с высоты",
            r"есинен тан|ес-?туссиз|\bдем алмай|тыныс алмай|есин жогалт|озине келмей|козгалмай|тура алмай|\bулан",
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
            r"\bубива(?:ет|ют)|\bубил[иа]?\b|\bтруп|\bмертв|умира(?:ет|ю)",
            r"\bолтирип жатыр|\bолип жатыр|\bолик\b|\bмайит",
        ),
        ("102", "103"),
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
            r"\bдерутся\b|драка (?:идет|началась)|\bломится\b|\bломятся\b|выламыва|\bвыбива(?:ет|ют) дверь",
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
            r"\b(?:мени|бизди)\s+(?:\w+\s+){0,2}?(?:урла(?:п|ды|нды)|алып кашып|алып кашты)",
            r"\b(?:айелимди|кызымды|карындасымды|апамды|синлимди|адамды|кызды|жигитти|куйеуимди)\s+(?:\w+\s+)?"
            r"(?:урлап|алып кашып|алып кашты)",
        ),
        ("102", "112"),
        hypothetical_sensitive=True,
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
            r"\bпламя|\bзадымлен|\bдым(?:ит|ом|\b)|\bискры\b|\bгарью",
            r"\bорт(?! сондир)(?:\b|ен|те|ке|тен| шык)|\bжанып жатыр|\bжалын|\bтутин|\bушкын",
        ),
        ("112", "101"),
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
            r"\b(?:бала|балам|баламыз|баласы|улым|кызым|немерем|балалар)\b\W+(?:\w+\W+){0,8}?(?:жогал|келмеди"
            r"|кайтпады|табылмай|таба алмай|адас|жетпеди)",
            r"\b(?:балам|баламыз|улым|кызым)\b\W+(?:\w+\W+){0,3}?жок\b|\b(?:баланы|баламды|улымды|кызымды) урла",
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
            r"кто-?то (?:ходит )?в квартире|\bходит по (?:дому|квартире)|воры в (?:квартире|доме)|выносят (?:вещи|из)"
            r"|заттарды тасып",
            r"\bпыта(?:ются|ется) (?:вскрыть|открыть|угнать|залезть|выломать|влезть|проникнуть|забраться|вломиться"
            r"|ворваться|войти (?:в (?:дом|квартир)|ко мне|к нам))",
            # the home named first: "ко мне в дом лезет пьяный сосед", "к нам в квартиру ломятся"
            r"\b(?:ко мне|к нам) (?:в (?:дом|квартиру|комнату) |домой )?(?:\w+ )?(?:лез(?:ет|ут)|вламыва(?:ет|ют)ся"
            r"|рвется|рвутся)\b",
            r"\bугоня(?:ют|ет)|\bурлап жатыр|\bкирип жатыр|\bбузып жатыр|\bтонап жатыр",
            # about to get in: "үйіме кіруге тырысып жатыр", "кіргелі жатыр"
            r"\bкируге тырысып|\bкиргели (?:жатыр|тур)",
        ),
        ("102",),
        habitual_sensitive=True,
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
    ),
    *_EN_SIGNALS,
)
