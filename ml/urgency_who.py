"""Who acts and who is harmed, for the danger signals of `ml.urgency` (folded text, `ml.text.fold`; ru / kk / en).

A word list reads the danger's verb; whether it is one depends on the people around it. Officials getting into a
home ("менты ворвались в квартиру") are no break-in: whether they may is a question of lawful entry, and a report of
it is for the police's supervisors, not an emergency. A person killed beside an animal ("убили собаку и хозяина") is
a killing, though an animal killed alone is cruelty. Smoke that makes people cough or choke ("в квартире дым, дети
кашляют") is a danger to health whoever smokes nearby, and a person choking is one with no smoke at all. A person not
reacting ("мужчина ни на что не реагирует") is unconscious, an office or a neighbour not reacting to requests is not.
Kept apart from the signal tables (`ml.urgency_signals`, `ml.urgency_signals_en`), which both use these.
"""

from __future__ import annotations

import re

from ml.text import any_of
from ml.urgency_signal import EN_ANIMAL, KK_NOT_DONE, NOT_DENIED, RU_ANIMAL, SMOKING, present

# -- getting in somewhere online -------------------------------------------------------------------------------------

# "ворвался в чат", "вломились в нашу группу", "burst into our group chat": a chat, a call or a stream raided, no one in
# the teller's home (a matter for cybercrime, if any). Put after a verb of forcing in; the Kazakh place comes before
# its verb ("чатқа басып кірді") and is read there
NOT_ONLINE = (
    r"(?!\W+(?:\w+\W+)?(?:в|во|на|into|in|to)\s+(?:\w+\s+){0,2}?(?:чат|групп|беседу|конференц|эфир|стрим|трансляц"
    r"|зум|zoom|телеграм|ватсап|whatsapp|инстаграм|директ|личк|переписк|канал|сервер|игр|лобби|аккаунт|профил"
    r"|chat|group|call|meeting|stream|server|channel|game|lobby|account|dms?\b))"
)

# -- officials getting in ---------------------------------------------------------------------------------------------

