from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from ml.classifier import ModelUnavailable, RouterModel, train

TINY = {
    "billing": [
        "my invoice is wrong",
        "charged twice this month",
        "refund for the double payment",
        "the bill amount is too high",
        "invoice shows extra fees",
        "payment taken twice from my card",
        "wrong amount on my bill",
        "need a refund of the fee",
    ],
    "outage": [
        "internet is down since morning",
        "no connection at home",
        "the network is not working",
        "wifi keeps dropping all day",
        "service outage in my street",
        "cannot connect to the internet",
        "router shows no signal",
        "connection lost again tonight",
    ],
    "moving": [
        "i am moving to a new flat",
        "transfer my contract to a new address",
        "relocating next month, what to do",
        "change of address for my service",
        "moving house, keep my number",
        "new apartment, need the line moved",
        "we move to another city soon",
        "update my address please",
    ],
}


def _data() -> tuple[list[str], list[str]]:
    texts = [t for texts in TINY.values() for t in texts]
    labels = [lab for lab, texts in TINY.items() for _ in texts]
    return texts, labels


def test_save_load_round_trip(tmp_path: Path) -> None:
    texts, labels = _data()
    model = train(texts, labels, embedder=None, threshold=0.4)
    assert model.labels == ["billing", "moving", "outage"]
    assert model.lexicon is None  # not the police taxonomy
    assert model.version.startswith("router-v3+none/")
    probe = ["double charge on my invoice", "no internet at all", "moving to a new address"]
    before = model.predict_proba(probe)
    model.save(tmp_path / "m")
    loaded = RouterModel.load(tmp_path / "m")
    np.testing.assert_allclose(loaded.predict_proba(probe), before, rtol=1e-5, atol=1e-6)
    assert [p.label for p in loaded.predict(probe)] == ["billing", "outage", "moving"]
    meta = json.loads((tmp_path / "m" / "meta.json").read_text())
    assert meta["labels"] == model.labels and meta["threshold"] == 0.4 and "trained_at" in meta
    assert meta["metrics"]["n"] == len(texts)
    # probabilities are a distribution and the alternatives are the runners-up
    p = loaded.predict(probe)[0]
    assert abs(p.confidence + sum(x for _, x in p.alternatives) - 1) < 1e-3
    assert p.label not in dict(p.alternatives)
    # saving over an existing model replaces it
    model.save(tmp_path / "m")
    assert RouterModel.load(tmp_path / "m").version == model.version


def test_extra_examples_and_revision() -> None:
    texts, labels = _data()
    model = train(texts, labels, embedder=None, extra_examples=[("bill too big again", "billing")], revision=2)
    assert model.meta["metrics"]["n"] == len(texts) + 1
    assert model.version.startswith("router-v3.2+none/")


def test_missing_and_corrupt_model(tmp_path: Path) -> None:
    with pytest.raises(ModelUnavailable, match="missing"):
        RouterModel.load(tmp_path / "nowhere")
    texts, labels = _data()
    train(texts, labels, embedder=None).save(tmp_path / "m")
    (tmp_path / "m" / "weights.npz").write_bytes(b"not a zip")
    with pytest.raises(ModelUnavailable, match="corrupt"):
        RouterModel.load(tmp_path / "m")


def test_model_of_another_lexicon_is_refused(tmp_path: Path) -> None:
    """Cue columns are positional: a model trained with other cues must not run under these ones."""
    shipped = Path(__file__).resolve().parents[2] / "ml" / "models" / "router"
    assert RouterModel.load(shipped).lexicon is not None
    copy = tmp_path / "router"
    copy.mkdir()
    for name in ("vocab.json", "weights.npz"):
        (copy / name).write_bytes((shipped / name).read_bytes())
    meta = json.loads((shipped / "meta.json").read_text(encoding="utf-8"))
    meta["lexicon"] = "police-v0"
    (copy / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(ModelUnavailable, match="lexicon police-v0"):
        RouterModel.load(copy)


def test_input_validation() -> None:
    with pytest.raises(ValueError):
        train(["a", "b"], ["x"], embedder=None)
    with pytest.raises(ValueError):
        train(["a", "b"], ["x", "x"], embedder=None)


def test_sentence_transformers_path(tmp_path: Path, cache_dir: str) -> None:
    """The real sentence-transformers embedder (bundled English MiniLM), end to end."""
    texts, labels = _data()
    model = train(texts, labels, embedder="st:bundled-minilm", cache_dir=cache_dir)
    assert model.embedder_name == "sentence-transformers/all-MiniLM-L6-v2"
    assert model.standardizer is not None
    model.save(tmp_path / "st")
    loaded = RouterModel.load(tmp_path / "st")
    preds = loaded.predict(["I was charged two times", "the connection is dead", "relocating to another town"])
    assert [p.label for p in preds] == ["billing", "outage", "moving"]
