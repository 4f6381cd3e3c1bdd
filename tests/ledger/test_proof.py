"""A report's proof, checked the way an outsider would: offline, with only the public key from the head endpoint."""

from __future__ import annotations

import copy
import hashlib
import json
import uuid
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from click.testing import CliRunner
from sqlalchemy import select, text

from backend.context import Context
from backend.ledger import merkle
from backend.ledger.cli import ledger as ledger_cli
from backend.ledger.models import LedgerSeal
from backend.ledger.proof import check, check_chain
from backend.ledger.record import mac_of, seal_public_key, sign_seal
from backend.ledger.service import seal_pending
from backend.ledger.verify import verify
from tests.helpers import PartnerClient
from tests.ledger.records import as_superuser, made_before_signatures, oversight_headers, proof_of, record_report
from tests.officers.factories import bearer, login, make_officer

pytestmark = pytest.mark.anyio


def test_the_tree_is_rfc_9162s_and_every_leaf_proves_only_itself() -> None:
    a, b = merkle.leaf_hash("a\n"), merkle.leaf_hash("b\n")
    assert a == hashlib.sha256(b"\x00a\n").digest()  # leaves and nodes hashed apart: a node is never a leaf
    assert merkle.root(["b\n", "a\n"]) == hashlib.sha256(b"\x01" + a + b).hexdigest()  # sorted lines
    assert merkle.root([]) == hashlib.sha256(b"").hexdigest()
    for size in range(1, 34):
        lines = [f"line {n}\n" for n in range(size)]
        root = merkle.root(lines)
        for line, (index, path) in merkle.inclusion(lines, lines).items():
            assert len(path) <= (size - 1).bit_length()
            assert merkle.verify_inclusion(line, index, size, path, root)
            assert not merkle.verify_inclusion("another line\n", index, size, path, root)
            if size > 1:
                assert not merkle.verify_inclusion(line, (index + 1) % size, size, path, root)


async def _seal(ctx: Context) -> None:
    async with ctx.sessions() as session:
        await seal_pending(session, ctx.settings.secret_keys)


async def test_a_proof_checks_offline_with_the_public_key_alone(ctx: Context, app_client: httpx.AsyncClient,
                                                               tmp_path: Path) -> None:
    rows = await record_report(ctx)
    await record_report(ctx)  # another report in the same seal: its rows are not in this proof
    await _seal(ctx)
    oversight = await oversight_headers(ctx, app_client)
    public_key = (await app_client.get("/api/v1/ledger/head", headers=oversight)).json()["public_key"]
    proof = await proof_of(ctx, app_client, rows["report"])

    assert check(proof, [public_key]) == []
    assert {(row["table"], row["id"]) for row in proof["rows"]} == {
        ("report_events", str(rows["events"][0])), ("report_events", str(rows["events"][1])),
        ("routing_decisions", str(rows["decision"])), ("evidence", str(rows["evidence"])),
        ("audit_log", next(row["id"] for row in proof["rows"] if row["table"] == "audit_log"))}
    [seal] = proof["seals"]
    assert seal["rows"] >= 10 and len(proof["rows"]) == 5  # the paths, not the other report's entries
    assert all(len(row["path"]) <= 4 for row in proof["rows"])
    assert proof["unproven"] == [] and proof["pending"] >= 1  # (the proof's own audit line awaits its seal)
    assert proof["public_keys"] == {seal["key_id"]: public_key}
    note = next(row for row in proof["rows"] if row["body"].get("internal_note") == "наряд 12")
    assert note["body"]["public_text"]["kk"] == "Қабылданды"  # the columns as they were hashed

    # the same, by the command a prosecutor's office would run on the saved file
    saved = tmp_path / "proof.json"
    saved.write_text(json.dumps(proof, ensure_ascii=False))
    ran = await anyio.to_thread.run_sync(
        lambda: CliRunner().invoke(ledger_cli, ["check-proof", str(saved), "--public-key", public_key]))
    assert ran.exit_code == 0, ran.output
    assert json.loads(ran.output)["valid"] is True and json.loads(ran.output)["rows"] == 5


