"""The bundled training examples (ml/data/examples/*.jsonl) and a deterministic train / held-out split.

Each line: {"text", "category", "language", "urgent"} and optionally "variant_of". The split puts a fifth of the
examples in the held-out set by a stable hash of the text, so the same example is always on the same side across
runs, machines and Python versions (no random seed, no dependence on file order), and adding examples never moves
existing ones. "variant_of" holds the text of another example that tells the same story (a Kazakh version of a
Russian report): the variant is hashed by that text, so both land on the same side and a translation in the
training part never answers for its original in the held-out part.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

EXAMPLES_DIR = Path(__file__).resolve().parent / "data" / "examples"
HELD_OUT_BUCKETS = 5  # one bucket of five is held out


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    category: str
    language: str
    urgent: bool = False
    variant_of: str | None = None  # the example this one retells; decides the split side

    @property
    def split_key(self) -> str:
        return self.variant_of or self.text

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# a line longer than this is no report (the longest bundled example is under 2,000 characters): refused by its
# number rather than read, vectorised and embedded for minutes
MAX_LINE_BYTES = 1_000_000


class DataFileError(ValueError):
    """A JSON-lines file that cannot be used as it is; the message names the file and, for a line, its number."""


def read_jsonl(path: str | Path) -> list[dict[str, Any]]:
    """Rows of a JSON-lines file (see `read_jsonl_numbered`)."""
    return [row for _, row in read_jsonl_numbered(path)]


def read_jsonl_numbered(path: str | Path) -> list[tuple[int, dict[str, Any]]]:
    """(line number, row) of a JSON-lines file; blank lines are skipped, a broken line (not UTF-8, not JSON, not an
    object, too long) raises DataFileError with its number. A UTF-8 BOM (files saved by Windows editors and Excel)
    is read past, as are CRLF line ends."""
    rows: list[tuple[int, dict[str, Any]]] = []
    with open(path, "rb") as fh:
        for n, raw in enumerate(fh, 1):
            if len(raw) > MAX_LINE_BYTES:
                raise DataFileError(f"{path}:{n}: line too long ({len(raw):,} bytes, at most {MAX_LINE_BYTES:,})")
            try:
                line = raw.decode("utf-8-sig" if n == 1 else "utf-8")
            except UnicodeDecodeError as exc:  # a cp1251 export, say: named, not a traceback
                raise DataFileError(f"{path}:{n}: not UTF-8 text: {exc}") from exc
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DataFileError(f"{path}:{n}: not JSON: {exc}") from exc
            if not isinstance(row, dict):
                raise DataFileError(f"{path}:{n}: not a JSON object but {type(row).__name__}")
            rows.append((n, row))
    return rows


def write_jsonl(path: str | Path, rows: Iterable[dict[str, Any]]) -> None:
    """`rows` as JSON lines in `path`, all or nothing: written beside it, then renamed over it. A retrain stopped
    mid-write (a full disk, a row that is not JSON) leaves the earlier file whole, not the first rows of the new one:
    corrections.jsonl is what reproduces the model saved beside it."""
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            for row in rows:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        os.chmod(tmp, 0o644)  # mkstemp's 0600 would hide the file from the API's user, as a plain open() did not
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_examples(directory: str | Path = EXAMPLES_DIR, languages: Sequence[str] = ("ru", "kk")) -> list[Example]:
    """All bundled examples, Russian first then Kazakh, in file order."""
    out: list[Example] = []
    for lang in languages:
        path = Path(directory) / f"{lang}.jsonl"
        for row in read_jsonl(path):
            out.append(
                Example(
                    text=str(row["text"]),
                    category=str(row["category"]),
                    language=str(row.get("language", lang)),
                    urgent=bool(row.get("urgent", False)),
                    variant_of=str(row["variant_of"]) if row.get("variant_of") else None,
                )
            )
    return out


def is_held_out(key: str) -> bool:
    """Stable membership of the held-out fifth (sha1 of the UTF-8 split key: the text, or what it is a variant of)."""
    return int(hashlib.sha1(key.encode("utf-8"), usedforsecurity=False).hexdigest()[:8], 16) % HELD_OUT_BUCKETS == 0


def split(examples: Sequence[Example]) -> tuple[list[Example], list[Example]]:
    """(train, held_out): about four fifths and one fifth, by `is_held_out` of each example's split key."""
    train = [e for e in examples if not is_held_out(e.split_key)]
    held = [e for e in examples if is_held_out(e.split_key)]
    return train, held
