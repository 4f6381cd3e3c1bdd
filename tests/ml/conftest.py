"""Fixtures for the ML tests: the bundled router and the legal assistant are loaded once per session."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from ml.embedders import get_embedder
from ml.legal import LegalAssistant, build_index, default_index_dir, index_status
from ml.router import Router


@pytest.fixture(scope="session")
def router() -> Router:
    r = Router.load()
    assert r.available, f"bundled router model missing: {r.model_error}"
    return r


@pytest.fixture()
def cache_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Embedding cache in a temp dir, so tests never write into the repository's var/."""
    path = tmp_path_factory.mktemp("emb-cache")
    monkeypatch.setenv("ZAN_CACHE_DIR", str(path))
    yield str(path)


@pytest.fixture(scope="session")
def assistant(tmp_path_factory: pytest.TempPathFactory) -> LegalAssistant:
    """The shipped legal index, or a rebuilt copy when the data changed since it was built (never written in place:
    `make test` rebuilds it first, a single test file run after a data change does not)."""
    d = default_index_dir()
    if index_status(d, get_embedder().name) is not None:
        copy = tmp_path_factory.mktemp("legal") / "index"
        if d.exists():
            shutil.copytree(d, copy)
        build_index(copy, progress=False)
        d = copy
    return LegalAssistant.load(d)
