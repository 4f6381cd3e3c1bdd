"""Legal-API fixtures: the real legal index (built once per session if the one in var/ is missing or stale)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ml.embedders import get_embedder
from ml.legal import build_index, default_index_dir, index_status


@pytest.fixture(scope="session")
def legal_index() -> Path:
    """The bundled ml/models/legal-index (or $ZAN_LEGAL_INDEX_DIR). A committed index matches its data, so a clone
    never writes here; only a data edit without `zan legal index` (which `make test` runs first) makes it
    rebuild, in place, as that command would."""
    path = default_index_dir()
    if index_status(path, get_embedder().name):
        build_index(path, progress=False)
    return path


@pytest.fixture
def db_url(sqlite_url: str) -> str:
    """The answers do not depend on the database: one backend is enough here."""
    return sqlite_url
