"""`zan ledger ...`: seal the record now, or verify all of it (for an audit, or after a restore from backup)."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from backend.settings import Settings


@click.group()
def ledger() -> None:
    """The tamper-evident seals over report events, citizens' comments, routing decisions, evidence and the audit
    log."""


@ledger.command("seal")
@click.option("--full", is_flag=True, help="read the tables from the start, for rows `verify` reports as pending")
def seal_cmd(full: bool) -> None:
    """Seal what was appended since the last seal (the worker does this every minute)."""
    from backend.context import run_in_session
    from backend.ledger.service import seal_pending

    seals = run_in_session(lambda session, settings: seal_pending(session, settings.secret_keys, full=full,
                                                                  max_seals=10_000))
    click.echo(json.dumps({"seals": [{"id": s.id, "rows": s.rows, "mac": s.mac} for s in seals]}))


@ledger.command("verify")
def verify_cmd() -> None:
    """Recompute every seal and every sealed row, and compare each report's rows that no seal holds (what the
    citizen submitted, files sent later, custody records, tablet notes) with the sealed events that pin them; prints
    JSON, exits 1 when anything sealed or pinned was changed."""
    from backend.context import run_in_session
    from backend.ledger.explain import explained
    from backend.ledger.verify import verify

    verdict = run_in_session(lambda session, settings: verify(session, settings.secret_keys, keep_seals=False))
    head = verdict.head
    click.echo(json.dumps({
        "intact": verdict.intact, "seals": verdict.count, "sealed": verdict.sealed, "pending": verdict.pending,
        # sealed rows, and the rows an event pins instead (`reports`: what the citizen submitted; `media`: a file
        # sent later; `assignments`: a custody record), by table and id
        "altered": [{"table": t, "id": str(i)} for t, i in verdict.altered],
        "missing": [{"table": t, "id": str(i)} for t, i in verdict.missing],
        "broken_seals": [{"id": i, "check": check} for i, check in verdict.broken_seals],
        # the scope's entry before these is gone, or not the one they name (their scope's chain, ledger/chain.py)
        "unlinked": [{"scope": scope, "seq": seq} for scope, seq in verdict.unlinked],
        # the tablet notes (not sealed themselves) against their sealed note_added / note_removed events; notes
        # written before those events existed are only counted (not_recorded)
        "notes": {"checked": verdict.notes.checked, "not_recorded": verdict.notes.not_recorded,
                  "altered": [str(i) for i in verdict.notes.altered],
                  "missing": [str(i) for i in verdict.notes.missing]},
        # the same, a sentence each: where (the row's report, the seal holding it) and what it means
        "explained": explained(verdict),
        # quoting the head's MAC elsewhere (a report to the prosecutor's office) pins everything up to it
        "head": {"id": head.id, "sealed_at": head.sealed_at.isoformat(), "mac": head.mac} if head else None,
    }, ensure_ascii=False, indent=2))
    sys.exit(0 if verdict.intact else 1)


@ledger.command("public-key")
def public_key_cmd() -> None:
    """The Ed25519 public keys that sign seals (the current key's first), to hand to whoever checks proofs."""
    from backend.ledger.record import seal_public_key
    from backend.lib.crypto import key_id

    settings = Settings.from_env()
    click.echo(json.dumps([{"key_id": key_id(key), "public_key": seal_public_key(key)}
                           for key in settings.secret_keys], indent=2))


@ledger.command("check-proof")
@click.argument("proof_file", type=click.File("rb"))
@click.option("--public-key", "public_keys", multiple=True, required=True,
              help="a trusted Ed25519 public key (hex), obtained apart from the proof; repeat for earlier keys")
@click.option("--since", "earlier_file", type=click.File("rb"), default=None,
              help="a proof of the same report obtained earlier: nothing it showed sealed may be gone or changed")
def check_proof_cmd(proof_file: Any, public_keys: tuple[str, ...], earlier_file: Any) -> None:
    """Check a report's proof (GET /api/v1/dispatch/reports/{id}/proof) offline: no database, no secret. Prints
    JSON and exits 1 unless every row in it is proven (and, with --since, unless it goes on from the earlier
    proof: nothing removed from the report after the earlier proof's seal)."""
    from backend.ledger.proof import check, limits
    from backend.ledger.since import check_since

    try:
        proof = json.loads(proof_file.read())
        problems = (check(proof, public_keys) if earlier_file is None
                    else check_since(proof, json.loads(earlier_file.read()), public_keys))
        # what even a valid proof does not show: where an older format's chain ends, or rows after the seal it is of
        cannot_show = limits(proof)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:  # not a proof at all (a list for a mapping…)
        proof, problems, cannot_show = {}, [f"not a readable proof: {exc!r}"], []
    click.echo(json.dumps({"valid": not problems, "report_id": proof.get("report_id"),
                           "rows": len(proof.get("rows", [])), "unproven": proof.get("unproven", []),
                           "problems": problems, "cannot_show": cannot_show}, ensure_ascii=False, indent=2))
    sys.exit(1 if problems else 0)


@ledger.command("check-chain")
@click.argument("seals_file", type=click.File("rb"))
@click.option("--public-key", "public_keys", multiple=True, required=True,
              help="a trusted Ed25519 public key (hex), obtained apart from the seals; repeat for earlier keys")
@click.option("--pinned", default=None, metavar="ID:SIGNATURE",
              help="the last seal kept from an earlier run: these seals must contain it unchanged or go on from it")
def check_chain_cmd(seals_file: Any, public_keys: tuple[str, ...], pinned: str | None) -> None:
    """Check the signed seals (GET /api/v1/ledger/seals?after=ID) offline: signed, consecutive, chained, and going on
    from the seal kept last time. Prints JSON with the new head to keep; exits 1 on any problem."""
    from backend.ledger.proof import check_chain

    try:
        kept = None
        if pinned:
            seal_id, _, signature = pinned.partition(":")
            kept = {"id": int(seal_id), "signature": signature}
        seals = json.loads(seals_file.read())
        problems = check_chain(seals, public_keys, kept)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        seals, problems = [], [f"not a readable list of seals (or --pinned): {exc!r}"]
    head = seals[-1] if seals else None
    click.echo(json.dumps({"valid": not problems, "seals": len(seals),
                           "head": f"{head['id']}:{head['signature']}" if head else pinned,
                           "problems": problems}, indent=2))
    sys.exit(1 if problems else 0)