def _edited(proof: dict[str, Any], change: Any) -> dict[str, Any]:
    edited = copy.deepcopy(proof)
    change(edited)
    return edited


def _set(target: dict[str, Any], key: str, value: Any) -> None:
    target[key] = value


@pytest.mark.parametrize(("change", "problem"), [
    (lambda p: _set(next(r for r in p["rows"] if "internal_note" in r["body"] and r["body"]["internal_note"])["body"],
                    "internal_note", "наряд 21"), "do not lead up"),
    (lambda p: _set(p["rows"][0], "index", (p["rows"][0]["index"] + 1) % p["seals"][0]["rows"]), "do not lead up"),
    (lambda p: _set(p["seals"][0], "sealed_at", "2026-01-01T00:00:00.000000+00:00"), "no trusted public key"),
    (lambda p: _set(p["seals"][0], "rows", p["seals"][0]["rows"] - 1), "no trusted public key"),
    (lambda p: _set(p, "report_id", str(uuid.uuid4())), "not this report"),
], ids=["a row's column", "a row's place", "the seal's time", "the seal's size", "another report"])
async def test_an_edited_proof_fails(ctx: Context, app_client: httpx.AsyncClient, change: Any,
                                     problem: str) -> None:
    rows = await record_report(ctx)
    await _seal(ctx)
    proof = await proof_of(ctx, app_client, rows["report"])
    key = seal_public_key(ctx.settings.secret_key)
    assert check(proof, [key]) == []
    problems = check(_edited(proof, change), [key])
    assert problems and any(problem in p for p in problems), problems


async def test_a_proof_checks_only_under_the_services_key(ctx: Context, app_client: httpx.AsyncClient) -> None:
    """A proof made (or re-made) with another key, e.g. by someone who forged a whole database, does not check."""
    rows = await record_report(ctx)
    await _seal(ctx)
    proof = await proof_of(ctx, app_client, rows["report"])
    assert check(proof, [seal_public_key("someone-else's-secret")]) == ["seal 1: no trusted public key signed it"]


async def test_a_row_changed_in_the_database_no_longer_proves(ctx: Context, app_client: httpx.AsyncClient) -> None:
    rows = await record_report(ctx)
    await _seal(ctx)
    param = str(rows["events"][1]) if ctx.engine.dialect.name == "postgresql" else rows["events"][1].hex
    async with ctx.engine.begin() as conn:  # as a DBA would: past the append-only trigger
        if conn.dialect.name == "postgresql":
            await conn.execute(text("SET LOCAL session_replication_role = replica"))
        await conn.execute(text("UPDATE report_events SET internal_note = 'наряд 21' WHERE id = :id"), {"id": param})
    proof = await proof_of(ctx, app_client, rows["report"])
    problems = check(proof, [seal_public_key(ctx.settings.secret_key)])
    assert problems == [f"report_events {rows['events'][1]}: its columns do not lead up to seal 1's root"]


async def test_a_seal_whose_entries_changed_proves_none_of_its_rows(ctx: Context,
                                                                    app_client: httpx.AsyncClient) -> None:
    """An edited row's entry rewritten to match: the seal's entries no longer make its signed root, so its rows are
    listed as tampered rather than sent with paths through a tree it never signed, which the checker blamed on each
    row's columns (the intact rows' too)."""
    rows = await record_report(ctx)
    await _seal(ctx)
    param = str(rows["events"][1]) if ctx.engine.dialect.name == "postgresql" else rows["events"][1].hex
    await as_superuser(ctx, "UPDATE report_events SET internal_note = 'наряд 21' WHERE id = :id", id=param)
    await as_superuser(ctx, "UPDATE ledger_entries SET row_hash = :digest WHERE row_id = :id", digest="0" * 64,
                       id=param)
    proof = await proof_of(ctx, app_client, rows["report"])
    assert proof["rows"] == [] and {(row["why"], row["seal"]) for row in proof["unproven"]} == {("tampered", 1)}
    assert len(proof["unproven"]) == 5
    problems = check(proof, [seal_public_key(ctx.settings.secret_key)])
    assert sum("sealed, and tampered (see `zan ledger verify`)" in problem for problem in problems) == 5, problems
    assert not any("lead up" in problem for problem in problems), problems


