"""`zan jobs dead` / `zan jobs retry`: the dead-lettered background tasks /health counts (`queue.dead`) and the
`zan_dead_letters{queue="outbox"}` alert fires on, for the operator to see (which task, why, personal data masked)
and run again once the cause is fixed. Before, the count was all there was: the rows could be read and revived only
with SQL (`zan notifications` covers deliveries, `zan ml reroute` routing, nothing the rest)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import anyio
import pytest
from click.testing import CliRunner, Result
from sqlalchemy import select
from sqlmodel import col

from backend.cli import main
from backend.context import Context
from backend.jobs.models import OutboxTask
from backend.jobs.registry import HANDLERS, task
from backend.jobs.relay import Relay
from backend.jobs.service import enqueue

pytestmark = pytest.mark.anyio

FLAKY = "tests.core.fails_until_fixed"
PHONE = "+77015551234"


@pytest.fixture
def fixed() -> Iterator[dict[str, bool]]:
    """A task failing (its error quoting a citizen's phone) until the test says the cause is fixed."""
    state = {"fixed": False}

    @task(FLAKY)
    async def fails_until_fixed(_ctx: Context, payload: dict[str, Any]) -> None:
        if not state["fixed"]:
            raise RuntimeError(f"the SMS gateway refused {payload['phone']}")

    yield state
    HANDLERS.pop(FLAKY, None)


async def _zan(ctx: Context, *args: str) -> Result:
    env = {
        "ZAN_DATABASE_URL": ctx.settings.database_url,
        "ZAN_VAR_DIR": str(ctx.settings.var_dir),
        "ZAN_SECRET_KEY": ctx.settings.secret_key,
        "ZAN_ENVIRONMENT": None,
        "ZAN_REDIS_URL": None,
    }
    return await anyio.to_thread.run_sync(lambda: CliRunner().invoke(main, ["jobs", *args], env=env))


async def _dead_task(ctx: Context) -> uuid.UUID:
    async with ctx.sessions() as session:
        await enqueue(session, FLAKY, {"phone": PHONE}, max_attempts=1)
        await session.commit()
    await Relay(ctx).drain()
    async with ctx.sessions() as session:
        row = (await session.scalars(select(OutboxTask).where(col(OutboxTask.task) == FLAKY))).one()
    assert row.status == "dead"
    return row.id


async def test_dead_tasks_are_listed_and_retried(ctx: Context, fixed: dict[str, bool]) -> None:
    none = await _zan(ctx, "dead")
    assert none.output.strip() == "no dead tasks"
    assert none.stdout == ""  # said on stderr: a script reading one JSON object per line gets none, not a sentence
    task_id = await _dead_task(ctx)

    listed = await _zan(ctx, "dead", "--task", "tests.core.")
    assert listed.exit_code == 0, listed.output
    row = json.loads(listed.output)
    assert (row["id"], row["task"], row["attempts"], row["max_attempts"]) == (str(task_id), FLAKY, 1, 1)
    assert row["last_error"].startswith("RuntimeError('the SMS gateway refused +7***34")
    assert PHONE not in listed.output
    assert (await _zan(ctx, "dead", "--task", "routing.")).output.strip() == "no dead tasks"

    fixed["fixed"] = True
    retried = await _zan(ctx, "retry", str(task_id))
    assert (retried.exit_code, retried.output.strip()) == (0, "1 task requeued")
    async with ctx.sessions() as session:
        again = await session.get(OutboxTask, task_id)
        assert again is not None and (again.status, again.attempts) == ("pending", 0)
    await Relay(ctx).drain()
    async with ctx.sessions() as session:
        done = await session.get(OutboxTask, task_id, populate_existing=True)
        assert done is not None and (done.status, done.attempts) == ("done", 1)


async def test_retry_all_and_its_refusals(ctx: Context, fixed: dict[str, bool]) -> None:
    await _dead_task(ctx)
    refused = await _zan(ctx, "retry")
    assert refused.exit_code == 2 and "or pass --all" in refused.output
    malformed = await _zan(ctx, "retry", "not-an-id")
    assert malformed.exit_code == 2 and "not a task id" in malformed.output
    unknown = await _zan(ctx, "retry", str(uuid.uuid4()))
    assert unknown.exit_code == 1 and "1 of the given ids name no dead task" in unknown.output
    assert (await _zan(ctx, "retry", "--all")).output.strip() == "1 task requeued"
    assert (await _zan(ctx, "dead")).output.strip() == "no dead tasks"


async def test_the_same_id_twice_is_one_task_requeued_not_an_error(ctx: Context, fixed: dict[str, bool]) -> None:
    """An id pasted twice requeued the task and then exited 1, "1 of the given ids name no dead task"."""
    task_id = await _dead_task(ctx)
    retried = await _zan(ctx, "retry", str(task_id), str(task_id))
    assert (retried.exit_code, retried.output.strip()) == (0, "1 task requeued"), retried.output
