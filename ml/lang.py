"""Language of a report: "kk", "ru" or "en" — fast, no model.

Used to answer the citizen in their language (the law wants the answer in the language of the appeal), to route and
to report accuracy per language. Every word gives evidence for Kazakh or for Russian, and a text gets the language
with the greater evidence: mixed texts get their dominant language, and Russian when nothing decides.

Kazakh: its own letters (әғқңөұүһі), and, because many citizens type Kazakh on a Russian keyboard without them (ә→а,
і→и, қ→к, ң→н, ғ→г, ү/ұ→у, ө→о), its function words ("мен", "жок", "бар", "керек", "емес", "ушин", "деп") and the
suffixes it glues to words, which Russian words do not end with (-лардын, -лерге, -ып, -ады/-еди, -лды/-тти, -мыз,
-сыз, -ндер, -ымнан…). Russian: its function words, its inflection (-ться, -ого, -ый, -ает, -али), letters native
Kazakh words never have (в, ф, ц, ч, щ, ь, ъ, э, ё) and broken vowel harmony (о after the first syllable, ы beside е
or і). A Kazakh ending is a loan's ("телефонмен") in a text with other Kazakh evidence, while alone it needs a stem
shaped as no Russian word is: "Взгляды соседей", "Не присоединен", "Обмен валюты" are Russian (two opening
consonants, "б" before "-мен", which Kazakh writes "-пен"; "Ограды", "Доклады": a consonant cluster before р or л
that no native Kazakh stem has). Kazakh typed with ы for і ("мены", "келеды") is also read with і. So a Russian
text that names a Kazakh street or ends with "қазір" stays Russian, and a Kazakh one with a Russian greeting or loans
("Здравствуйте", "подъезде", "участковый") stays Kazakh: the dominant language of a mixed text is its grammar's, and
a Russian noun in its dictionary form weighs half in a text with Kazakh evidence, and nothing beside a Kazakh verb
("сосед мені ұрды, заявление жазсам бола ма", "Участковый сосед келмеди" are Kazakh).

Text in Latin letters is English, or Kazakh or Russian typed in Latin (ml/translit.py): Kazakh by the letters of its
Latin alphabets (ä, ğ, ı, ñ, ö, ş, ū, ü, á, ǵ, ń, ó, ú, q) and by its words read back in Cyrillic and weighed as
above (a quarter of English words outweighs them unless one of them is sure: "meni it kapty", a dog bit me), Russian
by its function words and inflection read back in Cyrillic ("dobryi den", "sobaka ukusila"), English by its own
function, question and common legal words: ml/lang_latin.py, which weighs words with this module's evidence.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Literal

from ml.text import KAZAKH_LETTERS, fold, normalize_input
from ml.translit import mostly_latin, repair_lookalikes, to_cyrillic

Language = Literal["kk", "ru", "en"]

_WORD = re.compile(r"[^\W\d_]+")
_CYRILLIC = re.compile(r"[а-яёәғқңөұүһі]")
_LATIN = re.compile(r"[a-z]")
_KK_LETTER = re.compile(f"[{KAZAKH_LETTERS}]")

# Frequent Kazakh words (folded: қ→к, ө→о, ұ/ү→у, ә→а, і→и, ғ→г, ң→н) that are not Russian words: report words,
# then function words (postpositions, particles, conjunctions, numerals)


def word_set(block: str) -> frozenset[str]:
    return frozenset(block.split())


_KK_WORDS = word_set(
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
    деп деди дейди деген дейин шейин кейин бурын бери сайын бойы аркылы сиякты бирак немесе егер себеби уйткени
    ал али енди тагы кейде унеми сонда мунда осында иа керек кезде кезинде тез катты баска
    барлык ешкандай ештене биреу бирде бир еки уш алты жети сегиз тогыз жиырма отыз кырык елу жуз мын ай жыл кун
    сагат апта тун оз озим озин сиздер сендер тур жур
    """
)
# Verbal nouns in -у after a consonant ("қорқу", fear; "жазу", writing) of frequent report verbs: no ending tells them
# from Russian accusatives and datives ("уборку", "сразу": 1 word in 20 of the Russian appeals), and "корку" is a word
# of both ("корку льда"), so they weigh as a Kazakh ending does, not as a sure word. A verbal noun after a vowel
# ("тонау", "төлеу") or a causative ("қорқыту") has an ending of its own (_KK_ENDINGS)
_KK_VERBAL_NOUNS = word_set(
    """
    корку келу кету жазу согу уру киру шыгу тусу олу жогалу сату ату журу отыру калу шегу ишу оку
    """
)
# Question particles ("келди ме", "бар ма"): Kazakh after a word, while a text that starts with one starts with
# something else ("па.2." is a clause number)
_KK_PARTICLES = word_set("ма ме ба бе па пе")
# "188-бабы", "190-бабында": the article word's softened forms. Alone "бабы" is also Russian ("две бабы"), so it
# counts (as "бап") only glued to an article number with a hyphen, which Russian never writes
_KK_NUMBERED_ARTICLE = re.compile(r"(?<=\d-)баб[ыі]\w*")
# Function words and the most frequent words of reports: Russian evidence against Kazakh, and what tells Russian
# typed in Latin (read back in Cyrillic) from English
RU_WORDS = word_set(
    """
    я мы ты вы он она они оно меня мне нас нам его ее её их мой моя моё мои наш наша у в во на не ни что это и а но
    с со по за от до из к ко как так уже очень пожалуйста помогите помощь прошу украли угнали избил бьет бьёт драка
    сосед соседи соседка двор дворе машина машину телефон полиция полицию вызовите был была были есть нет где когда
    кто сейчас здесь там опять каждый день ночью вчера сегодня возле около рядом дом доме улица улице магазин
    магазине деньги ребенок ребёнок дети человек мужчина женщина пьяный пьяные шумят шум жену мужа муж жена
    кричит кричат стреляют горит пожар нож ножом ударил ударили пропал пропала потерялся просит продают наркотики
    о об обо для без под над про при через после перед между среди посреди впереди сзади почти совсем тоже также
    только даже еще ещё вот тут туда сюда потом потому почему зачем если чтобы или либо все всё всех всем весь вся
    ему ей им ним них нее неё ней себя себе свой свою своего который которая которые какой какая какие сколько
    можно нужно надо будет будут может могут хочу было здравствуйте спасибо
    """
)
# The nouns of RU_WORDS in their dictionary form: the form a Kazakh sentence borrows them in ("сосед мені ұрды",
# "заявление жазсам"), unlike Russian's function words and inflected forms (see _LOAN_WEIGHT)
_RU_LOANABLE = word_set(
    """
    драка сосед соседи соседка двор машина телефон полиция дом улица магазин деньги ребенок ребёнок дети человек
    мужчина женщина пьяный пьяные шум муж жена пожар нож наркотики помощь
    """
)
# Russian endings of a dictionary form (the nominative: "участковый", "заявление", "пьяная")
_RU_DICTIONARY_FORM = re.compile("(ый|ий|ая|яя|ое|ее|ие|ые|ость|ение|ание)$")
# A mixed text's dominant language is the one its grammar is in (its function words, its inflection, its verbs): a
# speaker embeds the other language's nouns in it, and Kazakh takes a Russian noun as it is, in its dictionary form
# ("Участковый келмеди", a Kazakh sentence with a Russian subject). So, in a text with Kazakh evidence, such a word
# is half the Russian evidence a Russian function word or inflected form is
_LOAN_WEIGHT = 0.5
# ...and a Kazakh verb (folded: a finite form, or an auxiliary or predicative word) is the clause's grammar itself:
# beside one, those nouns are its loans and weigh nothing ("Участковый сосед келмеди", two Russian nouns and a Kazakh
# verb, is Kazakh), while a bare Kazakh word in a Russian sentence ("Сосед шумит қазір") is no verb and leaves them
# their half
_KK_PREDICATE_WORDS = word_set("жатыр отыр тур жур жок бар керек емес")
_KK_PREDICATE_ENDING = re.compile(
    "(ды|ди|ты|ти|мын|мин|пын|пин|мыз|миз|быз|биз|пыз|пиз|сыз|сиз|дым|дим|тым|тим|дык|дик|тык|тик|кык|гык|гик)$"
)
# Words both languages use: Kazakh "не" (what) and "да" (too), loans Kazakh reports write as Russian does
_BOTH_WORDS = word_set("не да полиция телефон машина магазин казахстан казакстан")
# Word endings (folded spelling, on words of 5+ letters) by how surely they mark a Kazakh word: Kazakh glues its
# grammar to the stem (plural, possessive, case, tense, person), so a word no list knows still shows it. 0.8: Russian
# words (almost) never end so; 0.5 and 0.3: some do ("один", "доллар", "команда", "воды"), so a Russian-looking
# stem (see _russian_look) cancels them. Checked against 15,000 Russian citizens' appeals and the Russian codes: each
# ending of the first group ends at most 1 in 5,000 Russian words.
# fmt: off
_KK_ENDINGS = (
    (0.8, (
        # negative verbs: келмеди, токтамайды, бермейди, айтпайсыз
        "мады", "меди", "бады", "беди", "пады", "педи", "майды", "мейди", "байды", "бейди", "пайды", "пейди",
        "маймын", "меймин", "майсыз", "мейсиз",
        # present and past tense, 3rd person: алады, келеди, кояды; келди, алды, берди, кетти, айтты, жапты
        "ады", "еди", "яды", "йды", "лды", "лди", "рди", "тты", "тти", "пты", "пти", "шты", "шти", "кти",
        # past tense, 1st person singular, the form of a citizen's own account: алдым, бердим, кеттим, таптым,
        # сурадым, бармадым (Russian "-дым", "-тым", "-дим", "-тим" are instrumentals and 1st person plurals:
        # "каждым", "простым", "видим", "платим"; none of the 15,000 appeals or the codes ends in these)
        "лдым", "лдим", "рдим", "здым", "здим", "ндым", "ндим", "йдым", "йдим", "ттым", "ттим", "птым", "птим",
        "штым", "штим", "ктым", "ктим", "адым", "ыдым", "медим", "бедим", "педим",
        # and after a stem's қ: соқты, шықты (Russian -кты, the plural of a -кт noun, has а, у, е or и before the к:
        # "факты", "продукты", "проекты", "конфликты")
        "окты", "ыкты",
        # persons: -мыз (we), -сыз/-сиз (polite you), -ндер (you all), -мын (I): барамыз, келиниздер, барамын
        "мыз", "миз", "быз", "биз", "пыз", "пиз", "сыз", "сиз", "ныз", "низ", "ндер", "ндар", "мын", "пын",
        # converbs and participles with their case: сатып, урып, келип; болганда, келгенде, сататын
        "ып", "ип", "мен", "пен", "ганда", "генде", "канда", "кенде", "ганын", "генин", "атын", "етин", "йтын", "йтин",
        # possessive + case: машинамды, колымнан, уйиниз, ауласында, жанында, касынан, кабыргасын
        "мды", "мди", "мнан", "мнен", "нынан", "нинен", "сынан", "синен", "ынан", "инен", "сында", "синде",
        "ында", "инде", "асын", "есин", "ысын", "исин", "ымен", "имен",
        # plural + case or possessive: балалардын, коршилерге, адамдарды, жигиттери
        "лардын", "лердин", "дардын", "дердин", "тардын", "тердин", "ларга", "лерге", "дарга", "дерге", "тарга",
        "терге", "ларды", "лерди", "дарды", "дерди", "тарды", "терди", "ларда", "лерде", "дарда", "дерде",
        "лардан", "лерден", "дардан", "дерден", "лери", "дери", "лерим", "ларым", "дерим",
        "дарым", "ларын", "лерин", "дарын", "дерин", "ларымыз", "леримиз",
        # genitive after a vowel, verbal noun + dative: баланын, колигинин; устауга, ишуге
        "анын", "енин", "ынын", "инин", "ауга", "еуге",
        # agent nouns, -лык/-лик with their case: жургизуши, сатушы; жауапкершилик-ке
        "ушы", "уши", "ушилер", "ушылар", "лыгы", "лиги", "дыгы", "диги", "тыгы", "тиги",
        # -дагы (that is in), ordinals, past 1st person plural: кабаттагы, ушинши, таптык, келдик
        "дагы", "деги", "тагы", "теги", "ншы", "нши", "тык", "кык", "дык", "дик", "гык", "гик",
        # dative and locative after a stem's к or т, which the suffix doubles: учаскеликке, самокатта (no word of
        # the 15,000 Russian appeals ends so)
        "кке", "кка", "тта", "тте",
        # verbal nouns: тонау, корлау, урлау, толеу, тергеу; коркыту, айыру, тутыну (Russian words end so only when
        # they are Kazakh names: "Актау", "жырау")
        "ау", "еу", "ыту", "ыру", "ыну",
        # a Russian loan in -ия with a Kazakh case ending, which Russian -ия nouns never take: полицияга,
        # полицияда, полициянын, полицияны, полициядан; and a dative after й: уйге, полицейге
        "ияга", "ияда", "ияны", "иянын", "иядан", "йге",
    )),
    (0.5, (
        # Russian has a few: "один", "Путин"; "доллар", "удар", "лидер", "компьютер"; "команда"; "стакан"
        "нын", "нин", "дын", "дин", "тын", "тин", "лар", "лер", "дар", "дер", "тар", "тер", "нда", "нде",
        "ган", "ген", "кан", "кен", "дан", "ден", "тан", "тен", "нан", "нен", "бен", "ап", "еп", "тик",
        "мин", "бин", "пин", "ына", "лык", "лик",
        "йди", "рды", "лары", "дары", "тары", "асы", "еси", "ысы",
        # the 1st person past after р or с: "твердым", "частым" are Russian; жардым, хабарластым Kazakh; a dative
        # after й: "тайга"
        "рдым", "астым", "йга",
    )),
    (0.3, ("ды", "ди", "га", "ге")),
)
# Russian inflection Kazakh words do not have (folded spelling, on words of 4+ letters): adjectives (-ый, -ая, -ого),
# verbs (-ться, -ает, -ют), nouns in -ость/-ение, the past tense (-ли, -ла). Weighed like _KK_ENDINGS; the weaker ones
# end a few Kazakh words too ("мерзими", "жала")
_RU_ENDINGS = (
    (1.0, (
        "ться", "тся", "ость", "ости", "ение", "ения", "ении", "ание", "ания", "ании", "ого", "его", "ому", "ему",
        "ыми", "ых", "их", "ый", "ий", "ая", "яя", "ое", "ее", "ие", "ые", "ешь", "ишь", "ать", "ять", "еть",
        "ить", "уть", "ает", "яет", "еет", "ует", "ают", "яют", "уют", "ят",
    )),
    (0.8, ("али", "или", "ели", "ыли")),
    (0.6, ("ила", "ела", "ула", "ало", "ило", "ело", "ыло", "ит", "ой", "ом", "ям", "ах", "ней", "лей", "рей", "ии")),
    (0.4, ("ала", "ими")),
)
# fmt: on
# Letters of Russian words that native Kazakh words never have (Kazakh has them only in loans: "видео", "подъезд")
_RU_LETTER = re.compile("[вфцчщьъэё]")
_VOWELS = re.compile("[аеиоуыэюя]")
# Shapes Kazakh words never have: two consonants opening the word ("склады", "крысы", "взгляды", "проезд"; an
# abbreviation, "ЖК", "км", has no vowel after them), я or ю after a consonant ("отряды"; Kazakh writes them after a
# vowel: "кояды")
_RUSSIAN_SHAPE = re.compile("^[бвгджзйклмнпрстфхцчшщ]{2,}[аеиоуыэюя]|[бвгджзклмнпрстфхцчшщ][яю]")
# A consonant other than a sonorant before р or л: no native Kazakh stem has one ("ограды", "доклады"), and Kazakh
# grammar assimilates л after such a consonant ("-лар" becomes "-дар"/"-тар"), so a word that has one is a Russian
# word or a loan ("телеграм", "клубта"). It tells only that the word's Kazakh-looking ending is no Kazakh suffix:
# it cancels that ending but is no Russian evidence of its own
_LOAN_CLUSTER = re.compile("[бвгджзкпстфхцчшщ][рл]")
# Kazakh picks a suffix's first consonant by the sound before it: after a voiceless consonant or б/в/г/д it is the
# voiceless one ("велосипедпен", "клубта", "самокатты"), so "-мен", "-ды", "-га", "-лар" there are no Kazakh suffix
# ("обмен")
_DEVOICING = frozenset("кпстфхцчшщбвгд")
_VOICED_SUFFIX_START = frozenset("бгдлм")
_ENDING_LENGTHS = range(2, 7)


