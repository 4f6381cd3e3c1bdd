"""Ledger and key edge cases found in an audit (2026-12-04): each test failed on the code before its fix (the key
order one pins the documented order: ZAN_PREVIOUS_SECRET_KEYS runs newest first)."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from sqlalchemy import text

from backend.context import Context
from backend.ledger import verify
from backend.ledger.cli import ledger as ledger_cli
from backend.ledger.proof import check
from backend.ledger.record import seal_public_key
from backend.ledger.service import seal_pending
from tests.helpers import PartnerClient
from tests.ledger.records import proof_of, record_report

pytestmark = pytest.mark.anyio


async def _seal(ctx: Context, keys: tuple[str, ...] | None = None) -> None:
    async with ctx.sessions() as session:
        await seal_pending(session, keys or ctx.settings.secret_keys)


async def _tamper(ctx: Context, sql: str, **params: Any) -> None:
    async with ctx.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            await conn.execute(text("SET LOCAL session_replication_role = replica"))
        await conn.execute(text(sql), params)


# 1. A seal's Ed25519 signature is not covered by its MAC, and `verify` skips the signature check when it is NULL:
#    a database superuser strips it and the whole-chain verify still says intact, while every proof of that seal's
#    rows turned into "unproven: unsigned" and `check` reported no problem (that half: test_stripped_signatures.py).
#    Variant: mac_of drops None fields, so on a seal whose prev_signature is None, moving `root` into
#    `prev_signature` keeps the MAC, and with root and signature NULL the seal passes as one made before signatures.
@pytest.mark.parametrize("strip", [
    "UPDATE ledger_seals SET signature = NULL WHERE id = 1",
    "UPDATE ledger_seals SET root = NULL, prev_signature = root, signature = NULL WHERE id = 1",
], ids=["signature", "root-into-prev_signature"])
async def test_stripping_a_seals_signature_is_not_found_by_verify(ctx: Context, app_client: httpx.AsyncClient,
                                                                  strip: str) -> None:
    rows = await record_report(ctx)
    await _seal(ctx)
    key = ctx.settings.secret_key
    before = await proof_of(ctx, app_client, rows["report"])
    assert len(before["rows"]) == 5 and before["unproven"] == []
    await _tamper(ctx, strip)
    after = await proof_of(ctx, app_client, rows["report"])
    assert after["rows"] == [] and {u["why"] for u in after["unproven"]} == {"tampered"}
    assert check(after, [seal_public_key(key)]) != []
    async with ctx.sessions() as session:
        verdict = await verify.verify(session, ctx.settings.secret_keys)
    assert not verdict.intact, "a signed seal whose signature was removed still verifies as intact"


# 2. `zan ledger check-proof` crashes with a traceback (AttributeError, not caught) on a JSON document that is not
#    an object, or on a row whose body is not an object, instead of printing {"valid": false, ...} and exiting 1.
@pytest.mark.parametrize("document", [
    [],
    {"report_id": "x", "seals": [], "rows": [{"table": "report_events", "body": ["registered"], "id": "1",
                                             "scope": "report:x", "seal": 1, "index": 0, "path": []}]},
], ids=["a JSON array", "a row body that is a list"])
def test_check_proof_cli_reports_malformed_input_instead_of_crashing(tmp_path: Path, document: Any) -> None:
    saved = tmp_path / "proof.json"
    saved.write_text(json.dumps(document))
    ran = CliRunner().invoke(ledger_cli, ["check-proof", str(saved), "--public-key", "00" * 32])
    assert isinstance(ran.exception, SystemExit), repr(ran.exception)  # not a traceback
    assert ran.exit_code == 1 and json.loads(ran.output)["valid"] is False


# 3. After two rotations, ZAN_PREVIOUS_SECRET_KEYS listed oldest first made `verify` report an untouched chain as
#    broken ("key_order"), and nothing said in which order to list them: the README now says newest first.
async def test_the_previous_keys_run_newest_first(ctx: Context) -> None:
    first, second, third = ctx.settings.secret_key, f"k2-{uuid.uuid4().hex}", f"k3-{uuid.uuid4().hex}"
    await record_report(ctx)
    await _seal(ctx, (first,))
    await record_report(ctx)
    await _seal(ctx, (second, first))
    await record_report(ctx)
    await _seal(ctx, (third, second, first))
    async with ctx.sessions() as session:
        assert (await verify.verify(session, (third, second, first))).intact
        verdict = await verify.verify(session, (third, first, second))  # ZAN_PREVIOUS_SECRET_KEYS="first,second"
    # the ring's order is each key's age (README: newest first); listed the other way, the second key's seal
    # reads as a step back to an older key
    assert verdict.broken_seals == [(2, "key_order")], verdict.broken_seals


# 4. `check` compares the report's submission with the sealed `registered` event only when that event is among the
#    proven rows. Delete the event (superuser) and edit the report's text: the proof lists the event as "unproven:
#    missing", skips the submission check, and `check` (and `check-proof`) call the edited text valid.
async def test_a_proof_without_its_registered_event_still_vouches_for_an_edited_submission(
        ctx: Context, app_client: httpx.AsyncClient, citizen: PartnerClient) -> None:
    created = await citizen.submit("Украли велосипед из подъезда на Кенесары 40")
    assert created.status_code == 201, created.text
    report_id = created.json()["id"]
    await _seal(ctx)
    key = seal_public_key(ctx.settings.secret_key)
    param = report_id if ctx.engine.dialect.name == "postgresql" else uuid.UUID(report_id).hex
    await _tamper(ctx, "DELETE FROM report_events WHERE report_id = :id AND action = 'registered'", id=param)
    await _tamper(ctx, "UPDATE reports SET text = 'Нашёл велосипед' WHERE id = :id", id=param)
    proof = await proof_of(ctx, app_client, uuid.UUID(report_id))
    assert proof["submission"]["text"] == "Нашёл велосипед"
    assert [u["why"] for u in proof["unproven"]] == ["missing"]
    assert check(proof, [key]) != [], "an edited submission checks as valid once its registered event is gone"
