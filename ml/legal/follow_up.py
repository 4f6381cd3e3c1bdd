"""Follow-up questions in a chat: "какое наказание за кражу?" then "а если ему 15 лет?".

A follow-up leaves out what the previous question said (the theft), so on its own it is answered with no topic, or
a wrong one ("15 лет" ranks the civil-capacity articles). The client sends the chat's previous questions as
`context`; the assistant reads a question as a follow-up only when it is short and either opens as a continuation
("а если…", "ал егер…", "what if…", "…ше?"), asks only the penalty of what was told ("какое за это наказание?",
"бұл қай бап?") or is too weak to answer alone. Only then is it searched together with the question it continues. A
question that opens like one but tells an event of its own ("а если сосед затопил квартиру?" after a theft) is not a
follow-up (`own_event`); one about the offender's age or the time since (`ml.legal.general_part`) also needs a
general-part article. Nothing here stores anything: the context comes with each question.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from ml.lang import detect_language, reading_text
from ml.legal.lexicon import EN_STOP, KK_STOP, RU_STOP, en_stem, query_terms
from ml.lexicon import CUES
from ml.text import fold

# A follow-up is a few words ("а если сумма маленькая?", "ал егер ол кәмелетке толмаған болса?", "what if he does it
# again?"); a longer question states its own matter even when it opens with "а" or "and"
MAX_FOLLOW_UP_WORDS = 10
# how much of each earlier question is searched with the follow-up: its matter is in its first sentences, and the
# whole chat (3 × 2000 characters) would take the embedder seconds and drown the follow-up's own words
MAX_CONTEXT_CHARS = 600

_WORDS = re.compile(r"\w+")
# Openings that continue the previous question rather than ask a new one: a conjunction or "what if" / "what about"
# first. Russian "а" / "и" / "ну" / "если" / "тогда", Kazakh "ал" (and, but) / "егер" (if) / "сонда" (then) /
# "ендеше", English "and" / "but" / "so" / "what if" / "what about" / "how about" / "if" / "then".
_OPENING = re.compile(
    r"^(?:а|и|ну|но|тогда|если|что\s+если|ещё|еще|также"
    r"|ал|егер|сонда|ендеше|және|бірақ"
    r"|and|but|so|or|if|then|what\s+if|what\s+about|how\s+about|also)\b",
    re.IGNORECASE,
)
# the Kazakh "what about …?" particle closes the question: "ал 15 жаста ше?", "ал ағасы ше?"
_KAZAKH_WHAT_ABOUT = re.compile(r"\bше\s*[?!.]*$", re.IGNORECASE)
# Words pointing back at someone or something named before, or at what happened before: "а если ОН пьяный?",
# "what if he does it AGAIN?", "ал егер ОЛ кәмелетке толмаған болса?". Pronouns and "again" words of the three
# languages, a closed grammatical class — not a list of questions.
_REFERS_BACK = re.compile(
    r"\b(?:он|она|оно|они|его|её|ее|ему|ей|им|их|него|неё|нее|нему|ней|ним|них|этот|эта|это|этого|этому|этом|тот|та"
    r"|такое|снова|опять|повторно|тоже"
    r"|ол|оның|оған|оны|одан|онда|олар|олардың|оларға|оларды|бұл|мұны|бұған|осы|сол|тағы|қайта|қайтадан"
    r"|he|she|it|they|him|her|them|his|its|their|this|that|again|too)\b",
    re.IGNORECASE,
)
# What a question asks when it asks only what the law does about what was told (`asks_only_the_penalty`), folded
# (Kazakh letters as Russian-keyboard ones): the penalty, the liability, the article, the term or the fine, and what
# awaits the doer ("грозит", "будет", "посадят", "не болады", "қолданылады", "happen", "face"). A closed class of
# the three languages' words, not a list of questions
_PENALTY = re.compile(
    r"^(?:наказ\w*|ответственн\w*|стать\w*|санкци\w*|срок\w*|штраф\w*|последстви\w*|квалифиц\w*|предусмотр\w*"
    r"|гроз(?:ит|ят|ило)|свет(?:ит|ят)|будет|будут|бывает|дадут|дают|даст|получ(?:ит|ат)|посад\w*|сажа\w*"
    r"|накаж\w*|полагается|положено"
    r"|жаза\w*|жазала\w*|жауапкершилик\w*|бап|бабы|бабын|айыппул\w*|мерзим\w*|болад\w*|бола|береди|бериледи"
    r"|тартыла\w*|колданыла\w*|салына\w*|каралган\w*|козделген\w*|сотта\w*|отыргыз\w*|кама\w*"
    r"|penalt\w*|punish\w*|sentence\w*|articles?|fines?|liab\w*|consequences?|happens?|charged?|faces?|jail|prison)$"
)
# pointing-back words as typed without the Kazakh letters or in Latin letters and read back into Cyrillic ("bul kai
# bap?" reads "бүл кай бап?", "za eto" reads "за ето"), folded
_BACK_TYPED = re.compile(r"^(?:ето(?:го|му|м)?|ол|онын|оган|оны|одан|онда|олар|бул|муны|буган|осы|сол)$")
# question and filler words the stop lists leave out, folded: "какую", "каково", "вообще", "қай", "қайсы", "much",
# and the years of a term ("сколько лет ему дадут?", "қанша жыл береді?"), which are no penalty word themselves:
# "сколько ему лет?" asks an age
_ASKING = re.compile(r"^(?:как\w*|каков\w*|вообще|именно|тогда|кай|кайсы|much|many|exactly|лет|год\w*|жыл\w*|years?)$")
# A thanks or an acknowledgement of the answer ("понятно, спасибо", "this is fine", "түсінікті, рахмет", "ok got it"),
# folded. "fine" is a penalty word too: "what is the fine for that?" asks, "this is fine" acknowledges
_ACKNOWLEDGING = re.compile(
    r"^(?:спасибо|спс|благодар\w*|понятно|понял\w*|ясно|хорошо|ладно|ок|окей|отлично|супер|класс"
    r"|рахмет|тусиникти|тусиндим|жарайды|жаксы|макул|болды"
    r"|thanks?|thx|ty|ok|okay|fine|great|good|got|clear|understood|alright|cool|noted|perfect)$"
)
# words by which a message asks although it has no question mark: "понятно, а что ему будет", "бұл заңды ма",
# "is that fine"; folded. Stop words themselves, so an acknowledgement could otherwise be made of them
_QUESTION_WORDS = re.compile(
    r"^(?:что|чего|кто|где|куда|когда|почему|зачем|сколько|ли|как\w*|каков\w*|кака\w*|како\w*"
    r"|не|ма|ме|ба|бе|па|пе|кандай|канша|кайда|кашан|неге|калай|кай|кайсы"
    r"|what|who|where|when|why|how|which)$"
)
_EN_ASKING_FIRST = frozenset(("is", "are", "can", "could", "should", "do", "does", "will", "would", "was", "did"))
# a negation turns an acknowledgement into a complaint ("это не понятно", "that's not fine"); English contractions
# leave their tails as words ("that's fine": "s")
_NEGATION = re.compile(r"^(?:не|нет|ни|жок|емес|not|no|never|t)$")
_EN_TAIL = frozenset(("s", "m", "re", "ll", "ve", "d"))
# someone there: "спасибо, он ещё здесь", "ок, он опять тут", "рахмет, ол әлі осында" tell that the danger goes on
# (an intruder still inside), which a thanks never does. Places only: a pronoun or "again" is in many a thanks
# ("рахмет, ол түсінікті", "ok, thanks again")
_PRESENCE = re.compile(r"^(?:здесь|тут|рядом|внутри|осында|here|there|inside)$")
# Whether the act told is lawful: "это нормально?", "а это законно?", "бұл заңды ма?", "is that ok?", folded: a question
# about the earlier matter, which only its topic answers ("нормально" alone ranks the working-time articles)
_LAWFUL = re.compile(
    r"^(?:нормальн\w*|законн\w*|незаконн\w*|правомерн\w*|неправомерн\w*|правильн\w*|допустим\w*|легальн\w*"
    r"|занды|заннан|калыпты|дурыс|legal|illegal|lawful|unlawful|normal|ok|okay|fine|right|allowed|alright)$"
)


def word_count(text: str) -> int:
    return len(_WORDS.findall(text))


def is_short(text: str) -> bool:
    """Short enough to be a follow-up."""
    return word_count(text) <= MAX_FOLLOW_UP_WORDS


def opens_as_follow_up(text: str) -> bool:
    """Whether the (normalized) question is short and opens, or ends, as a continuation of the previous one."""
    stripped = text.strip().lstrip("-–—.,…«\"' ")
    return is_short(stripped) and bool(_OPENING.match(stripped) or _KAZAKH_WHAT_ABOUT.search(stripped))


def refers_back(text: str) -> bool:
    """Whether the question points back at someone or something it does not name ("he", "ему", "ол", "again")."""
    return _REFERS_BACK.search(text) is not None


def asks_only_the_penalty(text: str) -> bool:
    """Whether the question points back and asks only what the law does about it: "какое за это наказание?", "что
    ему за это будет?", "бұл қай бап?", "оған не болады?", "what is the penalty for that?". Every word is a pointing
    back, a question or function word, or one of the penalty's, the article's and the doer's fate: alone it names no
    matter, so whatever its own words find ("наказание" ranks УК 62, "бап" КоАП 434) is no answer. A word of any other
    kind ("а какое наказание за мошенничество?", "а если ему 15 лет?") is a matter or a circumstance of its own."""
    return _asks_the_law(text, pointing_back=True)


def asks_the_law(text: str) -> bool:
    """Whether the question asks only what the law does, pointing back or not ("а какая статья?", "что будет?"
    as well as `asks_only_the_penalty`'s questions): never "что делать?" / "не істеу керек?", which ask what to do."""
    return _asks_the_law(text, pointing_back=False)


def _asks_the_law(text: str, pointing_back: bool) -> bool:
    if acknowledges(text):
        return False  # "this is fine": its "fine" is no penalty
    words = _read(text)
    return (
        (any(back for _, _, back in words) or not pointing_back)
        and any(_PENALTY.match(folded) for _, folded, _ in words)
        and all(
            back or _PENALTY.match(folded) or _ACKNOWLEDGING.match(folded) or _function_word(word, folded)
            for word, folded, back in words
        )
    )


def _read(text: str) -> list[tuple[str, str, bool]]:
    """Each word of `text`, lower-cased, folded, and whether it points back ("это", "ол", "za eto" read "за ето")."""
    words = [(w, fold(w)) for w in _WORDS.findall(text.lower())]
    return [(w, f, bool(_REFERS_BACK.fullmatch(w) or _BACK_TYPED.match(f))) for w, f in words]


def _function_word(word: str, folded: str) -> bool:
    """A question, opening or stop word of the three languages: no matter of its own."""
    return bool(
        _ASKING.match(folded)
        or _OPENING.fullmatch(word)
        or folded in RU_STOP
        or folded in KK_STOP
        or word in EN_STOP
    )


def acknowledges(text: str) -> bool:
    """Whether the message only thanks for or acknowledges the answer: "понятно, спасибо", "this is fine", "ок",
    "түсінікті, рахмет". It asks nothing (no question mark or question word), and every word is an acknowledgement, a
    pointing back or a function word: no penalty, no matter. Such a message is no follow-up, however its words match
    ("fine" is a penalty, "понятно" alone ranks a procedure article), and is answered as the conversation it is."""
    words = _read(text)
    if is_question(text) or not words or words[0][0] in _EN_ASKING_FIRST:
        return False
    return any(_ACKNOWLEDGING.match(folded) for _, folded, _ in words) and all(
        _ACKNOWLEDGING.match(folded)
        or word in _EN_TAIL
        or (
            not _QUESTION_WORDS.match(folded)
            and not _NEGATION.match(folded)
            and not _PENALTY.match(folded)
            and not _PRESENCE.match(folded)
            and (back or _function_word(word, folded))
        )
        for word, folded, back in words
    )


def asks_if_lawful(text: str) -> bool:
    """Whether the question asks only whether the act told is lawful: "это нормально?", "а это законно?", "бұл заңды
    ма?", "is that ok?", "это нормально" typed without its question mark. It points back and names no matter, so the
    topic's answer is its answer. An acknowledgement is none ("this is fine", `acknowledges`)."""
    if acknowledges(text):
        return False
    words = _read(text)
    return (
        any(back for _, _, back in words)
        and any(_LAWFUL.match(folded) for _, folded, _ in words)
        and all(back or _LAWFUL.match(folded) or _function_word(word, folded) for word, folded, back in words)
    )


def is_question(text: str) -> bool:
    """Whether the text asks something: ends with a question mark ("спасибо" or "ок" after an answer does not)."""
    return text.rstrip().endswith("?")


# (an earlier follow-up, the chain of questions it was read with) -> whether it was answered on its own instead
StoodAlone = Callable[[str, list[str]], bool]


def named_another_matter(question: str, chain: list[str]) -> bool:
    """Whether an earlier follow-up named another police matter by a noun than its chain's ("а если ДТП?" after a
    theft), the one way `topic_of` tells a switch by the words alone."""
    return names_another_matter(question, detect_language(question), chain[0])


def topic_of(context: Sequence[str], stood_alone: StoodAlone = named_another_matter) -> list[str]:
    """The earlier questions a follow-up is read with, oldest first: the question that named the matter and the
    follow-ups asked since (context is oldest first). Empty when there is no earlier question. The chain restarts at
    a question that neither opens as a follow-up nor asks only the penalty of what was told ("какое за это
    наказание?", `asks_only_the_penalty`) or whether it was lawful ("это нормально?", `asks_if_lawful`), and at a
    follow-up that `stood_alone` (read with the chain before it): "а если ДТП?" or "а если сосед затопил квартиру?"
    after a theft was answered alone, so the chat's topic is that matter from there, and "а если он не хочет
    платить?" next is not read with the theft. A follow-up is searched with its chain: "кража?" → "а если ему 15
    лет?" → "а если сумма маленькая?" searches all three, the middle one refines the theft, it does not replace it."""
    chain: list[str] = []
    for question in (c.strip()[:MAX_CONTEXT_CHARS] for c in context if c and c.strip()):
        reading = reading_text(question)
        opens = opens_as_follow_up(question) or asks_only_the_penalty(reading) or asks_if_lawful(reading)
        continues = bool(chain) and opens and not stood_alone(question, chain)
        chain = [*chain, question] if continues else [question]
    return chain


# -- a new event of its own -----------------------------------------------------------------------------------------
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
    words = [w.lower() for w in _WORDS.findall(_OPENING.sub("", text.strip().lstrip("-–—.,…«\"' "), count=1))]
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
        if any(ch.isdigit() for ch in word + previous) or _OPENING.fullmatch(word) or folded == "ше":
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


# -- another matter, named by a noun -------------------------------------------------------------------------------
# "а как насчёт ДТП?", "what about a car accident?", "ал жол апаты ше?", "а если драка?" after a theft name a matter
# of their own with no verb to tell it by, while "а как насчёт кражи велосипеда?", "what about my bike?", "а если
# сумма маленькая?", "а если ночью?" add a thing, an amount or a time to the theft. Retrieval cannot tell the two
# apart (a short follow-up is vague either way: "а если в интернете?" alone is as close to its FAQ items as "ДТП").
# The police taxonomy's classes can: the router's cue lexicon (`ml.lexicon.CUES`) names what a citizen's text is
# about (a road accident, a theft, a fight, a fire) in ru / kk / en. A follow-up naming a class the topic's question
# does not is another matter. Classes of who is involved (a child, a spouse, an officer) and of things outside police
# work (the internet, snow, a lift) describe a circumstance of any matter, so they name none; an age ("15 лет") is
# the child class, and "а если ему 15 лет?" must stay the theft's.
_NOT_A_MATTER = frozenset({"child_incident", "domestic_violence", "police_complaint", "not_police"})


def matters(text: str, language: str) -> frozenset[str]:
    """The police matters (taxonomy classes) `text` names, read with the codes' words its glossary terms add (the
    theft of "ұрлық үшін қандай жаза", which the cues know as "ұрла-", is "кража")."""
    read = fold(" ".join([text, *query_terms(text, language).phrases]))
    return frozenset(kind for kind, cue in CUES.items() if kind not in _NOT_A_MATTER and cue.search(read))


def names_another_matter(text: str, language: str, topic: str) -> bool:
    """Whether the follow-up names a police matter and the topic's question names none of its matters."""
    own = matters(text, language)
    return bool(own) and not own & matters(topic, detect_language(topic))