# officials as the subject (nominatives: "полицию вызвали" is no official acting), folded
_OFFICIALS = (
    r"(?:мент(?:ы)?|менттер\w*|полиция|полицейск(?:ий|ие|ая)|полицей(?:лер\w*|и)?|участков(?:ый|ая|ые)|учаскелик\w*"
    r"|пристав(?:ы)?|(?:судебн|частн)(?:ый|ые) исполнител(?:ь|и)|исполнител(?:ь|и)|орындаушы\w*|следовател(?:ь|и)"
    r"|тергеуши\w*|дознавател(?:ь|и)|опер(?:а|ы|ативник|ативники)?|омон\w*|спецназ|сотрудник(?:и)?(?: полиции)?"
    r"|копы|патрульн(?:ый|ые)|police(?: officers?)?|cops|officers|bailiffs)"
)
# getting into a home or forcing its door (folded); "вошли", "зашли" as well as "ворвались"
_ENTERING = (
    r"(?:ворвал\w*|вломил\w*|вламыва\w*|ломит?ся|ломятся|ломились|выломал\w*|выбил[иа]?|вош(?:ел|ла|ли)|заш(?:ел|ла|ли)"
    r"|проник\w*|залез\w*|влез\w*|вскрыл\w*|кирип|кирди|кирген|бузып кир\w*|басып кир\w*"
    r"|(?:burst|broke|barged|stormed|forced their way|came|walked) in(?:to)?\b|(?:are|is) breaking in)"
)
# words of a clause between them: no comma or full stop, no contrast ("полиция приехала, а они уже залезли")
_IN_CLAUSE = r"(?:(?!(?:а|но|ал|but)\b)\w+[^\w.,!?;:]+)"
OFFICIALS_ENTERING = any_of(
    rf"\b{_OFFICIALS}[^\w.,!?;:]+{_IN_CLAUSE}{{0,3}}?{_ENTERING}",
    # the subject after the verb: "ворвались менты", "в квартиру вошли сотрудники полиции"
    rf"\b{_ENTERING}[^\w.,!?;:]+{_IN_CLAUSE}{{0,2}}?{_OFFICIALS}\b",
)
# someone else getting in is told beside them ("менты приехали, а кто-то уже ломится"): still a break-in
_SOMEONE_ELSE = (
    r"кто[- ]?то|\bвор(?:ы|а|ов)?\b|воришк|грабител|незнаком|неизвестн|бандит|\bбиреу|\bуры(?:лар)?\b|бейтаныс"
    r"|stranger|intruder|burglar|thie(?:f|ves)|someone|somebody"
)
# harm told beside them, done or going on ("менты ворвались, избили мужа", "полицейские ворвались, сейчас грабят
# квартиру", "менттер үйге кіріп, күйеуімді ұрды"): violence or robbery by officers is no question of lawful entry
# but an offence, and the break-in signal (or the category) is what keeps it urgent when no other signal reads the
# past-tense verb
_HARM_TOLD = (
    r"\bизби\w*|\bудар\w*|\bбь(?:ет|ют)\b|\bбил[иа]?\b|\bпина\w*|\bдуш(?:ил|ат|ит)\w*|\bстрел\w*|\bкров(?:ь|и|ью)\b"
    r"|\bранен\w*|\bранил\w*|\bграб\w*|\bур(?:ды|ып)\b|\bсок(?:ты|ып)\b|\bсог(?:ды|ып)\b|\bтепк\w*"
    r"|\bbeat(?:s|ing|en)?\b|\bhit\b|\bpunch\w*|\bkick\w*|\bhurt\w*|\brob(?:s|bed|bing)?\b|\bblood\w*|\bbleed\w*"
)
# officials named as a disguise ("кто-то в форме полиции ворвался", "под видом полицейских", "полиция формасын киген
# біреулер", "men dressed as police"): whoever it is, a citizen who cannot tell an impostor from an officer is told to
# call 102, which also finds out whether officers were sent
IMPOSTOR = (
    r"\bв (?:форме|форменной одежде) (?:полиц|сотрудник|полицейск|мент)|\bв (?:полицейск|ментовск)\w* форм"
    # "под видом" an official only: "полицейские под видом проверки вошли" are officers, "под видом опроса" a pretext
    r"|\bпод видом (?:\w+ )?(?:полиц|сотрудник|мент|следовател|участков|пристав|опер|омон|дознавател|исполнител"
    r"|инспектор|прокурор)|\bпереодет\w*|\bвыда(?:ва|е|ю|л)\w* себя за|\bлже-?полиц|\b(?:фальшив|ненастоящ|поддельн)\w*"
    r" (?:полиц|сотрудник|удостоверен|мент|форм)|\bякобы (?:из полиции|полицейск|сотрудник)"
    r"|\b(?:полиция|полицей)\w*\s+(?:формасын|киимин|формасындагы|киимдеги)\w*|\bболып киин\w*"
    r"|\bжалган (?:полиц|кызметкер)"
    r"|\bdressed (?:up )?as\b|\bposing as\b|\bpretend\w* to be\b|\bfake (?:police|cops?|officers?)\b"
    r"|\bin (?:a )?police uniforms?\b|\bimpersonat"
)
# someone else or an impostor getting in by force, a home named or not ("бандиты в форме полиции ворвались", "кто-то
# вломился", "біреулер басып кірді"): the forcing verb itself says where, into the teller's place
_FORCING_IN = (
    r"(?:ворвал(?:ся|ась|ись)|вломил(?:ся|ась|ись)"
    r"|(?<!чатка )(?<!топка )(?<!группага )(?<!каналга )(?<!ойынга )(?:басып|бузып) кир\w*"
    r"|(?:burst|broke|barged|stormed|forced (?:their|his|her) way) in(?:to)?\b)" + NOT_ONLINE
)
INTRUDER_FORCING_IN = (
    rf"(?:{_SOMEONE_ELSE}|{IMPOSTOR})\w*[^\w.,!?;:]+{_IN_CLAUSE}{{0,4}}?{_FORCING_IN}"
    rf"|\b{_FORCING_IN}[^\w.,!?;:]+{_IN_CLAUSE}{{0,3}}?(?:{_SOMEONE_ELSE}|{IMPOSTOR})"
)
# what turns a break-in signal off: officials getting in, nobody else named, no harm told, no disguise
# (`ml.urgency_signal.Signal.unless`)
ONLY_OFFICIALS_ENTERING = re.compile(
    rf"^(?!.*(?:{_SOMEONE_ELSE}|{_HARM_TOLD}|{IMPOSTOR}))(?=.*(?:{OFFICIALS_ENTERING.pattern}))", re.DOTALL
)

