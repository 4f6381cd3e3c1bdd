"""A task that gives up (its last attempt failed, or it can never succeed) says so in the log at ERROR, naming the
task and why: /health and /metrics count dead letters, and this line is what an operator greps for next. A task
dead-lettered by a PermanentError (or with no handler) used to leave no line above DEBUG at all."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select
from sqlmodel import col

from backend.context import Context
from backend.jobs.models import OutboxTask
from backend.jobs.registry import HANDLERS, PermanentError, task
from backend.jobs.relay import Relay
from backend.jobs.service import enqueue

pytestmark = pytest.mark.anyio

GIVES_UP = "tests.core.gives_up"
FAILS = "tests.core.always_fails"
# a library's own CancelledError (a closed connection's pending call), not a stop of the worker: it counts as a
# failed attempt; handed back uncounted, such a task would run again at once, forever
CANCELS_ITSELF = "tests.core.cancels_itself"


@pytest.fixture
def failing_tasks() -> Iterator[None]:
    @task(GIVES_UP)
    async def gives_up(_ctx: Context, payload: dict[str, Any]) -> None:
        raise PermanentError(f"report {payload['report']} is gone")

    @task(FAILS)
    async def always_fails(_ctx: Context, _payload: dict[str, Any]) -> None:
        raise RuntimeError("the model crashed")

    @task(CANCELS_ITSELF)
    async def cancels_itself(_ctx: Context, _payload: dict[str, Any]) -> None:
        raise asyncio.CancelledError("the connection was closed")

    yield
    for name in (GIVES_UP, FAILS, CANCELS_ITSELF):
        HANDLERS.pop(name, None)


@pytest.mark.parametrize(
    ("name", "says"),
    [
        pytest.param(GIVES_UP, "permanent: report 42 is gone", id="permanent"),
        pytest.param(FAILS, "RuntimeError('the model crashed')", id="last-attempt"),
        pytest.param("tests.core.has_no_handler", "no handler for task", id="no-handler"),
        pytest.param(CANCELS_ITSELF, "CancelledError('the connection was closed')", id="own-cancellation"),
    ],
)
async def test_a_dead_lettered_task_is_logged_at_error(
    ctx: Context, failing_tasks: None, name: str, says: str, caplog: pytest.LogCaptureFixture
) -> None:
    async with ctx.sessions() as session:
        await enqueue(session, name, {"report": 42}, max_attempts=1)
        await session.commit()
    with caplog.at_level(logging.WARNING, logger="zan.jobs"):
        await Relay(ctx).drain()
    async with ctx.sessions() as session:
        row = (await session.scalars(select(OutboxTask).where(col(OutboxTask.task) == name))).one()
    assert row.status == "dead"
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR and r.name == "zan.jobs"]
    assert len(errors) == 1 and name in errors[0] and str(row.id) in errors[0] and says in errors[0], errors
