"""`zan ml …`: the ml package's commands, with `retrain` folding in the dispatchers' corrections from the database."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import click
from sqlalchemy import select, update
from sqlmodel import col

from backend.context import context_scope
from backend.db import uuid_in
from backend.routing.models import LabelledExample
from backend.settings import Settings
from ml.cli import ml as ml_commands
from ml.cli import read_corrections, retrain_with
from ml.routing_rules import RulesFileError

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
@click.option("--embedder", default=None,
              help='Embedder spec (default: the current model\'s); "none" trains TF-IDF only, in seconds.')
@click.option("--quiet", is_flag=True)
def retrain(out: str, extra: str | None, embedder: str | None, quiet: bool) -> None:
    """Retrain the router with every correction stored by /dispatch/reports/{id}/reclassify and .../label."""
    from ml.taxonomy import load_taxonomy

    settings = Settings.from_env()
    ids, corrections = asyncio.run(_corrections(settings))
    # a stored correction whose category has left the taxonomy since is no routing target any more: left out and
    # said (it failed every retrain, with no way past it but deleting rows by hand); an --extra file's is the
    # operator's mistake, refused by the training below
    taxonomy = load_taxonomy()
    gone = Counter(c["category"] for c in corrections if not taxonomy.has_category(c["category"]))
    if gone:  # nor marked as used by this version, which was not trained on them
        kept = [(i, c) for i, c in zip(ids, corrections, strict=True) if taxonomy.has_category(c["category"])]
        ids, corrections = [i for i, _ in kept], [c for _, c in kept]
        click.echo(f"left out {gone.total()} stored correction(s) of categories no longer in the taxonomy: "
                   + ", ".join(f"{category} ({n})" for category, n in sorted(gone.items())), err=True)
    if extra:
        corrections += read_corrections(extra)
    # a category the taxonomy lacks can only be an --extra file's now: the stored ones were checked above
    model = retrain_with(corrections, out, extra=extra, embedder=embedder, quiet=quiet)
    used = asyncio.run(_mark_used(settings, model.version, ids))
    click.echo(json.dumps({"model_version": model.version, "out": str(Path(out).resolve()),
                           "corrections": len(corrections), "newly_used": used}, ensure_ascii=False))


async def _reroute(settings: Settings, report_ids: list[uuid.UUID] | None) -> list[uuid.UUID]:
    from backend.routing.failures import reroute as reroute_reports

    async with context_scope(settings, null_pool=True) as ctx, ctx.sessions() as session:
        return await reroute_reports(session, report_ids)


@click.command("reroute")
@click.option("--report", "report_ids", multiple=True, type=click.UUID,
              help="Only this report (repeatable); default: every report routing gave up on.")
def reroute(report_ids: tuple[uuid.UUID, ...]) -> None:
    """Route again the open reports whose routing job ran out of attempts (a classifier that kept failing), once
    the cause is fixed: each gets a fresh set of attempts, run by the API (embedded) or the workers."""
    settings = Settings.from_env()
    revived = asyncio.run(_reroute(settings, list(report_ids) or None))
    click.echo(json.dumps({"rerouted": len(revived), "report_ids": [str(r) for r in revived]}))


class _MlGroup(click.Group):
    """A routing rules file that cannot be used (a typo, no catch-all) is a one-line error naming the file (exit 1),
    not a traceback, in every `zan ml` command that loads the rules."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except RulesFileError as exc:
            raise click.ClickException(str(exc)) from exc


ml = _MlGroup("ml", help=ml_commands.help,
              commands={**ml_commands.commands, "retrain": retrain, "reroute": reroute})
