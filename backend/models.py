"""Import every table so SQLModel.metadata is complete (Alembic autogenerate, create_all in tests)."""

from __future__ import annotations

from backend.db import metadata
from backend.lib.modules import import_optional

_DOMAIN_MODELS = (
    "backend.partners.models",
    "backend.citizens.models",
    "backend.reports.models",
    "backend.media.models",
    "backend.jobs.models",
    "backend.routing.models",
    "backend.notifications.models",
    "backend.officers.models",
    "backend.dispatch.models",
    "backend.sync.models",
    "backend.audit.models",
    "backend.ledger.models",
    "bots.models",
)


def load_models() -> None:
    for module in _DOMAIN_MODELS:
        import_optional(module)


load_models()
__all__ = ["metadata"]
