"""Every user-facing text catalogue, checked by rule: each entry is written in Kazakh, Russian and English, none empty;
the three carry the same placeholders; a Kazakh text is not the Russian one copied over, nor written with Latin or
non-Kazakh look-alike letters; and every call that formats a text with `str.format` gives each placeholder its text
names (a KeyError there turns an error answer into a 500, or kills a bot handler mid-conversation).

Catalogues are found, not listed one by one: every module-level table (nested or not) of a catalogue module whose
keys include "kk", "ru" or "en", and the user-facing names and answers of the data files."""

from __future__ import annotations

import ast
import importlib
import json
import re
import string
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
LANGS = ("kk", "ru", "en")
# the modules that hold texts: a new domain's messages.py or a bot's new texts module is found by its name
CATALOGUE_GLOBS = ("backend/**/messages.py", "backend/**/texts.py", "backend/notifications/templates.py",
                   "backend/reports/workflow.py", "bots/**/texts*.py", "ml/legal/messages.py")

# Kazakh and Russian texts that are rightly the same: names, numbers, symbols and the loanwords Kazakh uses as they are.
# Each is named with why; one no longer found, or no longer identical, fails (see test_the_allow_list_is_current)
SAME_IN_KAZAKH_AND_RUSSIAN: dict[str, str] = {
    "backend.oversight.messages.COLUMNS['id']": "the column header 'ID'",
    # Kazakh uses the loanword itself (SIGN_IN_EXPIRY_BODY: "эскалацияларды"; the duty bot's "Эскалация № …")
    "backend.notifications.templates.ESCALATION_TITLE": "'Эскалация: {number}'",
    "bots.citizen.texts.TEXTS['report_line']": "'№ {number} — {status} ({date})': placeholders and signs only",
    "bots.citizen.texts.TEXTS['report_question']": "'❓ {question}': the staff's own words",
    "bots.citizen.texts.TEXTS['btn_stars']": "'{stars}⭐'",
    "bots.citizen.texts.TEXTS['step_refused']": "'№ {number}: {reason}.': the reason is the error catalogue's",
    "bots.officer.texts.TEXTS['card_place']": "coordinates",
    "bots.officer.texts.TEXTS['none']": "a dash",
    # the Criminal Code's own Kazakh title of art. 294 (ҚР ҚК 294-бап «Вандализм»)
    "ml/data/taxonomy.json categories[vandalism]": "'Вандализм'",
    "ml/data/geo/regions.json regions[astana]": "a city's name",
    "ml/data/geo/regions.json regions[almaty]": "a city's name",
    "ml/data/geo/regions.json regions[shymkent]": "a city's name",
    "ml/data/geo/district_names.json districts[astana]": "a city's name",
    "ml/data/geo/district_names.json districts[almaty]": "a city's name",
    "ml/data/geo/district_names.json districts[shymkent]": "a city's name",
}
# Russian texts that rightly hold a Kazakh letter: the region's official Russian name keeps it
KAZAKH_LETTERS_IN_RUSSIAN: dict[str, str] = {"ml/data/geo/regions.json regions[jetisu]": "'область Жетісу'"}

KAZAKH_OWN = re.compile("[әғқңөұүһіӘҒҚҢӨҰҮҺІ]")
KAZAKH_ALPHABET = set("аәбвгғдеёжзийкқлмнңоөпрстуұүфхһцчшщъыіьэюя")
CYRILLIC_WORD = re.compile(r"[^\W\d_]*[\u0400-\u04ff][^\W\d_]*")
LATIN = re.compile("[a-zA-Z]")
# what a text quotes or leaves to be filled in is not its own language
NOT_OWN_WORDS = re.compile(r"\{[^{}]*\}|«[^«»]*»|“[^“”]*”|\"[^\"]*\"|\([A-Za-z][^()]*\)")

Entry = dict[str, Any]  # language -> a text, or a tuple of texts (a push's title and body)


def _is_entry(value: object) -> bool:
    return isinstance(value, dict) and len({k for k in value if isinstance(k, str)} & set(LANGS)) >= 2


