"""`Handlers`: the citizen bot's handlers of one conversation module, collected at import and attached later.

An aiogram Router belongs to one Dispatcher, and a process may run several (webhook app, polling CLI, tests), so
each module lists its handlers here and `handlers.build_router` attaches them to a fresh Router. Within a module they
are kept in definition order: for aiogram the first handler whose filters match an update takes it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Handler = Callable[..., Any]


class Handlers:
    """Handlers registered in definition order, as (observer name, filters, handler)."""

    def __init__(self) -> None:
        self.items: list[tuple[str, tuple[Any, ...], Handler]] = []

    def _on(self, kind: str, filters: tuple[Any, ...]) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self.items.append((kind, filters, handler))
            return handler

        return register

    def message(self, *filters: Any) -> Callable[[Handler], Handler]:
        return self._on("message", filters)

    def callback_query(self, *filters: Any) -> Callable[[Handler], Handler]:
        return self._on("callback_query", filters)

    def edited_message(self, *filters: Any) -> Callable[[Handler], Handler]:
        return self._on("edited_message", filters)
