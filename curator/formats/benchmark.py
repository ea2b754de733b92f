"""Benchmark files read for decontamination: each item's prompt as messages, and the file's hash.

A benchmark is JSONL, a JSON array (either may be gzipped) or Parquet, one item a record, with
its prompt in a field: `prompt`, `question`, `input` or `messages` (the first of these the
first record has), or one named by the caller. A string becomes one user turn; a list of
messages is taken as it is (its user-side turns are what is compared). A record without the
field, or with a value of another shape, is an error naming the file and line: a benchmark
item left out silently would be a leak nobody sees.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from curator.digests import file_sha256
from curator.errors import InvalidInputError
from curator.formats.reading import iter_json_records, sniff_layout

PROMPT_FIELDS = ("prompt", "question", "input", "messages")
_PARQUET_MAGIC = b"PAR1"
_BATCH = 1024


@dataclass(frozen=True)
class BenchmarkItem:
    key: str  # where the item is: "line 12" (JSONL), "item 3" (JSON array or objects, Parquet), 1-based
    messages: list[dict[str, Any]]


@dataclass(frozen=True)
class Benchmark:
    name: str  # the file's name
    path: str  # as given
    sha256: str  # of the file's bytes
    field: str
    items: list[BenchmarkItem]


def _is_parquet(path: Path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(4) == _PARQUET_MAGIC


def _records(path: Path) -> Iterator[tuple[str, Any]]:
    """(key, record) of every record in the file."""
    if _is_parquet(path):
        import pyarrow.parquet as pq

        try:
            with pq.ParquetFile(path) as parquet:
                number = 0
                for batch in parquet.iter_batches(batch_size=_BATCH):
                    for row in batch.to_pylist():
                        number += 1
                        yield f"item {number}", row
        except (OSError, ValueError) as exc:
            raise InvalidInputError(f"not a readable Parquet file: {exc}", file=str(path)) from exc
        return
    lines = sniff_layout(path) == "jsonl"
    for number, record in enumerate(iter_json_records(path), start=1):
        key = f"line {record.line}" if lines and record.line is not None else f"item {number}"
        if record.issue is not None:
            raise InvalidInputError(record.issue.message, file=str(path), line=record.line, code=record.issue.code)
        yield key, record.value


def _messages(value: Any, path: Path, key: str, field: str) -> list[dict[str, Any]]:
    if isinstance(value, str):
        return [{"role": "user", "content": value}]
    if isinstance(value, list) and all(isinstance(m, Mapping) and isinstance(m.get("role"), str) for m in value):
        return [dict(m) for m in value]
    kind = type(value).__name__
    raise InvalidInputError(
        f"{key}: the prompt is a {kind}; expected a string or a list of messages with roles",
        file=str(path), field=field,
    )


def _detect(record: Any, path: Path, key: str) -> str:
    if isinstance(record, Mapping):
        for name in PROMPT_FIELDS:
            if name in record:
                return name
    raise InvalidInputError(
        f"{key}: no {', '.join(PROMPT_FIELDS[:-1])} or {PROMPT_FIELDS[-1]} field; name the field that holds the prompt",
        file=str(path),
    )


def read_benchmark(path: str | os.PathLike[str], *, field: str | None = None) -> Benchmark:
    """Every item's prompt, the field it came from, and the file's SHA-256."""
    file = Path(path)
    try:
        sha = file_sha256(file)
        items: list[BenchmarkItem] = []
        chosen = field
        for key, record in _records(file):
            if chosen is None:
                chosen = _detect(record, file, key)
            if not isinstance(record, Mapping) or chosen not in record:
                raise InvalidInputError(f"{key}: no {chosen!r} field", file=str(file), field=chosen)
            items.append(BenchmarkItem(key, _messages(record[chosen], file, key, chosen)))
    except OSError as exc:
        raise InvalidInputError(f"cannot read the benchmark: {exc.strerror or exc}", file=str(file)) from exc
    if not items:
        raise InvalidInputError("the benchmark has no items", file=str(file))
    return Benchmark(name=file.name, path=str(path), sha256=sha, field=chosen or "", items=items)
