"""A seal's signature stripped by a database superuser (audit 2026-12-05). Neither the seal's MAC nor its signature
covers the signature itself, and a proof listed the rows of a seal without one as `unsigned`, which the offline
check took for a seal made before signatures: strip the signature, edit the report, and `check-proof` said valid
while the history said intact. Now the service calls a seal unsigned only when its MAC and digest check and it comes
before the first signed seal, the check asks the proof to show that place (a signed `first_signed`), and the
history follows each seal's signature link to the seal before it. Seals really made before signatures still pass.
"""

from __future__ import annotations

import copy
import json
import uuid
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from click.testing import CliRunner
from sqlalchemy import select
from sqlmodel import col

from backend.context import Context
from backend.ledger import verify
from backend.ledger.cli import ledger as ledger_cli
from backend.ledger.models import LedgerSeal
from backend.ledger.proof import check
from backend.ledger.record import seal_public_key
from backend.ledger.service import seal_pending
from backend.routing.models import RoutingDecision
from tests.helpers import PartnerClient, eventually
from tests.ledger.records import (
    appended,
    as_superuser,
    integrity_of,
    made_before_signatures,
    proof_of,
    record_report,
)

pytestmark = pytest.mark.anyio

EDITED_SUBMISSION = "the report's submission (text, place, time, files) is not what its first event sealed"


async def _seal(ctx: Context) -> list[LedgerSeal]:
    async with ctx.sessions() as session:
        return await seal_pending(session, ctx.settings.secret_keys)


async def _whole_chain(ctx: Context) -> verify.Verdict:
    async with ctx.sessions() as session:
        return await verify.verify(session, ctx.settings.secret_keys)


def _uuid_param(ctx: Context, value: uuid.UUID | str) -> str:
    return str(value) if ctx.engine.dialect.name == "postgresql" else uuid.UUID(str(value)).hex


async def _check_proof_cli(proof: dict[str, Any], key: str, tmp_path: Path) -> dict[str, Any]:
    saved = tmp_path / "proof.json"
    saved.write_text(json.dumps(proof, ensure_ascii=False))
    ran = await anyio.to_thread.run_sync(
        lambda: CliRunner().invoke(ledger_cli, ["check-proof", str(saved), "--public-key", key]))
    out: dict[str, Any] = json.loads(ran.output)
    assert ran.exit_code == (0 if out["valid"] else 1), ran.output
    return out


# what a superuser without the key can do to a signed seal: blank its signature; or, on the first signed seal
# (which names no signature before it), also move its root into `prev_signature`, which keeps its MAC (the MAC
# leaves out empty fields); or delete the seal, leaving its entries (PostgreSQL: past the foreign key's trigger)
STRIPS = {
    "signature": "UPDATE ledger_seals SET signature = NULL",
    "root-into-prev_signature": "UPDATE ledger_seals SET root = NULL, prev_signature = root, signature = NULL",
    "seal deleted": "DELETE FROM ledger_seals",
}


@pytest.mark.parametrize("strip", list(STRIPS))
async def test_a_stripped_signature_no_longer_passes_an_edited_submission(
        ctx: Context, app_client: httpx.AsyncClient, citizen: PartnerClient, strip: str, tmp_path: Path) -> None:
    if strip == "seal deleted" and ctx.engine.dialect.name != "postgresql":
        pytest.skip("SQLite enforces the entries' foreign key to their seal (no superuser way past it)")
    created = await citizen.submit("Украли велосипед из подъезда на Кенесары 40")
    assert created.status_code == 201, created.text
    report_id = created.json()["id"]
    await _seal(ctx)
    key = seal_public_key(ctx.settings.secret_key)
    assert check(await proof_of(ctx, app_client, report_id), [key]) == []
    assert (await integrity_of(ctx, app_client, report_id))["intact"]

    await as_superuser(ctx, "UPDATE reports SET text = 'Нашёл велосипед' WHERE id = :id",
                       id=_uuid_param(ctx, report_id))
    await as_superuser(ctx, STRIPS[strip])
    forged = await proof_of(ctx, app_client, report_id)
    assert forged["rows"] == [] and forged["submission"]["text"] == "Нашёл велосипед"
    assert {row["why"] for row in forged["unproven"]} == {"tampered"}
    registered = next(row for row in forged["unproven"] if row["table"] == "report_events")
    problems = check(forged, [key])
    assert f"report_events {registered['id']}: sealed, and tampered (see `zan ledger verify`)" in problems, problems
    ran = await _check_proof_cli(forged, key, tmp_path)
    assert ran["valid"] is False and ran["problems"] == problems

    integrity = await integrity_of(ctx, app_client, report_id)
    assert not integrity["intact"], integrity
    assert not (await _whole_chain(ctx)).intact


