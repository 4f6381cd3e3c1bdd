"""A report's proof against one of the same report obtained earlier: that nothing was removed from the report's
record after the earlier proof's seal (`zan ledger check-proof later.json --since earlier.json`).

A proof on its own (proof.check) shows the report's rows up to the seal it ends at, and where the report's chain ends
in that seal's signed state tree. That leans on the state roots being made honestly from the ones before: a later
seal signed over a tree with an older head put back in the report's leaf (by whoever holds the key, or by a sealer
misled about the tree) and a later proof without the entries after that head would check on their own. The earlier
proof pins what was sealed up to its seal N, so for a prosecutor "nothing was removed from this report after seal
N" is: every row the earlier proof lists is in the later one with the same leaf (its columns, its place in the
chain and the entry it names before it), and the later one lists no other row sealed by seal N. Each seal found in
both proofs must carry the same signature (signatures are deterministic: a seal made again differs).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from backend.ledger.proof import ENDED, check, leaf_of, withheld


def _listed(proof: Mapping[str, Any]) -> dict[tuple[str, str], tuple[int, str | None]]:
    """(table, id) → (seal, leaf line) of every row the proof lists; no line for an unproven row."""
    listed: dict[tuple[str, str], tuple[int, str | None]] = {
        (row["table"], str(row["id"])): (row["seal"], leaf_of(row)) for row in [*proof.get("rows", []),
                                                                               *withheld(proof)]}
    listed |= {(row["table"], str(row["id"])): (row["seal"], None) for row in proof.get("unproven", [])}
    return listed


def _seals(proof: Mapping[str, Any]) -> dict[int, str | None]:
    """Seal id → signature of every seal the proof carries."""
    carried = [*proof.get("seals", []), (proof.get("end") or {}).get("seal"), proof.get("first_signed")]
    return {seal["id"]: seal.get("signature") for seal in carried if isinstance(seal, Mapping) and "id" in seal}


def check_since(later: Mapping[str, Any], earlier: Mapping[str, Any], trusted_keys: Iterable[str]) -> list[str]:
    """What does not hold in `later` (a decoded proof) as a continuation of `earlier` (one of the same report,
    obtained before), besides what proof.check finds in either; [] when nothing the earlier proof showed sealed by
    its seal was removed, changed, or added to since."""
    trusted = list(trusted_keys)
    problems = [f"the earlier proof: {problem}" for problem in check(earlier, trusted)]
    if earlier.get("format") not in ENDED or not isinstance((earlier.get("end") or {}).get("seal"), Mapping):
        return [*problems, f"the earlier proof does not show where the report's chain ended (a {ENDED[0]} does)"]
    problems += check(later, trusted)
    if str(later.get("report_id")) != str(earlier.get("report_id")):
        return [*problems, "the two proofs are of different reports"]
    then = earlier["end"]["seal"]["id"]
    now = ((later.get("end") or {}).get("seal") or {}).get("id")
    if not isinstance(now, int) or now < then:
        problems.append(f"the later proof ends at seal {now}, not at or after seal {then} of the earlier one")
    before, after = _seals(earlier), _seals(later)
    problems += [f"seal {seal_id} is not the same in the two proofs: it was made again"
                 for seal_id in sorted(before.keys() & after.keys()) if before[seal_id] != after[seal_id]]
    listed_then, listed_now = _listed(earlier), _listed(later)
    for (table, row_id), (seal_id, line) in sorted(listed_then.items()):
        found = listed_now.get((table, row_id))
        if found is None:
            problems.append(f"{table} {row_id}: sealed in seal {seal_id} and in the earlier proof, not in the later "
                            f"one: removed after seal {then}")
        elif found[0] != seal_id or found[1] != line:
            problems.append(f"{table} {row_id}: not what the earlier proof showed sealed (seal {seal_id})")
    problems += [f"{table} {row_id}: in seal {seal_id}, by seal {then}, but not in the earlier proof, which ends there"
                 for (table, row_id), (seal_id, _) in sorted(listed_now.items())
                 if isinstance(seal_id, int) and seal_id <= then and (table, row_id) not in listed_then]
    return problems
