"""A citizen's comment is part of the sealed record. "The comment I sent was never shown": the prosecutor must be able
to prove what the citizen wrote and that nobody changed or removed it since. Before, the comment's text lived only in
`report_comments`, which the ledger did not seal, and its `comment` event pinned only the comment's id: a comment
rewritten or deleted in the database left the history's verdict intact and the offline proof checking, and the
proof did not carry the text at all."""

from __future__ import annotations

import uuid

import httpx
import pytest

from backend.context import Context
from backend.ledger import proof as ledger_proof
from tests.helpers import PartnerClient
from tests.ledger.records import as_superuser, integrity_of, proof_of, public_keys, seal_now, uuid_param
from tests.reports.step_helpers import events_of, settled_report

pytestmark = pytest.mark.anyio

SENT = "Я дома, жду наряд у подъезда, номер машины 123 ABC 01"


async def _commented(ctx: Context, citizen: PartnerClient) -> str:
    """A report the citizen commented on, sealed: its id."""
    report_id = await settled_report(ctx, citizen)
    sent = await citizen.post(f"/api/v1/reports/{report_id}/comments", {"text": SENT},
                              headers={"Idempotency-Key": str(uuid.uuid4())})
    assert sent.status_code == 201, sent.text
    await seal_now(ctx)
    return report_id


async def test_the_citizens_comment_is_in_the_proof_with_its_text(
        ctx: Context, app_client: httpx.AsyncClient, citizen: PartnerClient) -> None:
    report_id = await _commented(ctx, citizen)
    proof = await proof_of(ctx, app_client, report_id)
    assert ledger_proof.check(proof, public_keys(ctx)) == []
    comments = [row for row in proof["rows"] if row["table"] == "report_comments"]
    assert [(row["body"]["text"], row["body"]["author_type"]) for row in comments] == [(SENT, "citizen")]
    # the `comment` event names the sealed comment: the prosecutor can tie the two together
    named = [row["body"]["data"]["comment_id"] for row in proof["rows"]
             if row["table"] == "report_events" and row["body"]["action"] == "comment"]
    assert named == [comments[0]["id"]]


async def test_a_comment_rewritten_or_deleted_in_the_database_is_shown(
        ctx: Context, app_client: httpx.AsyncClient, citizen: PartnerClient) -> None:
    report_id = await _commented(ctx, citizen)
    comment_id = (await events_of(ctx, report_id, "comment"))[0].data["comment_id"]
    param = uuid_param(ctx, uuid.UUID(comment_id))

    await as_superuser(ctx, "UPDATE report_comments SET text = 'спасибо, вопрос решён' WHERE id = :id", id=param)
    integrity = await integrity_of(ctx, app_client, report_id)
    assert not integrity["intact"]
    assert integrity["altered"] == [{"table": "report_comments", "id": comment_id}]
    assert ledger_proof.check(await proof_of(ctx, app_client, report_id), public_keys(ctx)) != []

    await as_superuser(ctx, "DELETE FROM report_comments WHERE id = :id", id=param)
    integrity = await integrity_of(ctx, app_client, report_id)
    assert not integrity["intact"]
    assert integrity["missing"] == [{"table": "report_comments", "id": comment_id}]
    assert any("no longer in the database" in problem
               for problem in ledger_proof.check(await proof_of(ctx, app_client, report_id), public_keys(ctx)))
