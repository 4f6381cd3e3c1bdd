"""`zan ml …`: the ml package's commands, with `retrain` folding in the dispatchers' corrections from the database."""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path

import click
from sqlalchemy import select, update
from sqlmodel import col

from backend.context import context_scope
from backend.db import uuid_in
from backend.routing.models import LabelledExample
from backend.settings import Settings
from ml.cli import _progress
from ml.cli import ml as ml_commands

DEFAULT_OUT = "var/models/router"


async def _corrections(settings: Settings) -> tuple[list[uuid.UUID], list[dict[str, str]]]:
    """The stored corrections (their ids, and their rows as training takes them)."""
    async with context_scope(settings) as ctx, ctx.sessions() as session:
        rows = list(await session.scalars(select(LabelledExample).order_by(col(LabelledExample.created_at))))
        return [r.id for r in rows], [{"text": r.text, "category": r.label, "language": r.language} for r in rows]


async def _mark_used(settings: Settings, version: str, ids: list[uuid.UUID]) -> int:
    """Mark the corrections this version was trained on. Only those read before training: dispatchers go on
    reclassifying during the minutes it takes, and their corrections are not in this version."""
    updated = 0
    async with context_scope(settings) as ctx, ctx.sessions() as session:
        for start in range(0, len(ids), 1000):
            result = await session.execute(
                update(LabelledExample)
                .where(uuid_in(session, col(LabelledExample.id), ids[start:start + 1000]),
                       col(LabelledExample.used_in_version).is_(None))
                .values(used_in_version=version))
            updated += int(getattr(result, "rowcount", 0) or 0)
        await session.commit()
    return updated


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
    ids, corrections = asyncio.run(_corrections(settings))
    if extra:
        corrections += [json.loads(line) for line in Path(extra).read_text(encoding="utf-8").splitlines()
                        if line.strip()]
    with _progress(not quiet) as progress:
        model = retrain_model(corrections, out, progress=progress)
    used = asyncio.run(_mark_used(settings, model.version, ids))
    click.echo(json.dumps({"model_version": model.version, "out": str(Path(out).resolve()),
                           "corrections": len(corrections), "newly_used": used}, ensure_ascii=False))


ml = click.Group("ml", help=ml_commands.help, commands={**ml_commands.commands, "retrain": retrain})
