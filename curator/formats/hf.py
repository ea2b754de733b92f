"""Rows of a Hugging Face dataset on disk: a save_to_disk folder, Parquet, Arrow, or json/csv.

Rows are streamed batch by batch (memory-mapped Arrow or streaming mode), never converted
to one big table. ``datasets`` is imported only here and only when needed: it is slow to load.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from curator.errors import InvalidInputError

HF_SUFFIXES = frozenset({".parquet", ".arrow", ".csv", ".tsv"})
_BATCH = 1000
_BUILDERS = {".json": "json", ".jsonl": "json", ".csv": "csv", ".tsv": "csv", ".parquet": "parquet",
             ".txt": "text"}


@dataclass(slots=True)
class Row:
    """One dataset row, its 1-based number within its split, and the split's name if any."""

    number: int
    value: dict[str, Any]
    split: str | None


def is_hf_path(path: Path) -> bool:
    """True for what only the datasets library reads: a folder or a Parquet/Arrow/CSV file."""
    return path.is_dir() or path.suffix.lower() in HF_SUFFIXES


def iter_rows(path: Path) -> Iterator[Row]:
    """Every row of every split, in order."""
    try:
        yield from _iter_rows(path)
    except (OSError, ValueError, TypeError) as exc:
        if isinstance(exc, InvalidInputError):
            raise
        raise InvalidInputError(f"the datasets library could not read it: {exc}",
                                file=str(path)) from exc


def _iter_rows(path: Path) -> Iterator[Row]:
    if path.suffix.lower() == ".parquet" and path.is_file():
        import pyarrow.parquet as pq  # type: ignore[import-untyped]

        # pyarrow directly: streaming batches without datasets' cache folder
        with pq.ParquetFile(path) as parquet:
            yield from _number(
                (r for b in parquet.iter_batches(batch_size=_BATCH) for r in b.to_pylist()), None)
        return
    datasets = _datasets()
    if path.is_dir():
        try:
            loaded = datasets.load_from_disk(str(path))
        except FileNotFoundError:
            loaded = datasets.load_dataset(str(path), streaming=True)
    elif path.suffix.lower() == ".arrow":
        loaded = datasets.Dataset.from_file(str(path))
    else:
        builder = _BUILDERS.get(path.suffix.lower(), "json")
        options = {"delimiter": "\t"} if path.suffix.lower() == ".tsv" else {}
        loaded = datasets.load_dataset(builder, data_files=str(path), split="train",
                                       streaming=True, **options)
    if isinstance(loaded, (datasets.DatasetDict, datasets.IterableDatasetDict)):
        for split, part in loaded.items():
            yield from _number(_rows_of(part, datasets), split)
    else:
        yield from _number(_rows_of(loaded, datasets), None)


def _rows_of(part: Any, datasets: Any) -> Iterator[dict[str, Any]]:
    if isinstance(part, datasets.Dataset):
        for batch in part.with_format("arrow").iter(batch_size=_BATCH):
            yield from batch.to_pylist()
    else:
        yield from part


def _number(rows: Iterator[dict[str, Any]], split: str | None) -> Iterator[Row]:
    for number, row in enumerate(rows, start=1):
        yield Row(number, drop_nones(row), split)


def drop_nones(value: Any) -> Any:
    """Arrow gives every struct every field, filling absent ones with None: drop them again."""
    if isinstance(value, dict):
        return {k: drop_nones(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [drop_nones(v) for v in value]
    return value


def _datasets() -> Any:
    # Offline by rule (DESIGN.md): a local path must never send datasets to the Hub.
    os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import datasets  # type: ignore[import-untyped]

    return datasets
