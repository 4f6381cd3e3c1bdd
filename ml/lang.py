"""Language of a report: "kk", "ru" or "en" — fast, no model.

Used to answer the citizen in their language and to report accuracy per language. Kazakh is recognised by its
own letters (әғқңөұүһі) and, because many people type Kazakh on a Russian keyboard, also by frequent Kazakh
words and suffixes written in Russian letters ("мен", "жок", "казир", "бар", "ушин", "-мыз", "-ды").
Mixed texts get their dominant language.
"""

from __future__ import annotations

import re
from typing import Literal

from ml.text import KAZAKH_LETTERS, fold

Language = Literal["kk", "ru", "en"]

_WORD = re.compile(r"[^\W\d_]+")
_CYRILLIC = re.compile(r"[а-яёәғқңөұүһі]")
_LATIN = re.compile(r"[a-z]")
_KK_LETTER = re.compile(f"[{KAZAKH_LETTERS}]")

# Frequent Kazakh words (folded: қ→к, ө→о, ұ/ү→у, ә→а, і→и, ғ→г, ң→н) that are not Russian words.


def _words(block: str) -> frozenset[str]:
    return frozenset(block.split())


_KK_WORDS = _words(
    """
    мен сен ол биз сиз олар менин сенин онын бизде сизде маган сага оган бизге сизге мени сени оны бизди
    жок бар казир кази ушин жане пен гой гана емес еди екен болды болып болса болады болган
    турады отыр жатыр журип келди кетти келмеди кайтпады алды берди айтты корди урды урып согып
    бул осы сол мына ана анау кандай калай неге неше кашан кайда кимге кимнин
    бала балам баламыз балалар улым кызым ажем атам апам эке аке шешем анам куйеуим айелим айели кориши коршим
    уй уйде уйге коше кошеде кошесинде аула аулада ауласында мектеп мектептен мектепте дукен дуканде дуканда
    полицей полицейлер ушаскелик комек комектесиниздер комектесиндер отиниш отинемин рахмет саламатсыз
    сатып сатады сатуда ишип мас таста тастады жогалды жогалып урлады урлап урланды алдап алдады акша ақша
    кеше буги ертен тунде кундиз кешке таныертен азир азырак коп аз жакында ешким бирнеше
    жургизуши колик машинасы машинаны жол жолда жолды жаяу отти откел
    адам адамдар адамды ересек бейтаныс арасында жатып барады келеди салады туралы бойынша сияклы
    """
)
# Kazakh case/possessive endings that are rare at the end of Russian words (checked on words of 5+ letters)
_KK_SUFFIX = re.compile(
    r"(?:дагы|дегы|тагы|тегы|нын|нин|дын|дин|тын|тин|ларга|лерге|дарга|дерге|ынды|инди"
    r"|мыз|миз|ымыз|имиз|сыз|сиз|ныз|низ|низдер|ныздар|ларды|лерди|ады|еди|йды|йди|ып|ип|ап|еп|мен|нда|нде|ган|ген"
    r"|мады|меди)$"
)


def detect_language(text: str) -> Language:
    """Dominant language of `text`; Russian when nothing decides (the service's most common language)."""
    lowered = text.lower()
    cyr = len(_CYRILLIC.findall(lowered))
    lat = len(_LATIN.findall(lowered))
    if lat > cyr:
        return "en"
    if cyr == 0:
        return "ru"
    words = _WORD.findall(fold(lowered))
    if not words:
        return "ru"
    raw_words = _WORD.findall(lowered)
    score = 0.0
    for raw, folded in zip(raw_words, words, strict=False):
        if _KK_LETTER.search(raw) or folded in _KK_WORDS:
            score += 1.0
        elif len(folded) >= 5 and _KK_SUFFIX.search(folded):
            # a suffix alone is weak evidence: Russian words end in these letters too
            score += 0.35
    score /= len(words)
    # a third of Kazakh-looking words decides: Russian texts that quote a Kazakh street name or end with "қазір" stay
    # Russian, Kazakh typed on a Russian keyboard (no Kazakh letters) is still recognised
    return "kk" if score >= 0.3 else "ru"


def is_kazakh(text: str) -> bool:
    """Shortcut used by templates that only distinguish Kazakh from the rest."""
    return detect_language(text) == "kk"