@pytest.mark.parametrize("strip", ["signature", "root-into-prev_signature"])
async def test_a_stripped_signature_no_longer_passes_an_edited_event(ctx: Context, app_client: httpx.AsyncClient,
                                                                     strip: str) -> None:
    rows = await record_report(ctx)
    await _seal(ctx)
    await as_superuser(ctx, "UPDATE report_events SET internal_note = 'наряд 21' WHERE id = :id",
                       id=_uuid_param(ctx, rows["events"][1]))
    await as_superuser(ctx, STRIPS[strip] + " WHERE id = 1")
    forged = await proof_of(ctx, app_client, rows["report"])
    assert {(row["why"], row["seal"]) for row in forged["unproven"]} == {("tampered", 1)}
    problems = check(forged, [seal_public_key(ctx.settings.secret_key)])
    # the five rows, and the report's chain's end: the head seal that signs the state lost its signature too
    assert len(problems) == 6 and problems[-1].startswith("the proof does not show where the report's chain ends")
    integrity = await integrity_of(ctx, app_client, rows["report"])
    assert not integrity["intact"] and integrity["broken_seals"] == [1], integrity


async def test_the_history_follows_the_signature_to_the_seal_before(ctx: Context,
                                                                    app_client: httpx.AsyncClient) -> None:
    """A report's history checks its own seals, and each one's link to the seal before it: a signature stripped
    from that seal (another report's) shows in the next seal, which names the signature that is gone."""
    first = await record_report(ctx)
    [one] = await _seal(ctx)
    second = await record_report(ctx)
    [two] = await _seal(ctx)
    assert two.prev_signature == one.signature is not None
    assert (await integrity_of(ctx, app_client, second["report"]))["intact"]
    await as_superuser(ctx, "UPDATE ledger_seals SET signature = NULL WHERE id = 1")

    theirs = await integrity_of(ctx, app_client, second["report"])  # rows in seal 2 only
    assert [seal["id"] for seal in theirs["seals"]] == [2]
    assert not theirs["intact"] and theirs["broken_seals"] == [2], theirs
    own = await integrity_of(ctx, app_client, first["report"])  # rows in seal 1, and its history reads since
    assert not own["intact"] and 1 in own["broken_seals"], own
    assert {(1, "signature"), (2, "chain")} <= set((await _whole_chain(ctx)).broken_seals)


async def _pre_signature_report(ctx: Context, app_client: httpx.AsyncClient) -> tuple[dict[str, Any], str]:
    """A report sealed before signatures (seal 1), then the first signed seal, and a seal with a proven row of it:
    its proof's own audit line."""
    rows = await record_report(ctx)
    await _seal(ctx)
    await made_before_signatures(ctx, 1)
    await record_report(ctx)  # another report, in the first signed seal
    await _seal(ctx)
    await proof_of(ctx, app_client, rows["report"])
    await _seal(ctx)
    return rows, seal_public_key(ctx.settings.secret_key)


async def test_rows_sealed_before_signatures_still_prove(ctx: Context, app_client: httpx.AsyncClient,
                                                         tmp_path: Path) -> None:
    rows, key = await _pre_signature_report(ctx, app_client)
    proof = await proof_of(ctx, app_client, rows["report"])
    assert proof["format"] == "zan-ledger-proof-v4"
    assert {(row["why"], row["seal"]) for row in proof["unproven"]} == {("unsigned", 1)} and len(proof["unproven"]) == 5
    assert proof["first_signed"]["id"] == 2 and proof["first_signed"]["prev_signature"] is None
    assert [(row["table"], row["body"]["action"], row["seal"]) for row in proof["rows"]] == [
        ("audit_log", "report.proof", 3)]
    assert check(proof, [key]) == []
    ran = await _check_proof_cli(proof, key, tmp_path)
    assert ran["valid"] is True and len(ran["unproven"]) == 5
    assert (await integrity_of(ctx, app_client, rows["report"]))["intact"]
    assert (await _whole_chain(ctx)).intact


