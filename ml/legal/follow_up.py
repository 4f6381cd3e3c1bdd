"""Follow-up questions in a chat: "какое наказание за кражу?" then "а если ему 15 лет?".

A follow-up leaves out what the previous question said (the theft), so on its own it is answered with no topic, or
a wrong one ("15 лет" ranks the civil-capacity articles). The client sends the chat's previous questions as
`context`; the assistant reads a question as a follow-up only when it is short and either opens as a continuation
("а если…", "ал егер…", "what if…", "…ше?"), asks only the penalty of what was told ("какое за это наказание?",
"бұл қай бап?") or is too weak to answer alone. Only then is it searched together with the question it continues. A
question that opens like one but tells an event of its own ("а если сосед затопил квартиру?" after a theft) is not a
follow-up (`ml.legal.events.own_event`); one about the offender's age or the time since (`ml.legal.general_part`)
also needs a general-part article. Nothing here stores anything: the context comes with each question.

This module reads the words of a short message (its opening, pointing back, asking the penalty, thanking) and the
chain of questions a follow-up continues; `ml.legal.events` tells an event of its own, `ml.legal.matters` a police
matter named by a noun.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from ml.lang import detect_language, reading_text
from ml.legal.lexicon import EN_STOP, KK_STOP, RU_STOP
from ml.legal.matters import names_another_matter
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
OPENING = re.compile(
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
    r"|ракмет|рахмат|спасиб\w*|пасиб\w*|благодарствую"
    r"|thanks?|thx|ty|ok|okay|fine|great|good|got|clear|understood|alright|cool|noted|perfect)$"
)
# words a thanks goes with that are no acknowledgement alone, folded: "спасибо большое, вы очень помогли", "спасибо
# за ответ", "рақмет сізге, көп көмектестіңіз", "thanks a lot" were answered "no provision found". Never a request
# for help ("помогите", "көмектесіңіз", "help me"): such a message asks
_COURTESY = re.compile(
    r"^(?:большое|огромное|очень|вам|вас|вы|тебе|помогли|помог|помогла|помощь|ответ|ответы|информацию|разъяснение"
    r"|сизге|саган|коп|улкен|комектестиниз|комегиниз\w*|жауап|жауабыныз\w*"
    r"|lot|much|so|very|you|helpful|helped|answer|answers|info|again)$"
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
    return is_short(stripped) and bool(OPENING.match(stripped) or _KAZAKH_WHAT_ABOUT.search(stripped))


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
        _ASKING.match(folded) or OPENING.fullmatch(word) or folded in RU_STOP or folded in KK_STOP or word in EN_STOP
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
        or _COURTESY.match(folded)
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
