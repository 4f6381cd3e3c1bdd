"""The router model is loaded once per directory and version of its files, and shared by every Context of the process
(ml.classifier.load_default_router); a model saved over that directory is loaded anew, and a broken one is refused."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from ml.classifier import RouterModel, load_default_router
from ml.fusion import ModelUnavailable


def test_one_copy_per_directory_until_a_model_is_saved_over_it(tmp_path: Path) -> None:
    bundled = load_default_router()
    assert load_default_router() is bundled  # every Context of the process shares it

    folder = tmp_path / "router"
    bundled.save(folder)
    first = load_default_router(folder)
    assert first is not bundled and first.version == bundled.version
    assert load_default_router(folder) is first

    retrained = dataclasses.replace(bundled, meta={**bundled.meta, "model_version": "router-test-retrained"})
    retrained.save(folder)  # `zan ml retrain --out` the folder the service reads
    again = load_default_router(folder)
    assert again is not first and again.version == "router-test-retrained"

    (folder / "weights.npz").write_bytes(b"not a model")
    with pytest.raises(ModelUnavailable):
        load_default_router(folder)
    (folder / "weights.npz").unlink()
    with pytest.raises(ModelUnavailable, match=r"missing weights\.npz"):
        load_default_router(folder)
    assert isinstance(load_default_router(), RouterModel)