async def test_the_check_places_unsigned_rows_itself(ctx: Context, app_client: httpx.AsyncClient) -> None:
    """The check does not take the proof's word that a row was sealed before signatures: its seal must come before
    `first_signed`, which a trusted key signed and which names no signature before it."""
    rows, key = await _pre_signature_report(ctx, app_client)
    proof = await proof_of(ctx, app_client, rows["report"])
    proven = proof["rows"][0]

    def edited(change: Any) -> dict[str, Any]:
        out = copy.deepcopy(proof)
        change(out)
        return out

    def relabelled(p: dict[str, Any]) -> None:  # a proven row (seal 3) passed off as sealed before signatures
        p["rows"] = []
        p["unproven"].append({"table": proven["table"], "id": proven["id"], "why": "unsigned", "seal": 3})

    assert check(edited(relabelled), [key]) == [
        f"audit_log {proven['id']}: listed as sealed before signatures, in seal 3, but every seal from seal 2 on is "
        "signed",
        "the report's last listed entry (5) is not proven: the proof does not show that the chain ends there"]
    no_anchor = edited(lambda p: p.update(first_signed=None))
    assert len(check(no_anchor, [key])) == 5 and "no `first_signed`" in check(no_anchor, [key])[0]
    later_anchor = copy.deepcopy(proof)  # a later signed seal offered as the first one
    later_anchor["first_signed"] = copy.deepcopy(proof["seals"][0])
    assert all("is not the first seal a trusted key signed" in p for p in check(later_anchor, [key]))
    v1 = edited(lambda p: p.update(format="zan-ledger-proof-v1"))
    assert all("zan-ledger-proof-v1 does not show when signatures began" in p for p in check(v1, [key]))
    assert check(edited(lambda p: p.update(format="zan-ledger-proof-v9")), [key]) == [
        "an unknown proof format 'zan-ledger-proof-v9' (this checker reads zan-ledger-proof-v1, zan-ledger-proof-v2, "
        "zan-ledger-proof-v3, zan-ledger-proof-v4, zan-ledger-proof-v5)"]
    assert check(proof, [seal_public_key("someone-else's-secret")]) != []


async def test_a_row_sealed_before_signatures_is_still_checked_by_the_service(ctx: Context,
                                                                             app_client: httpx.AsyncClient) -> None:
    """The checker cannot check an unsigned row; the service, holding the key, does before calling it unsigned."""
    rows, key = await _pre_signature_report(ctx, app_client)
    await as_superuser(ctx, "UPDATE report_events SET internal_note = 'наряд 21' WHERE id = :id",
                       id=_uuid_param(ctx, rows["events"][1]))
    proof = await proof_of(ctx, app_client, rows["report"])
    assert {row["id"]: row["why"] for row in proof["unproven"]}[str(rows["events"][1])] == "altered"
    assert check(proof, [key]) == [f"report_events {rows['events'][1]}: sealed, and altered (see `zan ledger verify`)"]

    # the entry rewritten to match the edit (any other hash does for the test): the seal's digest over its entries,
    # under its MAC, no longer checks, so none of its rows counts as sealed before signatures
    await as_superuser(ctx, "UPDATE ledger_entries SET row_hash = :digest WHERE row_id = :id",
                       digest="0" * 64, id=_uuid_param(ctx, rows["events"][1]))
    proof = await proof_of(ctx, app_client, rows["report"])
    assert {row["why"] for row in proof["unproven"]} == {"tampered"}
    problems = check(proof, [key])  # the five rows, and the first event among them left the submission unchecked
    assert len(problems) == 6 and sum("sealed, and tampered" in p for p in problems) == 5, problems


