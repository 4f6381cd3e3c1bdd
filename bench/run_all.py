"""Every benchmark, one after another (they must not overlap: each measures a 2-core machine on its own).

    .venv/bin/python bench/run_all.py [--only intake,routing]

Each prints its own figures; docs/benchmarks.md records the latest ones.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

BENCHMARKS: dict[str, list[str]] = {
    "intake": ["bench/intake.py"],
    "routing": ["bench/routing.py"],
    "ml_eval": ["bench/ml_eval.py"],
    "notifications": ["bench/notifications.py"],
    "legal": ["bench/legal.py"],
    "sync": ["-m", "bench.sync"],
    "dispatch": ["-m", "bench.dispatch"],
    "ledger": ["-m", "bench.ledger"],
    "queries": ["bench/queries.py"],
    "routing_cv": ["bench/routing_cv.py", "--candidate", "baseline"],
    "escalations": ["-m", "bench.escalations"],
    "lang": ["bench/lang.py"],
    "logmask": ["bench/logmask.py"],
}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", help="comma-separated names: " + ", ".join(BENCHMARKS))
    args = parser.parse_args()
    names = args.only.split(",") if args.only else list(BENCHMARKS)
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}")
    failed = []
    for name in names:
        print(f"\n=== {name} (load average {os.getloadavg()[0]:.1f}) ===", flush=True)
        started = time.perf_counter()
        if subprocess.run([sys.executable, *BENCHMARKS[name]], cwd=ROOT).returncode != 0:
            failed.append(name)
        print(f"=== {name}: {time.perf_counter() - started:.0f} s ===", flush=True)
    if failed:
        print(f"failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
