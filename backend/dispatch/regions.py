"""Which part of the country a staff officer answers for: least privilege for the dispatch console.

Dispatchers, supervisors, admins and prosecutors read the reports of their region only. The rule — their own
district's region, else their unit's; neither: the whole country; a district that is not ours: that district alone —
is `backend.officers.jurisdiction`, shared with the tablets' wanted lists and the escalation pushes, so the three can
never scope one officer differently. This module is the console's reading of it.

Supervisors and prosecutors follow the same rule: a regional department's head and a regional prosecutor's office
oversee their region; oversight of the whole country is an officer without a district. Field officers are scoped
by their own rule (their unit's reports, their district's: `dispatch.service.visible_to`).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from backend.officers.auth import OfficerPrincipal
from backend.officers.jurisdiction import districts_of, jurisdiction_for

__all__ = ["districts_for", "districts_of"]


async def districts_for(session: AsyncSession, principal: OfficerPrincipal) -> tuple[str, ...] | None:
    """The district codes whose reports `principal` may read (before the restricted-category rule); None: all."""
    return (await jurisdiction_for(session, principal)).districts