async def test_a_registered_event_taken_out_of_its_seal_fails_the_proof(ctx: Context, app_client: httpx.AsyncClient,
                                                                       citizen: PartnerClient) -> None:
    """A report's first event pins its submission and is written with the report: once later rows of it are proven,
    the event must be too. Its entry deleted, it read as pending, and an edited submission went unchecked."""
    created = await citizen.submit("Украли велосипед из подъезда на Кенесары 40")
    assert created.status_code == 201, created.text
    report_id = created.json()["id"]

    decisions: list[uuid.UUID] = []

    async def routed() -> bool:
        async with ctx.sessions() as session:
            decisions[:] = (await session.scalars(select(col(RoutingDecision.id)).where(
                col(RoutingDecision.report_id) == uuid.UUID(report_id)))).all()
        return bool(decisions)
    # the routing job's decision goes into seal 1 beside the event, not into seal 1 or 2 as the job happened to
    # finish (a flake): the entry deleted below takes its seal's tree with it, so a neighbour there proves no more
    await eventually(routed)
    await _seal(ctx)
    await proof_of(ctx, app_client, report_id)  # a later row of the report (the proof's audit line), sealed
    await _seal(ctx)
    key = seal_public_key(ctx.settings.secret_key)
    await as_superuser(ctx, "UPDATE reports SET text = 'Нашёл велосипед' WHERE id = :id",
                       id=_uuid_param(ctx, report_id))
    await as_superuser(ctx, "DELETE FROM ledger_entries WHERE row_id IN (SELECT id FROM report_events "
                            "WHERE report_id = :id AND action = 'registered')", id=_uuid_param(ctx, report_id))
    proof = await proof_of(ctx, app_client, report_id)
    # the seal's entries no longer rebuild its signed root, so the decision sealed beside the event cannot be
    # proven either: listed as tampered, not sent with a path that leads nowhere (which read as its columns edited)
    assert [(row["table"], row["why"], row["seal"]) for row in proof["unproven"]] == [
        ("routing_decisions", "tampered", 1)]
    assert proof["rows"] and proof["pending"] >= 1
    assert all(row["body"].get("action") != "registered" for row in proof["rows"])
    chain_start = ("the report's chain starts at entry 2, which is not proven: what came before it is not in the "
                   "proof (removed or hidden, or sealed before chains began)")
    neighbour = f"routing_decisions {decisions[0]}: sealed, and tampered (see `zan ledger verify`)"
    assert check(proof, [key]) == [
        neighbour, "the report's submission (text, place, time, files) is unchecked: its first event, which pins it, "
        "is not among the proven rows although later ones are", chain_start]
    # a proof that says nothing of the submission: the report's chain still shows its first entry gone
    assert check({**proof, "submission": None}, [key]) == [neighbour, chain_start]


async def test_the_sealer_does_not_sign_over_a_head_that_lost_its_signature(ctx: Context) -> None:
    """Sealing on, the next seal would name no signature before it: a second "first signed seal", behind which a
    proof could pass the stripped seal's rows off as sealed before signatures."""
    await record_report(ctx)
    await _seal(ctx)
    await as_superuser(ctx, "UPDATE ledger_seals SET signature = NULL WHERE id = 1")
    await record_report(ctx)
    assert await _seal(ctx) == []
    async with ctx.sessions() as session:
        assert list(await session.scalars(select(LedgerSeal.id))) == [1]
    # a head made before signatures is no reason to stop
    await as_superuser(ctx, "DELETE FROM ledger_entries")
    await as_superuser(ctx, "DELETE FROM ledger_seals")
    await _seal(ctx)
    await made_before_signatures(ctx, 1)
    await record_report(ctx)
    [signed] = await _seal(ctx)
    assert signed.id == 2 and signed.signature is not None and signed.prev_signature is None
    assert (await _whole_chain(ctx)).intact


async def test_the_rows_of_a_deleted_seal_are_not_called_altered(ctx: Context, app_client: httpx.AsyncClient) -> None:
    """A seal deleted with its entries left (past the foreign key): the history says so (the numbering, and the next
    seal's link), but listed each of its rows as `altered`, hashed over no columns for want of the seal's layout:
    rows whose columns nobody touched."""
    if ctx.engine.dialect.name != "postgresql":
        pytest.skip("SQLite enforces the entries' foreign key to their seal (no superuser way past it)")
    rows = await record_report(ctx)
    await _seal(ctx)
    await appended(ctx, rows["report"])  # seal 2, which then names a seal before it that is gone
    await _seal(ctx)
    await as_superuser(ctx, "DELETE FROM ledger_seals WHERE id = 1")
    integrity = await integrity_of(ctx, app_client, rows["report"])
    assert not integrity["intact"] and 0 in integrity["broken_seals"], integrity
    assert integrity["altered"] == [] and integrity["missing"] == [], integrity
