"""What the citizen submitted, pinned by one hash in the report's first event (which the ledger seals).

The report row itself keeps changing (status, routing, deadline), so it cannot be sealed as it is. Its submitted
part does not change: the text, the place, the time of the offence, anonymity and the files (each by its sha256).
Their hash goes into the `registered` event's data; the history and a third party's proof compare the report as
it is now with it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from backend.ledger.record import canonical, json_sha256
from backend.media.models import Media
from backend.reports.models import Report


def submission(report: Report, media: Iterable[Media]) -> dict[str, Any]:
    """The submitted fields as canonical JSON values (a proof carries them in this form)."""
    return {
        "text": report.text, "lat": report.lat, "lon": report.lon, "accuracy_m": report.accuracy_m,
        "occurred_at": canonical(report.occurred_at) if report.occurred_at else None,
        "anonymous": report.anonymous,
        "media": sorted([str(item.id), item.sha256] for item in media),
    }


def digest(fields: dict[str, Any]) -> str:
    return json_sha256(fields)


def pinned(events: Iterable[tuple[str | None, Any]]) -> str | None:
    """The submission hash in the `registered` event among (action, data) pairs; None for reports registered
    before events held it."""
    for action, data in events:
        if action == "registered":
            value = (data or {}).get("submission")
            return value if isinstance(value, str) else None
    return None
