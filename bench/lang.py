"""Language detection (ml.lang) accuracy on the bundled texts, as written and with the Kazakh letters folded.

    .venv/bin/python bench/lang.py [--misses N] [--json out.json]

Texts: every example in ml/data/examples (labelled ru/kk), every question of the legal eval sets
(ml/data/legal/eval_questions*.json), and, when `$ZAN_SHARED_DIR/data/eval/` (default `<repo>/../shared`) has them,
the Russian citizens' appeals of two Russian cities (kursk/, spb/: 15,000 texts nobody wrote for this service, never
copied into the repo), which must stay Russian, also cut to their first two and first three words (a short report or
a title: "Взгляды соседей", "Затруднен проезд", where one word's ending decides). Each text is scored as written;
"folded", typed on a Russian keyboard without the Kazakh letters: ә→а, ғ→г, қ→к, ң→н, ө→о, ұ/ү→у, һ→х, і→и
(ml.text's fold, keeping letter case; a Russian text has no such letter, so it is itself but for the odd Kazakh
street name); "folded_i_as_y", the same with і typed as ы ("мены", "келеды"); "latin", typed in Latin letters
(bench/_typing.py). Examples are also reported on the held-out fifth of ml.dataset's split.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench._typing import typed_in_latin  # noqa: E402
from ml.dataset import is_held_out, load_examples, read_jsonl  # noqa: E402
from ml.lang import detect_language  # noqa: E402
from ml.text import KAZAKH_LETTERS  # noqa: E402

LEGAL_SETS = ("eval_questions.json", "eval_questions_v2.json")
# a Russian keyboard's stand-ins for the Kazakh letters, in both cases (ml.text's fold also lower-cases)
_KK_FOLDED = "агкноуухи"
_FOLD_KAZAKH = str.maketrans(KAZAKH_LETTERS + KAZAKH_LETTERS.upper(), _KK_FOLDED + _KK_FOLDED.upper())


# some type і as ы instead ("мены", "келеды"): a Russian keyboard has no і, and ы is the key its sound is nearest to
_KK_FOLDED_Y = _KK_FOLDED[:-1] + "ы"
_FOLD_KAZAKH_Y = str.maketrans(KAZAKH_LETTERS + KAZAKH_LETTERS.upper(), _KK_FOLDED_Y + _KK_FOLDED_Y.upper())


def fold_kazakh_letters(text: str) -> str:
    return text.translate(_FOLD_KAZAKH)


def fold_kazakh_letters_i_as_y(text: str) -> str:
    return text.translate(_FOLD_KAZAKH_Y)


def corpora() -> dict[str, list[tuple[str, str]]]:
    """(text, language) per set: all examples, their held-out fifth, and the legal questions."""
    examples = load_examples()
    appeals = _shared_appeals()
    legal: list[tuple[str, str]] = []
    for name in LEGAL_SETS:
        questions = json.loads((REPO / "ml" / "data" / "legal" / name).read_text(encoding="utf-8"))["questions"]
        legal += [(q["question"], q["lang"]) for q in questions]
    return {
        "examples": [(e.text, e.language) for e in examples],
        "examples_held_out": [(e.text, e.language) for e in examples if is_held_out(e.split_key)],
        "legal_questions": legal,
        "ru_appeals_shared": appeals,
        "ru_appeals_shared_2_words": _first_words(appeals, 2),
        "ru_appeals_shared_3_words": _first_words(appeals, 3),
    }


def _shared_appeals() -> list[tuple[str, str]]:
    eval_dir = Path(os.environ.get("ZAN_SHARED_DIR") or REPO.parent / "shared") / "data" / "eval"
    return [
        (str(row["text"]), "ru")
        for city in ("kursk", "spb")
        for path in sorted((eval_dir / city).glob("*.jsonl"))
        for row in read_jsonl(path)
    ]


def _first_words(texts: list[tuple[str, str]], n: int) -> list[tuple[str, str]]:
    return [(" ".join(text.split()[:n]), lang) for text, lang in texts]


def score(texts: list[tuple[str, str]], typed: Callable[[str], str], misses: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for lang in ("ru", "kk"):
        mine = [typed(t) for t, gold in texts if gold == lang]
        if not mine:
            continue
        wrong = [t for t in mine if detect_language(t) != lang]
        out[lang] = {
            "correct": len(mine) - len(wrong),
            "n": len(mine),
            "accuracy": round(1 - len(wrong) / max(1, len(mine)), 4),
        }
        if misses:
            out[lang]["misses"] = wrong[:misses]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--misses", type=int, default=0, help="print up to N misclassified texts per cell")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()

    typings: dict[str, Callable[[str], str]] = {
        "as_written": str,
        "folded": fold_kazakh_letters,
        "folded_i_as_y": fold_kazakh_letters_i_as_y,
        "latin": typed_in_latin,
    }
    result: dict[str, Any] = {}
    sets = corpora()
    for set_name, texts in sets.items():
        if not texts:
            continue
        for typing_name, typed in typings.items():
            result[f"{set_name}/{typing_name}"] = score(texts, typed, args.misses)
    # CPU time on the reports as written (the machine is shared: wall time says more about the neighbours). Each pass
    # gets new strings, so ml.text.normalize_input's cache misses; the first pass meets words ml.lang has not weighed
    # yet, later ones find most of them in its word cache, as a running service does
    reports = [text for text, _ in sets["examples"]]
    load = os.getloadavg()[0]
    passes = []
    for n in range(4):
        fresh = [text + " " * (n + 1) for text in reports]
        t0 = time.process_time()
        for text in fresh:
            detect_language(text)
        passes.append((time.process_time() - t0) / len(fresh) * 1e6)
    result["cpu_us_per_report_first_pass"] = round(passes[0], 1)
    result["cpu_us_per_report_warm"] = round(min(passes[1:]), 1)
    for key, cells in result.items():
        if not isinstance(cells, dict):
            continue
        line = "  ".join(f"{lang} {c['correct']}/{c['n']} = {c['accuracy']:.4f}" for lang, c in cells.items())
        print(f"{key:40} {line}")
        for lang, c in cells.items():
            for text in c.get("misses", []):
                print(f"    miss {lang}: {text}")
    print(
        f"detect_language CPU per report: {result['cpu_us_per_report_first_pass']} µs first pass, "
        f"{result['cpu_us_per_report_warm']} µs warm ({len(reports)} examples; load average {load:.2f})"
    )
    if args.json:
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