def _weights(table: tuple[tuple[float, tuple[str, ...]], ...]) -> dict[str, float]:
    """ending -> weight; an ending listed twice keeps its strongest weight (the tables go strongest first)."""
    return {ending: weight for weight, endings in reversed(table) for ending in endings}


_KK_ENDING = _weights(_KK_ENDINGS)
_RU_ENDING = _weights(_RU_ENDINGS)


def _ending_weight(weights: dict[str, float], word: str) -> float:
    # a look-up per suffix length: an alternation of ~250 endings anchored at $ is tried at every character
    weight = 0.0
    for n in _ENDING_LENGTHS:
        weight = max(weight, weights.get(word[-n:], 0.0))
    return weight


def _kazakh_ending(folded: str) -> float:
    """The weight of the Kazakh ending of a word of 5+ letters; an ending whose voiced first consonant follows a
    sound that Kazakh devoices it after is none."""
    if len(folded) < 5:
        return 0.0
    weight = 0.0
    for n in _ENDING_LENGTHS:
        ending = folded[-n:]
        if ending[0] in _VOICED_SUFFIX_START and folded[-n - 1 : -n] in _DEVOICING:
            continue
        weight = max(weight, _KK_ENDING.get(ending, 0.0))
    return weight


def russian_ending(folded: str) -> float:
    return _ending_weight(_RU_ENDING, folded) if len(folded) >= 4 else 0.0