def _walk(value: object, where: str, seen: set[int]) -> Iterator[tuple[str, Entry]]:
    if isinstance(value, dict):
        if _is_entry(value):
            if id(value) not in seen:  # bots.citizen.texts.TEXTS holds the report and addition modules' entries too
                seen.add(id(value))
                yield where, value
            return
        for key, inner in value.items():
            yield from _walk(inner, f"{where}[{key!r}]", seen)


def _module_names() -> list[str]:
    paths = sorted({path for pattern in CATALOGUE_GLOBS for path in ROOT.glob(pattern)})
    return [".".join(path.relative_to(ROOT).with_suffix("").parts) for path in paths]


def _data_entries() -> Iterator[tuple[str, Entry]]:
    """The data files' texts a person reads: category and department names, region and district names, the legal
    FAQ's answers and referrals (its questions and words are retrieval data, not texts shown)."""
    taxonomy = json.loads((ROOT / "ml/data/taxonomy.json").read_text(encoding="utf-8"))
    for kind in ("departments", "categories"):
        for item in taxonomy[kind]:
            yield f"ml/data/taxonomy.json {kind}[{item['code']}]", item["names"]
    for path, table in (("ml/data/geo/regions.json", "regions"), ("ml/data/geo/district_names.json", "districts")):
        for code, names in json.loads((ROOT / path).read_text(encoding="utf-8"))[table].items():
            yield f"{path} {table}[{code}]", names
    faq = json.loads((ROOT / "ml/data/legal/faq.json").read_text(encoding="utf-8"))
    for kind in ("items", "referrals"):
        for item in faq[kind]:
            yield f"ml/data/legal/faq.json {kind}[{item['id']}].answer", item["answer"]


def _entries() -> list[tuple[str, Entry]]:
    # every module imported before any is walked: the domains' messages.py add their codes to
    # backend.lib.messages.ERRORS when imported, and a walk of ERRORS made before (backend/lib comes before media,
    # officers, sync… in path order) missed 42 of them
    modules = [importlib.import_module(name) for name in _module_names()]
    seen: set[int] = set()
    found: list[tuple[str, Entry]] = []
    for module in modules:
        for attribute, value in vars(module).items():
            if not attribute.startswith("_") and isinstance(value, dict):
                found.extend(_walk(value, f"{module.__name__}.{attribute}", seen))
    found.extend(_data_entries())
    return found


ENTRIES = _entries()


def _texts(entry: Entry, lang: str) -> list[Any]:
    value = entry.get(lang)
    return list(value) if isinstance(value, (tuple, list)) else [value]


def _placeholders(text: str) -> set[tuple[str, str | None, str | None]]:
    return {(name, spec, conversion)
            for _, name, spec, conversion in string.Formatter().parse(text) if name is not None}


def test_the_catalogues_are_found() -> None:
    where = {w.split("[")[0].split(" ")[0] for w, _ in ENTRIES}
    for catalogue in ("backend.lib.messages.ERRORS", "backend.lib.messages.FIELD_ERRORS",
                      "backend.notifications.templates.CITIZEN", "backend.notifications.templates.OFFICER",
                      "backend.reports.texts.PUBLIC_TEXTS", "backend.reports.workflow.CITIZEN_STATUS_NAMES",
                      "backend.oversight.messages.COLUMNS", "bots.citizen.texts.TEXTS", "bots.officer.texts.TEXTS",
                      "ml.legal.messages.TEMPLATES", "ml/data/legal/faq.json"):
        assert catalogue in where, catalogue
    assert len(ENTRIES) > 600


def test_every_entry_is_in_all_three_languages_and_none_is_empty() -> None:
    wrong = []
    for where, entry in ENTRIES:
        for lang in LANGS:
            texts = _texts(entry, lang)
            if not all(isinstance(text, str) and text.strip() for text in texts):
                wrong.append(f"{where}: {lang} {entry.get(lang)!r}")
            elif len(texts) != len(_texts(entry, "ru")):
                wrong.append(f"{where}: {lang} has {len(texts)} parts, ru {len(_texts(entry, 'ru'))}")
    assert not wrong, "\n".join(wrong)