# -- a person killed ------------------------------------------------------------------------------------------------

# a person as the one killed: Russian accusatives (not "у соседа": "у соседа убили собаку" is his dog killed; not
# "мать", "дочь", whose accusative is their nominative: "мать убила собаку" is no mother killed)
_RU_PERSON_KILLED = (
    r"(?<!\bу )\b(?:хозя(?:ина|йку)|человека|людей|мужчину|женщину|парня|девушку|ребенка|детей|мальчика|девочку"
    r"|соседа|соседку|соседей|мужа|жену|брата|сестру|отца|маму|папу|сына|дочку|друга|подругу|старика"
    r"|бабушку|дедушку|пенсионера|охранника|водителя|продавца)\b"
)
_RU_PERSON_DEAD = (
    r"\b(?:хозяин|хозяйка|человек|мужчина|женщина|парень|девушка|ребенок|сосед|соседка|муж|жена|брат|сестра|отец"
    r"|мать|сын|дочь)\b"
)
# not "не убили": "собаку и хозяина не убили" tells no killing
_RU_KILLED = rf"{NOT_DENIED}(?:убил[иа]?|застрелил[иа]?|зарезал[иа]?|задушил[иа]?|забил[иа]? до смерти)\b"
_KK_PERSON_KILLED = (
    r"\b(?:иесин\w*|адам(?:ды|дарды)|киси(?:ни|лерди)|куйеу\w*(?:ди|ни)|айел\w*(?:ди|ни)|бала(?:ны|ларды|сын)"
    r"|корши\w*(?:ни|ди)|ага(?:мды|сын)|ини(?:мди|син)|аке(?:мди|син)|ана(?:мды|сын)|кыз(?:ды|ымды)|жигитти)"
)
_KK_KILLED = r"(?:олтирди|олтирип (?:кетти|тастады)|олтирипти|олтирген)\b"
_EN_PERSON = (
    r"(?:(?:(?:its|his|her|their|the|a|an|my|our) )?(?:owner|man|woman|person|people|neighbou?r|husband|wife|child"
    r"|kid|boy|girl|guy|father|mother|brother|sister|son|daughter|friend|guard|driver)s?\b(?!['’])|\b(?:him|them)\b)"
)
# an animal with its determiner: "killed the dog" names no person
_EN_ANIMAL = rf"(?:(?:the|a|an|my|his|her|their|our) )?{EN_ANIMAL}"
PERSON_KILLED = any_of(
    # the person right after the verb, or after the animal and a conjunction: "убили хозяина", "убили собаку и
    # хозяина" (not "убили собаку соседа": his dog)
    rf"\b{_RU_KILLED}\s+(?:(?!{RU_ANIMAL})\w+\s+){{0,2}}?{_RU_PERSON_KILLED}",
    rf"\b{_RU_KILLED}[^\w.!?;:]+(?:\w+[^\w.!?;:]+){{0,3}}?(?:и\b|,)\s*(?:(?:его|ее|их)\s+)?{_RU_PERSON_KILLED}",
    # the person first: "хозяина и собаку убили", "хозяин убит"
    rf"{_RU_PERSON_KILLED}[^\w.!?;:]+(?:(?!(?:а|но)\b)\w+[^\w.!?;:]+){{0,3}}?{_RU_KILLED}",
    rf"{_RU_PERSON_DEAD}[^\w.!?;:]+(?:\w+[^\w.!?;:]+){{0,1}}?{NOT_DENIED}убит(?:а|ы)?\b",
    # "итті және иесін өлтірді", "ит баланы өлтірді"
    rf"{_KK_PERSON_KILLED}[^\w.!?;:]+(?:\w+[^\w.!?;:]+){{0,3}}?{_KK_KILLED}",
)
# a killing or a maiming feared ("боюсь, как бы его не убили", "лишь бы не зарезал", "өлтіріп жібере ме деп
# қорқамын", "I'm afraid they might kill him"): the "не" of "как бы не" denies nothing (`NOT_DENIED` reads it as a
# denial), and nothing is done yet
FEARED_HARM = any_of(
    r"\b(?:как бы|лишь бы|только бы|чтобы|чтоб)\s+(?:\w+\s+){0,2}?не\s+(?:убил\w*|убь\w*|зарезал\w*|зареж\w*"
    r"|застрелил\w*|задушил\w*|покалечил\w*|прибил\w*|забил\w* до смерти)",
    r"\bолтир\w*\s+(?:(?:жибере|коя|тастай|сала)\s+)?[мбп][ае] деп\b",
    r"\b(?:might|could|may) (?:kill|stab|shoot|strangle)\b",
)
# "killed the dog and its owner", "killed a man", "the owner was killed"
EN_PERSON_KILLED = any_of(
    rf"\b(?:killed|murdered|shot dead|stabbed to death)\s+(?!{_EN_ANIMAL}){_EN_PERSON}",
    rf"\b(?:killed|murdered)\W+(?:\w+\W+){{0,3}}?(?:and\b|,)\s*{_EN_PERSON}",
    rf"\b{_EN_PERSON}\W+(?:\w+\W+){{0,3}}?(?:was|were|got|been) (?:\w+ )?(?:killed|murdered|shot dead)\b",
)

