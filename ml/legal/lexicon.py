"""Lexical normalisation for legal retrieval: Russian stemming, a light Kazakh stemmer, a bilingual glossary.

The codes are Russian; a citizen writes Russian, Kazakh (often on a Russian keyboard) or English. Russian words are
reduced with the Snowball stemmer. Kazakh is agglutinative (ұрла-ған-ы-н-ың), so a Kazakh word is matched by
peeling known suffixes off its end until a glossary stem is found; the glossary then contributes the Russian terms
the codes use (ұрлық → кража). Colloquial Russian ("украли", "бухой") and English words are expanded the same way.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import snowballstemmer

from ml.legal.actors import TOKEN, Layout, actor_at, common_actors, layout, written_at
from ml.text import KAZAKH_LETTERS, fold

GLOSSARY_PATH = Path(__file__).resolve().parent.parent / "data" / "legal" / "glossary.json"

_KK_LETTER = re.compile(f"[{KAZAKH_LETTERS}]")

# Function words and question scaffolding that carry no legal meaning ("что", "будет", "қандай"); dropping them keeps
# BM25 from rewarding articles for them. The lists live in glossary.json next to the term mappings.
_STOPWORDS = json.loads(GLOSSARY_PATH.read_text(encoding="utf-8"))["stopwords"]
RU_STOP = frozenset(_STOPWORDS["ru"].split())
KK_STOP = frozenset(fold(w) for w in _STOPWORDS["kk"].split())
EN_STOP = frozenset(_STOPWORDS["en"].split())

# Kazakh endings (plural, possessive, case, participle, verbal noun, derivational), folded like the words they are
# matched against. Peeling is repeated, so chains (-лар-ы-на) are covered; longest first.
_KK_SUFFIX_TEXT = """
лар лер дар дер тар тер
ымыз іміз мыз міз ыңыз іңіз ңыз ңіз ың ің ң ым ім м ы і сы сі
ның нің дың дің тың тің
ға ге қа ке на не а е
ны ні ды ді ты ті н
да де та те нда нде
дан ден тан тен нан нен
мен бен пен менен бенен пенен
ған ген қан кен
дағы дегі тағы тегі
ып іп п у ю ушы уші шы ші
лық лік дық дік тық тік
сыз сіз ма ме ба бе па пе мақ мек бақ бек пақ пек са се ғы гі қы кі
"""
_KK_SUFFIXES = tuple(sorted({fold(s) for s in _KK_SUFFIX_TEXT.split()}, key=len, reverse=True))
_KK_SUFFIX_SET = frozenset(_KK_SUFFIXES)
_MAX_SUFFIX_CHAIN = 12
_VOICED = {"г": "к", "б": "п"}
# A verb in the present-future tense with its person ending: жаз-а-мын "I write", жаз-а-ды "writes", төле-й-мін "I
# pay", жаз-ба-й-мын "I do not write". Peeled as noun suffixes, жаз-а-мын read as жаза "punishment" (+ -м, -ы, -н),
# so "қайда арыз жазамын" ("where do I write a complaint") asked about penalties. Only the endings a noun cannot
# take: after a vowel a noun's accusative is -ны, not -ды, and "-мын" ("I am …") rarely follows a noun in a
# question. Left out as ambiguous: -мыз (жаза-мыз "we write" / бала-мыз "our child"), -сың/-сын (folded alike; -сын
# is also a noun's possessive accusative), -сыз ("you write" / the privative "without": ақша-сыз); and -ды after й
# (үй-ді "the house").
_KK_VERB_PERSON = re.compile(r"(?:[ае](?:мын|мин|ды|ди)|й(?:мын|мин|мыз|миз))$")
# A colloquial Russian word whose Snowball stem is shorter than this is matched as written, not by its stem: a stem of
# three letters is shared by unrelated words ("кур" of "курит" is that of "куры", chickens, so a question about
# stolen chickens read as smoking; "мат", swearing, is the stem of "мать"). The glossary lists such a word's forms.
RU_MIN_STEM = 4


def tokenize(text: str) -> list[str]:
    """Lower-cased word tokens; ё→е; keeps article numbers like "188" and "3-1"."""
    return TOKEN.findall(text.lower().replace("ё", "е"))


def has_kazakh_letters(token: str) -> bool:
    return bool(_KK_LETTER.search(token))


_ru_stemmer = snowballstemmer.stemmer("russian")
_en_stemmer = snowballstemmer.stemmer("english")
# Snowball stemmer objects keep state between calls; the cache below is shared by request threads
_stem_lock = threading.Lock()


@lru_cache(maxsize=200_000)
def ru_stem(token: str) -> str:
    """Russian Snowball stem (memoised: a corpus has ~60k distinct words, each stemmed once)."""
    with _stem_lock:
        return str(_ru_stemmer.stemWord(token))


@lru_cache(maxsize=50_000)
def en_stem(token: str) -> str:
    with _stem_lock:
        return str(_en_stemmer.stemWord(token))


@lru_cache(maxsize=100_000)
def kk_candidates(token: str) -> tuple[str, ...]:
    """Possible Kazakh stems of a folded word for the glossary: every prefix whose remainder is a chain of known
    suffixes, longest first, so the most specific glossary entry wins ("ұрлық" before "ұр"). A conjugated verb gives
    its stem (the word without the tense vowel or -й- and the person ending) and what peels off that stem (жаз-ба of
    жазбаймын), never the noun-like prefixes in between (жаза "punishment" of жазамын "I write")."""
    word = fold(token)
    verb = _KK_VERB_PERSON.search(word)
    if verb is not None and len(word) - len(verb.group()) >= 2:
        return (word, *_suffix_cuts(word[: len(word) - len(verb.group())]))
    return _suffix_cuts(word)


@lru_cache(maxsize=100_000)
def _suffix_cuts(word: str) -> tuple[str, ...]:
    """`word` and every prefix of it whose remainder is a chain of known suffixes, longest first."""
    found: list[str] = [word]
    n = len(word)

    @cache
    def is_chain(start: int, depth: int) -> bool:
        if start == n:
            return True
        if depth > 4:
            return False
        return any(word.startswith(s, start) and is_chain(start + len(s), depth + 1) for s in _KK_SUFFIXES)

    for cut in range(n - 1, 1, -1):
        if n - cut > _MAX_SUFFIX_CHAIN:
            break
        if is_chain(cut, 0):
            stem = word[:cut]
            found.append(stem)
            # a final voiceless consonant voices before a vowel ending: бұзақылық → бұзақылығы, кітап → кітабы
            if stem[-1] in _VOICED:
                found.append(stem[:-1] + _VOICED[stem[-1]])
    return tuple(found)


def kk_stem(token: str) -> str:
    """A single conservative stem for matching Kazakh to Kazakh (FAQ variants): shortest suffix cut of 4+ letters.
    Verbs are cut like nouns here: both sides of the match are, and the FAQ's matching was tuned that way."""
    cands = [c for c in _suffix_cuts(fold(token)) if len(c) >= 4]
    return cands[-1] if cands else fold(token)


