from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from ml.dataset import HELD_OUT_BUCKETS, is_held_out, load_examples, split, write_jsonl


def test_split_is_stable_and_about_a_fifth() -> None:
    examples = load_examples()
    train, held = split(examples)
    assert len(train) + len(held) == len(examples)
    assert abs(len(held) / len(examples) - 1 / HELD_OUT_BUCKETS) < 0.03
    # membership depends on the text alone: the same answer on every call and in any order
    assert split(list(reversed(examples)))[1] == list(reversed(held))
    assert all(is_held_out(e.split_key) for e in held)


def test_variants_fall_on_the_side_of_their_original(tmp_path: Path) -> None:
    ru = "сосед ночью разбил мне окно камнем"
    # find variant texts on both sides of the split, so the test shows the variant follows its original
    variants = [f"көршім түнде тереземді таспен сындырды {i}" for i in range(40)]
    assert {is_held_out(v) for v in variants} == {True, False}
    rows_ru = [{"text": ru, "category": "vandalism", "language": "ru"}]
    rows_kk = [{"text": v, "category": "vandalism", "language": "kk", "variant_of": ru} for v in variants]
    for lang, rows in (("ru", rows_ru), ("kk", rows_kk)):
        (tmp_path / f"{lang}.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n")
    examples = load_examples(tmp_path)
    assert examples[1].variant_of == ru and examples[0].variant_of is None
    train, held = split(examples)
    side = held if is_held_out(ru) else train
    assert len(side) == len(examples) and not (train and held)


def test_bundled_variants_point_at_bundled_examples() -> None:
    examples = load_examples()
    texts = {e.text for e in examples}
    variants = [e for e in examples if e.variant_of]
    assert variants
    assert all(e.variant_of in texts for e in variants)


def test_a_jsonl_file_is_written_whole_or_left_as_it_was(tmp_path: Path) -> None:
    """A retrain stopped mid-write (here: a row that is not JSON) left the first rows of the new corrections.jsonl in
    place of the whole earlier one, and the model beside it could no longer be reproduced."""
    path = tmp_path / "corrections.jsonl"
    write_jsonl(path, [{"text": "a", "category": "theft"}, {"text": "b", "category": "fraud"}])
    before = path.read_text(encoding="utf-8")

    def rows() -> Iterator[dict[str, object]]:
        yield {"text": "c", "category": "theft"}
        yield {"text": object(), "category": "theft"}  # json.dumps refuses it

    with pytest.raises(TypeError):
        write_jsonl(path, rows())
    assert path.read_text(encoding="utf-8") == before
    assert [p.name for p in tmp_path.iterdir()] == ["corrections.jsonl"]  # no leftover beside it
    assert path.stat().st_mode & 0o777 == 0o644