def test_every_language_of_an_entry_has_the_same_placeholders() -> None:
    wrong = []
    for where, entry in ENTRIES:
        for part, russian in enumerate(_texts(entry, "ru")):
            expected = _placeholders(russian)
            for lang in ("kk", "en"):
                got = _placeholders(_texts(entry, lang)[part])
                if got != expected:
                    wrong.append(f"{where}: {lang} {sorted(got)} but ru {sorted(expected)}")
    assert not wrong, "\n".join(wrong)


def test_no_kazakh_text_is_the_russian_one() -> None:
    same = [f"{where}: {entry['kk']!r}" for where, entry in ENTRIES
            if entry.get("kk") == entry.get("ru") and where not in SAME_IN_KAZAKH_AND_RUSSIAN]
    assert not same, "\n".join(same)


def test_the_allow_lists_are_current() -> None:
    by_where = dict(ENTRIES)
    for where in SAME_IN_KAZAKH_AND_RUSSIAN:
        assert where in by_where, f"{where} is gone: take it off the list"
        assert by_where[where]["kk"] == by_where[where]["ru"], f"{where} is translated now: take it off the list"
    for where in KAZAKH_LETTERS_IN_RUSSIAN:
        assert KAZAKH_OWN.search(by_where[where]["ru"]), where


def test_kazakh_texts_are_written_with_the_kazakh_alphabet() -> None:
    """No Latin look-alike inside a Cyrillic word ("Өтiнiш" with a Latin i), no letter Kazakh does not have (Ukrainian
    "ї", Latin "ə" for "ә"), and a sentence of three words or more has some of Kazakh's own letters: a Kazakh slot
    holding a Russian text, or Kazakh typed on a Russian keyboard ("Отiнiш", "кабылданды"), lacks them."""
    wrong = []
    for where, entry in ENTRIES:
        for text in _texts(entry, "kk"):
            own = NOT_OWN_WORDS.sub(" ", text)
            for word in CYRILLIC_WORD.findall(text):
                if LATIN.search(word) or not set(word.lower()) <= KAZAKH_ALPHABET:
                    wrong.append(f"{where}: {word!r} mixes scripts or has a letter Kazakh lacks")
            if (not where.startswith("ml/data/geo/") and len(CYRILLIC_WORD.findall(own)) >= 3
                    and not KAZAKH_OWN.search(own)):
                wrong.append(f"{where}: {text!r} has none of Kazakh's own letters")
    assert not wrong, "\n".join(wrong)


def test_russian_texts_have_no_kazakh_letters() -> None:
    wrong = [f"{where}: {text!r}" for where, entry in ENTRIES for text in _texts(entry, "ru")
             if KAZAKH_OWN.search(NOT_OWN_WORDS.sub(" ", text)) and where not in KAZAKH_LETTERS_IN_RUSSIAN]
    assert not wrong, "\n".join(wrong)


# -- call sites --------------------------------------------------------------------------------------------------

# the lookup functions that format a catalogue's text with the keyword arguments they are given (str.format: a
# placeholder left out is a KeyError), by the module they are defined in
FORMATTING_LOOKUPS = {"bots.citizen.texts": ("t", "TEXTS"), "bots.officer.texts": ("t", "TEXTS"),
                      "ml.legal.messages": ("message", "TEMPLATES")}


def _names(placeholders: set[tuple[str, str | None, str | None]]) -> set[str]:
    return {re.split(r"[.\[]", name, maxsplit=1)[0] for name, _, _ in placeholders}


def _needs(entry: Entry) -> set[str]:
    return {name for lang in LANGS for text in _texts(entry, lang) for name in _names(_placeholders(text))}


