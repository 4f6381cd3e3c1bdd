"""Task name → handler. Domains register their handlers at import; the relay and SAQ workers look them up."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from backend.context import Context

Handler = Callable[["Context", dict[str, Any]], Awaitable[None]]
HANDLERS: dict[str, Handler] = {}


class PermanentError(Exception):
    """A task that can never succeed (e.g. its report was deleted): dead-letter at once, do not retry."""


class RetryLater(Exception):
    """The task should run again after `after_s` seconds (e.g. a provider asked us to back off with Retry-After)."""

    def __init__(self, message: str, after_s: float) -> None:
        super().__init__(message)
        self.after_s = after_s


def task(name: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        HANDLERS[name] = fn
        return fn

    return register


def load_all_handlers() -> None:
    """Import every domain's jobs module so their @task decorators run."""
    from backend.lib.modules import import_optional

    for module in ("backend.reports.jobs", "backend.notifications.jobs", "backend.dispatch.jobs",
                   "backend.officers.jobs", "backend.routing.jobs", "backend.sync.jobs",
                   "backend.media.jobs", "backend.ledger.jobs",
                   # the duty bot's own tasks (escalations to supervisors); absent where the bots are not installed
                   "bots.officer.escalations"):
        import_optional(module)
