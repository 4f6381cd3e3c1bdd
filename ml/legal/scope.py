"""What the assistant's codes cannot answer, read before any search: another country's law, and text repeated over
and over.

The corpus holds Kazakhstan's codes only. "статья 158 УК РФ" was answered with УК РК 158 (on journalists) at
confidence 1.0 and "наказание за кражу по законам России" with the Kazakh theft item: an answer about the wrong
country's law, presented as the answer. A question naming another country's law is told so and where to ask instead.
A country named for who or where ("меня обманул гражданин России", "вор уехал в Узбекистан") is no such question: the
law asked about is still Kazakhstan's.
"""

from __future__ import annotations

import re

# another state, named as a country (its case forms; Russian, Kazakh, English). Not its people: "китаец",
# "украинец", "россиянин", "қытайлық", "Chinese" say who did something, and their questions are about Kazakh law
_FOREIGN = re.compile(
    r"(?<!\w)(?:росси[яиюей]|рф|узбекистан[аеуом]?|кыргызстан[аеуом]?|киргизи[яию]|германи[яиюей]|сша"
    r"|америк[аиеуой]|америкой|кита[йяюе]|китаем|турци[яиюей]|украин[аыеуой]|украиной|беларус[ьи]|белорусси[яию]"
    r"|таджикистан[аеуом]?|туркменистан[аеуом]?|грузи[яию]|армени[яию]|азербайджан[аеуо]?|азербайджаном"
    r"|ресей(?:де|дің|ге|ден|мен)?|өзбекстан(?:да|ның|ға|нан)?|қырғызстан(?:да|ның|ға|нан)?|қытай(?:да|дың|ға|дан)?"
    r"|германия(?:да|ның|ға|дан)?|ақш(?:та|тың|қа|тан)?|түркия(?:да|ның|ға|дан)?|украина(?:да|ның|ға|дан)?"
    r"|америка(?:да|ның|ға|дан)?"
    r"|russia|uzbekistan|kyrgyzstan|germany|usa|america|china|turkey|ukraine|belarus|georgia|france|britain"
    r"|england)(?!\w)",
    re.IGNORECASE,
)
# a country's adjective owns the law only right before a word of law: "Russian law", "российский кодекс", not "a
# Chinese thief", "российский турист"
_FOREIGN_ADJECTIVE = re.compile(
    r"(?<!\w)(?:российск\w*|американск\w*|китайск\w*|узбекск\w*|кыргызск\w*|киргизск\w*|германск\w*|немецк\w*"
    r"|турецк\w*|украинск\w*|белорусск\w*|ресейлік|russian|american|chinese|german|turkish|ukrainian|french"
    r"|british|english)(?!\w)",
    re.IGNORECASE,
)
# Kazakhstan named: the question is about its law, whatever other country it names ("в Казахстане, не как в России")
_KAZAKHSTAN = re.compile(r"(?<!\w)(?:казахстан\w*|рк|қазақстан\w*|қр|kazakh\w*)(?!\w)", re.IGNORECASE)
# words of a law or a penalty: a country next to them owns the law asked about
_LAW = re.compile(
    r"(?<!\w)(?:закон\w*|законодательств\w*|кодекс\w*|ук|коап|гк|упк|тк|прав[оуе]|наказ\w*|штраф\w*|стать[яиеюй]"
    r"|ответственност\w*|грозит|заң\w*|жаза\w*|айыппұл\w*|бап\w*|баб[ыі]\w*|қк"
    r"|laws?|legislation|code|punish\w*|penalt\w*|fines?|article|sentence\w*|illegal|legal)(?!\w)",
    re.IGNORECASE,
)
# a country telling who someone is or where they came from, not whose law: "гражданин России", "from Russia"
_ORIGIN_BEFORE = re.compile(
    r"(?<!\w)(?:граждан\w*|житель\w*|жительниц\w*|уроженц?\w*|из|азамат\w*|тумасы|citizens?|from|national)\s+$",
    re.IGNORECASE,
)
# how many words apart a country and a law word may stand ("Ресейде ұрлық үшін қандай жаза": four)
_NEAR_WORDS = 4
_WORDS = re.compile(r"\w+")


def asks_foreign_law(text: str) -> bool:
    """Whether `text` asks about the law of another state than Kazakhstan: a country named as a jurisdiction (not as
    someone's origin) within a few words of a word of law or penalty, and Kazakhstan not named."""
    if _KAZAKHSTAN.search(text):
        return False
    words = list(_WORDS.finditer(text))
    law_at = [i for i, w in enumerate(words) if _LAW.fullmatch(w.group())]
    if not law_at:
        return False
    for i, w in enumerate(words):
        if _FOREIGN_ADJECTIVE.fullmatch(w.group()) and i + 1 in law_at:
            return True
        if not _FOREIGN.fullmatch(w.group()) or _ORIGIN_BEFORE.search(text, 0, w.start()):
            continue
        if any(0 < abs(i - j) <= _NEAR_WORDS for j in law_at):
            return True
    return False


def said_once(text: str) -> str:
    """`text` with a phrase repeated over the whole of it said once: "бла бла бла…" to the 2,000-character limit was
    searched as it came, and its repetitions pulled three unrelated КоАП articles above the "possibly relevant" bar.
    The question repeated means what it means once (the last repetition may be cut anywhere)."""
    words = text.split()
    n = len(words)
    for period in range(1, n // 2 + 1):
        head = words[:period]
        if all(words[i] == head[i % period] for i in range(n - 1)) and head[(n - 1) % period].startswith(words[-1]):
            return " ".join(head)
    return text
