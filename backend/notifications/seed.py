"""Demo data for notifications: nothing to create; says where pushes go in this installation."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from backend.context import Context


async def seed(ctx: Context) -> dict[str, Any]:
    backend = ctx.settings.push_backend
    where = "the log (ZAN_PUSH_BACKEND=log)" if backend == "log" else f"FCM project {ctx.settings.fcm_project_id}"
    return {"push_backend": backend, "pushes_go_to": where,
            "webhooks": "zan notifications webhook-set --partner NAME --url URL"}
