"""`zan units ...`: create a patrol unit, and list the departments and districts units and officers may belong to."""

from __future__ import annotations

import json
from typing import Any

import click

from backend.officers.cli.checks import (
    check_department,
    check_district,
    district_codes,
    length,
    one_of,
    police_departments,
    run,
)
from backend.settings import Settings


@click.group()
def units() -> None:
    """Patrol units (cars, district inspectors' posts): what dispatch assigns reports to."""


@units.command("create")
@click.option("--code", required=True, help="unique, e.g. AST-ПП-3")
@click.option("--name", required=True)
@click.option("--department", required=True, help="taxonomy department code, e.g. patrol_police")
@click.option("--district", required=True, help="district code, e.g. astana (`zan units districts`)")
@click.option("--restricted-category", "restricted", multiple=True,
              help="a restricted category this unit is designated for (domestic_violence, child_incident, "
                   "police_complaint); repeat for more")
def units_create(code: str, name: str, department: str, district: str, restricted: tuple[str, ...]) -> None:
    """Create a unit (off duty until one of its officers starts a shift)."""
    from sqlalchemy import select
    from sqlalchemy.exc import IntegrityError

    from backend.audit.service import record
    from backend.context import context_scope
    from backend.officers import service
    from backend.officers.models import Unit
    from ml.taxonomy import load_taxonomy

    code = length(code, 40, "--code")
    name = length(name, 200, "--name")
    department, district = check_department(department), check_district(district)
    allowed = sorted(load_taxonomy().restricted_codes())
    categories = [one_of(c, allowed, "restricted category", "--restricted-category") for c in restricted]

    async def go(settings: Settings) -> dict[str, Any]:
        async with context_scope(settings) as ctx, ctx.sessions() as session:
            if await session.scalar(select(Unit.id).where(Unit.code == code)) is not None:  # type: ignore[arg-type, call-overload]
                raise click.ClickException(f"a unit with code {code!r} already exists")
            try:
                async with session.begin_nested():
                    unit = await service.create_unit(session, code=code, name=name, department=department,
                                                     district=district, restricted_categories=list(dict.fromkeys(
                                                         categories)), status="off_duty")
            except IntegrityError as exc:  # created meanwhile
                raise click.ClickException(f"a unit with code {code!r} already exists") from exc
            await record(session, actor_type="admin", actor_id=service.CONSOLE, action="unit.create",
                         target_type="unit", target_id=unit.id,
                         data={"department": department, "district": district,
                               "restricted_categories": unit.restricted_categories})
            await session.commit()
            return {"id": str(unit.id), "code": unit.code, "name": unit.name, "department": unit.department,
                    "district": unit.district, "restricted_categories": unit.restricted_categories}

    click.echo(json.dumps(run(go), ensure_ascii=False))


@units.command("departments")
def units_departments() -> None:
    """List the department codes units and officers may belong to."""
    click.echo("\n".join(police_departments()))


@units.command("districts")
def units_districts() -> None:
    """List the district codes units and officers may belong to."""
    click.echo("\n".join(district_codes()))

