"""The health endpoints' answers at the API edge."""

from __future__ import annotations

import msgspec


class Liveness(msgspec.Struct, frozen=True):
    """The process serves requests. Nothing else is said: the probe is unauthenticated."""

    status: str = "alive"
