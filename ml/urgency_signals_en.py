"""The English danger signals of `ml.urgency` (`ml.urgency_signals` appends them to the Russian and Kazakh ones).

English reports (tourists, expats, students) are read as typed (ml.lang.reading_text leaves English in Latin
letters), so these patterns never see a Russian or Kazakh text, and their gating is English's own: a question
about the law ("is it legal to carry a knife", "penalty for drunk driving") names the danger as often as a report
does, so most English signals are off in a question unless a "now" cue says otherwise. Bump
`ml.urgency.URGENCY_VERSION` whenever a pattern here changes.
"""

from __future__ import annotations

from ml.text import any_of
from ml.urgency_signal import ANIMAL_KILLED, EN_NOT_NEGATED, SMOKING, Signal
from ml.urgency_who import ACUTE_CHOKING, EN_PERSON_KILLED, EN_SMOKE_CHOKING, ONLY_OFFICIALS_ENTERING

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
    EN_NOT_NEGATED + r"(?:missing|\blost\b|wandered|disappeared|ran away|walked (?:away|out|off)|went out"
    r"|left (?:the |our |his |her )?(?:house|home|flat|apartment|hospital)"
    r"|(?:has|have|did|does)(?:n'?t| not) (?:come|return|answer)"
    r"|(?:can'?t|cannot|can not|could(?:n'?t| not)) (?:find|reach)|not (?:come )?back)"
)
# a child's age told without "years old": "she's 12 and she's missing", "he is nine" ("one" alone is no age: "he is one
# of them"); "he is 15 minutes late" counts something else
_EN_CHILD_AGE = (
    r"\b(?:he|she)(?:'s|’s| is)\s+(?:only\s+|just\s+)?(?:[1-9]|1[0-5]|two|three|four|five|six|seven|eight|nine|ten"
    r"|eleven|twelve|thirteen|fourteen|fifteen)\b(?![\s-]*(?:min|hour|hr|day|week|month|year|am\b|pm\b|o'?clock|%|:"
    r"|percent|kilo|km|meter|metre|floor|block|street|st\b|th\b))"
)
_EN_CHILD = (
    r"(?:\b(?:child|son|daughter|kid|boy|girl|baby|toddler)s?\b|\b(?:[1-9]|1[0-5])[ -]?(?:years?|yrs?)[ -]old\b"
    rf"|{_EN_CHILD_AGE})"
)
_EN_VULNERABLE = (
    r"(?:elderly|dementia|alzheimer|memory (?:loss|problems?)|grand(?:mother|father|ma|pa)|granny|disabled"
    r"|autis|special needs|mental(?:ly)? (?:ill|illness|health)|non-?verbal|\bold (?:man|woman|lady)"
    r"|\b[6-9]\d(?: years?| y\.?o\b|yo\b)|\b(?:is|aged) [6-9]\d\b)"
)
EN_SIGNALS: tuple[Signal, ...] = (
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
        # "my neighbour killed my dog" is cruelty to an animal (ml.urgency_signal.ANIMAL_KILLED)
        unless=ANIMAL_KILLED,
    ),
    Signal(
        # a person killed, whatever animal is killed beside: "they killed the dog and its owner"
        "killing",
        EN_PERSON_KILLED,
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
            # "the neighbours are fighting loudly": going on as told, as Russian "дерутся". Only where the fight is,
            # with whom, how or when may follow: not "fighting for" a cause, "fighting corruption", "fighting about
            # money" (a quarrel), "fighting in court"
            r"(?:\bis|\bare|'s|'re|\bmen|\bguys|\bpeople|\bboys) fighting\b(?!\s+(?:in|at) court\b)"
            r"(?=\s*(?:[^\w\s]|$)|\s+(?:loudly|again|now|right|outside|downstairs|upstairs|next|each|with|in|on|at"
            r"|near|by|behind|and|but|so|there|here)\b)",
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
            # not threatened ("my ex threatens to abduct our child"): a threat is for the police, an emergency only
            # when a danger is told now
            r"(?<!threatens to )(?<!threatened to )(?<!threatening to )(?<!threaten to )(?<!wants to )(?<!going to )"
            r"(?<!will )(?<!gonna )(?<!'ll )(?:kidnapp|abduct)",
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
            # heavy smoke, or smoke pouring out of a place, whoever smokes nearby
            r"(?:\bblack|\bthick|\bheavy|\bgr[ae]y) smoke\b|\bsmoke (?:is |was )?(?:pouring|billowing)"
            r"|\bsmoke (?:is |was )?coming (?:out of|from)",
        ),
        ("112", "101"),
        hypothetical_sensitive=True,
    ),
    Signal(
        # smoke alone, unless someone is smoking ("my neighbours smoke on the balcony and the smoke comes in")
        "fire",
        any_of(
            r"(?:\bthe|\bof|\blots of|\bwhite|\bsee|\bsmell|\bis|\bfull of) smoke\b(?!\s+(?:detector|alarm))"
            r"|\bsmoke (?:is |was )?(?:coming|everywhere)",
        ),
        ("112", "101"),
        hypothetical_sensitive=True,
        unless=SMOKING,
    ),
    Signal(
        # smoke that makes people cough or choke, whoever smokes nearby ("there is smoke in the flat, the kids are
        # coughing, the neighbour smokes")
        "smoke_inhalation",
        EN_SMOKE_CHOKING,
        ("112", "101"),
        habitual_sensitive=True,
        acute=ACUTE_CHOKING,
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
        # "the police are breaking in": officials getting in, nobody else named, is no break-in
        unless=ONLY_OFFICIALS_ENTERING,
    ),
)