def word_forms(text: str) -> list[tuple[str, ...]]:
    """Each word of `text` with its Kazakh stems, the word first (folded): what `Words` are looked for in."""
    return [kk_candidates(token) for token in tokenize(text)]


@dataclass(frozen=True, slots=True)
class Words:
    """Words a question may mention, written as the data files list them: a word matches exactly or through a
    Kazakh stem ("мұра" matches "мұраны"), a trailing "*" marks a prefix ("наследств*"), and words separated by a
    space are a phrase of consecutive words ("жүргізуші куәлі*": a driving licence, where "куәлік" alone is any
    certificate, an identity card too). Exact words where a prefix would catch others: "долг" but not "долго". A
    leading "=" marks a word matched only as written, never through a Kazakh stem: a short Russian word can be a
    Kazakh stem ("=бил", beat, is not "біл" of "білмеймін", I do not know)."""

    phrases: tuple[tuple[str, ...], ...] = ()

    @classmethod
    def of(cls, words: Iterable[str]) -> Words:
        # folded (lower case, Kazakh letters as Russian-keyboard ones) like the forms they are compared with: "мұра"
        # also matches "мура" typed without the Kazakh letters
        return cls(tuple(tuple(fold(w) for w in phrase.split()) for phrase in words if phrase.split()))

    def spans(self, forms: Sequence[tuple[str, ...]]) -> list[tuple[int, int]]:
        """Where the words (or phrases) are among `forms`: (start, end) word positions."""
        present = {form for word in forms for form in word}
        return [
            (start, start + len(phrase))
            for phrase in self.phrases
            if _may_start(phrase[0], present)
            for start in range(len(forms) - len(phrase) + 1)
            if all(_is(forms[start + j], word) for j, word in enumerate(phrase))
        ]

    def found_in(self, forms: Sequence[tuple[str, ...]]) -> bool:
        """Whether one of the words (or phrases) is among `forms` (`word_forms` of a text)."""
        # a phrase whose first word the text lacks is skipped before trying every position: a question is checked
        # against every glossary phrase and context cue, and the position-by-position scan was most of its cost
        present = {form for word in forms for form in word}
        return any(
            _may_start(phrase[0], present)
            and any(
                all(_is(forms[start + j], word) for j, word in enumerate(phrase))
                for start in range(len(forms) - len(phrase) + 1)
            )
            for phrase in self.phrases
        )


