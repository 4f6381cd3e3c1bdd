"""Legal retrieval benchmark: hit@1, hit@3, MRR per language on two question sets, plus warm answer latency.

    .venv/bin/python bench/legal.py [--index DIR] [--rebuild]

Sets: our held-out `ml/data/legal/eval_questions.json` (ru + kk, expected code+article) and the third-party
`legal_queries_legalrag.json` read from `$ZAN_SHARED_DIR/data/eval/` (default `<repo>/../shared`; never copied into
the repo), whose expected answers are УК РК article numbers. A question is scored on the citations `ask()` returns,
in order — exactly what a citizen sees. Uses the bundled index (`ml/models/legal-index/`, or `--index DIR`) and
rebuilds it first only if it is missing or stale.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import click  # noqa: E402

from bench._typing import typed_in_latin  # noqa: E402
from ml.embedders import get_embedder  # noqa: E402
from ml.legal import LegalAssistant, build_index, default_index_dir, index_status  # noqa: E402
from ml.legal.corpus import DATA_DIR  # noqa: E402


@dataclass
class Case:
    set_name: str
    lang: str
    question: str
    expected: set[tuple[str, str]]


@dataclass
class Tally:
    n: int = 0
    hit1: int = 0
    hit3: int = 0
    rr: float = 0.0
    faq: int = 0
    empty: int = 0
    misses: list[str] = field(default_factory=list)

    def add(self, ranked: list[tuple[str, str]], expected: set[tuple[str, str]], faq: bool, question: str) -> None:
        self.n += 1
        rank = next((i + 1 for i, key in enumerate(ranked) if key in expected), None)
        self.hit1 += rank == 1
        self.hit3 += rank is not None and rank <= 3
        self.rr += 1.0 / rank if rank else 0.0
        self.faq += faq
        self.empty += not ranked
        if not rank or rank > 3:
            self.misses.append(f"{question}  → got {ranked[:3]}, want {sorted(expected)}")

    def row(self) -> str:
        n = max(self.n, 1)
        return (
            f"{self.n:4d}  hit@1 {self.hit1 / n:.3f}  hit@3 {self.hit3 / n:.3f}  MRR {self.rr / n:.3f}  "
            f"faq {self.faq / n:.2f}  no-answer {self.empty / n:.2f}"
        )


def load_cases(shared: Path) -> list[Case]:
    cases: list[Case] = []
    own = json.loads((DATA_DIR / "eval_questions.json").read_text(encoding="utf-8"))
    for q in own["questions"]:
        expected = {(e["code"], e["article"]) for e in q["expected"]}
        cases.append(Case("held-out", q["lang"], q["question"], expected))
    third = shared / "data" / "eval" / "legal_queries_legalrag.json"
    if third.exists():
        for q in json.loads(third.read_text(encoding="utf-8")):
            lang = "kk" if q["lang"] in {"kz", "kk"} else q["lang"]
            cases.append(Case("legalrag", lang, q["query"], {("УК РК", a) for a in q["relevant_articles"]}))
    else:
        click.echo(f"(third-party set not found at {third}; skipped)", err=True)
    return cases


def _percentiles(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"p50 {statistics.median(ordered):.0f} ms  p95 {p95:.0f} ms"


@click.command()
@click.option("--index", "index_dir", type=click.Path(file_okay=False, path_type=Path), default=None)
@click.option("--rebuild", is_flag=True, help="Rebuild the index even if it is current.")
@click.option("--misses", is_flag=True, help="List the questions missed at hit@3.")
def main(index_dir: Path | None, rebuild: bool, misses: bool) -> None:
    index_dir = index_dir or default_index_dir()
    embedder = get_embedder()
    if rebuild or index_status(index_dir, embedder.name):
        started = time.perf_counter()
        build_index(index_dir, progress=True, embedder=embedder)
        click.echo(f"index build: {time.perf_counter() - started:.0f} s")
    size = sum(p.stat().st_size for p in index_dir.iterdir() if p.is_file())
    click.echo(f"index: {index_dir} ({size / 1e6:.1f} MB)")

    started = time.perf_counter()
    assistant = LegalAssistant.load(index_dir, embedder=embedder)
    click.echo(f"load: {(time.perf_counter() - started) * 1000:.0f} ms")
    assistant.ask("warm-up: что такое административный штраф")

    shared = Path(os.environ.get("ZAN_SHARED_DIR", REPO.parent / "shared"))
    tallies: dict[tuple[str, str], Tally] = {}
    latencies: list[float] = []
    for case in load_cases(shared):
        t0 = time.perf_counter()
        answer = assistant.ask(case.question)
        latencies.append((time.perf_counter() - t0) * 1000)
        ranked = list(dict.fromkeys((c.code, c.article) for c in answer.citations))
        for key in ((case.set_name, case.lang), (case.set_name, "all"), ("overall", case.lang), ("overall", "all")):
            tallies.setdefault(key, Tally()).add(ranked, case.expected, answer.faq_id is not None, case.question)

    # every question again, typed on a Latin keyboard (bench/_typing.py): the retriever on the text as typed, and
    # the assistant, which reads it back in Cyrillic (ml/translit.py)
    for case in load_cases(shared):
        latin = typed_in_latin(case.question)
        raw = assistant.retriever.search(latin, case.lang)
        typed = list(dict.fromkeys((hit.code, hit.article) for hit in raw.articles))
        read = list(dict.fromkeys((c.code, c.article) for c in assistant.ask(latin).citations))
        for name, ranked in (("latin-raw", typed), ("latin", read)):
            for key in ((name, case.lang), (name, "all")):
                tallies.setdefault(key, Tally()).add(ranked, case.expected, False, latin)

    for key in sorted(tallies, key=lambda k: (k[0] == "overall", k[0], k[1] != "all", k[1])):
        click.echo(f"{key[0]:9s} {key[1]:3s} {tallies[key].row()}")
    # the same questions again: the embedder's cache now holds the query vectors, so this isolates our own
    # retrieval + answer code from the model (and from CPU contention on the model's threads)
    cached: list[float] = []
    for case in load_cases(shared):
        t0 = time.perf_counter()
        assistant.ask(case.question)
        cached.append((time.perf_counter() - t0) * 1000)
    click.echo(f"latency warm, query embedded: {_percentiles(latencies)}  (n={len(latencies)})")
    click.echo(f"latency warm, embedding cached (retrieval + answer only): {_percentiles(cached)}")
    if misses:
        for key in (("held-out", "all"), ("legalrag", "all")):
            for line in tallies.get(key, Tally()).misses:
                click.echo(f"MISS {key[0]}: {line}")


if __name__ == "__main__":
    main()