# -- smoke that makes people choke ------------------------------------------------------------------------------------

# smoke said to be absent ("дыма нет, но ребенок кашляет", "нет дыма", "түтін жоқ") is no smoke
_SMOKE = present(r"\bдым|\bтутин")
# English "smoke" as a noun: "the neighbours smoke" tells no smoke in the flat
_EN_SMOKE = (
    r"(?:\bsmoky\b|\b(?:the|of|is|lots of|much|with|from|there'?s|full of) smoke\b|\bsmoke (?:in|everywhere|is"
    r"|filled|coming)\b)"
)
_CHOKING = (
    r"(?:кашля\w*|\bкашель|\bкашлем|задыха\w*|задохн\w*|нечем дышать|дышать нечем|(?:трудно|тяжело|не (?:может|могут"
    r"|можем|могу)) дышать|\bжотел\w*|\bтуншыг\w*|тыныс ала алмай\w*|дем ала алмай\w*|тынысы тарыл\w*)"
)
_EN_CHOKING = r"(?:\bcough\w*|\bchoking|can'?t breathe|cannot breathe|(?:hard|difficult) to breathe|suffocat\w*)"
# smoke and coughing or choking in one sentence, either first ("в квартире дым, дети кашляют", "пәтерде түтін,
# балалар жөтеліп жатыр", "the kids are coughing from the smoke")
SMOKE_CHOKING = any_of(rf"{_SMOKE}[^.!?]{{0,80}}?{_CHOKING}", rf"{_CHOKING}[^.!?]{{0,80}}?{_SMOKE}")
EN_SMOKE_CHOKING = any_of(rf"{_EN_SMOKE}[^.!?]{{0,80}}?{_EN_CHOKING}", rf"{_EN_CHOKING}[^.!?]{{0,80}}?{_EN_SMOKE}")
# an acute sign that outweighs a habit told beside it ("сосед курит каждый день, сегодня ребенок задыхается"): a day
# named ("сегодня", "бүгін", "today"), or choking, not a cough, which a habit of smoke can bring on for weeks
# named in the cough's own clause: "ребенок кашляет, сегодня пишу жалобу" names the day of the complaint
_DAY = r"(?:\bсегодня\b|\bсейчас\b|\bбугин\b|\bказир\b|\btoday\b|\btonight\b|\bright now\b)"
# choking itself, not a cough (ru / kk / en)
_RU_KK_CHOKING_NOW = (
    # "тұншығып жатыр", "тұншықты", not "тұншыққан жоқ" (did not choke) nor "тұншықтырды" (strangled someone: violence)
    r"задыха\w*|задохн\w*|не (?:может|могут|можем|могу) дышать|\bтуншы[гк](?!т[ыи]р)" + KK_NOT_DONE + r"\w*"
    r"|тыныс ала алмай\w*|дем ала алмай\w*|тынысы тарыл\w*"
)
_EN_CHOKING_NOW = r"\bchoking\b(?! (?:me|her|him|us|them|my)\b)|can'?t breathe|cannot breathe|suffocat\w*"
ACUTE_CHOKING = any_of(
    rf"{_DAY}[^.,!?;:]{{0,40}}(?:{_CHOKING}|{_EN_CHOKING})|(?:{_CHOKING}|{_EN_CHOKING})[^.,!?;:]{{0,40}}{_DAY}",
    rf"{_RU_KK_CHOKING_NOW}|нечем дышать|дышать нечем",
    _EN_CHOKING_NOW,
)
# someone choking, smoke or none ("түтін жоқ, бірақ бала тұншығып жатыр", "ребенок подавился и не может дышать",
# "бала тамаққа қақалып қалды"): a danger to life whatever brought it on. Not "нечем дышать", as often the stale air of
# a flat as a person choking
CHOKING = any_of(
    _RU_KK_CHOKING_NOW,
    r"\bподавил(?:ся|ась|ись)\b|\bперестал\w* дышать|\bкакал(?:ып|ды)\b",
    _EN_CHOKING_NOW,
)
# choking told of a smell or the heat ("задыхаемся от вони", "жарадан тұншығып жатырмыз"): a complaint, not a person
# choking
_ON_AIR = (
    r"\bот (?:вони|вонищи|жары|духоты|пыли|запаха|смрада|несправедлив\w*|обиды|злости)\b|\bдушно\b|\bдухота\b"
    r"|\b(?:иис|сасык иис|ыстык|аптап|шан)\w*(?:тен|тан|нан|нен|дан|ден)\b"
    r"|\b(?:from|on|of) the (?:smell|stench|heat|dust)\b"
)
# ...and choking beside someone smoking ("соседи курят, задыхаемся"): whether that smoke is a danger now is the smoke
# signals' reading (SMOKE_CHOKING with ACUTE_CHOKING), not a person choking
CHOKING_ON_AIR = re.compile(rf"{_ON_AIR}|{SMOKING.pattern}", re.DOTALL)