def _may_start(word: str, present: set[str]) -> bool:
    """Whether some form of the text may be the listed `word` (a cheap test before `_is` at each position)."""
    if word.startswith("="):
        return word[1:] in present
    if word.endswith("*"):
        return any(form.startswith(word[:-1]) for form in present)
    return word in present


def _is(forms: tuple[str, ...], word: str) -> bool:
    """Whether a word of the text (its forms, `word_forms`) is the listed `word`."""
    if word.startswith("="):  # as written: the word itself, not one of its Kazakh stems
        return bool(forms) and forms[0] == word[1:]
    if word.endswith("*"):
        return bool(forms) and forms[0].startswith(word[:-1])
    return word in forms


@dataclass(frozen=True, slots=True)
class Cue:
    """What tells a topic in a question: one of `words`, and one of `together` when it lists any ("права" means a
    driving licence next to "руль" or "машина"), and none of `unless` ("лишить прав" is about parental rights next to
    "родительских"). `by` and `not_by` name who does what `words` tell (`ml.legal.actors`, nominatives): with `by`
    one of the words must be done by one of them ("полиция вошла", not "вошёл сосед, полицию вызвали"); with
    `not_by`, by someone else or no one named ("кот залез в квартиру" is no intrusion, "залез незнакомец и смотрит на
    кота" is)."""

    words: Words
    together: Words = Words()
    unless: Words = Words()
    by: Words = Words()
    not_by: Words = Words()

    @classmethod
    def of(
        cls, raw: dict[str, Any], languages: Sequence[str] = (), groups: Mapping[str, Sequence[str]] | None = None
    ) -> Cue:
        """From a data entry's "words", "with", "unless", "by" and "not_by": lists, or (with `languages`) lists by
        language. "@name" in a list stands for the words of `groups[name]` (the glossary's "word_groups": the
        officials, the animals… that several entries name)."""

        def listed(key: str) -> Words:
            if not languages:
                words: Iterable[str] = raw.get(key, ())
            else:
                words = (w for lang in languages for w in raw.get(key, {}).get(lang, ()))
            return Words.of(g for w in words for g in ((groups or {})[w[1:]] if w.startswith("@") else (w,)))

        return cls(listed("words"), listed("with"), listed("unless"), listed("by"), listed("not_by"))

    def found_in(self, forms: Sequence[tuple[str, ...]], where: Layout | None = None) -> bool:
        """`where`: the text's clauses (`ml.legal.actors.layout`), for `by` and `not_by`; without it the text is one
        clause."""
        if not (
            self.words.found_in(forms)
            and (not self.together.phrases or self.together.found_in(forms))
            and not self.unless.found_in(forms)
        ):
            return False
        if not (self.by.phrases or self.not_by.phrases):
            return True
        where = where or Layout((0,) * len(forms), (0,) * len(forms))
        actors = (*self.by.phrases, *self.not_by.phrases, *common_actors())
        for start, end in self.words.spans(forms):
            pos = actor_at(forms, where, start, end, actors)
            done_by = not self.by.phrases or written_at(forms, pos, self.by.phrases)
            if done_by and not written_at(forms, pos, self.not_by.phrases):
                return True
        return False


@dataclass(frozen=True, slots=True)
class InContext:
    """Terms a word adds in the company its `cue` names, and the terms that reading replaces: in "үйге келмеді" (did
    not come home) "үй" is the way home, and the dwelling ("жилище") it otherwise stands for ranked the home-intrusion
    article over the missing-person ones."""

    cue: Cue
    terms: tuple[str, ...]
    instead_of: frozenset[str] = frozenset()
    # what the entry reads the question as ("official_entry"), for FAQ items that answer only such a question or
    # never one (`ml.legal.faq.FaqItem.read_as`)
    reading: str | None = None


