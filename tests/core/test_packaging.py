"""The installed package (not the checkout) migrates a database: the image runs `pip install .` and nothing else.

The wheel is built offline from a copy of the sources (`pip wheel --no-deps --no-build-isolation`, with the
setuptools of this environment), installed into a scratch directory, and run from another working directory: the
migrations, the merge revision and the data files must all come from the installed copy.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory

REPO = Path(__file__).resolve().parents[2]
SOURCES = ("pyproject.toml", "README.md", "backend", "bots", "ml", "migrations")


def _head() -> str:
    config = Config()
    config.set_main_option("script_location", str(REPO / "migrations"))
    heads = ScriptDirectory.from_config(config).get_heads()
    assert len(heads) == 1, f"migrations have several heads: {heads}"
    return heads[0]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A site directory holding the package as `pip install .` would install it."""
    root = tmp_path_factory.mktemp("packaging")
    src = root / "src"
    src.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.local")
    for name in SOURCES:
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, src / name, ignore=ignore)
        else:
            shutil.copy2(REPO / name, src / name)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input", "-q"]
    subprocess.run([*pip, "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-w", str(root / "dist"),
                    str(src)], check=True, timeout=300)
    [wheel] = (root / "dist").glob("zan-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    migrations = [*(src / "migrations").glob("*.py"), *(src / "migrations" / "versions").glob("*.py")]
    # data files the code reads at run time: the holiday calendar, taxonomy, districts, models, legal index...
    data = [p for top in ("backend", "bots", "ml") for p in (src / top).rglob("*") if p.is_file() and p.suffix != ".py"]
    assert len(migrations) > 10 and len(data) > 10
    missing = sorted(str(p.relative_to(src)) for p in [*migrations, *data] if str(p.relative_to(src)) not in names)
    assert not missing, f"the wheel lacks {missing}"
    site = root / "site"
    subprocess.run([*pip, "install", "--no-deps", "--no-index", "--no-compile", "--target", str(site), str(wheel)],
                   check=True, timeout=300)
    return site


def _zan(site: Path, cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ZAN_") and k != "PYTHONPATH"}
    return subprocess.run([sys.executable, "-m", "backend.cli", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120, env={**clean, "PYTHONPATH": str(site), "ZAN_LOG_JSON": "false", **env})


def test_the_installed_package_migrates_from_itself(installed: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    # where the import system finds the module (what `import backend.migrate` would load), without running it:
    # its imports (Alembic, SQLAlchemy) were a second of this test, and the upgrade below runs it anyway
    probe = subprocess.run([sys.executable, "-c",
                            "import importlib.util as u; print(u.find_spec('backend.migrate').origin)"],
                           cwd=elsewhere, capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONPATH": str(installed)})
    assert Path(probe.stdout.strip()) == installed / "backend" / "migrate.py"  # the installed copy, not the checkout

    env = {"ZAN_VAR_DIR": str(tmp_path / "var"), "ZAN_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'z.db'}"}
    up = _zan(installed, elsewhere, "db", "upgrade", **env)
    assert up.returncode == 0, up.stderr
    assert up.stdout.strip() == f"database at {_head()}"
    # the data files come with it: the district list (ml/data/geo) that `zan units create` checks against
    districts = _zan(installed, elsewhere, "units", "districts", **env)
    assert districts.returncode == 0, districts.stderr
    assert "astana" in districts.stdout.split()
