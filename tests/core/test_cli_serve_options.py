"""`zan worker --concurrency 0` started a worker that beat and relayed but ran no job at all (SAQ starts `concurrency`
consumers): refused as a bad option now, like `zan serve --workers 0` and a port out of range."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

REDIS = os.environ.get("ZAN_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.mark.parametrize(
    ("args", "option"),
    [(["worker", "--concurrency", "0"], "--concurrency"), (["serve", "--workers", "0"], "--workers"),
     (["serve", "--port", "99999"], "--port")],
)
def test_a_number_no_process_can_run_with_is_refused(tmp_path: object, args: list[str], option: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZAN_")}
    env.update(ZAN_VAR_DIR=str(tmp_path), ZAN_REDIS_URL=REDIS, ZAN_REDIS_PREFIX=f"zan-cli-{os.getpid()}")
    # a subprocess: on the old code the worker started and ran until killed
    try:
        done = subprocess.run([sys.executable, "-m", "backend.cli", *args], env=env, capture_output=True, text=True,
                              timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail(f"zan {' '.join(args)} started instead of refusing the option")
    assert done.returncode == 2, done.stderr
    assert f"Invalid value for '{option}'" in done.stderr and "Traceback" not in done.stderr
    assert done.stdout == ""
