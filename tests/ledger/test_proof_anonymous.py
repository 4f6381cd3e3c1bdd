"""An anonymous report's proof names neither its citizen nor their files' original hashes, as its history does not:
the citizen's internal id is the one on the reports they file under their name, and a file's original sha256 names
their own file wherever else it turns up. A sealed row's hash is over all its columns, so a row that holds either is
listed by its sealed hash alone (zan-ledger-proof-v5 `withheld`): its seal, its place in the report's chain and the
chain's end still check offline with the public key. A named report's proof is the v4 it was.
Real app, the citizen's real intake (a photo with the report, another with a comment)."""

from __future__ import annotations

import copy
import json
import uuid

import httpx
import pytest

from backend.context import Context
from backend.ledger.proof import check, limits
from backend.ledger.since import check_since
from backend.reports.models import Report
from tests.helpers import PartnerClient, jpeg_with_exif, sha256_hex
from tests.ledger.records import appended, as_superuser, proof_of, public_keys, seal_now, uuid_param
from tests.media.test_anonymous_files import _photo

pytestmark = pytest.mark.anyio
DRUGS = "У подъезда дома 12 по Кенесары каждый вечер продают наркотики, закладки прячут в клумбе"


async def _filed(ctx: Context, citizen: PartnerClient, *, anonymous: bool, taken: str) -> tuple[str, list[str]]:
    """A report with a photo, and a comment with another photo: its id and the photos' original sha256."""
    first, later = jpeg_with_exif(taken=f"2026:11:20 {taken}:01"), jpeg_with_exif(taken=f"2026:11:20 {taken}:02")
    created = await citizen.submit(DRUGS, anonymous=anonymous, category="drugs",
                                   media_ids=[await _photo(citizen, first)])
    assert created.status_code == 201, created.text
    report_id = created.json()["id"]
    comment = await citizen.post(f"/api/v1/reports/{report_id}/comments",
                                 {"text": "ещё деталь", "media_ids": [await _photo(citizen, later)]},
                                 headers={"Idempotency-Key": f"c-{report_id}"})
    assert comment.status_code == 201, comment.text
    return report_id, [sha256_hex(first), sha256_hex(later)]


async def _citizen_id(ctx: Context, report_id: str) -> uuid.UUID:
    async with ctx.sessions() as session:
        report = await session.get(Report, uuid.UUID(report_id))
        assert report is not None
        return report.citizen_id


async def test_an_anonymous_reports_proof_names_neither_its_citizen_nor_their_files(
        ctx: Context, app_client: httpx.AsyncClient, citizen: PartnerClient) -> None:
    anonymous, hidden_files = await _filed(ctx, citizen, anonymous=True, taken="21:15")
    named, named_files = await _filed(ctx, citizen, anonymous=False, taken="21:16")
    await seal_now(ctx)
    who = await _citizen_id(ctx, anonymous)
    assert who == await _citizen_id(ctx, named)  # the one citizen: the id links the two reports

    proof = await proof_of(ctx, app_client, anonymous)
    text = json.dumps(proof, ensure_ascii=False).lower()
    assert str(who) not in text and who.hex not in text
    assert not [digest for digest in hidden_files if digest in text]
    assert check(proof, public_keys(ctx)) == []
    assert proof["format"] == "zan-ledger-proof-v5" and proof["submission"] is None
    withheld = {(row["table"], row["id"]) for row in proof["withheld"]}
    assert withheld and not withheld & {(row["table"], row["id"]) for row in proof["rows"]}
    # the registered event (its actor is the citizen), the comment (its author) and the comment's event (the file)
    assert {table for table, _ in withheld} >= {"report_events", "report_comments"}
    said = limits(proof)
    assert len([line for line in said if "withheld" in line]) == len(withheld) + 1, said
    assert proof["end"]["ends_at"] == "head"

    # a named report's proof is the v4 it was: every row with its columns, the citizen and the files in them
    shown = await proof_of(ctx, app_client, named)
    assert shown["format"] == "zan-ledger-proof-v4" and "withheld" not in shown
    assert shown["submission"] is not None and check(shown, public_keys(ctx)) == []
    shown_text = json.dumps(shown, ensure_ascii=False)
    assert str(who) in shown_text and all(digest in shown_text for digest in named_files)
    assert not [line for line in limits(shown) if "withheld" in line]


