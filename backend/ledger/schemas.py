"""The ledger at the API edge."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec


class LedgerHead(msgspec.Struct):
    """The newest seal. Recording its MAC outside the database (another system, a report to the prosecutor's
    office) pins everything sealed up to it: no later rewrite of the record or of the seals can match it."""

    id: Annotated[int | None, msgspec.Meta(description="None before the first seal")]
    sealed_at: datetime | None
    mac: str | None
    key_id: Annotated[str | None, msgspec.Meta(
        description="the id of the ZAN_SECRET_KEY that made the MAC (`zan keys status`); None before key ids")]
    sealed_rows: int
