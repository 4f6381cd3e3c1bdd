"""`zan ml train|eval|retrain` on data users bring: broken lines, odd labels, odd folders. A bad file is one line
naming the file and line (exit 2, no traceback); a row without text or label is skipped and counted on stderr;
stdout holds only the JSON. Models are TF-IDF only (`--embedder none`) so each test takes seconds."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from ml.classifier import RouterModel, train
from ml.cli import ml
from ml.router import Router
from ml.training import retrain
from tests.helpers import few_bundled_examples
from tests.ml.test_cli import ROWS  # the same small two-class data


def _lines(rows: list[tuple[str, str]], text: str = "text", label: str = "label") -> list[str]:
    return [json.dumps({text: t, label: y}, ensure_ascii=False) for t, y in rows]


def _file(path: Path, lines: list[str], *, newline: str = "\n", prefix: bytes = b"") -> Path:
    path.write_bytes(prefix + (newline.join(lines) + newline).encode("utf-8"))
    return path


def _train(data: Path, out: Path, *extra: str) -> Result:
    return CliRunner().invoke(ml, ["train", "--data", str(data), "--out", str(out), "--embedder", "none", "--quiet",
                                   *extra])


def _eval(model: Path, data: Path, *extra: str) -> Result:
    return CliRunner().invoke(ml, ["eval", "--model", str(model), "--data", str(data), *extra])


def _clear_error(result: Result, *needles: str) -> None:
    """Exit 2, one message (no traceback) naming what is wrong, nothing on stdout."""
    assert result.exit_code == 2, (result.exit_code, result.output, result.exception)
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    assert result.stdout == ""
    for needle in needles:
        assert needle in result.stderr, result.stderr


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("model") / "m"
    train([t for t, _ in ROWS], [y for _, y in ROWS], embedder=None).save(out)
    return out


# -- bad input files ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "bad", "why"), [
    ("not_json", "{text: oops", "not JSON"),
    ("list", "[1, 2]", "not a JSON object"),
    ("string", '"just a string"', "not a JSON object"),
    ("label_list", json.dumps({"text": "кричат во дворе", "label": ["disorder"]}), "'label'"),
    ("label_object", json.dumps({"text": "кричат во дворе", "label": {"a": 1}}), "'label'"),
    ("label_bool", json.dumps({"text": "кричат во дворе", "label": True}), "'label'"),
    ("text_number", json.dumps({"text": 42, "label": "disorder"}), "'text'"),
    ("text_list", json.dumps({"text": ["кричат"], "label": "disorder"}), "'text'"),
])
def test_broken_line_names_file_and_line(tmp_path: Path, model_dir: Path, name: str, bad: str, why: str) -> None:
    data = _file(tmp_path / f"{name}.jsonl", [*_lines(ROWS[:3]), bad, *_lines(ROWS[3:])])
    for result in (_train(data, tmp_path / "out"), _eval(model_dir, data)):
        _clear_error(result, f"{name}.jsonl:4", why)
    assert not (tmp_path / "out").exists()


def test_huge_line_is_refused_by_line(tmp_path: Path, model_dir: Path) -> None:
    huge = json.dumps({"text": "украли " * 400_000, "label": "stolen"}, ensure_ascii=False)
    data = _file(tmp_path / "huge.jsonl", [*_lines(ROWS[:2]), huge, *_lines(ROWS[2:])])
    _clear_error(_eval(model_dir, data), "huge.jsonl:3", "too long")


def test_empty_file_is_a_clear_error(tmp_path: Path, model_dir: Path) -> None:
    data = _file(tmp_path / "empty.jsonl", [])
    data.write_bytes(b"")
    _clear_error(_train(data, tmp_path / "out"), "empty.jsonl", "no rows")
    _clear_error(_eval(model_dir, data), "empty.jsonl", "no rows")


def test_other_field_names_say_which_fields_the_file_has(tmp_path: Path, model_dir: Path) -> None:
    # an eval file written with "body"/"kind" while the model was trained with --text-field text
    data = _file(tmp_path / "other.jsonl", _lines(ROWS, text="body", label="kind"))
    _clear_error(_eval(model_dir, data, "--label-field", "kind"), "other.jsonl", "'text'", "body")


def test_bom_and_crlf_are_read(tmp_path: Path, model_dir: Path) -> None:
    data = _file(tmp_path / "bom.jsonl", _lines(ROWS), newline="\r\n", prefix=b"\xef\xbb\xbf")
    result = _eval(model_dir, data)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["n"] == len(ROWS)


def test_rows_without_text_or_label_are_skipped_and_counted(tmp_path: Path, model_dir: Path) -> None:
    lines = [
        *_lines(ROWS),
        "",
        "   ",
        json.dumps({"label": "stolen"}),
        json.dumps({"text": None, "label": "stolen"}),
        json.dumps({"text": "   ", "label": "stolen"}),
        json.dumps({"text": "", "label": "stolen"}),
        json.dumps({"text": "кто-то кричит", "label": None}),
        json.dumps({"text": "кто-то кричит"}),
        json.dumps({"text": "кто-то кричит", "label": " "}),
    ]
    data = _file(tmp_path / "gaps.jsonl", lines)
    result = _eval(model_dir, data)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["n"] == len(ROWS)
    assert "skipped 7 rows" in result.stderr and "gaps.jsonl" in result.stderr, result.stderr
    assert "4 without 'text'" in result.stderr and "3 without 'label'" in result.stderr, result.stderr


def test_number_labels_are_read_as_their_text(tmp_path: Path) -> None:
    data = _file(tmp_path / "ids.jsonl", [json.dumps({"text": t, "label": 1 if y == "stolen" else 0},
                                                     ensure_ascii=False) for t, y in ROWS])
    result = _train(data, tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert RouterModel.load(tmp_path / "out").labels == ["0", "1"]


# -- classes ----------------------------------------------------------------------------------------------------------

def test_single_example_class_trains(tmp_path: Path) -> None:
    data = _file(tmp_path / "d.jsonl", _lines([*ROWS, ("подожгли мусорный бак", "arson")]))
    result = _train(data, tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["labels"] == 3


def test_one_class_is_a_clear_error(tmp_path: Path) -> None:
    data = _file(tmp_path / "one.jsonl", _lines([(t, "disorder") for t, _ in ROWS]))
    _clear_error(_train(data, tmp_path / "out"), "one.jsonl", "two")
    assert not (tmp_path / "out").exists()


def test_eval_reports_a_label_the_model_does_not_know(tmp_path: Path, model_dir: Path) -> None:
    data = _file(tmp_path / "new.jsonl", _lines([*ROWS[:4], ("подожгли мусорный бак", "arson")]))
    png = tmp_path / "cm.png"
    result = _eval(model_dir, data, "--png", str(png))
    assert result.exit_code == 0, result.output
    metrics = json.loads(result.stdout)
    assert metrics["per_class"]["arson"]["support"] == 1 and metrics["per_class"]["arson"]["recall"] == 0.0
    assert png.read_bytes()[:4] == b"\x89PNG"


# -- folders --------------------------------------------------------------------------------------------------------

def test_out_in_a_missing_parent_is_created(tmp_path: Path) -> None:
    data = _file(tmp_path / "d.jsonl", _lines(ROWS))
    out = tmp_path / "a" / "b" / "model"
    assert _train(data, out).exit_code == 0
    assert RouterModel.load(out).labels == ["disorder", "stolen"]


def test_stale_temp_folder_never_ends_up_in_the_model(tmp_path: Path) -> None:
    # an earlier run killed while saving left its temp folder behind
    out = tmp_path / "model"
    stale = tmp_path / "model.tmp"
    stale.mkdir()
    (stale / "leftover.bin").write_bytes(b"junk")
    data = _file(tmp_path / "d.jsonl", _lines(ROWS))
    assert _train(data, out).exit_code == 0
    assert sorted(p.name for p in out.iterdir()) == ["meta.json", "vocab.json", "weights.npz"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith("model") and p.name != "model"
                and p.name != "model.tmp"]


def test_failed_training_leaves_the_existing_model(tmp_path: Path) -> None:
    data = _file(tmp_path / "d.jsonl", _lines(ROWS))
    out = tmp_path / "model"
    assert _train(data, out).exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    bad = _file(tmp_path / "bad.jsonl", [*_lines(ROWS[:6]), "{oops"])
    assert _train(bad, out).exit_code == 2
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.jsonl", "d.jsonl", "model"]


def test_unwritable_png_is_a_clear_error(tmp_path: Path, model_dir: Path) -> None:
    data = _file(tmp_path / "d.jsonl", _lines(ROWS))
    blocker = tmp_path / "file"
    blocker.write_text("a file, not a folder")
    _clear_error(_eval(model_dir, data, "--png", str(blocker / "cm.png")), str(blocker / "cm.png"))


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root writes anywhere")
def test_read_only_png_folder_is_a_clear_error(tmp_path: Path, model_dir: Path) -> None:
    data = _file(tmp_path / "d.jsonl", _lines(ROWS))
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        _clear_error(_eval(model_dir, data, "--png", str(ro / "cm.png")), str(ro / "cm.png"))
    finally:
        ro.chmod(0o700)


@pytest.mark.parametrize("meta", ["[]", "{}", '{"format": 3}', "not json"])
def test_model_folder_that_is_not_a_model(tmp_path: Path, model_dir: Path, meta: str) -> None:
    fake = tmp_path / "fake"
    fake.mkdir()
    for name in ("vocab.json", "weights.npz"):
        (fake / name).write_bytes((model_dir / name).read_bytes())
    (fake / "meta.json").write_text(meta)
    result = _eval(fake, _file(tmp_path / "d.jsonl", _lines(ROWS)))
    # exit 2, as every other input the command cannot use (a data file, a PNG path)
    assert result.exit_code == 2 and not isinstance(result.exception, (KeyError, AttributeError, TypeError))
    assert "Traceback" not in result.output and str(fake) in result.output, result.output


# -- retrain --------------------------------------------------------------------------------------------------------


def test_retrain_without_corrections_bumps_the_version(tmp_path: Path, cache_dir: str,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    few_bundled_examples(monkeypatch)
    out = tmp_path / "router"
    # twice: the first revision comes from the bundled model (the folder is empty), the second from the folder
    first = retrain([], out, embedder="none")
    second = retrain([], out, embedder="none")
    assert (first.meta["revision"], second.meta["revision"]) == (first.meta["revision"], first.meta["revision"] + 1)
    assert first.version != second.version and f".{second.meta['revision']}+" in second.version
    assert (out / "corrections.jsonl").read_text() == ""
    # what routing stores with each decision is the version now in the folder
    decision = Router.load(str(out)).route("украли велосипед из подъезда")
    assert decision.model_version == second.version


def test_cli_retrain_with_removed_category_is_a_clear_error(tmp_path: Path, cache_dir: str) -> None:
    extra = _file(tmp_path / "corr.jsonl", [json.dumps({"text": "украли велосипед", "category": "parking_ticket"})])
    result = CliRunner().invoke(ml, ["retrain", "--out", str(tmp_path / "m"), "--extra", str(extra),
                                     "--embedder", "none", "--quiet"])
    _clear_error(result, "parking_ticket")
    assert not (tmp_path / "m").exists()


def test_cli_retrain_extra_file_with_a_broken_line(tmp_path: Path, cache_dir: str) -> None:
    extra = _file(tmp_path / "corr.jsonl", ['["not", "an object"]'])
    result = CliRunner().invoke(ml, ["retrain", "--out", str(tmp_path / "m"), "--extra", str(extra),
                                     "--embedder", "none", "--quiet"])
    _clear_error(result, "corr.jsonl:1")


# -- stdout is JSON only ----------------------------------------------------------------------------------------------

def test_stdout_is_json_only_with_progress(tmp_path: Path, model_dir: Path) -> None:
    data = _file(tmp_path / "d.jsonl", [*_lines(ROWS), json.dumps({"text": "", "label": "x"})])
    result = CliRunner().invoke(ml, ["train", "--data", str(data), "--out", str(tmp_path / "m"), "--embedder", "none"])
    assert result.exit_code == 0, result.output
    json.loads(result.stdout)
    assert "skipped 1 row" in result.stderr
    result = _eval(model_dir, data)
    assert result.exit_code == 0, result.output
    json.loads(result.stdout)
