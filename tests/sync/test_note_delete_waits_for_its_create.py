"""A note created and deleted offline reaches the server in one batch; the create fails for a fault of ours
(`internal`: the tablet sends it again). The delete was then judged against no note: `not_found`, final, so the
tablet dropped it, and the create, applied on its resend, brought back on every tablet the note the officer had
removed. The delete is now answered `retry` (not stored) and applies behind its create when both come again.

The fault is the database's own (a trigger refusing the note's row, PostgreSQL only), not a stand-in for our code."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text

from backend.context import Context
from tests.sync.conftest import Tablet, assigned_report, crew_tablets, uuid7

pytestmark = pytest.mark.anyio

TRANSIENT = ("internal", "retry")


@pytest.fixture(params=["postgres"])
def db_url(request: pytest.FixtureRequest) -> str:
    return str(request.getfixturevalue("pg_url"))


async def _refuse_notes(ctx: Context, refused: bool) -> None:
    """A database that fails every insert of a note (a full disk, a broken replica): on, or off again."""
    async with ctx.engine.begin() as conn:
        if refused:
            await conn.execute(text(
                "CREATE OR REPLACE FUNCTION zan_test_refuse_note() RETURNS trigger LANGUAGE plpgsql AS "
                "$$ BEGIN RAISE EXCEPTION 'could not extend file: No space left on device'; END $$"))
            await conn.execute(text(
                "CREATE TRIGGER zan_test_refuse_note BEFORE INSERT ON report_notes "
                "FOR EACH ROW EXECUTE FUNCTION zan_test_refuse_note()"))
        else:
            await conn.execute(text("DROP TRIGGER IF EXISTS zan_test_refuse_note ON report_notes"))
            await conn.execute(text("DROP FUNCTION IF EXISTS zan_test_refuse_note()"))


async def _push_keeping_transient(tablet: Tablet) -> list[dict[str, Any]]:
    """One push as a tablet does it: a final answer leaves the outbox, a transient one stays to be sent again."""
    sent = list(tablet.outbox)
    results = await tablet.push()
    tablet.outbox = [m for m, r in zip(sent, results, strict=True)
                     if r["status"] == "rejected" and r["reason"] in TRANSIENT] + tablet.outbox
    return results


@pytest.mark.parametrize("order", ["create-first", "delete-first"])
async def test_a_delete_whose_create_failed_in_the_batch_comes_again_with_it(ctx: Context, order: str) -> None:
    unit, author, crewmate = await crew_tablets(ctx)
    report = await assigned_report(ctx, unit)
    await author.pull_all()
    note_id = uuid7()
    create = author.edit("notes", note_id, "create", report_id=str(report.id), text="Записал не тот номер машины")
    delete = author.edit("notes", note_id, "delete")
    if order == "delete-first":  # an outbox that moved a failed create to its back
        author.outbox = [delete, create]
    await _refuse_notes(ctx, True)
    try:
        first = {r["mutation_id"]: (r["status"], r["reason"]) for r in await _push_keeping_transient(author)}
    finally:
        await _refuse_notes(ctx, False)
    assert first[create.mutation_id] == ("rejected", "internal"), first
    # the delete is not judged against a note that is still to come: sent again, not dropped as `not_found`
    assert first[delete.mutation_id] == ("rejected", "retry"), first
    kept = [delete, create] if order == "delete-first" else [create, delete]
    assert [m.mutation_id for m in author.outbox] == [m.mutation_id for m in kept]
    again = {r["mutation_id"]: (r["status"], r["reason"]) for r in await _push_keeping_transient(author)}
    assert again == {create.mutation_id: ("applied", None), delete.mutation_id: ("applied", None)}, again
    assert author.outbox == []
    # the note the officer removed stays removed, on every tablet
    await crewmate.pull_all()
    await author.pull_all()
    assert note_id not in crewmate.replica["notes"] and note_id not in author.replica["notes"]


async def test_a_delete_whose_create_was_refused_for_good_is_still_not_found(ctx: Context) -> None:
    """A create refused finally (an empty text) never brings the note: its delete is `not_found`, final, as before,
    and the tablet drops both."""
    unit, author, _ = await crew_tablets(ctx)
    report = await assigned_report(ctx, unit)
    await author.pull_all()
    note_id = uuid7()
    author.edit("notes", note_id, "create", report_id=str(report.id), text="   ")
    author.edit("notes", note_id, "delete")
    results = await _push_keeping_transient(author)
    assert [(r["status"], r["reason"]) for r in results] == [("rejected", "invalid_text"), ("rejected", "not_found")]
    assert author.outbox == []
