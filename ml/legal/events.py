"""A follow-up that tells an event of its own ("а если сосед затопил квартиру?" after a theft) or what the earlier
event did ("а если сломали руку?" after a beating), told apart by grammar (`ml.legal.follow_up` reads the rest of a
follow-up's words, `ml.legal.continuation` decides how it is answered)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ml.lang import detect_language
from ml.legal.follow_up import OPENING, refers_back
from ml.legal.lexicon import EN_STOP, KK_STOP, RU_STOP, en_stem, query_terms
from ml.legal.matters import matters
from ml.text import fold

_WORDS = re.compile(r"\w+")

# "а если сумма маленькая?", "а если ему 15 лет?", "what if it was my neighbour?" add a circumstance to the earlier
# event: a noun, an age, an amount, "было" / "болса" / "was". "а если сосед затопил квартиру?", "what if my landlord
# evicts me?", "ал егер дүкен ақшаны қайтармаса?" tell another event: someone new does something else. Retrieval cannot
# tell the two apart: a follow-up alone is vague by nature, and its nearest FAQ items and articles are noise in either
# case (the flood's nearest item is the theft one, at 1.15). Grammar can: a verb of action, and someone or something
# the topic did not name taking part in it (the neighbour, the landlord). The verb is recognised by its ending
# (Russian past and present tense, the Kazakh conditional) or, in English, by its place after the subject. A verb is
# no event when it is a copula or a stand-in for the earlier act ("сделал", "повторится", "does it", "қайталанса"), a
# verb of a state or a value ("телефон стоил 500 тысяч", "ущерб составляет миллион", "синяки остались", "ребёнок
# пострадал", "the phone cost 500k") or when nobody new takes part: its subject left out or the topic's own thing ("а
# если телефон разбили?" after a stolen phone). No parser tells a subject from an object here, so "taking part" is any
# word of the question that is not a function word, an amount, a place or time after a preposition, or the topic's.
_RU_VERB = re.compile(
    r"^\w{2,}(?:[аеиоуыяё]л[аои]?|[аеиоуыяё]л(?:ся|ась|ось|ись)|(?:[аеяуоё]е|[аяеуё])т(?:ся)?"
    r"|[бвгджзклмнпрстфхцчшщ]ит(?:ся)?|[уюая]т(?:ся)?)$"
)
# nouns of four or five letters with a verb's ending ("дело", "сила", "брат") that a short follow-up may hold
_RU_NOT_VERBS = frozenset(
    (
        "дело",
        "дела",
        "тело",
        "села",
        "сила",
        "пила",
        "брат",
        "сват",
        "зять",
        "кредит",
        "бандит",
        "лимит",
        "визит",
        "протокол",
    )
)
# copulas and the verbs that stand for the earlier act: "а если это был сосед?", "а если он сделает это снова?"
_RU_SAME_ACT = re.compile(
    r"^(?:был|была|было|были|будет|будут|бывает|стал|стала|стало|стали|станет|является"
    r"|оказал(?:ся|ась|ось|ись)|окажется|сделал\w*|сделает|сделают|совершил\w*|совершит"
    r"|повтор\w*|случил\w*|случится|произошл\w*|произойдет)$"
)
# verbs of a state, a value or an experience, folded (ё → е): cost, remain, come to (a sum), suffer, lie / hang / be
# located, weigh, last, exceed, reach, equal, belong, hurt, seem. A closed class of the language's verbs, not a list of
# questions: whatever their subject, they tell what the earlier event's things or people were like
_RU_STATE = re.compile(
    r"^(?:сто[ия]\w*|оста(?:л|е|ю|ва|н(?:ет|ут))\w*|обош(?:е|л)\w*|обойд\w*|(?:по)?страда\w*"
    r"|леж[аи]\w*|вис[еи]\w*|наход\w*(?:ся|сь)|вес(?:ил|ит)\w*|дл(?:ил|ит)\w*|превы(?:ша|си)\w*|дости(?:г|га)\w*|равня\w*"
    r"|принадлеж\w*|бол(?:ит|ят|ел)\w*|каза(?:л|ло)\w*|кажется|выгляд\w*)$"
)
# "составить" is a value beside an amount ("ущерб составил миллион") and an act otherwise: "участковый составил
# протокол" is an officer's procedural act, a matter of its own
_RU_VALUE = re.compile(r"^состав(?:ля|ил|ит)\w*$")
_RU_AMOUNT = re.compile(
    r"^(?:\d\w*|тыс\w*|млн|млрд|миллион\w*|миллиард\w*|сто|двести|триста|четыреста|(?:пять|шесть|семь|восемь|девять)сот"
    r"|сот(?:ня|ни|ен)|тенге|тг|мрп|рубл\w*|доллар\w*)$"
)
# a plural verb with its doers left unnamed ("сломали руку", "разбили машину"): the words after it are what was done
_RU_PLURAL_VERB = re.compile(r"\w(?:ли|ют|ят|ут|ат)(?:сь)?$")
# the word after one of these names a place, a time or a thing of the circumstance ("у соседа", "в метро", "за
# товар"), not someone taking part
_RU_PREPOSITION = re.compile(
    r"^(?:в|во|на|у|к|ко|с|со|от|из|за|по|под|над|о|об|обо|при|про|для|до|без|после|через|около|возле|между|среди"
    r"|перед)$"
)
# the Kazakh conditional ("-са / -се" + person: "шықса", "қайтармаса", "төлесем")
_KK_CONDITIONAL = re.compile(r"^\w{2,}(?:са|се)(?:м|ң|қ|к|ңыз|ңіз|ныз|низ)?$")
_KK_SAME_ACT = re.compile(r"^(?:бол\w*|қайтала\w*|кайтала\w*|жаса\w*|істе\w*|исте\w*)$")
# "жаса-" / "істе-" (do, make) stand for the earlier act ("ал егер көршім жасаса?"), but the police make papers with
# them: "учаскелік хаттама жасаса" (drew up a protocol) is an officer's procedural act, a matter of its own. Folded:
# the officers, the police and their protocol
_KK_MAKE = re.compile(r"^(?:жаса|істе|исте)\w*$")
_KK_POLICE = re.compile(r"^(?:учаскел|полиц|тергеуш|инспектор|патрул|хаттам)\w*$")
# a Kazakh word in the accusative case ("қолын", "қолымды", "телефонды") is the verb's object, never its doer; folded
_KK_OBJECT = re.compile(r"^\w{2,}(?:[нтд][ыи]|[ыи]н)$")
# a Kazakh converb ("сындырып кетсе": broke it, "ұрып"): a verb beside the conditional one, nobody taking part; folded
_KK_CONVERB = re.compile(r"^\w{2,}[ыи]п$")
# Kazakh verbs of a state or a value, folded: тұр- (cost, stand), қал- (remain), құра- (amount to), жет- (reach),
# шек- ("зардап шексе", suffer), ауыр- (hurt)
_KK_STATE = re.compile(r"^(?:тур|кал|кура|жет|шек|ауыр)(?:са|се)\w*$")
# a Kazakh word in the locative or ablative case ("метрода", "пәтерден") names a place or a time, folded
_KK_PLACE = re.compile(r"^\w{3,}(?:[дт][ае]|н[дт][ае]|[дтн][ае]н)$")
_EN_ABOUT = re.compile(r"^\W*(?:what|how)\s+about\b", re.IGNORECASE)
_EN_DETERMINER = frozenset(
    (
        "my",
        "the",
        "a",
        "an",
        "our",
        "his",
        "her",
        "their",
        "your",
        "this",
        "that",
        "some",
        "someone's",
    )
)
_EN_AUX = frozenset(
    (
        "doesn",
        "don",
        "didn",
        "won",
        "will",
        "wouldn",
        "would",
        "can",
        "cannot",
        "t",
        "not",
        "keeps",
        "keep",
        "still",
        "just",
        "also",
    )
)
_EN_SAME_ACT = frozenset(
    (
        "is",
        "was",
        "are",
        "were",
        "be",
        "been",
        "being",
        "isn",
        "wasn",
        "aren",
        "weren",
        "happens",
        "happened",
        "happen",
        "gets",
        "got",
        "get",
        "does",
        "did",
        "do",
        "done",
    )
)
# English verbs of a state or a value (see _RU_STATE): "what if the phone cost 500k?", "the damage amounts to…"
# ("stays", "reaches", "hurts" are left out: "my ex stays in my flat", "he hurts me" tell an event)
_EN_STATE = re.compile(
    r"^(?:cost(?:s|ed)?|amount(?:s|ed)?|remain(?:s|ed)?|last(?:s|ed)?|weigh(?:s|ed)?|equal(?:s|l?ed)?"
    r"|exceed(?:s|ed)?|suffer(?:s|ed)?|belong(?:s|ed)?|seem(?:s|ed)?)$"
)
# "я получил сотрясение", "мен жарақат алсам", "I got hurt": the asker's own part of the earlier event, not a new one
_FIRST_PERSON = re.compile(r"\b(?:я|мы|мен|біз|i|we)\b", re.IGNORECASE)
# what the codes grade as an event's consequence, in the search's reading of a follow-up: harm to health, damage, loss
# ("сломали" reads as "повреждение имущества", "сломали руку" also as "вред здоровью", "сындырса" likewise)
_HARM = re.compile(r"вред|поврежд|ущерб|уничтож|увеч|побо|кража|хищени")
# of those, harm to a person's body: what the codes grade within an offence against the person (УК 106 / 107 / 108-1,
# 109-1), never within one against property. "сломали руку" also reads as property damage (the verb alone), so the
# body is told by these phrases, not by the absence of the others
_BODILY_HARM = re.compile(r"вред\w*\s+здоров|побо|увеч")
# takings the codes grade by the violence done in them, as the search reads them (glossary phrases, stems, the words
# themselves): robbery (грабёж, УК 191 ч. 2: with violence not dangerous to life or health), brigandage (разбой, 192:
# an attack with violence dangerous to them) and extortion (вымогательство, 194: under the threat of violence). A
# beating told after one of them is that offence's own grade, not a new offence as after a theft. Not the stem
# "разб", which "разбили" (broke) shares
_GRADES_VIOLENCE = re.compile(r"^(?:грабеж|грабит|грабят|разбо[йяюе]|вымога)")


def own_event(text: str, language: str, topic: str = "") -> list[str]:
    """The verbs by which a follow-up tells an event of its own (someone new does something else), empty when it
    adds a circumstance of the earlier one: verbs of action (not a copula, a stand-in for the earlier act or a state)
    with a word taking part that `topic`, the question that named the matter, does not name, in a follow-up with
    nothing pointing back and no first-person subject. Only the words after the opening are read."""
    acts, someone_new = _event(text, language, topic)
    return acts if someone_new else []


def adds_consequence(text: str, language: str, topic: str = "") -> bool:
    """Whether a follow-up tells what the earlier event did (an injury, damage, a loss) with nobody new doing it: "а
    если сломали руку?" after "меня избили", "ал егер қолымды сындырса?". Its verb is an act, the search reads it as
    harm, and its doers are left unnamed (what follows a Russian plural verb, a Kazakh accusative is what was done,
    not who did it). English is left out: its verbs are told by their place, and "they" points back already.
    Bodily harm is the consequence only of an event that already set on the person (`topic` read as a beating, a
    threat, an attack): after a stolen bike, "ал егер қолымды сындырса?" / "а если меня избили?" tell a new offence
    against the person, which no theft article grades."""
    if language == "en":
        return False
    acts, someone_new = _event(text, language, topic)
    harm = " ".join(query_terms(text, language).phrases)
    if not acts or someone_new or _HARM.search(harm) is None:
        return False
    return not topic or _BODILY_HARM.search(harm) is None or _sets_on_person(topic)


def harms_in_a_taking(text: str, language: str, topic: str) -> bool:
    """Whether a follow-up tells bodily harm done in a taking that the codes grade by its violence ("а если меня
    избили?" after "у меня вырвали сумку на улице"): the harm is that robbery's grade (УК 191 ч. 2, 192), so the
    topic's own offence answers it before any article on harm to health."""
    if not topic or not adds_consequence(text, language, topic):
        return False
    return _BODILY_HARM.search(" ".join(query_terms(text, language).phrases)) is not None and _grades_violence(topic)


def _grades_violence(topic: str) -> bool:
    read = query_terms(topic, detect_language(topic))
    return any(_GRADES_VIOLENCE.match(fold(w)) for w in [*read.phrases, *read.all, *_WORDS.findall(topic.lower())])


def _sets_on_person(topic: str) -> bool:
    """Whether the question that named the matter tells violence against a person: the search reads bodily harm in
    it ("меня избили", "мені ұрып кетті"), the police cues a violent matter ("на меня напали", "угрожает убить"), or
    it is a taking the codes grade by the violence done in it (`_GRADES_VIOLENCE`: "меня ограбили", "у меня вырвали
    сумку", "тонап кетті", "вымогают деньги"), unlike a theft."""
    language = detect_language(topic)
    return (
        _BODILY_HARM.search(" ".join(query_terms(topic, language).phrases)) is not None
        or "violence" in matters(topic, language)
        or _grades_violence(topic)
    )


def _event(text: str, language: str, topic: str) -> tuple[list[str], bool]:
    """A follow-up's verbs of action and whether someone or something the topic does not name takes part."""
    words = [w.lower() for w in _WORDS.findall(OPENING.sub("", text.strip().lstrip("-–—.,…«\"' "), count=1))]
    known = _terms(topic, detect_language(topic)) if topic else set()
    if language == "en":
        # "what about a car accident?" names a thing, not an event: no verb follows its subject
        acts = _en_event(words, known) if _EN_ABOUT.match(text) is None else []
        return acts, bool(acts) and not (refers_back(text) or _FIRST_PERSON.search(text))
    verbs, acts = _kk_verbs(words) if language == "kk" else _ru_verbs(words)
    if refers_back(text) or _FIRST_PERSON.search(text):
        return acts, False
    others = [w for w in _taking_part(words, language) if w not in verbs]
    if acts and _HARM.search(" ".join(query_terms(text, language).phrases)):
        others = _doers(words, others, acts, language)
    return acts, any(not _terms(w, language) & known for w in others)


def _ru_verbs(words: list[str]) -> tuple[list[str], list[str]]:
    """A Russian follow-up's verbs (not copulas or stand-ins for the earlier act) and those of them that are acts
    (not a state or, without an amount, a value)."""
    verbs = [
        w for w in words if len(w) >= 4 and _RU_VERB.match(w) and w not in _RU_NOT_VERBS and not _RU_SAME_ACT.match(w)
    ]
    amount = any(_RU_AMOUNT.match(w) for w in words)
    acts = [w for w in verbs if not _RU_STATE.match(fold(w)) and not (amount and _RU_VALUE.match(fold(w)))]
    return verbs, acts


def _kk_verbs(words: list[str]) -> tuple[list[str], list[str]]:
    """A Kazakh follow-up's conditional verbs (not copulas or stand-ins, unless the police make something with
    them) and those of them that are acts (not a state)."""
    police = any(_KK_POLICE.match(fold(w)) for w in words)
    verbs = [
        w for w in words if _KK_CONDITIONAL.match(w) and (not _KK_SAME_ACT.match(w) or (police and _KK_MAKE.match(w)))
    ]
    return verbs, [w for w in verbs if not _KK_STATE.match(fold(w))]


def _doers(words: list[str], taking_part: list[str], acts: list[str], language: str) -> list[str]:
    """Of the words taking part in a harm, those that may have done it: not a Kazakh accusative (the object) or
    converb (a verb), and nothing after a Russian plural verb whose doers are left unnamed ("сломали руку": the
    arm was broken)."""
    if language == "kk":
        return [w for w in taking_part if not _KK_OBJECT.match(fold(w)) and not _KK_CONVERB.match(fold(w))]
    first = words.index(acts[0])
    if not _RU_PLURAL_VERB.search(acts[0]):
        return taking_part
    return [w for w in taking_part if words.index(w) < first]


def _taking_part(words: list[str], language: str) -> list[str]:
    """The words of a follow-up that may name someone or something taking part in its verb: not function words,
    openings, amounts ("500 тысяч", "5 лет": a number and the word after it), or a place or time (a word after a
    Russian preposition, a Kazakh locative or ablative)."""
    taking_part = []
    for i, word in enumerate(words):
        folded, previous = fold(word), words[i - 1] if i else ""
        if any(ch.isdigit() for ch in word + previous) or OPENING.fullmatch(word) or folded == "ше":
            continue
        if language == "kk":
            if folded not in KK_STOP and not _KK_PLACE.match(folded):
                taking_part.append(word)
        elif folded not in RU_STOP and not _RU_PREPOSITION.match(previous):
            taking_part.append(word)
    return taking_part


def _terms(text: str, language: str) -> set[str]:
    """The words of `text` as the search compares them: stems and glossary terms of the three languages ("phone",
    "телефон" and "телефонымды" share "телефон"), English stems too (the glossary knows few English words)."""
    read = query_terms(text, language)
    return {*read.all, *read.kk, *(en_stem(w) for w in re.findall(r"[a-z]+", text.lower()) if w not in EN_STOP)}


def _en_event(words: list[str], known: set[str]) -> list[str]:
    """English marks no verb by its ending ("evicts" / "years"), but the verb follows the subject: "(what) if my
    landlord EVICTS me", "if the shop REFUSES…", against "if the thief IS 15", "if it WAS my neighbour", "if the
    phone COST 500k" (a value) and "if the phone broke" after a stolen phone (the topic's own thing)."""
    rest = words[1:] if words[:1] == ["if"] else words  # "what if" leaves "if" after the opening "what"
    if len(rest) < 3 or rest[0] not in _EN_DETERMINER:
        return []
    after_subject = [w for w in rest[2:] if w not in _EN_AUX]
    # the subject may take a second word ("my little brother was…"): a copula there makes it a circumstance too
    if not after_subject or any(w in _EN_SAME_ACT or w.isdigit() for w in after_subject[:2]):
        return []
    if _EN_STATE.match(after_subject[0]) or _terms(rest[1], "en") & known:
        return []
    return after_subject[:1]


def same_act(verbs: Sequence[str], language: str, topic: str) -> bool:
    """Whether the follow-up's own verbs name the act the topic question names: "а если украл полицейский?" after
    "какое наказание за кражу?" asks who stole, it tells no new event. Compared as the search reads them, stems and
    glossary terms ("украл", "ұрласа", "stole" → кража)."""
    act = set(query_terms(" ".join(verbs), language).all)
    return bool(act & set(query_terms(topic, detect_language(topic)).all))