async def test_a_withheld_row_is_still_held_to_its_seal(ctx: Context, app_client: httpx.AsyncClient,
                                                        citizen: PartnerClient) -> None:
    """A withheld row's hash still leads up to its signed seal and its place in the chain; a proof edited, or a
    row changed in the database, fails as any proof would, without naming the citizen."""
    report_id, _ = await _filed(ctx, citizen, anonymous=True, taken="21:17")
    await seal_now(ctx)
    proof = await proof_of(ctx, app_client, report_id)
    keys = public_keys(ctx)
    assert check(proof, keys) == []

    forged = copy.deepcopy(proof)
    forged["withheld"][0]["row_hash"] = "0" * 64
    first = proof["withheld"][0]
    assert f"{first['table']} {first['id']}: its sealed hash do not lead up to seal {first['seal']}'s root" in check(
        forged, keys)
    dropped = copy.deepcopy(proof)
    dropped["withheld"] = [row for row in dropped["withheld"] if row["seq"] != 1]
    assert check(dropped, keys)  # its first entry left out: the chain starts after it
    # read as a v4 the withheld rows count for nothing: the chain has gaps
    assert check({**proof, "format": "zan-ledger-proof-v4"}, keys)

    # a later proof goes on from this one (check-proof --since), withheld rows compared by their leaves
    await appended(ctx, uuid.UUID(report_id))
    await seal_now(ctx)
    later = await proof_of(ctx, app_client, report_id)
    assert check_since(later, proof, keys) == []

    # the citizen's comment rewritten in the database by a superuser: listed as altered, the proof fails
    comment = next(row for row in proof["withheld"] if row["table"] == "report_comments")
    await as_superuser(ctx, "UPDATE report_comments SET text = 'ничего не было' WHERE id = :id",
                       id=uuid_param(ctx, uuid.UUID(comment["id"])))
    after = await proof_of(ctx, app_client, report_id)
    assert {"table": "report_comments", "id": comment["id"], "why": "altered", "seal": comment["seal"],
            "seq": comment["seq"]} in after["unproven"]
    assert f"report_comments {comment['id']}: sealed, and altered (see `zan ledger verify`)" in check(after, keys)
    assert str(await _citizen_id(ctx, report_id)) not in json.dumps(after)


@pytest.mark.parametrize("edit", [
    "UPDATE reports SET text = 'Во дворе тихо, ничего не продают' WHERE id = :id",
    "UPDATE reports SET anonymous = true WHERE id = :id",  # a named report passed off as anonymous
], ids=["text", "made-anonymous"])
async def test_an_edited_submission_is_not_hidden_by_withholding(ctx: Context, app_client: httpx.AsyncClient,
                                                                citizen: PartnerClient, edit: str) -> None:
    """Withholding leaves the submission out, so the checker cannot compare it with the hash the sealed
    `registered` event pins: the proof checked as valid over a report a superuser had rewritten. The service holds
    both and compares them before vouching for the event: it is listed as altered and the proof fails."""
    report_id, _ = await _filed(ctx, citizen, anonymous="anonymous = true" not in edit, taken="21:18")
    await seal_now(ctx)
    keys = public_keys(ctx)
    await as_superuser(ctx, edit, id=uuid_param(ctx, uuid.UUID(report_id)))
    proof = await proof_of(ctx, app_client, report_id)
    assert proof["format"] == "zan-ledger-proof-v5" and proof["submission"] is None
    [event] = [row for row in proof["unproven"] if row["table"] == "report_events"]
    assert event["why"] == "altered" and event["seq"] == 1
    assert f"report_events {event['id']}: sealed, and altered (see `zan ledger verify`)" in check(proof, keys)
    assert str(await _citizen_id(ctx, report_id)) not in json.dumps(proof)


async def test_withheld_is_in_the_published_proof(app_client: httpx.AsyncClient) -> None:
    schemas = (await app_client.get("/schema/openapi.json")).json()["components"]["schemas"]
    assert "withheld" in schemas["ReportProof"]["properties"] and "withheld" not in schemas["ReportProof"]["required"]
    assert set(schemas["WithheldRow"]["required"]) == {"table", "id", "scope", "row_hash", "seal", "index", "path"}