def _russian_shape(folded: str) -> float:
    """A Russian ending, or a shape no Kazakh word has (_RUSSIAN_SHAPE)."""
    return max(russian_ending(folded), 0.6 if _RUSSIAN_SHAPE.search(folded) else 0.0)


def _loan_stem(folded: str, kazakh: float) -> float:
    """How much of a Kazakh ending's weight `kazakh` a stem with a cluster native Kazakh lacks (_LOAN_CLUSTER)
    cancels."""
    return min(kazakh, 0.6) if kazakh and _LOAN_CLUSTER.search(folded) else 0.0


def _russian_look(raw: str, folded: str) -> float:
    """How Russian a word no list knows looks: its shape (_russian_shape), a letter Kazakh lacks, or no vowel
    harmony (a native Kazakh word has о/ө only in its first syllable, and never mixes back ы with front е/і)."""
    weight = _russian_shape(folded)
    if _RU_LETTER.search(raw):
        weight = max(weight, 0.6)
    vowels = _VOWELS.findall(folded)
    if "о" in vowels[1:]:
        weight = max(weight, 0.4)
    if "ы" in vowels and ("е" in vowels or "и" in vowels):
        weight = max(weight, 0.3)
    return weight


# What a word says, from 1 (Kazakh) to -1 (Russian), 0 when it tells neither: (in a text with other Kazakh
# evidence, with none). A Kazakh letter or word is sure Kazakh in both; a Kazakh ending may weigh less alone
Evidence = tuple[float, float]
SURE_KAZAKH: Evidence = (1.0, 1.0)
NO_EVIDENCE: Evidence = (0.0, 0.0)


