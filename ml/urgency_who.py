"""Who acts and who is harmed, for the danger signals of `ml.urgency` (folded text, `ml.text.fold`; ru / kk / en).

A word list reads the danger's verb; whether it is one depends on the people around it. Officials getting into a
home ("менты ворвались в квартиру") are no break-in: whether they may is a question of lawful entry, and a report of
it is for the police's supervisors, not an emergency. A person killed beside an animal ("убили собаку и хозяина") is
a killing, though an animal killed alone is cruelty. Smoke that makes people cough or choke ("в квартире дым, дети
кашляют") is a danger to health whoever smokes nearby. Kept apart from the signal tables (`ml.urgency_signals`,
`ml.urgency_signals_en`), which both use these.
"""

from __future__ import annotations

import re

from ml.text import any_of

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
# what turns a break-in signal off: officials getting in, nobody else named, no harm told
# (`ml.urgency_signal.Signal.unless`)
ONLY_OFFICIALS_ENTERING = re.compile(
    rf"^(?!.*(?:{_SOMEONE_ELSE}|{_HARM_TOLD}))(?=.*(?:{OFFICIALS_ENTERING.pattern}))", re.DOTALL
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
_RU_KILLED = r"(?:убил[иа]?|застрелил[иа]?|зарезал[иа]?|задушил[иа]?|забил[иа]? до смерти)\b"
_RU_ANIMAL = r"(?:собак|собачк|пса|псов|щенк|кошк|кота|котов|котик|котенк|котят|животн|питомц|попуга|птиц|лошад)"
_KK_PERSON_KILLED = (
    r"\b(?:иесин\w*|адам(?:ды|дарды)|киси(?:ни|лерди)|куйеу\w*(?:ди|ни)|айел\w*(?:ди|ни)|бала(?:ны|ларды|сын)"
    r"|корши\w*(?:ни|ди)|ага(?:мды|сын)|ини(?:мди|син)|аке(?:мди|син)|ана(?:мды|сын)|кыз(?:ды|ымды)|жигитти)"
)
_KK_KILLED = r"(?:олтирди|олтирип (?:кетти|тастады)|олтирипти|олтирген)\b"
_EN_PERSON = (
    r"(?:(?:(?:its|his|her|their|the|a|an|my|our) )?(?:owner|man|woman|person|people|neighbou?r|husband|wife|child"
    r"|kid|boy|girl|guy|father|mother|brother|sister|son|daughter|friend|guard|driver)s?\b(?!['’])|\b(?:him|them)\b)"
)
_EN_ANIMAL = r"(?:(?:the|a|an|my|his|her|their|our) )?(?:dog|cat|pupp(?:y|ies)|kitten|pet|animal|bird|horse)s?\b"
PERSON_KILLED = any_of(
    # the person right after the verb, or after the animal and a conjunction: "убили хозяина", "убили собаку и
    # хозяина" (not "убили собаку соседа": his dog)
    rf"\b{_RU_KILLED}\s+(?:(?!{_RU_ANIMAL})\w+\s+){{0,2}}?{_RU_PERSON_KILLED}",
    rf"\b{_RU_KILLED}[^\w.!?;:]+(?:\w+[^\w.!?;:]+){{0,3}}?(?:и\b|,)\s*(?:(?:его|ее|их)\s+)?{_RU_PERSON_KILLED}",
    # the person first: "хозяина и собаку убили", "хозяин убит"
    rf"{_RU_PERSON_KILLED}[^\w.!?;:]+(?:(?!(?:а|но)\b)\w+[^\w.!?;:]+){{0,3}}?{_RU_KILLED}",
    rf"{_RU_PERSON_DEAD}[^\w.!?;:]+(?:\w+[^\w.!?;:]+){{0,1}}?убит(?:а|ы)?\b",
    # "итті және иесін өлтірді", "ит баланы өлтірді"
    rf"{_KK_PERSON_KILLED}[^\w.!?;:]+(?:\w+[^\w.!?;:]+){{0,3}}?{_KK_KILLED}",
)
# "killed the dog and its owner", "killed a man", "the owner was killed"
EN_PERSON_KILLED = any_of(
    rf"\b(?:killed|murdered|shot dead|stabbed to death)\s+(?!{_EN_ANIMAL}){_EN_PERSON}",
    rf"\b(?:killed|murdered)\W+(?:\w+\W+){{0,3}}?(?:and\b|,)\s*{_EN_PERSON}",
    rf"\b{_EN_PERSON}\W+(?:\w+\W+){{0,3}}?(?:was|were|got|been) (?:\w+ )?(?:killed|murdered|shot dead)\b",
)

# -- smoke that makes people choke ------------------------------------------------------------------------------------

# smoke said to be absent ("дыма нет, но ребенок кашляет", "нет дыма", "түтін жоқ") is no smoke
_SMOKE = r"(?:(?<!\bнет )(?<!\bбез )(?<!\bни )\bдым\w*(?!\w|\s+(?:нет|не было)\b)|\bтутин\w*(?!\w|\s+жок\b))"
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