@dataclass(frozen=True, slots=True)
class Glossary:
    """Kazakh/colloquial/English → Russian code terms; keys folded (Kazakh) or stemmed (Russian, English); words
    whose meaning depends on the words around them ("права": rights, or a driving licence) as `Cue`s."""

    kk_single: dict[str, tuple[str, ...]] = field(default_factory=dict)
    kk_phrases: dict[tuple[str, ...], tuple[str, ...]] = field(default_factory=dict)
    ru: dict[str, tuple[str, ...]] = field(default_factory=dict)
    en: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # Russian words matched as written (their stem is shorter than RU_MIN_STEM), keyed by the word
    ru_words: dict[str, tuple[str, ...]] = field(default_factory=dict)
    in_context: tuple[InContext, ...] = ()

    @classmethod
    def from_file(cls, path: Path = GLOSSARY_PATH) -> Glossary:
        raw = json.loads(path.read_text(encoding="utf-8"))
        single: dict[str, tuple[str, ...]] = {}
        phrases: dict[tuple[str, ...], tuple[str, ...]] = {}
        for key, terms in raw["kk_ru"].items():
            words = tuple(fold(w) for w in tokenize(key))
            if len(words) == 1:
                single[words[0]] = tuple(terms)
            elif words:
                phrases[words] = tuple(terms)
        ru: dict[str, tuple[str, ...]] = {}
        ru_words: dict[str, tuple[str, ...]] = {}
        for key, terms in raw["ru_ru"].items():
            stem = ru_stem(key)
            if len(stem) >= RU_MIN_STEM:
                ru[stem] = tuple(terms)
            else:
                ru_words[key.lower().replace("ё", "е")] = tuple(terms)
        en = {en_stem(k): tuple(v) for k, v in raw["en_ru"].items()}
        groups = raw.get("word_groups", {})
        in_context = tuple(
            InContext(
                Cue.of(entry, groups=groups),
                tuple(entry["terms"]),
                frozenset(entry.get("instead_of", ())),
                entry.get("reading"),
            )
            for entry in raw.get("in_context", ())
        )
        return cls(single, phrases, ru, en, ru_words, in_context)

    def kk_terms(self, token: str) -> tuple[str, ...]:
        for cand in kk_candidates(token):
            # 2-letter stems are too ambiguous unless only a short ending was peeled ("ұрды", "ұрып" but not "ұрлық")
            if (len(cand) >= 3 or len(token) - len(cand) <= 3) and cand in self.kk_single:
                return self.kk_single[cand]
        return ()

    def ru_terms(self, stem: str) -> tuple[str, ...]:
        """Exact stem, else a glossary stem of 4+ letters that prefixes it with at most two letters to spare
        ("украд" → "укра"); a looser prefix would let "ответ" expand "ответственность"."""
        hit = self.ru.get(stem)
        if hit is not None:
            return hit
        for cut in range(len(stem) - 1, max(3, len(stem) - 3), -1):
            hit = self.ru.get(stem[:cut])
            if hit is not None:
                return hit
        return ()


@lru_cache(maxsize=1)
def load_glossary() -> Glossary:
    return Glossary.from_file()


def doc_terms(text: str) -> list[str]:
    """Index-side terms of Russian legal text: Snowball stems without stop words."""
    return [ru_stem(t) for t in tokenize(text) if t not in RU_STOP and (len(t) > 1 or t.isdigit())]


@dataclass(frozen=True, slots=True)
class QueryTerms:
    """Query terms for the Russian index plus terms for matching Kazakh FAQ variants."""

    ru: list[str]
    kk: list[str]
    expanded: list[str]
    phrases: list[str] = field(default_factory=list)  # the glossary's Russian wording, to help the embedder too
    readings: frozenset[str] = frozenset()  # the in_context entries' readings of the question (`InContext.reading`)

    @property
    def all(self) -> list[str]:
        return self.ru + self.expanded


def query_terms(text: str, language: str, glossary: Glossary | None = None) -> QueryTerms:
    """Stem a question and expand it with glossary terms; numbers are kept (they name articles and amounts)."""
    g = glossary or load_glossary()
    tokens = tokenize(text)
    ru: list[str] = []
    kk: list[str] = []
    expansion: list[str] = []
    folded = [fold(t) for t in tokens]
    for i, tok in enumerate(tokens):
        f = folded[i]
        kazakh = has_kazakh_letters(tok) or language == "kk"
        if kazakh and f not in KK_STOP:
            kk.append(kk_stem(tok))
            expansion.extend(g.kk_terms(tok))
        if tok in RU_STOP or tok in EN_STOP or (kazakh and f in KK_STOP):
            continue
        # an English question's Cyrillic words are Russian: a follow-up in English is searched together with the
        # Russian question it continues ("у меня украли телефон what if it was my neighbour?" found no theft word)
        if re.fullmatch(r"[a-z]+", tok) or (language == "en" and not re.search(r"[а-яё]", tok)):
            expansion.extend(g.en.get(en_stem(tok), ()))
            continue
        if not has_kazakh_letters(tok):
            st = ru_stem(tok)
            ru.append(st)
            expansion.extend(g.ru_words.get(tok) or g.ru_terms(st))
    forms = word_forms(text)
    # a Kazakh phrase's words may carry suffixes ("қорғау нұсқамасын")
    for words, terms in g.kk_phrases.items():
        if Words((words,)).found_in(forms):
            expansion.extend(terms)
    replaced: set[str] = set()
    readings: set[str] = set()
    where = layout(text)
    for entry in g.in_context:
        if entry.cue.found_in(forms, where):
            expansion.extend(entry.terms)
            replaced |= entry.instead_of
            if entry.reading:
                readings.add(entry.reading)
    phrases = [term for term in dict.fromkeys(expansion) if term not in replaced]
    expanded = [t for term in phrases for t in doc_terms(term)]
    return QueryTerms(ru=ru, kk=kk, expanded=expanded, phrases=phrases, readings=frozenset(readings))
