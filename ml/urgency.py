"""Urgency: is there danger to life or an offence happening *now*?

Urgent reports jump the queue and the citizen is told to call an emergency number immediately, so this detector
is tuned for recall: a missed urgent report is far worse than an operator glancing at a false alarm. It is a
lexicon over the folded text (see `ml.text.fold`) in Russian, Kazakh and English with stems and common typos,
combined with the classifier's category when the router has one (e.g. "сейчас" alone is not urgent, "сейчас" in a
domestic-violence report is).

Emergency numbers in Kazakhstan: 101 fire, 102 police, 103 ambulance, 104 gas service, 112 unified line.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from ml.lang import reading_text
from ml.legal.ages import of_age
from ml.text import any_of, fold
from ml.urgency_signal import EN_NOT_NEGATED, KK_NOT_DONE, NOT_NEGATED, Signal
from ml.urgency_signals import SIGNALS
from ml.urgency_who import NOT_ONLINE, ONLY_OFFICIALS_ENTERING

# CPython's own regex parser and opcodes (private modules: no stubs, hence Any), as ml.text reads them
_sre: Any = importlib.import_module("re._constants")
_sre_parse: Any = importlib.import_module("re._parser")

# stored with every routing decision: bump it whenever a pattern or the verdict rule changes, so a decision can be
# traced to the rules that made it
URGENCY_VERSION = "urgency-2026-12v"


@dataclass(frozen=True, slots=True)
class Urgency:
    """Verdict plus the reason codes (stable, for audit and UI texts) and the numbers to advise, most relevant first."""

    urgent: bool
    reasons: list[str] = field(default_factory=list)
    advise: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


_NOW = any_of(
    r"прямо сейчас|\bсейчас\b|\bщас\b|в данный момент|в эту минуту|только что|\bсрочно\b|помогите|\bбыстрее",
    r"на моих глазах|вижу (?:в окно|как)|корип турмын|\bпрячусь|\bпрячемся|жасырынып отыр",
    r"ворвал\w*\b" + NOT_ONLINE,  # not "ворвался в чат": a chat raided goes on nowhere the police can come
    r"\bкричит\b|\bкричат\b|крики|\bорет\b|\bвизж|\bслыш(?:но|ны|у|им)\b",
    r"\bказир\b|\bказирдин озинде|дал казир|\bжана гана|\bтез\b|\bжедел|комектес|\bайкайла[пс]|\bайгай",
    # "он ещё здесь", "әлі осында": the one who did it has not left (English: "he is still here")
    r"\b(?:все )?еще (?:здесь|тут|внутри)\b|\bали (?:осында|ишинде)\b",
    r"\bright now|\bnow\b|currently|happening|\bhelp\b|\burgent",
    # English says "come fast" or "he is still here" where Russian says "сейчас"; "10 minutes ago" is "только что"
    r"\bcome (?:fast|quick|quickly|now|asap|immediately)|\bhurry|\basap\b|\bimmediately|\bplease (?:come|send)"
    r"|\bsend (?:police|someone|somebody|help|an? ambulance)|as we speak|at the moment|\btonight|\bjust now",
    r"\b(?:a|one|a few|few|two|three|five|ten|\d+) min(?:ute)?s? ago|\bjust (?:punched|hit|attacked|stabbed|robbed"
    r"|grabbed|kicked|shot|stole|broke|beat|snatched)",
    r"\b(?:he|she|they|someone|somebody)(?: is|'s| are|'re) still (?:here|there|in|inside|outside|around|at|near"
    r"|nearby|downstairs|upstairs|behind|following)|\bi(?: am|'m) hiding|\bwe(?: are|'re) hiding",
)
_PAST = any_of(
    r"\bвчера|позавчера|на прошлой неделе|в прошлом (?:месяце|году)|в (?:субботу|воскресенье|понедельник)",
    r"(?:неделю|месяц|год|\d+ (?:дн\w+|недел\w+|месяц\w*)) назад",
    r"\bкеше\b|\bбурсигуни|откен (?:апта|ай|жыл)|(?:апта|ай|жыл|кун) бурын",
    r"yesterday|last (?:week|month|year|night|weekend|time|summer|winter|spring|autumn|monday|tuesday|wednesday"
    r"|thursday|friday|saturday|sunday)|\bago\b|\bthe other day|\bin 20\d\d\b|\bin (?:january|february|march|april"
    r"|june|july|august|september|october|november|december)\b",
)
# "сейчас уехал", "қазір кетіп қалды": the danger has just left, the report is not about something happening now
_NOW_NEGATED = any_of(
    r"(?:сейчас|щас|казир)\W+(?:\w+\W+)?(?:уехал[аи]?|ушел|ушла|ушли|спит|успокоил|кетип калды|кетти)",
    r"\b(?:in (?:prison|jail)|divorced|gone|asleep|calm|safe) now\b|\bnow (?:he|she|they)(?: is|'s| are|'re) (?:in "
    r"(?:prison|jail)|gone|asleep|calm|safe)\b",
)
# the "now" of the asking, not of the danger: "в прошлом месяце залезли воры, что мне сейчас делать?", "можно ли
# сейчас подать заявление", "қазір арыз беруге бола ма". Only beside a past marker does it stop counting
# (`Signal.asked_now`): "меня бьют, что мне сейчас делать?" is an emergency
_ASKING_NOW = re.compile(r"(?:сейчас|щас|казир)\s+(?:делать|сделать|подать|обратиться|написать)\b"
                         r"|можно ли (?:сейчас|щас)|казир\s+(?:\w+\s+)?(?:беруге|бола ма)")
_HABITUAL = any_of(
    r"постоянно|регулярно|систематическ|кажд\w+ (?:день|ночь|вечер|раз|недел|выходн)|годами|на протяжении",
    r"\bуже \d+ (?:год|лет|месяц)|\bчасто\b",
    r"\bунеми|\bжии\b|\bардайым|\bкунде\b|жылдар бойы|кун сайын",
    r"\balways|every (?:day|night)|for years|constantly|regularly",
)
_HYPOTHETICAL = any_of(
    r"\bесли\b|\bв случае\b|что делать|какое наказание|какая статья|что грозит|\bзакон|\bстатья",
    r"\bегер\b|не истеу керек|кандай жаза|кай бап|\bзан\b",
    # "i don't know if he is breathing" is no question about the law
    r"\bwhat if\b|(?<!know )(?<!see )(?<!sure )(?<!wonder )(?<!check )(?<!ask )(?<!even )(?<!as )\bif\b|what to do",
    r"penalty|punishment|\bfine for|\blaws?\b|\blegal|\billegal|\bis it (?:allowed|a crime|normal|ok|okay)|\blicen[cs]e"
    r"|\bpermit\b|\bin case\b|\bwhich number|\bwhat number|\bhow (?:do i|can i|to) (?:get|report|register|apply)",
)
_NO_VICTIMS = any_of(
    r"пострадавш\w* (?:\w+ )?нет|нет пострадавших|без пострадавших|никто не (?:пострадал|ранен|травмирован)"
    r"|жертв нет|без жертв",
    r"зардап шеккен\w* жок|ешким зардап шекпеди",
    r"\b(?:no one|no-one|nobody|none of (?:us|them))(?:'s| (?:is|was|were|got|has been|have been|seems|seemed))?"
    r" (?:hurt|injured|wounded|harmed)\b|\bno (?:injuries|casualties|victims)\b",
)

# categories where "happening now" alone means an offence in progress against a person or property
_NOW_URGENT_CATEGORIES = frozenset({"violence", "domestic_violence", "theft"})
_FIGHT = any_of(r"драк|дерут|подерут|потасовк|мочилов|маш(?:ет|ут)ся|махают|\bтобелес|\bfight")
# a child gone missing. A son or a daughter of a stated adult age ("сыну сорок лет, не вернулся домой", a student
# daughter: `ml.legal.ages.of_age`, the ages the legal help's missing-person items are chosen by) is none: the police
# take a missing adult's report at once all the same, but with no danger told it is no emergency (an elderly, ill or
# confused adult is "vulnerable_missing")
_MISSING_CHILD = "missing_child"
# negated as the signals read it ("сын не пропал, он у бабушки", "балам жоғалған жоқ", "my son is not missing")
_CHILD_MISSING_WORDS = any_of(
    NOT_NEGATED + r"(?:пропал|потерял|исчез|не вернул(?:ся|ась|ись)|не приш|нигде нет|ушл?\w* из дома|не отвечает"
    r"|не ночевал|(?:нет|не) дома\b)",
    r"(?:жогал|келмеди|кайтпады|табылмай|адас|уйден кет|хабар жок|жетпеди|таба алмай|не дош|не доехал)" + KK_NOT_DONE,
    EN_NOT_NEGATED + r"(?:missing|ran away)",
)


def detect_urgency(text: str, language: str | None = None, category: str | None = None) -> Urgency:
    """Decide whether a report is urgent and which emergency numbers to advise.

    `language` is accepted for API symmetry but every lexicon is always applied: reports freely mix Russian and
    Kazakh, and a Kazakh report typed on a Russian keyboard would otherwise be missed. `category` is the
    classifier's (or dispatcher's) category and sharpens the decision.
    """
    del language
    return _verdict(_scan(text), category)


def detect_urgency_among(text: str, language: str | None, categories: Sequence[str | None]) -> Urgency:
    """The first urgent verdict over candidate categories (most likely first), else the verdict for the first one.

    The router passes the category it settled on and the others the classifier finds plausible: an urgent report
    whose category the model got wrong, or abstained on, must still jump the queue. Out of fold on the training
    examples, also consulting the top guess and any runner-up with ≥ 10 % probability raised urgent recall from 0.973
    to 0.996 at a precision of 0.914 instead of 0.962 (docs/benchmarks-routing.md).
    The text is scanned once; only the category rules run per candidate.
    """
    del language
    scan = _scan(text)
    first: Urgency | None = None
    for category in dict.fromkeys(categories):  # unique, in order
        verdict = _verdict(scan, category)
        if verdict.urgent:
            return verdict
        first = first or verdict
    return first or _verdict(scan, None)


@dataclass(frozen=True, slots=True)
class _Scan:
    """What the lexicon finds in a text, whatever its category."""

    folded: str
    is_now: bool
    is_past: bool
    reasons: tuple[str, ...]
    advise: tuple[str, ...]


def _add(reasons: list[str], advise: list[str], code: str, numbers: tuple[str, ...]) -> None:
    if code not in reasons:
        reasons.append(code)
    advise.extend(n for n in numbers if n not in advise)


# -- the lexicon's gate -----------------------------------------------------------------------------------------
# Most reports match none of the ~30 patterns, and `re` still walked the text once per pattern, ~100 µs per report
# (a twentieth of a registration's CPU). Every match of a pattern contains one of a few fixed strings (one per
# alternative, read from the pattern itself: "нож", "стрел", "газ", …); a text that has none of them cannot match,
# and is not searched. The test is one set of the text's three-letter slices, built once, against each pattern's
# three-letter beginnings of those strings (a C set operation), ~10 µs for all patterns together. It only skips
# searches that would find nothing, so every verdict is the one the patterns alone give
# (tests/ml/test_urgency_gate.py compares both on every example).
_GRAM = 3


def _needed(items: list[tuple[Any, Any]]) -> frozenset[str] | None:
    """Strings one of which every match of the parsed sequence contains; None when no such set is known."""
    found: list[frozenset[str]] = []
    run: list[str] = []
    for op, arg in [*items, (None, None)]:  # the sentinel ends the last run of letters
        if op is _sre.LITERAL:
            run.append(chr(arg))
            continue
        if run:
            found.append(frozenset({"".join(run)}))
            run = []
        inner: frozenset[str] | None = None
        if op is _sre.SUBPATTERN:
            if arg[1] & re.IGNORECASE:
                return None  # the letters could match in another case
            inner = _needed(list(arg[-1]))
        elif op is _sre.ASSERT:  # a lookahead's or lookbehind's text is in the text too, if not in the match
            inner = _needed(list(arg[1]))
        elif op is _sre.BRANCH:
            branches = [_needed(list(branch)) for branch in arg[1]]
            inner = None if any(b is None for b in branches) else frozenset().union(*branches)  # type: ignore[arg-type]
        elif op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT, _sre.POSSESSIVE_REPEAT) and arg[0] >= 1:
            inner = _needed(list(arg[2]))
        if inner is not None:
            found.append(inner)
        # anything else (a class, \w, an optional part, a negative lookaround) requires no fixed string
    # the surest set: its shortest string longest, then the fewest strings
    return max(found, key=lambda strings: (min(map(len, strings)), -len(strings)), default=None)


@dataclass(frozen=True, slots=True)
class _Gated:
    """A pattern, the strings one of which each of its matches contains, and their three-letter beginnings (both
    empty when no such strings are known: the pattern then always runs)."""

    pattern: re.Pattern[str]
    strings: tuple[str, ...] = ()
    grams: frozenset[str] = frozenset()

    def search(self, text: str, grams: frozenset[str]) -> bool:
        # the beginnings first (one C set operation), then the strings themselves (a few C substring searches):
        # a common beginning ("про" of "провалил") lets through texts that have none of the strings
        if self.strings and (self.grams.isdisjoint(grams) or not any(map(text.__contains__, self.strings))):
            return False
        return self.pattern.search(text) is not None


def _gated(pattern: re.Pattern[str]) -> _Gated:
    needed = None if pattern.flags & re.IGNORECASE else _needed(list(_sre_parse.parse(pattern.pattern)))
    if needed is None or min(map(len, needed)) < _GRAM:
        return _Gated(pattern)
    # a string containing another of the set adds nothing: the shorter one is in every text the longer one is
    strings = tuple(sorted(s for s in needed if not any(other != s and other in s for other in needed)))
    return _Gated(pattern, strings, frozenset(s[:_GRAM] for s in strings))


def _grams(text: str) -> frozenset[str]:
    return frozenset(text[i : i + _GRAM] for i in range(len(text) - _GRAM + 1))


_GATED_NOW, _GATED_NOW_NEGATED, _GATED_PAST, _GATED_HABITUAL, _GATED_HYPOTHETICAL, _GATED_NO_VICTIMS = (
    _gated(p) for p in (_NOW, _NOW_NEGATED, _PAST, _HABITUAL, _HYPOTHETICAL, _NO_VICTIMS)
)
_GATED_SIGNALS: tuple[tuple[Signal, _Gated], ...] = tuple((sig, _gated(sig.pattern)) for sig in SIGNALS)


def _scan(text: str) -> _Scan:
    t = fold(reading_text(text))  # a report typed in Latin letters is read in Cyrillic, like the patterns
    grams = _grams(t)
    is_now = _GATED_NOW.search(t, grams) and not _GATED_NOW_NEGATED.search(t, grams)
    told_past = _GATED_PAST.search(t, grams)
    is_past = told_past and not is_now
    reasons: list[str] = []
    advise: list[str] = []
    for sig, gated in _GATED_SIGNALS:
        if not gated.search(t, grams):
            continue
        if sig.past_sensitive and is_past:
            continue
        if sig.code == "injury" and _GATED_NO_VICTIMS.search(t, grams):
            continue
        if sig.needs_now and not is_now:
            continue
        if sig.asked_now and told_past and not _GATED_NOW.search(asked := _ASKING_NOW.sub(" ", t), _grams(asked)):
            continue
        if (
            sig.habitual_sensitive
            and _GATED_HABITUAL.search(t, grams)
            and not is_now
            and not (sig.acute is not None and sig.acute.search(t))
        ):
            continue
        if sig.hypothetical_sensitive and _GATED_HYPOTHETICAL.search(t, grams) and not is_now:
            continue
        if sig.unless is not None and sig.unless.search(t):
            continue
        if sig.code == _MISSING_CHILD and of_age(t):
            continue
        _add(reasons, advise, sig.code, sig.advise)
    return _Scan(t, is_now, is_past, tuple(reasons), tuple(advise))


def _by_category(scan: _Scan, category: str | None) -> tuple[str, tuple[str, ...]] | None:
    """The reason code and numbers `category` alone gives the scanned text, if any."""
    t, is_now = scan.folded, scan.is_now
    if category == "emergency":
        return "category_emergency", ("112",)
    if category == "child_incident" and _CHILD_MISSING_WORDS.search(t) and not scan.is_past and not of_age(t):
        return _MISSING_CHILD, ("102",)
    if category in _NOW_URGENT_CATEGORIES and is_now:
        return "in_progress", ("102",)
    if category == "public_order" and is_now and _FIGHT.search(t):
        return "fight_in_progress", ("102",)
    return None


def _verdict(scan: _Scan, category: str | None) -> Urgency:
    """The scan's findings sharpened by `category`."""
    reasons, advise = list(scan.reasons), list(scan.advise)
    by_category = _by_category(scan, category)
    # officials getting into a home with no danger told beside it ("менты ворвались", read "now" by "ворвались" and
    # as violence or an emergency by the classifier) is a question of lawful entry: the category alone makes no
    # emergency of it, a danger signal still does ("менты ворвались и избивают мужа")
    if by_category is not None and (reasons or not ONLY_OFFICIALS_ENTERING.search(scan.folded)):
        _add(reasons, advise, *by_category)

    if reasons and "102" not in advise and category not in (None, "emergency", "not_police"):
        # any urgent police matter: the police line is always worth naming
        advise.append("102")
    return Urgency(urgent=bool(reasons), reasons=reasons, advise=advise)
