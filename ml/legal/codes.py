"""The seven codes in the knowledge base: citation names in ru/kk/en and the many ways citizens write them."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class CodeInfo:
    """One code: the short Russian name used in citations, and its names in Kazakh and English."""

    key: str
    ru: str
    kk: str
    en: str
    full_ru: str


CODES: tuple[CodeInfo, ...] = (
    CodeInfo("УК РК", "УК РК", "ҚР ҚК", "Criminal Code", "Уголовный кодекс Республики Казахстан"),
    CodeInfo(
        "КоАП РК",
        "КоАП РК",
        "ҚР ӘҚБтК",
        "Code of Administrative Offences",
        "Кодекс об административных правонарушениях",
    ),
    CodeInfo("УПК РК", "УПК РК", "ҚР ҚПК", "Criminal Procedure Code", "Уголовно-процессуальный кодекс"),
    CodeInfo("ГК РК", "ГК РК", "ҚР АК", "Civil Code (General Part)", "Гражданский кодекс (Общая часть)"),
    CodeInfo("КоБС РК", "КоБС РК", "ҚР НОК", "Marriage and Family Code", "Кодекс о браке (супружестве) и семье"),
    CodeInfo("ТК РК", "ТК РК", "ҚР ЕК", "Labour Code", "Трудовой кодекс"),
    CodeInfo(
        "АППК РК",
        "АППК РК",
        "ҚР ӘРПК",
        "Administrative Procedure Code",
        "Административный процедурно-процессуальный кодекс",
    ),
)
CODE_BY_KEY = {c.key: c for c in CODES}


def parse_code(text: str) -> str | None:
    """Resolve a code name written by a citizen or an FAQ author ("УК", "ҚК", "КоАП", "уголовного кодекса",
    "Еңбек кодексінің") to a code key; inflected multi-word names match by shared word prefixes."""
    t = re.sub(r"\s+", " ", text.strip().lower().replace("ё", "е"))
    t = re.sub(r"\s*(?:рк|р\.к\.|қр|республики казахстан)\s*$", "", t).strip()
    if t in _CODE_ALIASES:
        return _CODE_ALIASES[t]
    words = t.split(" ")
    best: tuple[int, str | None] = (0, None)
    for alias, key in _CODE_ALIASES.items():
        a_words = alias.split(" ")
        if len(a_words) != len(words) or len(words) < 2:
            continue
        score = 0
        for w, a in zip(words, a_words, strict=True):
            common = len(_common_prefix(w, a))
            # an inflected word keeps its stem: all but the last 3 letters of the shorter form must agree
            if common < max(3, min(len(w), len(a)) - 3):
                break
            score += common
        else:
            if score > best[0]:
                best = (score, key)
    return best[1]


def _common_prefix(a: str, b: str) -> str:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return a[:n]


# lower-case names and abbreviations (Russian, Kazakh, English, common typos) -> code key
_ALIASES: dict[str, tuple[str, ...]] = {
    "УК РК": (
        "ук",
        "уголовный кодекс",
        "уголовного кодекса",
        "қк",
        "кк",
        "қылмыстық кодекс",
        "қылмыстық кодексі",
        "criminal code",
    ),
    "КоАП РК": (
        "коап",
        "кoап",
        "кобап",
        "әқбтк",
        "акбтк",
        "әкбтк",
        "әқбк",
        "административный кодекс",
        "кодекс об административных правонарушениях",
        "әкімшілік кодекс",
        "әкімшілік құқық бұзушылық туралы кодекс",
        "code of administrative offences",
    ),
    "УПК РК": (
        "упк",
        "қпк",
        "кпк",
        "уголовно-процессуальный кодекс",
        "уголовно-процессуального кодекса",
        "қылмыстық-процестік кодекс",
        "қылмыстық-процестік кодексі",
        "criminal procedure code",
    ),
    "ГК РК": (
        "гк",
        "ак",
        "гражданский кодекс",
        "гражданского кодекса",
        "азаматтық кодекс",
        "азаматтық кодексі",
        "civil code",
    ),
    "КоБС РК": (
        "кобс",
        "кбс",
        "кодекс о браке",
        "семейный кодекс",
        "семейного кодекса",
        "нок",
        "неке және отбасы туралы кодекс",
        "неке кодексі",
        "marriage and family code",
        "family code",
    ),
    "ТК РК": (
        "тк",
        "ек",
        "трудовой кодекс",
        "трудового кодекса",
        "еңбек кодексі",
        "еңбек кодекс",
        "labour code",
        "labor code",
    ),
    "АППК РК": (
        "аппк",
        "әрпк",
        "арпк",
        "административный процедурно-процессуальный кодекс",
        "административного процедурно-процессуального кодекса",
        "әкімшілік рәсімдік-процестік кодекс",
        "administrative procedure code",
    ),
}
_CODE_ALIASES: dict[str, str] = {a: key for key, names in _ALIASES.items() for a in (*names, key.lower())}