# Most words of a report are among a language's few thousand frequent ones: each is weighed once
@lru_cache(maxsize=8192)
def word_evidence(raw: str, folded: str) -> Evidence:
    """What a word says (see Evidence). `raw` is the word lower-cased as typed, `folded` the same through
    ml.text.fold.

    Some citizens type Kazakh on a Russian keyboard with ы for і, not и ("мены", "журеды", "быр"): such a word is
    also read with и for ы. What that reading says counts in a Kazakh text only: Russian words read so too ("еды"
    would read "еді", "победы" "победі")."""
    evidence = spelt_evidence(raw, folded)
    if "ы" not in folded or evidence == SURE_KAZAKH:
        return evidence
    reading = folded.replace("ы", "и")
    in_kazakh, _ = spelt_evidence(raw.replace("ы", "и"), reading)
    return (max(evidence[0], in_kazakh), evidence[1])


def spelt_evidence(raw: str, folded: str) -> Evidence:
    """`word_evidence` of the word as it is spelt."""
    if _KK_LETTER.search(raw) or folded in _KK_WORDS:
        return SURE_KAZAKH
    if folded in _KK_VERBAL_NOUNS:
        return (0.8, 0.8)
    if folded in _BOTH_WORDS:
        return NO_EVIDENCE
    if folded in RU_WORDS:
        return (-_LOAN_WEIGHT if folded in _RU_LOANABLE else -1.0, -1.0)
    kazakh = _kazakh_ending(folded)
    if kazakh >= 0.8:
        # a loan with a Kazakh ending ("телефонмен", "подъездеги") is a Kazakh word, Russian letters and broken
        # vowel harmony notwithstanding: in a Kazakh text only a Russian ending argues; alone, a shape no Kazakh
        # word has too ("взгляды", "присоединен": Russian words that end so)
        return (kazakh - russian_ending(folded), kazakh - max(_russian_shape(folded), _loan_stem(folded, kazakh)))
    weight = kazakh - max(_russian_look(raw, folded), _loan_stem(folded, kazakh))
    if weight < 0 and _RU_DICTIONARY_FORM.search(folded):
        return (weight * _LOAN_WEIGHT, weight)
    return (weight, weight)


