"""One danger signal of `ml.urgency`: its pattern, the reason code it gives, the numbers it advises, and the context
that turns it off. Its own module so that the Russian/Kazakh table (`ml.urgency_signals`) and the English one
(`ml.urgency_signals_en`) share it without importing each other."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ml.text import any_of

# -- negation, read one way by every signal (folded text) -----------------------------------------------------------
# A Russian verb with "не" right before it tells what did not happen ("не горит", "ребенка не похитили", "собаку и
# хозяина не убили"), but "пока не" is "until" ("били, пока не убили": they did kill); a thing with "нет", "без", "ни"
# before it or "нет", "не было", "жоқ" after it is not there ("дыма нет", "без дыма", "түтін жоқ"). Kazakh negates
# inside the verb ("өлтірмеді", "ұрламады"), which no pattern reads as a danger, or with "жоқ" after a participle
# (`KK_NOT_DONE`).
NOT_NEGATED = r"(?<!(?<!\bпока )\bне )"
# English negates with "not", "n't" or "never" before the word ("my son is not missing", "he isn't lost"), a perfect
# tense with "been" between ("the child has not been missing", "he hasn't been lost")
EN_NOT_NEGATED = (r"(?<!\bnot )(?<!n't )(?<!n’t )(?<!\bnever )(?<!\bnot been )(?<!n't been )(?<!n’t been )"
                  r"(?<!\bnever been )")
# a killing or a taking nearly done ("меня чуть не убили", "едва не похитили ребенка") is an attempt on a life, not
# one denied
NOT_DENIED = r"(?<!(?<!\bпока )(?<!\bчуть )(?<!\bедва )\bне )"
# Russian tells a thing absent in the genitive ("дыма нет", "нет дыма", "без дыма"); a nominative beside "нет" is the
# next clause run on without a comma ("в подъезде дым нет возможности выйти", "света нет дым в подъезде")
_GENITIVE_END = r"(?:(?<=[аяуюыи])|(?<=ов|ев|ей))"
ABSENT_BEFORE = rf"(?!(?:(?<=\bнет )|(?<=\bнету )|(?<=\bбез )|(?<=\bни ))\w+{_GENITIVE_END}\b)"
ABSENT_AFTER = rf"(?!\w|{_GENITIVE_END}\s+(?:нет|нету|не было)\b|\s+жок\b)"
# Kazakh also negates with "жоқ" after a participle ("ұрлаған жоқ", "ұрлап кеткен жоқ", "жоғалған жоқ"), or with
# -ма/-ме (-ба/-бе, -па/-пе) right after the stem ("балам жоғалмады", "адаспады", "тұншықпады"): put after a verb's
# stem. The word between is a helping verb ("кеткен", "қалған"), not another verb: "жоғалды, көрген жоқ" tells the
# child gone and nobody having seen it
KK_NOT_DONE = (
    r"(?![мбп][аеы]|\w*(?:\s+(?:кет|кал|бол|ал|бер|жибер|сал|таста|жур|тур|отыр)\w*)?(?:ган|ген|кан|кен)\s+жок\b)"
)


def present(noun: str) -> str:
    """`noun` (a pattern for a word's beginning, its ending read as `\\w*`) unless it is said to be absent."""
    return rf"{ABSENT_BEFORE}(?:{noun})\w*{ABSENT_AFTER}"


# things, not people, that a blow breaks (folded Russian stems, each the beginning of a word): "бьют колёса", "бьёт
# стёкла", "бил по витрине". One list for `ml.urgency_signals_harm` ("бьёт/бьют" before one is no beating going on)
# and `ml.crime_cues.THINGS_STRUCK` (a blow at one is no crime), each adding its own: the crime cues furniture, doors
# and walls, told apart from instruments ("бил стулом") by their endings, which the urgency signal, reading only a
# word's beginning, does not (it would miss "бьёт стулом"); the urgency signal "рекорд" (a record broken). A bottle
# is spelt each one's way ("бутыл" in the signal, "бутылк" in the cues), so that neither reading changed
RU_THINGS_BROKEN = r"колес|стекл|окн|посуд|фонар|машин|витрин"

# someone smoking (folded, ru / kk / en) ("соседи курят на балконе", "the neighbours smoke"); "курица", "куртка" are
# no smoking
_SMOKING_WORDS = (
    r"\bкур(?:ят|ит|ил[аи]?|ить|ю|им|ени[еяю]|ильщик\w*|ящ\w*)\b|\bнакур\w*|сигарет|\bтабак|\bтабачн|кальян|\bвейп"
    r"|\bтемеки|\bшылым"
    r"|\bcigar|\btobacco|\bhookah|\bshisha|\bvap(?:e|es|ing)\b|\bsmok(?:es|ing)\b"
    r"|\b(?:they|i|we|neighbou?rs?|people|guys)\s+(?:always\s+|often\s+|constantly\s+|still\s+)?smoke\b"
)
# smoking told as what set something alight: asleep with a cigarette, smoking in bed, a cigarette end left burning
# ("курил в постели, теперь дым из его квартиры", "темекі шегіп отырып ұйықтап қалды, үйде түтін", "he fell asleep
# smoking and the room is full of smoke"): the smoke is then a fire's
_SMOKING_STARTS_FIRE = (
    r"\b(?:уснул|заснул|задремал|отключил)\w*\W+(?:\w+\W+){0,3}?(?:с сигарет|кур)"
    r"|\b(?:с сигарет\w*|кур\w*)\W+(?:\w+\W+){0,3}?(?:уснул|заснул|задремал|отключил)"
    r"|\bкур\w*\W+(?:\w+\W+){0,2}?в (?:постел|кроват)|\bв (?:постел|кроват)\w*\W+(?:\w+\W+){0,2}?кур"
    r"|\bокурок|\bокурк|\bбычок|\bбычк|не (?:затушил|потушил)\w* (?:\w+ )?сигарет"
    r"|\b(?:темеки|шылым)\w*\W+(?:\w+\W+){0,3}?(?:уйыктап|уйыктап кал)|\bтосекте\W+(?:\w+\W+){0,2}?темеки"
    r"|\bfell asleep\W+(?:\w+\W+){0,3}?(?:smok|cigar)|\bsmok\w* in bed\b|\bcigarette (?:butt|end)"
    r"|\b(?:didn'?t|did not) (?:put out|stub out) (?:\w+ )?cigar"
)
# what turns a smoke-only fire signal off: someone smoking ("соседи курят на балконе, дым идет ко мне", "the
# neighbours smoke on the balcony and the smoke comes in"), unless the smoking is told as the fire's cause
SMOKING = re.compile(rf"^(?!.*(?:{_SMOKING_STARTS_FIRE}))(?=.*(?:{_SMOKING_WORDS}))", re.DOTALL)


# an animal as the one killed (folded, ru / kk / en). Russian and Kazakh by the accusative, English by the passive:
# "собака убила ребенка", "ит баланы өлтірді", "the dog killed a child" keep the animal as the killer
_RU_ANIMAL_OBJECT = (
    r"(?:собак(?:у|ам)?|собачк(?:у|ам)?|пса|псов|щенк(?:а|ов)|щенят|кошк(?:у|ам)|кошек|кота|котов|котик(?:а|ов)"
    r"|котенк(?:а|ов)|котят|котеночка|животн(?:ое|ых)|питомц(?:а|ев)|попуга(?:я|ев)|хомяк(?:а|ов)|голуб(?:я|ей)"
    r"|птиц(?:у)?|лошад(?:ь|ей)|коня|корову|кролик(?:а|ов))\b"
)
# any form of an animal's name (folded; Russian here, English in EN_ANIMAL), for the killing signals here and the
# person-killed ones of `ml.urgency_who` (one list: an animal one reads as killed, the other reads as no person)
RU_ANIMAL = (
    r"(?:собак\w*|собачк\w*|пс(?:а|ы|ов|ину)\b|пес\b|щен\w*|кош(?:к|ек)\w*|кот(?:а|ы|ов|ик\w*|енок|енк\w*|ят\w*)?\b"
    r"|животн\w*|питом\w*|попуга\w*|хомяк\w*|голуб\w*|птиц\w*|лошад\w*)"
)
_KK_ANIMAL = r"\b(?:ит(?:ти|тер\w*|им\w*|ин\w*|и)?|мысы[кг]\w*|куши[кг]\w*|жануар\w*)\b"
# the accusative, what is killed ("итімді", "мысықты", "күшігімізді"): "ит баланы өлтірді" is a dog that killed
_KK_ANIMAL_OBJECT = r"\b(?:ит|ит\w*|мысы[кг]\w*|куши[кг]\w*|жануар\w*)(?:ды|ди|ты|ти|ны|ни)\b"
EN_ANIMAL = r"\b(?:dog|cat|pupp(?:y|ies)|kitten|pet|animal|bird|horse|parrot)s?\b"
# words between a verb and what it is done to, within the clause: no comma or full stop, no "а", "и", "and"
_BETWEEN = r"(?:(?!(?:а|и|но|and|but)\b)\w+[^\w.,!?;:]+)"
_RU_KILLED = (
    r"(?:убил\w*|убит\w*|убива\w*|убь\w*|отравил\w*|отрав(?:ят|ит|или)|застрелил\w*|зарезал\w*|задушил\w*"
    r"|замучил\w*)"
)
_RU_DEAD = r"(?:мертв\w*|дохл\w*|сдох\w*|труп\w*|умира\w*|умер(?:ла|ли)?\b|отравлен\w*)"
_KK_KILLED = r"(?:олтир\w*|ула(?:п|ды|ган)\w*)"
_KK_DEAD = r"(?:улан\w*|олип\w*|олди\w*|олген\w*|олиги\w*)"
_EN_KILLED = r"(?:kill(?:ed|ing|s)?|poison(?:ed|ing|s)?|murder(?:ed|ing|s)?|shot|stabbed)"
_EN_DEAD = r"(?:killed|poisoned|murdered|shot|dead|dying)"
ANIMAL_KILLED = any_of(
    rf"\b{_RU_KILLED}[^\w.,!?;:]+{_BETWEEN}{{0,2}}?{_RU_ANIMAL_OBJECT}",
    rf"\b{_RU_ANIMAL_OBJECT}[^\w.,!?;:]+(?:{_BETWEEN}{{0,3}}?|и (?:потом |затем |еще )?){_RU_KILLED}",
    rf"\b{_RU_DEAD}[^\w.,!?;:]+{_BETWEEN}{{0,1}}?{RU_ANIMAL}|\b{RU_ANIMAL}[^\w.,!?;:]+{_BETWEEN}{{0,1}}?{_RU_DEAD}",
    rf"\b{RU_ANIMAL}\W+(?:\w+\W+){{0,4}}?нашли (?:\w+ )?(?:мертв|дохл)",
    rf"{_KK_ANIMAL_OBJECT}[^\w.,!?;:]+{_BETWEEN}{{0,3}}?{_KK_KILLED}|{_KK_ANIMAL}[^\w.,!?;:]+{_BETWEEN}{{0,1}}?{_KK_DEAD}",
    rf"\b{_EN_KILLED}[^\w.,!?;:]+{_BETWEEN}{{0,3}}?{EN_ANIMAL}",
    rf"{EN_ANIMAL}[^\w.,!?;:]+{_BETWEEN}{{0,2}}?(?:(?:was|were|got|been|is|are)\s+(?:\w+\s+)?{_EN_DEAD}\b)",
    rf"\bdead {EN_ANIMAL}",
)
# cruelty to an animal going on (folded): "убивают собак во дворе", "мучает кошку", "итті өлтіріп жатыр", "he is
# killing a cat": an offence the police can stop, but no person to save
_ANIMAL_CRUELTY_RU_EN = (
    r"\b(?:убива(?:ет|ют)|муча(?:ет|ют)|душ(?:ит|ат)|трав(?:ит|ят)|издева(?:ется|ются) над)"
    rf"[^\w.,!?;:]+{_BETWEEN}{{0,2}}?(?:{_RU_ANIMAL_OBJECT}|собак\w*|кош\w*|животн\w*)",
    rf"(?:\bis|\bare|'s|’s|'re) (?:killing|torturing|strangling|poisoning|drowning) {_BETWEEN}{{0,2}}?{EN_ANIMAL}",
)
ANIMAL_CRUELTY_NOW = any_of(*_ANIMAL_CRUELTY_RU_EN)
ANIMAL_CRUELTY_GOING_ON = any_of(rf"{_KK_ANIMAL}[^\w.,!?;:]+{_BETWEEN}{{0,2}}?(?:олтирип|улап|кинап) жатыр")


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
    # context that turns the signal off wherever it is in the text: smoke beside smoking ("соседи курят на балконе,
    # дым идет ко мне") is cigarette smoke, not a fire; the fire's own words are another signal, which it leaves on
    unless: re.Pattern[str] | None = None
    # an acute sign that keeps a habitual_sensitive signal on beside a habit ("каждый день курит, сегодня ребенок
    # задыхается")
    acute: re.Pattern[str] | None = None
