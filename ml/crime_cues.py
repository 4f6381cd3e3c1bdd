"""What tells that a report carries information about a crime (ru / kk / en), whatever category it falls in: the
table, and `cues_in` that reads a text with it, which `ml.anonymity` asks to consider an anonymous appeal that its
category alone would not (law on appeals: anonymous appeals are not considered, "except information about prepared or
committed crimes").

Each cue names the Criminal Code (УК РК) articles whose offence it reports and the patterns that must all occur in the
folded text (`ml.text.fold`: қ→к, ө→о, ұ/ү→у, ә→а, і→и, ғ→г, ң→н, ё→е), read as `ml.urgency` reads it (a report in
Latin letters in Cyrillic). Each pattern holds the Russian, Kazakh (as typed with and without its letters) and English
forms, with the typos citizens make. What the citizen says did not happen ("взятку не просил", "ұрған жоқ", "did not
beat me") is cut from the text first (`NEGATED`), but not from someone's quoted words (`QUOTED`: "он сказал «я взятку
не просил», но взял"), and so is what a cue's verb tells of a thing ("бил по столу", "есікті тепті": `THINGS_STRUCK`).
A stem is spelt with its endings, not left open, where other words begin with it ("травмат", a gun, not
"травматолог"; "патрон", not "патронаж"; "умер", not "умеренно").

Only what is a crime, not an administrative offence (КоАП РК), is here, so a refusal the law asks for still happens:
rudeness (КоАП 73-3 is slander, not rudeness), an officer's plain inaction, drunk driving by itself (КоАП 608),
leaving the scene of a crash with no one hurt (КоАП 611), unlicensed trade (КоАП 204), alcohol sold at night or to
minors (КоАП 200). A cue errs towards letting a report through: refusing a crime's report loses it, while a report let
through that is no crime is only read by a human, as the categories that allow anonymity always are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ml.lang import reading_text
from ml.text import any_of, fold
from ml.translit import mostly_latin, to_cyrillic
from ml.urgency_signal import RU_THINGS_BROKEN

# Bump when a pattern changes: recorded with the decisions it makes (backend.routing)
CRIME_CUES_VERSION = "6"


@dataclass(frozen=True, slots=True)
class CrimeCue:
    code: str
    law: str  # the УК РК articles whose offence the cue reports (for the reader; nothing parses it)
    every: tuple[re.Pattern[str], ...]  # each must occur in the folded text


# a bribe or money extorted by an official (УК 366 taking, 367 giving, 368 mediating a bribe; 194 extortion)
_BRIBE_WORDS = any_of(
    # ru: the word itself with its typos ("взятку", "взядку", "взяточник"), extortion, a tribute, a roof
    r"\bвз[яь]?[тд]к|\bвзяточ|\bвым[оа]га|\bпобор(?:ы|ов|ам|ами|ах)?\b|\bдан[ьи] (?:с|у)\b"
    r"|\bкрыш(?:ует|уют|евал|евали|евание)"
    r"|\bна лапу\b|\bоткуп(?:ил|ит|ат|ился|ились|иться|аться)",
    # ru: money demanded, or given or taken so that a protocol is not drawn up
    r"\b(?:по)?треб(?:ова|ует|уют)\w*\s+(?:(?:с|у)\s+(?:меня|нас|него|нее|них|мужа|сына|отца|брата)\s+)?"
    r"(?:деньг|денег|\d+\s*(?:тыс|тенге|тг|000|к\b))",
    r"\b(?:просил|попросил|намекал|намекнул)\w*\s+(?:\w+\s+){0,2}?(?:деньг|денег|\d+\s*(?:тыс|тенге|тг))",
    r"\b(?:деньг|денег)\w*\W+(?:\w+\W+){0,3}?(?:чтобы|чтоб|что бы|штоб|за то)\W+(?:\w+\W+){0,2}?не\b",
    r"\bза (?:деньги|\d+\s*(?:тыс|тенге|тг))\W+(?:\w+\W+){0,2}?(?:отпуст|не (?:состав|оформ|выпис|штраф))",
    r"\b(?:отпустил|отпустили)\w*\W+(?:\w+\W+){0,2}?за (?:деньги|\d+)",
    r"\b(?:деньг|денег)\w*\W+(?:\w+\W+){0,5}?без (?:протокол|квитанц|чек)|\bбез (?:протокол|квитанц)\w*\W+"
    r"(?:\w+\W+){0,5}?(?:деньг|денег)",
    r"\b(?:берет|берут|брал|брали|взял|взяли|собира\w+)\s+(?:деньги|денег|дань|плату|по \d+\w*)\s+(?:с|у)\s+"
    r"(?:торгов|продав|водител|бабуш|люд|предприним|таксист|рабоч|мигрант|рынк|точ)",
    # kk: пара (a bribe; the Russian "пара", a couple, never takes these endings or verbs), extortion, money asked
    # for or taken to let one go
    r"\bпара(?:ны|га|сын|сы|мен|кор\w*)\b|\bпара (?:алды|алады|алып|алу\w*|алган\w*|алмак|алатын\w*|сура(?!ма)\w*"
    r"|талап (?:ет(?!пе)|кыл(?!ма))\w*|усын(?!ба)\w*"  # offered; and given, or to be given (a demand: "бер", "бересің")
    r"|бер(?:ди|дим|дик|ип|у|уге|мей|месе|меси|месен|месениз|емин|емиз|еди|есин|есиз|есиниз|иниз|индер|гем|ген|се|сек|сен|син"
    r"|синиз)?\b)",
    # kk: a bribe named in someone's quoted words, whatever their polarity ("«пара сұрамадым» деді, бірақ ақша алды"):
    # what the quote denies is the speaker's claim, not the citizen's account (see QUOTED)
    r"«[^«»]*\bпара\s+(?:\w+\s+)?(?:сура|ал(?:[дмуы]|га|а)|бер|талап|усын)",
    r"\bбопсала(?!ма)",
    r"\bакша(?:ны|сын|мды|ны)?\s+(?:талап\s+(?:ет(?!пе)|кыл(?!ма))\w*|сура(?:ды|п|йды|ган|уда|дым|ды|йтын)\w*)",
    r"\bакша\w*\W+(?:\w+\W+){0,3}?(?:жиберди|босатты|жиберип|босатып)|\b(?:жиберди|босатты)\W+(?:\w+\W+){0,2}?"
    r"акша",
    r"\bхаттама(?:сыз| толтырмай| жазбай| жасамай)\W+(?:\w+\W+){0,3}?акша",
    # en
    r"\bbrib|\bextort|\bkickback|\bshake ?down|\bprotection money|\bpaid (?:him|them|off)\b",
    r"\b(?:demand|ask|want)\w*\s+(?:\w+\s+){0,2}?(?:money|cash|\d+\s*(?:tenge|kzt|thousand))",
    r"\blet (?:me|us|him|her|them) go for (?:money|cash|\d+)",
    r"\b(?:took|takes|take|taking|collect\w*)\s+(?:money|cash|\d+\s*(?:tenge|kzt))\s+from\s+(?:\w+\s+)?"
    r"(?:traders|vendors|sellers|drivers|people|shops|taxi)",
)

# violence: beating (УК 109-1 since 2024, 108-1), torture and ill-treatment by an official (146), abuse of power with
# violence (362 part 4), a threat to kill (115), rape (120)
_VIOLENCE_WORDS = any_of(
    r"\bизби(?:л|ли|ла|ва\w*|т\w*|ть|ени\w*)\b|\bпобо(?:и|ев|ями)\b|\bпыт(?:ал|али|ает|ают|ать|ки|ку|ка|ок|кам)\b"
    r"|\bударил(?!ся|ась|ись)\w*|\bудар(?:ом|ами) (?:по|в)\b|\bбил[аи]?\b|\bбь[её]т\b|\bбьют\b"
    r"|\bпинал\w*|\bпинками\b|\bдушил\w*|\bзадуши\w*"
    r"|\bэлектрошок|\bшокером|\bпакет на голов|\bсломал\w* (?:мне |ему |ей |нам |им )?(?:рук|ребр|нос|ног|челюст)"
    r"|\bнасили|\bизнасил|\bугрожа\w* (?:убить|убийств|расправ|пистолет|оружи|нож)",
    # kk: ұрды, ұрып(-соқты), соқты, таяқ жеді, тепкіледі, азаптады, қол көтерді, өлтіремін деп (threatened to kill)
    r"\bур(?:ды\w*|ып\w*|ган\w*|ады|ыды)\b|\bсоккы|\bтаяк (?:жед|жеп|жеги)\w*"
    r"|\bтаякта\w*|\bтепкиле(?!ме)\w*|\bтеп(?:ти|кен)\w*|\bазапта(?!ма)\w*"
    r"|\bкол (?:котерд|котерип|котерг|жумсад|жумсап)\w*|\bкуш (?:колдан(?!ба)|корсет(?!пе))\w*"
    r"|\bзорла(?!ма)\w*|\bзорлык|\bзомбылык"
    r"|\bолтир(?:емин|ем|емиз|еди|ип) (?:деп|дейди|деди)",
    # en
    r"\bbeat(?:en|ing|s)?\b|\btortur|\bpunch(?:ed|es|ing)?\b|\bkick(?:ed|ing)\b|\bassault"
    r"|\bhit (?:me|him|her|us|them|my (?:son|daughter|brother|sister|husband|wife|father|mother|child|kid|friend"
    r"|face|head))\b"  # not "hit my car"
    r"|\bchok(?:ed|ing)\b|\bstrangl|\brap(?:e|ed)\b|\bthreaten\w* to kill",
)

# framing: evidence planted or faked (УК 416), a false record (369), forced testimony (415), unlawful detention (414),
# an innocent person prosecuted (412)
_FRAMING_WORDS = any_of(
    r"\bпод(?:брос|кину|кинул|кинули)\w*|\bподкидыва\w*|\bподлог(?:а|у|ом|е|и|ов|ами|ах)?\b|\bсфабрик\w*|\bфальсифи\w*"
    r"|\b(?:выбил|выбива|выбили)\w* (?:показани|признани)"
    r"|\b(?:заставил|заставили|принудил|принудили|принужда\w*)\w* (?:\w+ )?(?:подписать|признат|дать показ|оговор)"
    r"|\bнезаконн\w* (?:задерж|арест)|\b(?:задержали|держали|продержали)\w* (?:\w+ )?без (?:протокол|основани)"
    r"|\bпереписал\w* (?:протокол|показани)|\bложн\w* (?:протокол|показани|рапорт)",
    # kk: есірткі салып қойды (planted drugs), жалған хаттама (a false protocol), мойындауға мәжбүрледі, күштеп қол
    # қойғызды (forced to sign), заңсыз ұстады (held unlawfully)
    r"\b(?:есиртки(?:ни)?|наркотик\w*|патрон\w*|ок-дари\w*|оқ-дәрі\w*)\s+(?:\w+\s+)?(?:(?:салып|тыгып|тастап) "
    r"(?:койды|кетти|жиберди|койган)|салды|салган|тыкты|тыккан)"
    r"|\bжалган (?:хаттама|айгак|далел|куалик|корсетпе|протокол)\w*|\bмажбурле(?!ме)\w*|\bмажбурлап"
    r"|\bмажбур (?:ет(?!пе)|кыл(?!ма))\w*"
    r"|\bкол койгыз(?!ба)\w*"
    r"|\bзанс[ыи]з (?:уста|кама)(?!ма)\w*",
    # en
    r"\bplant(?:ed|ing)\s+(?:\w+\s+){0,2}?(?:drugs?|evidence|narcotics|guns?|weapons?|bullets?|ammunition|cartridges"
    r"|something|on (?:me|him|her|us|them|my))\b|\bfabricat|\bfalsif|\bfalse (?:evidence|report|protocol|testimony)"
    r"|\bforced (?:\w+ )?to (?:sign|confess)|\bcoerc|\b(?:unlawful|illegal)(?:ly)? (?:detain|arrest)"
    r"|\bheld (?:me |him |her |us |them )?without (?:a )?(?:charge|protocol|reason)",
)

# a person hit by a vehicle (УК 345 harm to health, 347 leaving the scene when someone is hurt)
_PERSON_HIT = any_of(
    r"\b(?:сбил|сбила|сбили|наехал\w* на|задавил\w*)\W+(?:\w+\W+){0,2}?(?:человек|пешеход|реб[её]н|мальчик"
    r"|девочк|женщин|мужчин|бабушк|дедушк|велосипедист|самокатчик|школьни|подрост|парн|девушк|старик|пенсионер"
    r"|меня|его|ее|нас|сына|дочь|дочку)",
    r"\b(?:пешеход|реб[её]н|мальчик|девочк|человек|женщин|мужчин)\w*\W+(?:\w+\W+){0,2}?(?:сбил|сбила|сбили)\b",
    # kk: қағып кетті / соғып кетті (knocked down and drove on), басып кетті (ran over)
    r"\b(?:адам\w*|жаяу\w*|бала(?:ны|мды|сын|мызды|ларды)?|кыз(?:ды|ым|ымды|ын|ынды|ымызды)|ул(?:ды|ым|ымды|ын|ынды"
    r"|ымызды)|ажей\w*|ата(?:мды|ны|йды|сын)|апа(?:мды|ны|йды|сын)|велосипедши\w*|мени|оны|бизди)\s+"
    r"(?:\w+\s+)?(?:кагып|согып|басып|соктыгып) (?:кетти|кетип|тастады|калды|кетти де)",
    r"\b(?:hit|ran over|run over|knocked down|struck)\s+(?:\w+\s+){0,2}?(?:pedestrian|child|kid|boy|girl|man"
    r"|woman|person|cyclist|me|him|her|my son|my daughter)",
)
_FLED_OR_HURT = any_of(
    r"\bскрыл(?:ся|ась|ись)|\bуехал|\bсбежал|\bумчал|\bне останови|\bне остановил"
    r"|\bумер(?:ла|ли|ло|ш\w*)?\b|\bпогиб|\bскончал"
    r"|\bв больниц|\bреанимац|\bскор(?:ая|ую|ой)\b|\bперелом|\bтравм|\bбез сознания|\bкровь|\bкрови\b",
    r"\bкашып|\bтоктамай|\bтоктамастан|\bкетип калды|\bкагып кетти|\bолди\b|\bказа (?:тап|бол)\w*|\bауруханага"
    r"|\bжедел жардем|\bжаракат|\bесин(?:ен)? танд",
    r"\b(?:drove|sped|ran|drive) (?:off|away)|\bfled\b|\bdidn.?t stop|\bdid not stop|\bhit.and.run|\bdied\b"
    r"|\bkilled\b|\bhospital|\binjur|\bunconscious|\bambulance",
)

# driving drunk while deprived of the right to drive (УК 346; drunk driving alone is КоАП 608)
_DRUNK = any_of(
    r"\bпьян|\bнетрезв|\bвыпивш|\bбух(?:ой|ая|ие|ом)\b|\bпод кайфом|\bпод наркот|\bопьянени",
    r"\bмас\b|\bмас (?:куйде|болып)|\bишип алган|\bишкен",
    r"\bdrunk|\bintoxicated|\bunder the influence",
)
_DEPRIVED = any_of(
    r"\bлиш[её]н\w* (?:\w+ )?(?:прав|удостоверени)|\bлишили (?:\w+ )?прав|\bбез прав после лишени",
    r"\b(?:кукыг|куалиг)\w* (?:\w+ )?айрыл\w*|\bправа(?:сы)?(?:ны)? (?:алып тастаган|алынган)",
    r"\b(?:license|licence) (?:\w+ )?(?:revoked|suspended|taken away)|\bbanned from driving|\bdisqualified",
)

# selling guns or ammunition (УК 287)
_SELLING = any_of(
    r"\bпрода(?:ет|ют|вал|вали|жа)\w*|\bторгу(?:ет|ют)\w*|\bсбыва\w*",
    r"\bсат(?:ады|ып|уда|ылады|айды|кан|ты\b)\w*",
    r"\bsell\w*|\bsold\b|\bdeal\w*",
)
_GUNS = any_of(
    r"\bоружи|\bпистолет|\bпатрон(?:ы|ов|а|у|ом|е|ам|ами|ах|ник\w*|таш\w*)?\b|\bобрез\b|\bружь[еяю]"
    r"|\bтравмат(?:а|у|ом|ы|ов|ами|ах|е|ик(?:а|у|и|ой)?|ическ(?:ий|ие|их|ое|ого|ую))?\b|\bавтомат(?:ы|ов)? калашник",
    r"\bмылтык|\bтапанша|\bок-дари|\bпатронд[аы]\w*|\bкару(?:-жарак)?(?:ы|ын|ды|га|мен|дан|да|лар\w*|лы\w*)?\b",
    r"\bguns?\b|\bpistols?\b|\bfirearm|\bammunition|\bammo\b|\brifles?\b",
)

# alcohol that poisoned or killed (УК 306 goods that do not meet safety requirements, with harm)
_ALCOHOL = any_of(
    r"\bводк|\bалкогол|\bспирт|\bпал[её]н(?:[аоуы]\w*|к\w*)|\bсуррогат|\bсамогон|\bконьяк",
    r"\bарак(?:ы|ты|ка|пен|тан|та|-шарап\w*)?\b|\bарагы\b|\bишимдик",
    r"\balcohol|\bvodka|\bmoonshine|\bliquor",
)
_POISONED = any_of(
    r"\bотрав(?:ил|ился|илась|ились|лен|ление)\w*|\bумер(?:ла|ли|ло|ш\w*)?\b|\bпогиб|\bослеп(?:ла|ли|ло|н\w*|ш\w*)?\b"
    r"|\bв реанимац",
    r"\bулан(?:ды|ып|гандар|ган)\w*|\bулану|\bказа тап\w*|\bолип кал\w*|\bсокыр",
    r"\bpoison|\bdied\b|\bblind\b|\bintensive care",
)

# what the citizen says did NOT happen ("взятку не просил", "меня никто не бил", "пара сұраған жоқ", "he did not beat
# me"): cut from the text before the cues read it, so a complaint of rudeness that denies a bribe or a beating is not
# read as telling one. Only a negation of a cue's own act or noun is cut: "чтобы не составлять протокол" (a bribe) and
# "не остановился" (fled) are cues themselves, and "не просто бил" (not only beat) negates nothing
_PRONOUN = r"(?:меня|его|ее|нас|их|мне|ему|ей|нам|им|у меня|с меня|у нас|с нас)"
_NOT = r"(?<!чтобы )(?<!чтоб )(?<!штоб )(?<!что бы )\bне"  # "чтобы не …" is what a bribe buys, not a denial
NEGATED = re.compile(
    # ru: the bribe, before or after its denied verb ("взятку у меня не требовали", "не просил никакой взятки")
    # (and with its subject between: "взятку я не давал")
    r"(?:\bвз[яь]?[тд]к\w*\s+(?:(?:у|с)\s+\w+\s+)?(?:(?:я|он|она|они|мы|вы|ты)\s+)?(?:никто\s+|никогда\s+)?)?"
    + _NOT + r"\s+(?:" + _PRONOUN + r"\s+)?"
    r"(?:проси|попроси|треб|потреб|вымога|бра|взя|дава|предлага|намека)\w*(?:\s+(?:у|с)\s+\w+)?"
    r"(?:\s+(?:никакой\s+|никаких\s+)?(?:вз[яь]?[тд]к|денег|деньг)\w*)?"
    r"|\bне было (?:никакой |никаких )?(?:вз[яь]?[тд]к|побоев|насили|избиени)\w*"
    # ru: force denied as used ("насилия не применяли", "не применяли никакого насилия", "без применения насилия")
    r"|\b(?:насили|физическ\w* сил)\w*\s+(?:(?:ко мне|к нам|к нему|к ней|никто|никакого)\s+)?не\s+применя?\w*"
    r"|\bне\s+применя?\w*\s+(?:(?:ко мне|к нам|к нему|к ней|никакого|никакой)\s+)?(?:физическ\w* )?(?:насили|сил)\w*"
    r"|\bбез (?:применения )?(?:физическ\w* )?(?:насили|сил[ыу]\b)\w*"
    r"|\b(?:вз[яь]?[тд]к|побо|насили|избиени)\w* (?:никакой |никаких )?не было"
    # ru: the beating or planting denied ("не бил меня", "меня никто не бил", "ничего не подкидывали")
    r"|" + _NOT + r"\s+(?:" + _PRONOUN + r"\s+)?(?:бил|бь[её]т|бьют|избива|избил|удари|пинал|душил|пыта|подкину"
    r"|подкидыва|подброс|подбрасыва)\w*"
    # kk: a participle denied by жоқ or емес ("пара сұраған жоқ", "ұрған жоқ", "ақшаны алған емес"), with its object
    r"|(?:\b(?:пара|акша)\w*\s+)?\b(?:\w+-)?\w+(?:ган|ген|кан|кен)(?:ы|и|дары|дери|лары|лери)?\s+(?:жок|емес)"
    r"(?:пын|пыз|сыз|пин|пиз|сиз)?\b"
    # kk: violence or force denied as a noun ("зорлық-зомбылық болған жоқ", "зорлық жоқ", "күш көрсетілмеді")
    r"|\b(?:ешкандай\s+)?(?:зорлык|зомбылык|куш)(?:-зомбылык)?\w*\s+(?:(?:болган|корсетилген|колданылган)\s+)?"
    r"(?:жок|болмады|корсетилмеди|колданылмады|корсеткен жок|колданган жок)\b"
    # en: "did not beat me", "was not beaten", "never asked for a bribe", "didn't plant anything"; not "not only"
    r"|\b(?:did ?n.?t|did not|never|was ?n.?t|was not|were ?n.?t|were not|not)\s+(?!only|just)(?:\w+\s+)?"
    r"(?:beat\w*|hit|punch\w*|kick\w*|ask\w*|demand\w*|take|took|taken|plant\w*|extort\w*|assault\w*)"
    r"(?:\s+(?:me|him|her|us|them))?(?:\s+(?:for\s+)?(?:a\s+|any\s+)?(?:bribe|money|cash))?"
    r"|\bno (?:bribe|money)\b",
)

# what a cue's verb tells of things, not people: a table or a door struck ("бил по столу", "ударил кулаком по
# столу", "есікті ұрды", "kicked the door"), a lift given ("подбросил меня до дома"), a shock ("ударило током"), an
# eviction ("kicked us out"). Cut like NEGATED, so the same verb told of a person in the same text still counts. Only
# what is plainly a thing is cut: a body part or a person after the verb ("бил по лицу", "бил его об стену", "басын
# есікке ұрды") is violence, and a cue errs towards letting a report through. The things a blow breaks are the
# urgency signals' too (`ml.urgency_signal.RU_THINGS_BROKEN`); the rest are the cues' own
_RU_THING = (
    rf"(?:{RU_THINGS_BROKEN}|стол|стул|двер|стен|окош|авто|капот|багажник|ворот|калитк|забор|мяч|барабан|тарелк"
    r"|бутылк|лавк|скамейк|лампочк|колокол|тревог|батаре|труб|клавиатур|рул[ья]|шкаф|дерев|ящик|урн|кастрюл|сейф"
    r"|банкомат|терминал|автомат|стойк)\w*"
)
# a thing struck, not where ("били в машине", "в авто": a place) nor with what ("бил стулом по голове": an instrument)
_RU_THING_STRUCK = _RU_THING + r"\b(?<!е)(?<!ах)(?<!ях)(?<!двери)(?<!авто)(?<!ом)(?<!ой)(?<!ами)(?<!ями)(?<!ью)"
_RU_HOW = r"(?:сильно|громко|со всей силы|изо всех сил|несколько раз|постоянно|опять|снова)"
_RU_HAND = r"(?:кулак\w*|рук(?:ой|ами)|ладон\w*|ног(?:ой|ами)|палк\w*|дубинк\w*)"
# kk: the thing as the verb's object or goal (accusative, dative, possessive), not where ("көлікте", "көліктен")
_KK_THING = (
    r"(?:устел|стол|есик|есиг|кабырга|терезе|айнек|шыны|колик|машина|доп|дарбаза|какпа|барабан|сейф)"
    r"(?:ды|ди|ты|ти|ны|ни|га|ге|ка|ке|сын|син|ын|ин|сына|сине|ына|ине)?\b"
)
_EN_THING = (
    r"(?:table|desk|door|wall|window|glass|car|vehicle|ball|drum|bell|fence|gate|record|traffic|queue|system|bin"
    r"|tyre|tire|dashboard|counter|machine|atm|terminal)s?\b"
)
THINGS_STRUCK = re.compile(
    # ru: the verb, how, a hand or a stick, and the thing: по a thing, в or во a thing, or with a hand об a thing
    r"\b(?:бил[аи]?|бь[её]т|бьют|ударил[аи]?|ударом|ударами|пинал[аи]?|пнул[аи]?)(?:\s+" + _RU_HOW + r")?"
    r"(?:\s+по\s+" + _RU_THING + r"|\s+" + _RU_HAND + r"(?:\s+" + _RU_HOW + r")?"
    r"(?:\s+по\s+" + _RU_THING + r"|(?:\s+(?:в|во|об|о))?\s+" + _RU_THING_STRUCK + r")"
    # without a hand, об or о tells what someone else was struck against ("меня били об стену", "ударили о капот")
    r"|(?:\s+(?:в|во))?\s+" + _RU_THING_STRUCK + r")"
    # not when the next blow is at the teller, in the same sentence ("бил по двери, а потом по мне")
    r"(?![^.!?]{0,20}?\bпо (?:мне|нам|нему|ней|ним|лицу|голове)\b)"
    r"|\bпод(?:брос|кину|кинул|кинули|вез)\w*\s+(?:(?:меня|нас|его|ее|их)\s+)?(?:до|к)\b"
    r"|\bударил[оа]?\s+(?:\w+\s+)?(?:током|молни\w*)"
    # kk: the thing, then the verb; kept when someone or a head was struck against it, named before it in the
    # accusative ("басын есікке ұрды", "баламды есікке ұрды", "мені есікке тепті"; not "қатты", hard), and when a
    # converb tells a second act between ("мені көлікке отырғызып ұрды": put in the car and beaten)
    r"|(?P<body>\b(?:(?:бас|бет)\w*|(?!катты\b)\w+(?:ны|ни|ды|ди|ты|ти))\s+)?\b" + _KK_THING
    + r"\s+(?:(?!\w*п\s)\w+\s+)?(?:ур(?:ды\w*|ып\w*|ган\w*|ады)|теп(?:ти|кен)\w*"
    r"|тепкиле\w*)"
    # en: a thing as the object ("kicked the door"), or, after an active form, on, at or against it ("beating on the
    # door"; "was kicked on the floor" is a person kicked); not in it ("beaten in the car" is a person beaten)
    r"|\b(?:(?:beat|beats|beating|hits|hitting|kicks|kicking|punches|punching|bang\w*|knock\w*)\s+"
    r"(?:(?:on|at|against)\s+)?|(?:hit|kicked|punched|struck)\s+)"
    r"(?:(?:the|a|an|his|her|my|our|their|its|some)\s+)?(?:\w+\s+)?" + _EN_THING
    # not a thing naming the person struck: "beat the car owner", "kicked the gate keeper"
    + r"(?![\s-]+(?:owner|driver|guard|keeper|attendant|man|men|woman|women|worker|officer|operator|boy|girl|kid"
    r"|person|people|staff|cashier|clerk)s?\b)"
    r"|\bkick(?:ed|ing|s)?\s+(?:\w+\s+){0,2}?out\b"
)


def _unless_on_a_body(match: re.Match[str]) -> str:
    return match.group(0) if match.group("body") else " "


# what someone is quoted as saying ("он сказал «я взятку не просил», но взял 20 000"): their claim, not the citizen's
# account, so a denial in it is not cut (NEGATED), and a cue in it counts whatever its polarity. Paired quotes of any
# kind are read as «…», as phones and editors pair them too: “…“, ”…”, ‚…‘ (not '…': an apostrophe, "didn't")
QUOTED = re.compile(r"«[^«»]*»|“[^“”]*”|“[^“”]*“|”[^“”]*”|„[^„“”]*[“”]|‚[^‚‘’]*[‘’]|\"[^\"]*\"")


# someone else's claim told in indirect speech ("инспектор сказал, что взятку не брал, но я видел, как он взял
# деньги", "сказал, что не бил меня, а у меня синяки"): up to the clause's end, read as a quote is (`QUOTED`). Not the
# citizen's own ("я сказал, что…"), whose denial is theirs
INDIRECT = re.compile(
    r"(?<!\bя )(?<!\bмы )\b(?:сказал[аи]?|говорит|говорят|говорил[аи]?|утвержда\w*|заявил[аи]?|ответил[аи]?"
    r"|уверя\w*|клял(?:ся|ась|ись)|клян(?:ется|утся)|объяснил[аи]?)\W+(?:(?:мне|нам)\W+)?что\s+([^.,!?;«»\"]+)"
)
_LATIN_WORD = re.compile(r"[a-z][a-z']*", re.IGNORECASE)


def _latin_words_read(text: str) -> str:
    """A Russian word typed in Latin inside a Cyrillic text ("инспектор попросил vzyatku"), read in Cyrillic as a
    text typed wholly in Latin is (`ml.lang.reading_text`, which leaves a mostly Cyrillic text's Latin words as they
    are: routing and urgency read them so). A Latin-typed text is left to `reading_text`; a brand name read in
    Cyrillic ("Kaspi") holds no cue."""
    if mostly_latin(text) or not _LATIN_WORD.search(text):
        return text
    return _LATIN_WORD.sub(lambda word: to_cyrillic(word.group(0), "ru"), text)


def _quotes_closed(folded: str) -> str:
    """A quote opened and never closed runs to the end of the text (the citizen did not close it, or the message was
    cut): read as one, not as the citizen's own words."""
    if folded.count('"') % 2:
        folded += '"'
    if folded.count("«") > folded.count("»"):
        folded += "»"
    return folded


