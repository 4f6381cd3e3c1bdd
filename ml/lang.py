"""Language of a report: "kk", "ru" or "en" — fast, no model.

Used to answer the citizen in their language and to report accuracy per language. Kazakh is recognised by its
own letters (әғқңөұүһі) and, because many people type Kazakh on a Russian keyboard, also by frequent Kazakh
words and suffixes written in Russian letters ("мен", "жок", "казир", "бар", "ушин", "-мыз", "-ды").
Mixed texts get their dominant language.

Text in Latin letters is English, or Kazakh or Russian typed in Latin (ml/translit.py): Kazakh by the letters of its
Latin alphabets (ä, ğ, ı, ñ, ö, ş, ū, ü, á, ǵ, ń, ó, ú, q) and by its words read back in Cyrillic, Russian by its
function words read back in Cyrillic, English by its own function, question and common legal words.
"""

from __future__ import annotations

import re
from typing import Literal

from ml.text import KAZAKH_LETTERS, fold, normalize_input
from ml.translit import mostly_latin, repair_lookalikes, to_cyrillic

Language = Literal["kk", "ru", "en"]

_WORD = re.compile(r"[^\W\d_]+")
_CYRILLIC = re.compile(r"[а-яёәғқңөұүһі]")
_LATIN = re.compile(r"[a-z]")
_KK_LETTER = re.compile(f"[{KAZAKH_LETTERS}]")
_KK_LATIN_LETTER = re.compile("[äáğǵıñńöóūüúq]")
_LATIN_WORD = re.compile(r"[a-zäáğǵıñńöóşūüúçé']+")

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
    бап бапта баптын бапка баптан баптар баптары
    """
)
# "188-бабы", "190-бабында": the article word's softened forms. Alone "бабы" is also Russian ("две бабы"), so it
# counts (as "бап") only glued to an article number with a hyphen, which Russian never writes
_KK_NUMBERED_ARTICLE = re.compile(r"(?<=\d-)баб[ыі]\w*")
# Function words and the most frequent words of reports, to tell Russian typed in Latin (read back in Cyrillic) from
# English
_RU_WORDS = _words(
    """
    я мы ты вы он она они оно меня мне нас нам его ее её их мой моя моё мои наш наша у в во на не ни что это и а но
    с со по за от до из к ко как так уже очень пожалуйста помогите помощь прошу украли угнали избил бьет бьёт драка
    сосед соседи соседка двор дворе машина машину телефон полиция полицию вызовите был была были есть нет где когда
    кто сейчас здесь там опять каждый день ночью вчера сегодня возле около рядом дом доме улица улице магазин
    магазине деньги ребенок ребёнок дети человек мужчина женщина пьяный пьяные шумят шум жену мужа муж жена
    кричит кричат стреляют горит пожар нож ножом ударил ударили пропал пропала потерялся просит продают наркотики
    """
)
# Kept clear of words that are also Russian or Kazakh typed in Latin ("so", "do", "men", "bar", "ne", "tut"): one of
# them in a short translit report would tip it to English. "a", "i", "no", "to", "on", "my" were here first and stay.
_EN_WORDS = _words(
    """
    the a an is are was were be been am being my me i you he she it we they his her our their this that there here
    of in on at to from by for with and or not no please help someone somebody stolen phone car police street near
    your its him them us these those what which who whom whose when where why how does did done doing have has had
    having can could will would shall should may might must if than then but about into over under after before
    during without against between because while out off up down all any some every each other only also just very
    too much many more most long right now yes don't can't isn't i'm what's it's there's get got say says said tell
    until since despite though although again still never always already behind outside inside around across
    through along next
    know need want happen happens happened take takes give make go going come
    law laws legal lawyer article articles code criminal administrative offence offense crime fine fined penalty
    punishment punished court judge rights arrest arrested detained detention divorce bribe bribes bribery theft
    fraud prison jail sentence complaint report victim witness person people child children wife husband neighbour
    neighbor drunk driver stole steal beat beating attacked threatened happening
    """
)
# Kazakh case/possessive endings that are rare at the end of Russian words (checked on words of 5+ letters)
_KK_SUFFIX = re.compile(
    r"(?:дагы|дегы|тагы|тегы|нын|нин|дын|дин|тын|тин|ларга|лерге|дарга|дерге|ынды|инди"
    r"|мыз|миз|ымыз|имиз|сыз|сиз|ныз|низ|низдер|ныздар|ларды|лерди|ады|еди|йды|йди|ып|ип|ап|еп|мен|нда|нде|ган|ген"
    r"|мады|меди)$"
)


def _kazakh_word_score(raw: str, folded: str) -> float:
    if _KK_LETTER.search(raw) or folded in _KK_WORDS:
        return 1.0
    if len(folded) >= 5 and _KK_SUFFIX.search(folded):
        return 0.35  # a suffix alone is weak evidence: Russian words end in these letters too
    return 0.0


def detect_language(text: str) -> Language:
    """Dominant language of `text`; Russian when nothing decides (the service's most common language)."""
    return _detect_language(normalize_input(text))


def _detect_language(text: str) -> Language:
    """`detect_language` of a text already in normal form (ml.text.normalize_input)."""
    lowered = repair_lookalikes(text).lower()  # "бiз" typed with a Latin i is Kazakh "біз"
    cyr = len(_CYRILLIC.findall(lowered))
    lat = len(_LATIN.findall(lowered))
    if lat > cyr:
        return _latin_language(lowered)
    if cyr == 0:
        return "ru"
    lowered = _KK_NUMBERED_ARTICLE.sub("бап", lowered)
    words = _WORD.findall(fold(lowered))
    if not words:
        return "ru"
    raw_words = _WORD.findall(lowered)
    score = sum(_kazakh_word_score(raw, folded) for raw, folded in zip(raw_words, words, strict=False)) / len(words)
    # a third of Kazakh-looking words decides: Russian texts that quote a Kazakh street name or end with "қазір" stay
    # Russian, Kazakh typed on a Russian keyboard (no Kazakh letters) is still recognised
    return "kk" if score >= 0.3 else "ru"


def _latin_language(lowered: str) -> Language:
    words = _LATIN_WORD.findall(lowered)
    if not words or sum(word in _EN_WORDS for word in words) / len(words) >= 0.25:
        return "en"
    kazakh = sum(1.0 if _KK_LATIN_LETTER.search(word) else _kazakh_word_score("", fold(to_cyrillic(word, "kk")))
                 for word in words)
    if kazakh / len(words) >= 0.3:
        return "kk"
    reads_russian = [to_cyrillic(word, "ru") in _RU_WORDS for word in words]
    if sum(reads_russian) / len(words) >= 0.15:
        return "ru"
    # "i", "a", "to", "on", "my", "no" are words of both languages: they tell neither
    english = sum(word in _EN_WORDS and not ru for word, ru in zip(words, reads_russian, strict=True))
    russian = sum(ru and word not in _EN_WORDS for word, ru in zip(words, reads_russian, strict=True))
    # telegraphic English ("landlord refuses to return deposit") has a few English words and no Russian one; a
    # single English-looking word in a longer text is no evidence: most Kazakh typed without its letters and much
    # Russian in Latin reach here with no word from either list
    if not russian and (english >= 2 or english / len(words) >= 0.2):
        return "en"
    # here Russian typed in Latin is far more common than English without a single English word
    return "ru" if len(words) >= 4 else "en"


def is_kazakh(text: str) -> bool:
    """Shortcut used by templates that only distinguish Kazakh from the rest."""
    return detect_language(text) == "kk"


def reading_text(text: str) -> str:
    """What the routing model and the urgency lexicon read: the text in normal form (ml.text.normalize_input: no
    zero-width characters, soft hyphens or stress marks inside words, ASCII digits…); then Kazakh or Russian typed in
    Latin letters, in Cyrillic (they were trained and written in Cyrillic); Cyrillic words with Latin lookalike
    letters in them, repaired; anything else as it is."""
    text = normalize_input(text)
    if not _LATIN.search(text.lower()):
        return text
    if mostly_latin(text):
        language = _detect_language(text)
        if language != "en":
            return to_cyrillic(text, language)
    return repair_lookalikes(text)