def _kazakh_dominates(evidence: list[Evidence]) -> bool:
    return kazakh_weight(evidence) > 0


def kazakh_weight(evidence: list[Evidence]) -> float:
    """The weight of a text's Kazakh words when they dominate it, else 0. They dominate when they outweigh Russian
    ones and weigh at least half a Kazakh word (a middle-group ending, or two weak ones): a lone weak ending among
    words that tell nothing is no Kazakh text. A word's Kazakh ending needs support (a Kazakh letter or word, or a
    second word with a Kazakh ending, one of them as spelt: two Russian words read with і for ы, "велосипеды, мопеды",
    support nothing) for a Russian-looking stem to be a loan: alone, "Взгляды соседей" and "Не присоединен" are
    Russian. A Russian text that quotes a Kazakh street name or ends with "қазір" stays Russian; a Kazakh one with
    Russian loans and greetings ("Здравствуйте", "подъезд", "участковый") stays Kazakh."""
    supported = SURE_KAZAKH in evidence or (
        sum(in_kazakh > 0 for in_kazakh, _ in evidence) >= 2 and any(alone > 0 for _, alone in evidence)
    )
    weights = [in_kazakh if supported else alone for in_kazakh, alone in evidence]
    kazakh = sum(e for e in weights if e > 0)
    russian = -sum(e for e in weights if e < 0)
    # one ending with no support must also outweigh the Russian words twice: "Рейды полиции" is Russian
    return kazakh if kazakh >= 0.5 and kazakh > (russian if supported else 2 * russian) else 0.0


