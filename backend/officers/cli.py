"""`zan officers ...`: create officer accounts from the console."""

from __future__ import annotations

import asyncio
import json

import click

from backend.officers.auth import Role
from backend.settings import Settings


@click.group()
def officers() -> None:
    """Officer accounts and units."""


@officers.command("create")
@click.option("--badge", required=True)
@click.option("--name", required=True)
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.PATROL_OFFICER.value)
@click.option("--department", required=True, help="taxonomy department code, e.g. patrol_police")
@click.option("--district", required=True, help="district code, e.g. astana")
@click.option("--unit", "unit_code", default=None, help="unit code to join")
@click.option("--rank", default="")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def create(badge: str, name: str, role: str, department: str, district: str, unit_code: str | None, rank: str,
           password: str) -> None:
    """Create an officer account."""
    from sqlalchemy import select

    from backend.context import context_scope
    from backend.officers import service
    from backend.officers.models import Unit

    async def go() -> dict[str, str]:
        async with context_scope(Settings.from_env()) as ctx, ctx.sessions() as session:
            unit = None
            if unit_code:
                unit = await session.scalar(select(Unit).where(Unit.code == unit_code))  # type: ignore[arg-type]
                if unit is None:
                    raise click.ClickException(f"no unit {unit_code!r}")
            officer = await service.create_officer(session, badge_number=badge, full_name=name, role=role,
                                                   department=department, district=district, password=password,
                                                   rank=rank, unit=unit, actor_id="cli")
            await session.commit()
            return {"id": str(officer.id), "badge_number": officer.badge_number, "role": officer.role}

    click.echo(json.dumps(asyncio.run(go()), ensure_ascii=False))
