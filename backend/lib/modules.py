"""Optional domain modules: a domain that is not installed is skipped, a broken one still fails loudly."""

from __future__ import annotations

import importlib
from types import ModuleType


def import_optional(module_name: str) -> ModuleType | None:
    """The module, or None if it (or its package) does not exist. Import errors *inside* it propagate."""
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and module_name.startswith(exc.name):
            return None
        raise


def optional_attr(spec: str) -> object | None:
    """`"package.module:attr"` → the attribute, or None when the module is absent."""
    module_name, _, attr = spec.partition(":")
    module = import_optional(module_name)
    return getattr(module, attr, None) if module is not None else None