# -- a person not responding ------------------------------------------------------------------------------------------

# a person lying still who does not react ("мужчина ни на что не реагирует", "бала жауап бермейді", "he doesn't
# respond"): not an office, a phone or a neighbour who ignores requests ("управляющая компания не реагирует", "сосед
# не реагирует на замечания", "шағымыма жауап бермейді", "телефонға жауап бермейді")
_RU_SOMEONE = (
    r"\b(?:(?:человек|мужчин|мужик|женщин|парен|парн|девушк|реб[её]н|сын|доч|малыш|мальчик|девочк|муж|жен[аеуы]\b"
    r"|отец|отц|мам|пап|брат|сестр|бабушк|дедушк|старик|пенсионер)\w*|мать|он|она|они)"
)
_KK_SOMEONE = (
    r"\b(?:бала|ул|кыз|адам|еркек|айел|жигит|куйеу|аке|шеше|ана|ата|аже|ага|ини|карындас|синли|немере|нарест)\w*"
)
_EN_SOMEONE = (
    r"\b(?:he|she|they|man|woman|boy|girl|child|kid|baby|person|guy|someone|somebody|husband|wife|father|mother|dad"
    r"|mom|mum|son|daughter|grand(?:ma|pa|mother|father))"
)
_NOTHING_REACTS = r"ни на что не (?:реагир|отвеча|отклика)\w*"
UNRESPONSIVE = any_of(
    # "ни на что не реагирует" told of a person, or with no one named where the clause begins ("лежит на улице, ни на
    # что не реагирует"): not of an office ("полиция ни на что не реагирует", "акимат ни на что не реагирует")
    rf"^{_NOTHING_REACTS}|[.,!?;:]\s*{_NOTHING_REACTS}|{_RU_SOMEONE}[^\w.!?;:]+(?:\w+[^\w.!?;:]+){{0,3}}?{_NOTHING_REACTS}",
    # the verb where the clause ends, or about a call or a touch: "не реагирует на просьбы" is someone ignoring them
    rf"{_RU_SOMEONE}[^\w.!?;:]+(?:(?!на\b)\w+[^\w.!?;:]+){{0,2}}?не (?:реагир|отклика)\w*"
    r"(?=\s*(?:[.,!?;:]|$)|\s+(?:и|а|но)\b|\s+на (?:голос|оклик|крик|боль|прикосновен|похлопыван))",
    rf"{_KK_SOMEONE}\s+(?:(?:ештенеге|ешнарсеге|дауыска|шакыруга|суракка)\s+)?(?:жауап (?:бермей|катпай)|ун катпай"
    r"|селт етпей)\w*",
    rf"{_EN_SOMEONE}(?: (?:just|still))? (?:does|do|did|will|wo)(?:n'?t| not) (?:respond|react|wake up)\b"
    r"(?! to (?:\w+ )?(?:messages?|calls?|texts?|e-?mails?|complaints?|letters?|requests?))",
)