def text_evidence(words: list[tuple[str, Evidence]]) -> list[Evidence]:
    """The evidence of a text's (folded word, its evidence) in order; a question particle follows a word, so a text's
    first word is none. Beside a Kazakh verb, Russian nouns in their dictionary form are loans and tell nothing (see
    _KK_PREDICATE_WORDS)."""
    evidence = [
        NO_EVIDENCE if i == 0 and folded in _KK_PARTICLES else evidence for i, (folded, evidence) in enumerate(words)
    ]
    # only in the reading of a text with other Kazakh evidence: alone, a Kazakh-looking verb ending is as often a
    # Russian plural's ("Периодические перепады", "Наличие наледи")
    folded_words = [folded for folded, _ in words]
    if not any(_kazakh_predicate(f, in_kazakh) for f, (in_kazakh, _) in zip(folded_words, evidence, strict=True)):
        return evidence
    return [
        (0.0, alone) if in_kazakh < 0 and _is_loan(folded) else (in_kazakh, alone)
        for folded, (in_kazakh, alone) in zip(folded_words, evidence, strict=True)
    ]


def _kazakh_predicate(folded: str, in_kazakh: float) -> bool:
    """Whether a word with Kazakh evidence `in_kazakh` is a Kazakh verb: келмеди, урды, бардым, жатыр, керек."""
    return in_kazakh > 0 and (
        folded in _KK_PREDICATE_WORDS or (len(folded) >= 4 and _KK_PREDICATE_ENDING.search(folded) is not None)
    )


