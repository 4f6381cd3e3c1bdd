"""`zan legal …`: build the legal index and ask questions from the shell (JSON out, for scripts and support)."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import click

from ml.legal.index import LegalIndexError, build_index, default_index_dir, index_status


@click.group(name="legal")
def legal() -> None:
    """Legal help retrieval over Kazakhstan's codes."""


@legal.command(name="index")
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Index directory (default: $ZAN_LEGAL_INDEX_DIR or the bundled ml/models/legal-index).",
)
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.option("--force", is_flag=True, help="Rebuild even when the index is up to date.")
def index_cmd(out: Path | None, quiet: bool, force: bool) -> None:
    """Embed the corpus and the FAQ and write the index; a no-op when it is already up to date (the repository
    ships a built index, so a fresh clone never embeds). Only texts that changed are embedded again."""
    from ml.embedders import get_embedder

    target = out or default_index_dir()
    if not force and index_status(target, get_embedder().name) is None:
        if not quiet:
            click.echo(f"legal index in {target} is up to date")
        return
    started = time.perf_counter()
    path = build_index(target, progress=not quiet)
    size = sum(p.stat().st_size for p in path.iterdir() if p.is_file())
    click.echo(f"legal index written to {path} ({size / 1e6:.1f} MB) in {time.perf_counter() - started:.0f} s")


@legal.command(name="ask")
@click.argument("question")
@click.option(
    "--lang",
    "language",
    type=click.Choice(["ru", "kk", "en"]),
    default=None,
    help="Answer language (default: detected from the question).",
)
@click.option("--index", "index_dir", type=click.Path(file_okay=False, path_type=Path), default=None)
@click.option("--context", "context", multiple=True,
              help="An earlier question of the chat (repeat, oldest first): a follow-up is answered on its topic.")
def ask_cmd(question: str, language: str | None, index_dir: Path | None, context: tuple[str, ...]) -> None:
    """Answer QUESTION and print the answer as JSON."""
    from ml.legal.assistant import LegalAssistant

    try:
        assistant = LegalAssistant.load(index_dir)
    except LegalIndexError as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)
    click.echo(json.dumps(assistant.ask(question, language, context).to_dict(), ensure_ascii=False, indent=2))


if __name__ == "__main__":
    legal()
