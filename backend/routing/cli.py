"""`zan ml …`: the ml package's commands, with `retrain` folding in the dispatchers' corrections from the database."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import click
from sqlalchemy import select, update
from sqlmodel import col

from backend.context import context_scope
from backend.routing.models import LabelledExample
from backend.settings import Settings
from ml.cli import _progress
from ml.cli import ml as ml_commands

DEFAULT_OUT = "var/models/router"


async def _corrections(settings: Settings) -> list[dict[str, str]]:
    async with context_scope(settings) as ctx, ctx.sessions() as session:
        rows = await session.scalars(select(LabelledExample).order_by(col(LabelledExample.created_at)))
        return [{"text": r.text, "category": r.label, "language": r.language} for r in rows]


async def _mark_used(settings: Settings, version: str) -> int:
    async with context_scope(settings) as ctx, ctx.sessions() as session:
        result = await session.execute(
            update(LabelledExample).where(col(LabelledExample.used_in_version).is_(None)).values(used_in_version=version)
        )
        await session.commit()
        return int(getattr(result, "rowcount", 0) or 0)


@click.command("retrain")
@click.option("--out", default=DEFAULT_OUT, show_default=True, type=click.Path(file_okay=False),
              help="Where to write the retrained model (then point ZAN_ROUTER_MODEL_DIR at it).")
@click.option("--extra", type=click.Path(exists=True, dir_okay=False), default=None,
              help="More corrections as JSON lines {text, category}, besides those in the database.")
@click.option("--quiet", is_flag=True)
def retrain(out: str, extra: str | None, quiet: bool) -> None:
    """Retrain the router with every dispatcher correction stored by /dispatch/reports/{id}/reclassify."""
    from ml.training import retrain as retrain_model

    settings = Settings.from_env()
    corrections = asyncio.run(_corrections(settings))
    if extra:
        corrections += [json.loads(line) for line in Path(extra).read_text(encoding="utf-8").splitlines()
                        if line.strip()]
    with _progress(not quiet) as progress:
        model = retrain_model(corrections, out, progress=progress)
    used = asyncio.run(_mark_used(settings, model.version))
    click.echo(json.dumps({"model_version": model.version, "out": str(Path(out).resolve()),
                           "corrections": len(corrections), "newly_used": used}, ensure_ascii=False))


ml = click.Group("ml", help=ml_commands.help, commands={**ml_commands.commands, "retrain": retrain})
