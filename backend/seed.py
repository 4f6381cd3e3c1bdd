"""Demo reference data for the embedded default (refused in production). Idempotent: running it twice changes
nothing."""

from __future__ import annotations

from typing import Any

from backend.context import context_scope
from backend.lib.crypto import unseal
from backend.lib.modules import import_optional
from backend.partners import service as partners
from backend.settings import Settings

DEMO_PARTNER = "demo-egov"
# domains that bring their own demo data (units, officers, wanted lists) expose `async seed(ctx) -> dict`
DOMAIN_SEEDS = ("backend.officers.seed", "backend.sync.seed", "backend.notifications.seed")


class SeedRefused(RuntimeError):
    """Demo data has no place in production: known passwords, a demo partner whose secret is printed."""


async def seed_demo(settings: Settings) -> dict[str, Any]:
    if settings.environment == "production":
        raise SeedRefused(
            "`zan seed` plants demo accounts with a published password and a demo partner app: it does not run with "
            "ZAN_ENVIRONMENT=production. Create units with `zan units create`, officers with `zan officers create` "
            "and partner apps with `zan partners create`.")
    out: dict[str, Any] = {}
    async with context_scope(settings) as ctx:
        async with ctx.sessions() as session:
            existing = await partners.by_name(session=session, name=DEMO_PARTNER)
            if existing is None:
                created = await partners.create(session=session, secret_key=settings.secret_key, name=DEMO_PARTNER)
                partner_id, secret = str(created.id), created.secret
            else:
                # embedded demo only: the demo secret is shown again so `make run` can always print it
                partner_id, secret = str(existing.id), unseal(settings.secret_keys, existing.secret_sealed)
        out["demo_partner"] = {"id": partner_id, "name": DEMO_PARTNER, "secret": secret}
        for module_name in DOMAIN_SEEDS:
            module = import_optional(module_name)
            if module is not None:
                out[module_name.split(".")[1]] = await module.seed(ctx)
    return out