def _literal_keys(node: ast.expr) -> list[str] | None:
    """The text keys an argument can be: a literal, or either literal of a conditional; None when it is computed."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        body, orelse = _literal_keys(node.body), _literal_keys(node.orelse)
        return body + orelse if body is not None and orelse is not None else None
    return None


def _imports(tree: ast.Module, module: str) -> dict[str, str]:
    """Local name -> the dotted name it stands for (a module, or a module's attribute)."""
    names: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                names[alias.asname or alias.name.split(".")[0]] = alias.name
    for lookup_module, (function, table) in FORMATTING_LOOKUPS.items():
        if module == lookup_module:
            names[function], names[table] = f"{module}.{function}", f"{module}.{table}"
    for node in tree.body:  # the module's own catalogues (templates.escalation_lines formats ESCALATION_TERMS)
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                if isinstance(target, ast.Name):
                    names.setdefault(target.id, f"{module}.{target.id}")
    return names


def _resolve(node: ast.expr, names: dict[str, str]) -> Any:
    dotted = None
    if isinstance(node, ast.Name):
        dotted = names.get(node.id)
    elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in names:
        dotted = f"{names[node.value.id]}.{node.attr}"
    if dotted is None or "." not in dotted:
        return None
    module, _, attribute = dotted.rpartition(".")
    try:
        return getattr(importlib.import_module(module), attribute, None)
    except ImportError:
        return None


def _formatted_entries(node: ast.expr, names: dict[str, str]) -> list[Entry] | None:
    """The entries `pick(<node>, lang)` can be: a catalogue entry, or one of a table's when indexed by a literal, or
    any of the table's when indexed otherwise."""
    if isinstance(node, ast.Subscript):
        table = _resolve(node.value, names)
        if not isinstance(table, dict):
            return None
        keys = _literal_keys(node.slice)
        entries = [table[key] for key in keys] if keys is not None else list(table.values())
        return entries if all(_is_entry(entry) for entry in entries) else None
    entry = _resolve(node, names)
    return [entry] if _is_entry(entry) else None


def _call_sites() -> Iterator[tuple[str, set[str], set[str], str]]:
    """(where, what the text needs, what the call gives, the key or table) of each formatting call whose text is
    known: `t("key", lang, **values)`, `message("key", lang, **values)`, `pick(ENTRY, lang).format(**values)`."""
    for path in sorted([*(ROOT / "backend").rglob("*.py"), *(ROOT / "bots").rglob("*.py"),
                        *(ROOT / "ml").rglob("*.py")]):
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        names = _imports(tree, module)
        lookups = {local: dotted.rpartition(".")[0] for local, dotted in names.items()
                   if dotted.rpartition(".")[0] in FORMATTING_LOOKUPS
                   and dotted.rpartition(".")[2] == FORMATTING_LOOKUPS[dotted.rpartition(".")[0]][0]}
        for call in (n for n in ast.walk(tree) if isinstance(n, ast.Call)):
            given = {k.arg for k in call.keywords}
            if None in given:  # **values: not known here
                continue
            where = f"{path.relative_to(ROOT)}:{call.lineno}"
            func = call.func
            if isinstance(func, ast.Name) and func.id in lookups and call.args:
                table = getattr(importlib.import_module(lookups[func.id]), FORMATTING_LOOKUPS[lookups[func.id]][1])
                for key in _literal_keys(call.args[0]) or []:
                    assert key in table, f"{where}: no text {key!r}"
                    # t() formats only when given values: a text with placeholders given none shows "{number}"
                    yield where, _needs(table[key]), {k for k in given if k is not None}, key
            elif (isinstance(func, ast.Attribute) and func.attr == "format" and isinstance(func.value, ast.Call)
                  and isinstance(func.value.func, ast.Name) and func.value.func.id == "pick" and func.value.args):
                for entry in _formatted_entries(func.value.args[0], names) or []:
                    yield where, _needs(entry), {k for k in given if k is not None}, ast.unparse(func.value.args[0])


CALL_SITES = list(_call_sites())


def test_the_call_sites_are_found() -> None:
    keys = {key for _, _, _, key in CALL_SITES}
    assert {"report_filed", "legal_rate_limited", "link_throttled", "urgent", "missing_article"} <= keys
    assert any("ESCALATION_TITLE" in key for key in keys) and any("ESCALATION_TERMS" in key for key in keys)


def test_every_call_gives_each_placeholder_its_text_names() -> None:
    wrong = [f"{where}: {key!r} needs {sorted(needs - given)}" for where, needs, given, key in CALL_SITES
             if needs - given]
    assert not wrong, "\n".join(wrong)
