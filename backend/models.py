"""Import every table so SQLModel.metadata is complete (Alembic autogenerate, create_all in tests)."""

from __future__ import annotations

import importlib

from backend.db import metadata

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
    "bots.models",
)


def load_models() -> None:
    for module in _DOMAIN_MODELS:
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if not exc.name or not module.startswith(exc.name):
                raise


load_models()
__all__ = ["metadata"]