# -- smoke, water or gas coming in ------------------------------------------------------------------------------------

# what comes into a home without being anyone (folded): smoke, water, gas, a smell, the cold (ru / kk)
_SUBSTANCE = (
    r"\b(?:дым\w*|вод[аыу]\b|газ\w*|запах\w*|вон[ьи]\w*|холод\w*|сырост\w*|пар\b|тутин\w*|су(?:ы|у)?\b|иис\w*"
    r"|суык\w*|шан\w*|ылгал\w*|бу(?:ы)?\b)"
)
_SUBSTANCE_ENTERS = r"(?:кир\w*|проник\w*|лез\w*|лезет|заш(?:ел|ла|ли)|забрал\w*|влез\w*)"
# anyone named beside it: "түтін кіріп жатыр, біреу есікті бұзып жатыр" is still a break-in
_ANYONE = (
    rf"{_SOMEONE_ELSE}|\bадам|\bеркек|\bкиси|\bчеловек|\bлюди|\bмужчин|\bпарн|\bпарен|\bсосед|\bкорши|\bмас\b|пьян"
)
# what turns a break-in signal off: smoke, water or gas coming in, nobody named ("түнде түтін кіріп жатыр", "үйге
# су кіріп кетті", "в квартиру проник дым"): "кіріп жатыр" says it is coming in, not that a person is
ONLY_SUBSTANCE_ENTERING = re.compile(
    rf"^(?!.*(?:{_ANYONE}))(?=.*(?:{_SUBSTANCE}[^\w.!?;:]+(?:\w+[^\w.!?;:]+){{0,3}}?{_SUBSTANCE_ENTERS}"
    rf"|\b{_SUBSTANCE_ENTERS}[^\w.!?;:]+(?:\w+[^\w.!?;:]+){{0,3}}?{_SUBSTANCE}))",
    re.DOTALL,
)
# a break-in signal's `unless`: officials or a substance getting in, nobody else named
NO_INTRUDER = re.compile(rf"{ONLY_OFFICIALS_ENTERING.pattern}|{ONLY_SUBSTANCE_ENTERING.pattern}", re.DOTALL)

# -- a child or a person taken ----------------------------------------------------------------------------------------

