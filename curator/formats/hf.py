"""Rows of a Hugging Face dataset on disk: a save_to_disk folder, Parquet, Arrow, or json/csv.

Rows are streamed batch by batch (memory-mapped Arrow or streaming mode), never converted
to one big table. ``datasets`` is imported only here and only when needed: it is slow to load.

Columns that ``datasets`` stores in its own encoding (its JSON type, which ``Dataset.map`` gives
messages whose key sets differ) are read through ``datasets``' own decoding, exactly as
``load_from_disk`` and ``load_dataset("parquet")`` give them to a user. A ``tools`` column
holding a JSON string (how Arrow tables, curator's own hf export and LLaMA-Factory keep free-form
tool schemas) is decoded to its list.
"""

from __future__ import annotations

import json
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
        import pyarrow.parquet as pq

        with pq.ParquetFile(path) as parquet:
            encoded = _has_json_type(parquet.schema_arrow.metadata)
            if not encoded:
                # pyarrow directly: streaming batches without datasets' cache folder
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
    elif path.suffix.lower() == ".parquet":
        loaded = datasets.load_dataset("parquet", data_files=str(path), split="train", streaming=True)
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
        if _json_feature(part.features.to_dict()):
            # datasets decodes its JSON type only in its own (Python) formatting
            for batch in part.iter(batch_size=_BATCH):
                columns = list(batch)
                for i in range(len(batch[columns[0]]) if columns else 0):
                    yield {c: batch[c][i] for c in columns}
            return
        for batch in part.with_format("arrow").iter(batch_size=_BATCH):
            yield from batch.to_pylist()
    else:
        yield from part


def _json_feature(value: Any) -> bool:
    """True when a features dict (Features.to_dict()) holds datasets' JSON type anywhere."""
    if isinstance(value, dict):
        return value.get("_type") == "Json" or any(_json_feature(v) for v in value.values())
    if isinstance(value, list):
        return any(_json_feature(v) for v in value)
    return False


def _has_json_type(metadata: dict[bytes, bytes] | None) -> bool:
    """True when a Parquet file's datasets features (its "huggingface" metadata) use the JSON type."""
    info = (metadata or {}).get(b"huggingface")
    if not info:
        return False
    try:
        return _json_feature(json.loads(info))
    except ValueError:
        return False


def _number(rows: Iterator[dict[str, Any]], split: str | None) -> Iterator[Row]:
    for number, row in enumerate(rows, start=1):
        yield Row(number, _decoded_tools(drop_nones(row)), split)


def _decoded_tools(row: dict[str, Any]) -> dict[str, Any]:
    tools = row.get("tools")
    if isinstance(tools, str):
        try:
            parsed = json.loads(tools)
        except ValueError:
            return row  # the format's reader reports it
        if isinstance(parsed, list):
            row["tools"] = parsed
    return row


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
    import datasets

    return datasets