def _outside_quotes(pattern: re.Pattern[str], folded: str) -> str:
    """`folded` with `pattern` cut outside its quotes (already «…»)."""
    parts, last = [], 0
    for quote in QUOTED.finditer(folded):
        parts += [pattern.sub(" ", folded[last : quote.start()]), quote.group(0)]
        last = quote.end()
    return "".join([*parts, pattern.sub(" ", folded[last:])])


CRIME_CUES: tuple[CrimeCue, ...] = (
    CrimeCue("bribery", "УК РК 366, 367, 368, 194", (_BRIBE_WORDS,)),
    CrimeCue("violence", "УК РК 108-1, 109-1, 115, 120, 146, 362", (_VIOLENCE_WORDS,)),
    CrimeCue("framing", "УК РК 369, 412, 414, 415, 416", (_FRAMING_WORDS,)),
    CrimeCue("person_hit", "УК РК 345, 347", (_PERSON_HIT, _FLED_OR_HURT)),
    CrimeCue("drunk_while_deprived", "УК РК 346", (_DRUNK, _DEPRIVED)),
    CrimeCue("gun_sale", "УК РК 287", (_SELLING, _GUNS)),
    CrimeCue("poisonous_alcohol", "УК РК 306", (_ALCOHOL, _POISONED)),
)


def cues_in(text: str) -> tuple[str, ...]:
    """The codes of the crime cues `text` carries, in the table's order; empty when none."""
    # a report typed in Latin letters, or a word of one, is read in Cyrillic, like the patterns
    folded = fold(reading_text(_latin_words_read(text)))
    folded = QUOTED.sub(lambda quote: f"«{quote.group(0)[1:-1]}»", _quotes_closed(folded))
    folded = INDIRECT.sub(lambda said: f"{said.group(0)[: said.start(1) - said.start(0)]}«{said.group(1)}»", folded)
    folded = _outside_quotes(NEGATED, folded)  # what the citizen says did not happen tells no crime
    folded = THINGS_STRUCK.sub(_unless_on_a_body, folded)  # nor what was done to a thing
    return tuple(cue.code for cue in CRIME_CUES if all(p.search(folded) for p in cue.every))