async def test_the_proof_is_for_oversight_only_and_audited(ctx: Context, app_client: httpx.AsyncClient) -> None:
    rows = await record_report(ctx)
    dispatcher, password = await make_officer(ctx, role="dispatcher")
    path = f"/api/v1/dispatch/reports/{rows['report']}/proof"
    refused = await app_client.get(path, headers=bearer(await login(app_client, dispatcher.badge_number, password)))
    assert refused.status_code == 403
    assert (await app_client.get(path)).status_code == 401
    before = await proof_of(ctx, app_client, rows["report"])
    assert before["rows"] == [] and before["seals"] == [] and before["pending"] >= 5  # nothing sealed yet
    await _seal(ctx)
    after = await proof_of(ctx, app_client, rows["report"])
    assert any(row["table"] == "audit_log" and row["body"]["action"] == "report.proof" for row in after["rows"])
    async with ctx.sessions() as session:
        assert (await verify(session, ctx.settings.secret_keys)).intact


async def test_rows_sealed_before_signatures_are_listed_as_unproven(ctx: Context,
                                                                    app_client: httpx.AsyncClient) -> None:
    rows = await record_report(ctx)
    await _seal(ctx)
    await made_before_signatures(ctx, 1)  # a seal as this revision's predecessor made it
    proof = await proof_of(ctx, app_client, rows["report"])
    assert proof["rows"] == [] and proof["seals"] == []
    assert {(row["why"], row["seal"]) for row in proof["unproven"]} == {("unsigned", 1)} and len(proof["unproven"]) == 5
    # no seal is signed yet, so nothing shows that these rows were sealed before signatures rather than stripped of
    # them (test_stripped_signatures.py has them pass once a signed seal follows)
    assert proof["first_signed"] is None and check(proof, [seal_public_key(ctx.settings.secret_key)]) != []


async def _chain(ctx: Context, client: httpx.AsyncClient, after: int = 0) -> list[dict[str, Any]]:
    got = await client.get(f"/api/v1/ledger/seals?after={after}", headers=await oversight_headers(ctx, client))
    assert got.status_code == 200, got.text
    seals: list[dict[str, Any]] = got.json()
    return seals


