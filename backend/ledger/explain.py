"""`zan ledger verify`'s findings in words, for whoever reads them (an auditor): each changed or missing row with its
report and the seal that holds it, each broken seal's check with what it means, runs of seals merged."""

from __future__ import annotations

from backend.ledger.pinned import CUSTODY, MEDIA, REPORTS
from backend.ledger.verify import Verdict

# what each of Verdict.broken_seals' checks means, for whoever reads `zan ledger verify` (an auditor)
CHECKS = {
    "mac": "its MAC does not check under the key it names: a field of the seal (its row count, digest, time, layout "
           "or a link) was changed after it was made",
    "key": "it names a key that is not configured (ZAN_SECRET_KEY, ZAN_PREVIOUS_SECRET_KEYS): without that key a "
           "forged seal and a true one look alike",
    "signature": "its Ed25519 signature does not check, or it has none although signing had begun (taken off)",
    "digest": "its entries (ledger_entries) are not the ones it sealed: an entry was added, removed or rewritten "
              "(a row's recorded hash rewritten to match an edited row shows here)",
    "root": "the Merkle root over its entries is not the one it signed: its entries were changed",
    "chain": "it does not name the seal before it (its MAC or signature): a seal before it was made again, replaced "
             "or removed",
    "numbering": "the seals' numbers have a gap (a seal deleted), or entries name a seal after the newest one (the "
                 "newest seals deleted with their entries left behind)",
    "head_key": "the newest seal is under an earlier key than the current one: seals after the key's rotation may "
                "have been made again by the old key's holder",
    "key_order": "it was made under an older key than a seal before it",
    "state": "the heads of the report chains it signed (its state root) are not the ones its entries and those "
             "before give: a chain's entries were changed or removed. The seals after it that do not touch that "
             "chain again follow from it, so a run of them starts where the change is",
    "tree": "the stored state tree (ledger_state_nodes) is not the one the entries give: the tree was changed by "
            "hand, or (with findings on entries above) the entries were",
    "end": "the report's chain does not end where the newest seal's state shows it: its last entries were removed",
}


# what an altered (True) or missing (False) row that no seal holds means, by table: its sealed event pins it instead
# (backend.ledger.pinned)
PINNED = {
    (REPORTS, True): "what the citizen submitted (text, place, time, anonymity, files) is not what its sealed "
                     "`registered` event pinned",
    (MEDIA, True): "a file sent after the report was registered; its stored sha256 is not the one the sealed event "
                   "that brought it recorded (the file was swapped)",
    (MEDIA, False): "a file sent after the report was registered, recorded by a sealed event, and no longer the "
                    "report's (deleted, or moved to another report)",
    (CUSTODY, True): "a custody record no sealed `assign` event matches (its unit, assigner or automatic flag was "
                     "changed, or the record was added)",
    (CUSTODY, False): "fewer custody records than the sealed `assign` events that wrote them: a record was deleted "
                      "(the id is the report's)",
}


def _seal_ranges(ids: list[int]) -> str:
    """Seal ids as runs: "seal 4", "seals 4–9, 12"."""
    runs: list[list[int]] = []
    for seal_id in sorted(set(ids)):
        if runs and seal_id == runs[-1][1] + 1:
            runs[-1][1] = seal_id
        else:
            runs.append([seal_id, seal_id])
    text = ", ".join(str(a) if a == b else f"{a}–{b}" for a, b in runs)
    return f"seal{'s' if len(set(ids)) > 1 else ''} {text}"


def explained(verdict: Verdict) -> list[str]:
    """What the verdict found, a sentence each, where it is and what it means; [] when intact. The seals hold only
    each row's hash, so which column of a row was changed cannot be told: compare the row with a copy from before
    (a backup, or a proof given out earlier)."""
    found = []
    for rows, altered, what in ((verdict.altered, True, "changed after it was sealed (it no longer hashes to its "
                                                        "entry)"),
                                (verdict.missing, False, "deleted after it was sealed")):
        for table, row_id in rows:
            report_id = verdict.pinned_by.get((table, row_id))
            if report_id is not None:  # no seal holds it: its report's sealed event pins it
                found.append(_pinned(table, row_id, report_id, altered=altered))
                continue
            scope, seal_id = verdict.located.get((table, row_id), ("?", 0))
            found.append(f"{table} {row_id} ({scope}), sealed by seal {seal_id}: {what}")
    found += [f"{scope}, entry {seq}: the entry before it in this chain is gone or is not the one it names "
              f"(removed, or changed)" for scope, seq in verdict.unlinked]
    by_check: dict[str, list[int]] = {}
    for seal_id, check in verdict.broken_seals:
        by_check.setdefault(check, []).append(seal_id)
    for check, ids in by_check.items():
        where = "the chain" if ids == [0] else _seal_ranges([i for i in ids if i]) + ("" if 0 not in ids else
                                                                                      " and the chain")
        found.append(f"{where}: {CHECKS.get(check, check)}")
    found += [f"report_notes {note_id}: another text, author or report than its sealed events record, or "
              f"removed or brought back without its event" for note_id in verdict.notes.altered]
    found += [f"report_notes {note_id}: sealed as added to its report (note_added) and no longer there (deleted, "
              f"or moved to another report)" for note_id in verdict.notes.missing]
    return found


def _pinned(table: str, row_id: object, report_id: object, *, altered: bool) -> str:
    """A row that no seal holds, against the sealed event that pins it."""
    if table == REPORTS and not altered:
        return (f"{table} {row_id}: gone, though its sealed events remain (the `registered` one pins what the citizen "
                "submitted)")
    what = PINNED.get((table, altered)) or ("no longer what its sealed event pinned" if altered
                                            else "gone, though its sealed event pinned it")
    return f"{table} {row_id} (report:{report_id}): {what}"
