"""Where the officer acting in this request is: the enrolled tablet, the login session and the client address.

The officer guard binds it once it has checked the bearer token; `record` stamps it on the audit lines that officer's
request writes, so no domain has to pass it along (and none can forget to). It is a context variable: each request
runs in its own task, and what a request binds is not seen by another.
"""

from __future__ import annotations

import uuid
from contextvars import ContextVar
from dataclasses import dataclass

from backend.lib.logging import REQUEST_ID


@dataclass(frozen=True)
class Origin:
    officer_id: str
    device_id: str
    session_id: str
    ip: str | None
    # the request that bound it: a context shared past the request's end (an in-process ASGI client runs requests
    # in its caller's task) must not stamp a later line with a tablet that is no longer acting
    request_id: str | None


_ORIGIN: ContextVar[Origin | None] = ContextVar("zan_audit_origin", default=None)


def bind(*, officer_id: uuid.UUID, device_id: str, session_id: uuid.UUID, ip: str | None) -> None:
    """The authenticated officer's tablet, session and address, for the rest of this request."""
    _ORIGIN.set(Origin(officer_id=str(officer_id), device_id=device_id, session_id=str(session_id), ip=ip,
                       request_id=REQUEST_ID.get()))


def acting(actor_id: str | None) -> Origin | None:
    """The origin of this request if `actor_id` is the officer it authenticated, else None: a line about what the
    system or another actor did during the request (a revocation's target, a partner) names no tablet."""
    origin = _ORIGIN.get()
    if origin is None or actor_id is None or actor_id != origin.officer_id:
        return None
    if origin.request_id is None or origin.request_id != REQUEST_ID.get():
        return None
    return origin