def _is_loan(folded: str) -> bool:
    """Whether a Russian word is a noun or adjective in its dictionary form, as Kazakh borrows them (_LOAN_WEIGHT)."""
    return folded in _RU_LOANABLE or (folded not in RU_WORDS and _RU_DICTIONARY_FORM.search(folded) is not None)


def detect_language(text: str) -> Language:
    """Dominant language of `text`; Russian when nothing decides (the service's most common language)."""
    return _detect_language(normalize_input(text))


def decided_language(text: str) -> Language | None:
    """`detect_language` when the text decides it, None when detection only falls back (to Russian, or for Latin
    letters to English or Russian): no letters, one word that is the same in Russian and Kazakh ("ДТП", "полиция"), a
    brand ("Kaspi 777"), or a single word of either language ("Помогите", "Help"). A caller that knows the language
    the citizen asked for (their app's, their chat's) takes that one then: one word tells less than the citizen's own
    choice. Kazakh is never a fallback, so a text read as Kazakh is decided."""
    language, decided = _detection(normalize_input(text))
    return language if decided else None


def _detect_language(text: str) -> Language:
    """`detect_language` of a text already in normal form (ml.text.normalize_input)."""
    return _detection(text)[0]


# the Russian or English evidence that decides a text: a second word that says so (one may be a loan, a name, or
# the one word a citizen of the other language knows), or for Russian a second word beside an inflected form
# (_russian_decided)
DECIDING_WORDS = 2


def _detection(text: str) -> tuple[Language, bool]:
    """The language of a text in normal form, and whether its words decided it (see `decided_language`)."""
    lowered = repair_lookalikes(text).lower()  # "бiз" typed with a Latin i is Kazakh "біз"
    cyr = len(_CYRILLIC.findall(lowered))
    lat = len(_LATIN.findall(lowered))
    if lat > cyr:
        from ml.lang_latin import latin_detection  # here: ml.lang_latin weighs its words with this module's evidence

        return latin_detection(lowered)
    if cyr == 0:
        return "ru", False
    lowered = _KK_NUMBERED_ARTICLE.sub("бап", lowered)
    pairs = zip(_WORD.findall(lowered), _WORD.findall(fold(lowered)), strict=False)
    evidence = text_evidence([(f, word_evidence(raw, f)) for raw, f in pairs])
    if _kazakh_dominates(evidence):
        return "kk", True
    return "ru", _russian_decided(evidence)


def _russian_decided(evidence: list[Evidence]) -> bool:
    """Whether the words of a text read as Russian decide it: two Russian words, or, in a text of two words or more
    with no Kazakh one, a word that stays Russian even in a Kazakh text (an inflected form: "Украли телефон",
    "Мошенники звонят", "Машина горит"), not a noun in its dictionary form or a name that Kazakh borrows ("Проспект
    Абая" is two, but "Астана Абая 10", "Помогите" and "Здравствуйте" alone tell no more than the app's choice)."""
    russian = [in_kazakh for in_kazakh, alone in evidence if alone < 0]
    if len(russian) >= DECIDING_WORDS:
        return True
    return (len(evidence) >= DECIDING_WORDS and not any(alone > 0 for _, alone in evidence)
            and any(in_kazakh < -_LOAN_WEIGHT for in_kazakh in russian))


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
            from ml.lang_latin import kazakh_reading  # here, as in _detection: ml.lang_latin imports this module

            return kazakh_reading(text) if language == "kk" else to_cyrillic(text, language)
    return repair_lookalikes(text)