# a child as the one taken (Russian accusatives; not "у ребенка": "украли у ребенка телефон" is a theft, and not the
# nominative "дочь": "дочь украла деньги" is the child acting)
_RU_CHILD_TAKEN = (
    r"(?<!\bу )\b(?:реб[её]нка|детей|сына|сыночка|дочку|доченьку|малыша|малышку|мальчика|девочку|школьника|школьницу"
    r"|внука|внучку|подростка)\b"
)
# words allowed between the verb and the child: whose and how old ("украли моего 5-летнего сына"), no noun of a thing
# ("украли велосипед сына" is a theft)
_RU_CHILD_WORDS = r"(?:(?:мо|наш|тво|ваш|ее|его|их|маленьк|годовал|новорожденн|\d|\w+летн)\w*[^\w.!?;:]+){0,2}"
_RU_STOLEN = (
    rf"{NOT_DENIED}(?:укра(?:л|ла|ли)|сперл[аи]?|своровал[аи]?|утащил[аи]?|выкрал[аи]?|похитил[аи]?"
    r"|(?:увез|увел|забрал)\w* силой|насильно (?:увез|увел|забрал)\w*)"
)
_KK_CHILD_TAKEN = (
    r"\b(?:баланы|балаларды|баламды|балаларымды|баламызды|улымды|улымызды|кызымды|кызымызды|немеремди|баласын)"
)
# a thing whose owner the child is, told before the child ("телефон сына украли", "коляску малыша украли" are thefts)
_RU_THING = (
    r"(?:телефон|сотов|смартфон|айфон|планшет|ноутбук|компьютер|велосипед|самокат|коляск|санк|сумк|рюкзак|портфел"
    r"|ранец|ранц|кошел|бумажник|деньг|вещ|одежд|куртк|обув|кроссовк|ботинк|шапк|игрушк|документ|паспорт|свидетельств"
    r"|карт|машин|мопед|скутер|мотоцикл|часы|украшен|цепочк|серьг|золот|собак|кошк)"
)
# a child stolen, whoever took it: "кто-то украл моего ребенка", "сына украли", "біреу баламды ұрлап кетті"
CHILD_STOLEN = any_of(
    rf"\b{_RU_STOLEN}[^\w.!?;:]+{_RU_CHILD_WORDS}{_RU_CHILD_TAKEN}",
    rf"(?:^|[^\w\s]\s*|\b(?!{_RU_THING})\w+\s+){_RU_CHILD_TAKEN}[^\w.!?;:]+(?:\w+[^\w.!?;:]+){{0,2}}?{_RU_STOLEN}\b",
)
# a person forced into a car or a hidden place: "мужчина затащил девочку в машину", "бір еркек қызды көлікке сүйреп
# әкетті", "a man dragged a girl into a van" (the English signal reads "dragged her into")
_RU_FORCED = rf"{NOT_DENIED}(?:затащил\w*|затолкал\w*|запихнул\w*|заволок\w*|втащил\w*|втолкнул\w*|силой посадил\w*" \
    r"|насильно посадил\w*)"
