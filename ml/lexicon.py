"""Domain cue lexicon for the police taxonomy: the classifier's third channel.

Why: with a few dozen examples per category the learned channels cannot know that "закладка" is always drugs or that
a missing *child* is a juvenile-police matter while a missing adult is not. These cues encode that knowledge from
the taxonomy's "covers" column and police practice, in Russian, Kazakh (folded, see ml.text) and English. They are
features, not rules: the logistic regression learns how much to trust each one, and the embeddings and character
n-grams still decide when cues disagree or are absent.

Conjunction cues capture what a linear model cannot: child + missing, child + sale, officer + violence.
The channel is used only for models whose labels are taxonomy codes (other datasets have other categories).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from ml.text import fold

LEXICON_VERSION = "police-v1"


def _rx(*alts: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{a})" for a in alts))


# Patterns are in folded form: қ→к, ө→о, ұ/ү→у, ә→а, і→и, ғ→г, ң→н, ё→е.
CUES: dict[str, re.Pattern[str]] = {
    "road_accident": _rx(
        r"\bдтп|авари[яиюй]|столкн|врезал|въехал|наехал|\bсбил[аио]?\b|задел\w* (?:мою |машин)|перевернул|с места дтп",
        r"ударил\w* (?:в бампер|машин|сзади)|в кювет|соктыгыс|жол апат|\bапат|кагып кет|согып кет|аударыл|согылды",
        r"accident|\bcrash|collision|hit-and-run",
    ),
    "traffic_violation": _rx(
        r"за рул|на красн|\bкрасный\b|сплошн|встречк|\bпарку|парков|превыш|скорост|гоняют|дрифт|тонир|без прав",
        r"не пропуска\w* пешеход|не уступ|прав\w* дорожн|\bпдд\b|разворачива|номер\w* (?:закрыт|грязь)|кресл",
        r"рулде|ролде|кызыл шам|жылдамды|жарыс|тротуарга|курады|нормир|журип жур|жол бермей",
        r"speeding|red light|parking|drunk driv",
    ),
    "domestic_violence": _rx(
        r"\bмуж\b|\bмуж[аеу]\b|\bмужем|\bжен[аеуы]\b|сожител|бывш\w* (?:муж|жен|парен|сожит)|\bбывший\b|\bбывшая\b",
        r"свекров|\bзять|\bтещ|семейн|\bразвод|защитн\w* предписан|преследует|караулит",
        r"\bкуйеу|\bайелим|\bайелин|бурынгы|\bенем|ажырас|коргау нускама|кайын|отбасы",
        r"husband|\bwife\b|\bex-|ex partner|domestic",
    ),
    "child_incident": _rx(
        r"реб[её]н|\bдет(?:и|ей|ям|ьми|ский|ская|ское|ского)\b|школ|подрост|несовершеннолет|малыш|мальчик|девочк",
        r"\bсын\b|\bсына\b|\bдоч[ьк]|\bдочер|одноклассн|вейп|снюс|буллинг|травят|детск\w* сад|лагер|отчим",
        r"\bбала|окушы|жасоспирим|мектеп|камелет|балабакша|\bулым|\bкызым|сынып|огей",
        r"\b(?:[1-9]|1[0-7])[ -]?(?:лет|год\w*|летн\w*|жас\w*)\b",
        r"\bchild|\bkid|school|minor|teen",
    ),
    "public_order": _rx(
        r"\bшум|музык|\bорут|\bорет|распива|\bбомж|попрошай|хулиган|\bдрак|дерутся|петард|караоке|\bмат\b|матер",
        r"брань|громк|пристают|пристает|пьян\w* (?:компан|молод|мужчин|пассажир)|мочится|кальян",
        r"шулай|\bшу\b|айкай|ишимдик ишип|мас (?:топ|адамдар|адам)|бузакы|тобелес|кайыршы|\bтой|тиисип",
        r"noise|loud music|drunk(?:s| people)|\bfight",
    ),
    "theft": _rx(
        r"\bукрал|\bкраж|воруют|\bвор[ыау]?\b|угнал|\bугон|обокрал|вынесли|вытащили|выхватил|вырвал|грабят|грабеж",
        r"стащил|обчистил|пропал\w* (?:деньги|кошел|телефон|вещи)|взлом|вскрыва",
        r"\bурла|\bуры\b|тонап|жулып ал|айдап кет|суырып",
        r"theft|\bstole|stolen|burglar|robbed|pickpocket",
    ),
    "fraud": _rx(
        r"мошен|обман|предоплат|перев[её]л|перевела|\bсмс\b|\bкод\b|служб\w* безопасност|\bбанк|кредит|инвест",
        r"пирамид|крипто|фейк|подделал|ссылк|списал|выманил|\bolx|\bолх|kolesa|развод(?:ят|или)",
        r"алаяк|алдап|несие|аудар|силтеме|жалган (?:дукен|силтеме)|шешип алды|каспий",
        r"scam|fraud|phishing",
    ),
    "drugs": _rx(
        r"наркот|нарко|закладк|закладчик|спайс|\bсоль\b|мефедрон|гашиш|марихуан|конопл|курят траву|шприц|порош",
        r"экстази|кокаин|таблетк|психотроп|\bдурь|товар\W",
        r"есиртки|нашакор|кендир|шоп шег|закладка",
        r"\bdrugs?\b|\bweed\b|cocaine",
    ),
    "violence": _rx(
        r"избил|ударил|\bнапал|нападен|расправ|покалеч|застрел|\bнож|пистолет|ружь|травмат|стреля|выстрел",
        r"\bбит[аоы]|арматур|монтиров|кислот|\bдушит|\bрежут|угрожа\w* (?:убить|расправ|покалеч)",
        r"\bурды|\bурып|пышак|мылтык|тапанша|\bатып|шабуыл|мертик|коркыт|ум[ыт]тыл",
        r"assault|attack|\bbeat|threat|stabb",
    ),
    "missing_person": _rx(
        r"\bпропал|исчез|не вернул|не выходит на связь|не отвечает|\bищу\b|\bищем\b|найти человека|без вести",
        r"не доехал|не берет трубку|телефон\w* (?:выключен|недоступен|вне сети)",
        r"жогал|хабарсыз|хабарласпай|издеп|кайтпады|адасып|телефон котермейди|жетпеди",
        r"missing",
    ),
    "vandalism": _rx(
        r"разрисов|граффити|испорт|\bсломал|разбил\w* (?:стекл|окн|витрин|фонар|фар|лобов)|поцарапал|проколол",
        r"проткнул|повредил|подожгл|подпалил|исписал|надпис|облил\w* краск|сорвал|выломал|разгромил|отломал",
        r"сындыр|бояп|булдир|тесип|сызып|ортеп жиберди|бузып тастады|жулып алды|киратып",
        r"vandal|graffiti|damag",
    ),
    "illegal_trade": _rx(
        r"прода(?:ют|ет|жа)|торгу|торгов|алкогол|водк|\bпиво|спиртн|\bспирт\b|самогон|пал[её]н|акциз|контрабанд",
        r"лицензи|без разрешени|с рук|стихийн|барахолк|контрафакт|поддельн\w* (?:водк|конья|бренд)|с лотков",
        r"сатады|сауда|арак|\bсыра|лицензиясыз|руксатсыз|акцизсиз|самогон",
        r"sell(?:s|ing) alcohol|unlicensed|counterfeit",
    ),
    "police_complaint": _rx(
        r"участков|полицейск|сотрудник\w* полиц|инспектор|гаишник|\bдпс\b|патрульн|следовател|дознавател",
        r"оператор 102|на 102|взятк|вымога|нахамил|груб|бездейств|не реагир|отказал\w* (?:принима|регистр)",
        r"\bивс\b|жетон|наряд полиц|протокол|в отдел",
        r"учаскелик|полицей|\bпара\b|тергеуши|дорекки|кызметкер|хаттама|бекетте",
        r"officer|bribe|police (?:was|were)",
    ),
    "not_police": _rx(
        r"\bям[аыу]\b|мусор|свалк|фонар\w* не|освещени|не горят|горяч\w* вод|нет воды|отоплени|батаре|\bлифт",
        r"\bкск\b|\bоси\b|управляющ|\bснег|сосульк|асфальт|бродяч|светофор\w* не|\bлюк|трубу|прорвал|интернет",
        r"поликлиник|маршрут\w* ходят|навес|затопил|крыс|таракан|дворник|счет за",
        r"шункыр|кокыс|жарыгы|ыстык су|жылу жок|лифт|кангыбас|багдаршам истемейди|\bпик\b|су жок|кезек",
        r"pothole|garbage|streetlight|utilit",
    ),
    "emergency": _rx(
        r"пожар|\bгорит|\bгорят|\bдым|запах\w* газ|пахнет газ|утечк|без сознани|не дыш|обморок|приступ|тонет",
        r"утонул|под л[её]д|\bвзрыв|током|придавил|отравлен|отравил|упал с высоты|плохо с сердцем|загорел|гарь",
        r"\bорт|тутин|жанып|есинен|дем алмай|суга бат|жарылыс|ток сог|улан|устамас|газдын иси",
        r"\bfire\b|smoke|gas leak|unconscious",
    ),
    "other_offence": _rx(
        r"мигрант|нелегал|регистрац|прописан|казино|ставк|букмекер|бордел|проститу|экстремист|листовк|клевет",
        r"без согласия|через окно|вырубк|браконь|сетями|незаконн\w* (?:охот|карьер|рыб)|откат|чиновник|выбор",
        r"бюллетен|межнационал|розни|беспорядк|ложн\w* сообщ|минир|выда[её]т себя|жестоко обращ|намордник",
        r"подпись|паспорта у рабоч|лазер",
        r"жезокше|экстремистик|зансыз|жала жаб|тиркелген|шенеуник|миналау|тумылдырык|катыгездик",
        r"migrant|gambling|extremis|election",
    ),
}

# Conjunctions the linear model cannot form itself
_CHILD = CUES["child_incident"]
_MISSING = CUES["missing_person"]
_SALE = _rx(r"прода|торгу|сатад|сатып|продал")
_OFFICER = _rx(r"полицейск|полиц\w* (?:избил|ударил)|патрульн|сотрудник|учаскелик|полицей|инспектор|в ивс")
_HARM = _rx(r"избив|избил|\bбил|\bбьют|\bурды|\bурып|\bурган|наручник|угрожа|коркыт")
_DRIVE = _rx(r"за рул|рулде|ролде|водител|жургизуши|едет|айдап")
_DRUNK = _rx(r"пьян|бух|нетрезв|\bмас\b")
CONJUNCTIONS: dict[str, tuple[re.Pattern[str], ...]] = {
    "child+missing": (_CHILD, _MISSING),
    "child+sale": (_CHILD, _SALE),
    "officer+harm": (_OFFICER, _HARM),
    "drunk+driving": (_DRUNK, _DRIVE),
}
FEATURE_NAMES: tuple[str, ...] = tuple(CUES) + tuple(CONJUNCTIONS)


def cue_features(texts: Sequence[str]) -> np.ndarray:
    """(n, len(FEATURE_NAMES)) float32 of 0/1 cue hits."""
    out = np.zeros((len(texts), len(FEATURE_NAMES)), dtype=np.float32)
    for i, text in enumerate(texts):
        t = fold(text)
        for j, pattern in enumerate(CUES.values()):
            if pattern.search(t):
                out[i, j] = 1.0
        base = len(CUES)
        for k, parts in enumerate(CONJUNCTIONS.values()):
            if all(p.search(t) for p in parts):
                out[i, base + k] = 1.0
    return out
