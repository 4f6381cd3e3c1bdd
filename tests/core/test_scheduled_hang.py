"""One scheduled job that hangs (a sweep waiting on a push server that takes the connection and never answers) in
embedded mode, where one loop in the API process runs every scheduled job in turn: it held every later run of every
job, and the API's shutdown waited for it. Each job is cut off after scheduled.PERIODIC_TIMEOUT_S now, with an ERROR
line naming it, and the runs go on; a shutdown cuts a run in progress off after a moment.

The jobs are registered through @periodic, as the domains register theirs; the bounds are limits against a hang."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from backend.context import Context, build_context
from backend.jobs import relay as relay_module
from backend.jobs import scheduled
from backend.jobs.relay import Relay
from backend.jobs.scheduled import LANE_OF, PERIODIC, periodic
from tests.conftest import _truncate, make_settings
from tests.helpers import eventually

pytestmark = pytest.mark.anyio

HANG_BOUND_S = 60.0
HANGS, COUNTS = "tests.hangs_for_ever", "tests.counts_runs"


@pytest.fixture
def jobs() -> Iterator[list[int]]:
    """A job that never ends, and one after it that counts its runs."""
    runs: list[int] = []

    @periodic(HANGS)
    async def _hangs(_ctx: Context) -> None:
        await asyncio.Event().wait()

    @periodic(COUNTS)
    async def _counts(_ctx: Context) -> None:
        runs.append(1)

    yield runs
    for name in (HANGS, COUNTS):
        PERIODIC.pop(name, None)
        LANE_OF.pop(name, None)


@asynccontextmanager
async def relaying(ctx: Context) -> AsyncIterator[None]:
    """The API process's relay in embedded mode, which runs the scheduled work: started, and stopped as at shutdown."""
    relay = Relay(ctx)
    relay.start()
    try:
        yield
    finally:
        await relay.stop()


@pytest.fixture(autouse=True)
def quick_stop_grace(monkeypatch: pytest.MonkeyPatch) -> None:
    """A run in progress at the shutdown has SCHEDULED_STOP_GRACE_S (5 s) to end before it is cut off; the runs here
    never end, so each relaying() waited all of it on stopping. What is proven is that the shutdown cuts them off at
    all instead of waiting for them (HANG_BOUND_S, far above): a grace of 0.2 s proves it as well."""
    monkeypatch.setattr(relay_module, "SCHEDULED_STOP_GRACE_S", 0.2)  # production: 5 s


@pytest.fixture
async def embedded(db_url: str, tmp_path: Path) -> Context:
    ctx = build_context(make_settings(db_url, tmp_path, queue="inprocess", scheduled_interval_s=0.1), null_pool=True)
    await _truncate(ctx)
    return ctx


async def test_a_hung_scheduled_job_is_cut_off_and_the_next_runs_happen(
        embedded: Context, jobs: list[int], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(scheduled, "PERIODIC_TIMEOUT_S", 0.5, raising=False)  # production: 2 min
    caplog.set_level(logging.ERROR, logger="zan.scheduled")
    try:
        async with asyncio.timeout(2 * HANG_BOUND_S), relaying(embedded):
            async def ran_twice() -> bool:  # the job after the hung one, in two runs: nothing waits behind it
                return len(jobs) >= 2

            await eventually(ran_twice, timeout=HANG_BOUND_S)
    finally:
        await embedded.close()
    assert any(f"scheduled job {HANGS} cut off" in r.getMessage() for r in caplog.records)


async def test_a_run_in_progress_does_not_hold_the_shutdown(embedded: Context,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scheduled, "PERIODIC_TIMEOUT_S", 3600.0, raising=False)  # a long job, running
    started = asyncio.Event()

    @periodic("tests.a_long_job")
    async def _long(_ctx: Context) -> None:
        started.set()
        await asyncio.Event().wait()

    try:
        async with asyncio.timeout(HANG_BOUND_S), relaying(embedded):
            await started.wait()
    finally:
        PERIODIC.pop("tests.a_long_job", None)
        LANE_OF.pop("tests.a_long_job", None)
        await embedded.close()


async def test_a_jobs_own_timeout_is_a_failure_not_a_cut_off(embedded: Context,
                                                             caplog: pytest.LogCaptureFixture) -> None:
    """A job that times out on its own (a push server's client giving up) failed, with its traceback; it was not
    cut off by the run's bound. Before, both read "cut off after 120 s", which sent whoever read it the wrong way."""
    name = "tests.times_out_itself"

    @periodic(name)
    async def _times_out(_ctx: Context) -> None:
        raise TimeoutError("the push server did not answer")

    caplog.set_level(logging.ERROR, logger="zan.scheduled")
    try:
        await scheduled.run_scheduled(embedded, LANE_OF[name])
    finally:
        PERIODIC.pop(name, None)
        LANE_OF.pop(name, None)
        await embedded.close()
    lines = [r for r in caplog.records if name in r.getMessage()]
    assert [r.getMessage() for r in lines] == [f"scheduled job {name} failed"]
    assert lines[0].exc_info is not None
