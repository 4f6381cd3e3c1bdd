"""Fixtures for the routing ML tests: the bundled router is loaded once per session (embedder + model ~1 s)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

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
