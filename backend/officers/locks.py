"""Row locks on an officer, shared by the domains that serialise one officer's actions."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from backend.officers.models import Officer


async def lock_officer(session: AsyncSession, officer_id: uuid.UUID) -> None:
    """Hold the officer's row until the transaction ends. Used where a check-then-insert must not run twice in
    parallel for one officer (opening a shift, counting the hour's area alerts without Redis). SQLite ignores
    FOR UPDATE; it serialises writers anyway."""
    await session.execute(select(col(Officer.id)).where(col(Officer.id) == officer_id).with_for_update())