async def test_a_monitor_follows_the_signed_chain_and_catches_a_rewrite(ctx: Context, app_client: httpx.AsyncClient,
                                                                        tmp_path: Path) -> None:
    for _ in range(3):
        await record_report(ctx)
        await _seal(ctx)
    key = seal_public_key(ctx.settings.secret_key)
    first_run = await _chain(ctx, app_client)
    assert [seal["id"] for seal in first_run[:3]] == [1, 2, 3] and first_run[0]["prev_signature"] is None
    assert check_chain(first_run, [key]) == []
    kept = {"id": 2, "signature": first_run[1]["signature"]}  # what the monitor keeps from this run

    await record_report(ctx)
    await _seal(ctx)
    later = await _chain(ctx, app_client, after=2)
    assert later[0]["id"] == 3 and check_chain(later, [key], kept) == []

    # a run with a seal left out, or one edited, or one that does not go on from the kept seal
    assert any("comes after" in p for p in check_chain([first_run[0], first_run[2]], [key]))
    assert check_chain([{**first_run[0], "rows": 1}], [key]) == ["seal 1: no trusted public key signed it"]
    assert check_chain(later[1:], [key], kept) == ["the seals do not go on from seal 2 kept earlier"]

    # the service itself (it holds the key) re-makes seal 2 and everything after it, consistently signed…
    async with ctx.sessions() as session:
        seals = list(await session.scalars(select(LedgerSeal).order_by(LedgerSeal.id)))  # type: ignore[arg-type]
        previous = seals[0]
        for seal in seals[1:]:
            if seal.id == 2:
                seal.sealed_at = seal.sealed_at - timedelta(seconds=30)
            seal.prev_signature, seal.prev_mac = previous.signature, previous.mac
            seal.mac = mac_of(ctx.settings.secret_key, seal)
            seal.signature = sign_seal(ctx.settings.secret_key, seal)
            previous = seal
        remade = [(seal.id, seal.sealed_at, seal.prev_mac, seal.mac, seal.prev_signature, seal.signature)
                  for seal in seals[1:]]
    async with ctx.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            await conn.execute(text("SET LOCAL session_replication_role = replica"))
        for seal_id, at, prev_mac, mac, prev_signature, signature in remade:
            await conn.execute(text("UPDATE ledger_seals SET sealed_at = :at, prev_mac = :pm, mac = :m, "
                                    "prev_signature = :ps, signature = :s WHERE id = :id"),
                               {"at": at, "pm": prev_mac, "m": mac, "ps": prev_signature, "s": signature,
                                "id": seal_id})
    rewritten = await _chain(ctx, app_client, after=1)
    assert check_chain(rewritten, [key]) == []  # …so the new chain checks on its own,
    assert check_chain(rewritten, [key], kept) == ["seal 2: not the seal kept earlier"]  # but not against the kept one

    saved = tmp_path / "seals.json"
    saved.write_text(json.dumps(later))
    ran = await anyio.to_thread.run_sync(lambda: CliRunner().invoke(
        ledger_cli, ["check-chain", str(saved), "--public-key", key, "--pinned", f"2:{kept['signature']}"]))
    assert ran.exit_code == 0, ran.output
    assert json.loads(ran.output)["head"] == f"{later[-1]['id']}:{later[-1]['signature']}"
    saved.write_text(json.dumps(rewritten))
    ran = await anyio.to_thread.run_sync(lambda: CliRunner().invoke(
        ledger_cli, ["check-chain", str(saved), "--public-key", key, "--pinned", f"2:{kept['signature']}"]))
    assert ran.exit_code == 1 and json.loads(ran.output)["problems"] == ["seal 2: not the seal kept earlier"]


async def test_what_the_citizen_submitted_is_pinned_by_the_first_event(ctx: Context, app_client: httpx.AsyncClient,
                                                                       citizen: PartnerClient) -> None:
    """The report row changes (status, routing), so it is not sealed; its text, place, time and files are, as one
    hash in the sealed `registered` event. An edit to the text is then found by the history and by a proof."""
    occurred = (datetime.now(UTC) - timedelta(hours=2)).astimezone(timezone(timedelta(hours=5)))  # Astana time
    created = await citizen.submit("Украли велосипед из подъезда на Кенесары 40", occurred_at=occurred.isoformat())
    assert created.status_code == 201, created.text
    report_id = created.json()["id"]
    await _seal(ctx)
    key = seal_public_key(ctx.settings.secret_key)
    oversight = await oversight_headers(ctx, app_client)

    async def integrity() -> dict[str, Any]:
        got = await app_client.get(f"/api/v1/dispatch/reports/{report_id}/history", headers=oversight)
        assert got.status_code == 200, got.text
        part: dict[str, Any] = got.json()["integrity"]
        return part

    proof = await proof_of(ctx, app_client, uuid.UUID(report_id))
    assert proof["submission"]["text"] == "Украли велосипед из подъезда на Кенесары 40"
    assert check(proof, [key]) == [] and (await integrity())["intact"]
    edited = _edited(proof, lambda p: _set(p["submission"], "text", "Нашёл велосипед"))
    assert check(edited, [key]) == [
        "the report's submission (text, place, time, files) is not what its first event sealed"]

    param = report_id if ctx.engine.dialect.name == "postgresql" else uuid.UUID(report_id).hex
    async with ctx.engine.begin() as conn:  # the reports table is not append-only: no trigger to get past
        await conn.execute(text("UPDATE reports SET text = 'Нашёл велосипед' WHERE id = :id"), {"id": param})
    after = await integrity()
    assert not after["intact"] and after["altered"] == [{"table": "reports", "id": report_id}]
    assert check(await proof_of(ctx, app_client, uuid.UUID(report_id)), [key]) == [
        "the report's submission (text, place, time, files) is not what its first event sealed"]