_RU_PLACE = r"в (?:машин|авто|багажник|подъезд|подвал|гараж|кусты|лес|такси|фургон|микроавтобус|газел|джип)"
_KK_FORCED = r"(?:суйреп|суйреди|зорлап|кустеп|итерип)"
_KK_PLACE = r"(?:колик|автоколик|машина|такси|подъезд|подвал|жертола|гараж)\w*(?:ке|ка|ге|га|не|на)\b"
# the one forced is a person, named ("затащил диван в подъезд", "затолкали шкаф в газель", "машинаны гаражға итеріп"
# carry things): accusatives that are no subject ("дочь", "мать" only after the verb: "дочь затащила пакеты в машину")
_RU_WHO_ACC = (
    r"(?:реб[её]нка|детей|девочку|девочек|девушку|девушек|девчонку|женщину|женщин|мальчика|мальчиков|мальчишку"
    r"|парня|парней|мужчину|человека|людей|школьника|школьницу|подростка|сына|сыночка|дочку|малыша|малышку|жену"
    r"|сестру|брата|подругу|друга|маму|отца|бабушку|дедушку|пенсионера|пенсионерку|студентку|студента|внука|внучку)"
)
_RU_WHOM = r"(?:меня|нас|его|ее|их)"  # a pronoun only with the place right after: "затащил его сумку" is a bag
_SEP = r"[^\w.!?;:]+"
_RU_FORCED_ONE = (
    rf"(?:(?:{_RU_WHO_ACC}|дочь|мать)\b{_SEP}(?:\w+{_SEP}){{0,1}}?|{_RU_WHOM}{_SEP}(?:(?:силой|насильно){_SEP})?)"
)
_KK_WHO = (
    r"\b(?:кызды|кызымды|кызымызды|кызын|баланы|баламды|баламызды|балаларды|баласын|улды|улымды|улымызды|улын"
    r"|айелди|айелимди|айелин|адамды|адамдарды|жигитти|карындасымды|синлимди|апамды|кисини|еркекти|немеремди|мени"
    r"|бизди|оны|оларды)\b"
)
FORCED_INTO = any_of(
    # "затащил девочку в машину", "затащили мою дочь в машину", "силой посадил ее в машину"
    rf"\b{_RU_FORCED}{_SEP}(?:\w+{_SEP}){{0,2}}?{_RU_FORCED_ONE}{_RU_PLACE}",
    # "девочку затащили в машину", "ее силой затолкали в машину"
    rf"\b(?:{_RU_WHO_ACC}|{_RU_WHOM}){_SEP}(?:(?:силой|насильно|прямо){_SEP})?{_RU_FORCED}{_SEP}(?:\w+{_SEP}){{0,1}}?"
    rf"{_RU_PLACE}",
    # "в машину затащили девочку", "в машину девочку затащили"
    rf"\b{_RU_PLACE}\w*{_SEP}(?:\w+{_SEP}){{0,1}}?{_RU_FORCED}{_SEP}(?:\w+{_SEP}){{0,1}}?(?:{_RU_WHO_ACC}|дочь|мать)\b",
    rf"\b{_RU_PLACE}\w*{_SEP}{_RU_WHO_ACC}{_SEP}(?:\w+{_SEP}){{0,1}}?{_RU_FORCED}",
    # "қызды көлікке сүйреп әкетті", "көлікке қызды сүйреп салды"
    rf"{_KK_WHO}{_SEP}(?:\w+{_SEP}){{0,2}}?(?:{_KK_PLACE}{_SEP}(?:\w+{_SEP}){{0,1}}?{_KK_FORCED}"
    rf"|{_KK_FORCED}{_SEP}(?:\w+{_SEP}){{0,1}}?{_KK_PLACE})",
    rf"\b{_KK_PLACE}{_SEP}{_KK_WHO}{_SEP}(?:\w+{_SEP}){{0,1}}?{_KK_FORCED}",
)
# a child taken by someone (a parent too) and a threat told beside it: "бывший муж забрал ребенка и угрожает убить
# его", "he threatened to kidnap my son and now he has taken him", "баланы алып кетті, өлтіремін деп қорқытып жатыр".
# A parent taking the child with no threat told stays a family matter ("муж забрал детей, не знаю где они")
_TAKEN = (
    rf"\b{NOT_DENIED}(?:забрал[аи]?|увез(?:ла|ли)?|увел[аи]?|унес(?:ла|ли)?|украл[аи]?|похитил[аи]?|утащил[аи]?)"
    rf"[^\w.!?;:]+(?:к себе[^\w.!?;:]+)?{_RU_CHILD_WORDS}{_RU_CHILD_TAKEN}"
    rf"|{_RU_CHILD_TAKEN}[^\w.!?;:]+(?:\w+[^\w.!?;:]+){{0,2}}?{NOT_DENIED}(?:забрал|увез|увел|украл|похитил)"
    rf"|{_KK_CHILD_TAKEN}\s+(?:\w+\s+){{0,2}}?(?:алып (?:кетти|кетипти|кашты)|акетти|урлап кетти|урлап алып кетти)"
    r"|\b(?:took|(?:has|have|had) taken|taken|snatched|grabbed)\s+(?:away\s+)?(?:(?:my|our|his|her|the)\s+)?"
    r"(?:son|daughter|child|children|kids?|baby|boy|girl|him|them)\b"
)
_THREAT = (
    r"\b(?:угрожа\w*|грози\w*|пригрозил\w*)[^\w.!?;:]+(?:\w+[^\w.!?;:]+){0,3}?(?:убь\w*|убить|покалеч\w*|зареж\w*"
    r"|навред\w*|похит\w*|украсть|забрать|увезти|спрятать)"
    r"|\bубь(?:ю|ет)\b|больше не увидишь"
    r"|\b(?:олтир|урла|алып кет|жогалт|зиян)\w*\s+(?:\w+\s+)?деп\b|\bолтир(?:емин|еди|ем)\b"
    r"|\bthreat\w* to (?:kill|hurt|harm|kidnap|abduct|take)|\b(?:will|gonna|going to) (?:kill|hurt)"
)
CHILD_TAKEN_UNDER_THREAT = re.compile(rf"^(?=.*(?:{_TAKEN}))(?=.*(?:{_THREAT}))", re.DOTALL)
