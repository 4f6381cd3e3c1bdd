"""Recording audit entries inside the caller's transaction (so an action and its trace commit together)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.audit import origin
from backend.audit.models import AuditLog


async def record(session: AsyncSession, *, actor_type: str, actor_id: str | uuid.UUID | None, action: str,
                 target_type: str, target_id: str | uuid.UUID | None, data: dict[str, Any] | None = None,
                 ip: str | None = None, device_id: str | None = None,
                 session_id: str | uuid.UUID | None = None) -> AuditLog:
    """Append one audit line to the caller's transaction. Never put personal data in `data`. A line the
    authenticated officer of this request is the actor of carries their tablet, session and address unless given
    (see backend.audit.origin); a login, before any session, gives them itself."""
    actor = str(actor_id) if actor_id is not None else None
    via = origin.acting(actor)
    entry = AuditLog(actor_type=actor_type, actor_id=actor, action=action, target_type=target_type,
                     target_id=str(target_id) if target_id is not None else None, data=dict(data or {}),
                     ip=ip if ip is not None or via is None else via.ip,
                     device_id=device_id if device_id is not None or via is None else via.device_id,
                     session_id=(str(session_id) if session_id is not None
                                 else via.session_id if via is not None else None))
    session.add(entry)
    return entry


async def for_target(session: AsyncSession, *, target_type: str, target_id: str | uuid.UUID) -> list[AuditLog]:
    """The trail of one object, oldest first."""
    rows = await session.scalars(
        select(AuditLog).where(AuditLog.target_type == target_type, AuditLog.target_id == str(target_id))  # type: ignore[arg-type]
        .order_by(AuditLog.at, AuditLog.id)  # type: ignore[arg-type]
    )
    return list(rows)
