"""The push sender port: FCM in production, the log in the embedded default (no credentials needed).

Senders never raise for one bad message: each push gets an `Outcome` saying whether it arrived, whether the target is
gone for good (prune it), or when to try again.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from backend.context import Context

log = logging.getLogger("zan.push")


@dataclass(frozen=True)
class Push:
    """One message to one target: a device (fid or registration token), or a topic condition."""

    key: str  # the delivery id, for logs and the client's own de-duplication
    token: str | None = None
    fid: str | None = None
    condition: str | None = None
    title: str | None = None
    body: str | None = None
    data: dict[str, str] = field(default_factory=dict)
    urgent: bool = False
    # data-only, nothing on the lock screen (restricted categories)
    discreet: bool = False
    # a re-sent push replaces the first on the device (Android tag / apns-collapse-id) instead of showing twice
    collapse_id: str = ""
    ttl_s: int | None = None

    @property
    def target(self) -> str:
        return self.fid or self.token or self.condition or ""


@dataclass(frozen=True)
class Outcome:
    ok: bool
    message_id: str | None = None
    error: str | None = None
    prune: bool = False  # the token / installation is gone: forget it
    retry_after_s: float | None = None  # the provider asked us to wait (429 Retry-After)
    permanent: bool = False  # the message itself is wrong: retrying cannot help


class PushSender(Protocol):
    max_batch: int

    async def send(self, pushes: Sequence[Push]) -> list[Outcome]: ...

    async def close(self) -> None: ...


def masked(target: str) -> str:
    return f"…{target[-6:]}" if len(target) > 6 else "…"


class LogSender:
    """Embedded default: writes what would be sent to the log (targets masked, no personal data in pushes)."""

    max_batch = 500

    def __init__(self, keep: int = 1000) -> None:
        self.sent: deque[Push] = deque(maxlen=keep)

    async def send(self, pushes: Sequence[Push]) -> list[Outcome]:
        out = []
        for push in pushes:
            self.sent.append(push)
            log.info("push (log backend) to %s%s: %s", masked(push.target), " [discreet]" if push.discreet else "",
                     push.title or "<data only>")
            out.append(Outcome(ok=True, message_id=f"log:{push.key}"))
        return out

    async def close(self) -> None:
        return None


def get_sender(ctx: Context) -> PushSender:
    """This process's sender, created on first use from Settings.push_backend ("log" or "fcm")."""
    sender: PushSender | None = ctx.extras.get("push_sender")
    if sender is None:
        if ctx.settings.push_backend == "fcm":
            from backend.notifications.fcm import FcmSender

            sender = FcmSender.from_settings(ctx.settings)
        elif ctx.settings.push_backend == "log":
            sender = LogSender()
        else:
            raise RuntimeError(f"unknown ZAN_PUSH_BACKEND {ctx.settings.push_backend!r} (log | fcm)")
        ctx.extras["push_sender"] = sender
        ctx.extras.setdefault("_closers", []).append(sender.close)
    return sender
