"""Hugging Face datasets: a DatasetDict saved with save_to_disk, the same splits as Parquet, a card."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from curator.export.base import SPLITS, FormatWriter
from curator.export.messages import plain_message, unsupported
from curator.export.records import ExportRecord

CARD_NAME = "README.md"
PARQUET_FOLDER = "data"

_CALL = pa.struct([
    ("id", pa.string()),
    ("type", pa.string()),
    ("function", pa.struct([("name", pa.string()), ("arguments", pa.string())])),
])
_MESSAGE = pa.struct([
    ("role", pa.string()),
    ("content", pa.string()),
    ("name", pa.string()),
    ("tool_call_id", pa.string()),
    ("tool_calls", pa.list_(_CALL)),
    ("weight", pa.int8()),  # OpenAI's weight: 0 = do not train this reply; null otherwise
])
# A fixed schema: an empty split has the same columns as a full one, and nothing depends on
# which row Arrow happens to infer types from. Tool definitions are free-form JSON schemas, so
# they travel as a JSON string.
SCHEMA = pa.schema([
    ("id", pa.string()),
    ("verdict", pa.string()),
    ("corrected", pa.bool_()),
    ("messages", pa.list_(_MESSAGE)),
    ("tools", pa.string()),
])


def _hf_message(message: dict[str, Any]) -> dict[str, Any]:
    out = plain_message(message)
    if message.get("weight") is not None:
        out["weight"] = message["weight"]
    return out


def parquet_name(split: str) -> str:
    return f"{PARQUET_FOLDER}/{split}-00000-of-00001.parquet"


@contextmanager
def _quiet() -> Iterator[None]:
    """datasets draws progress bars on stderr; library code stays silent."""
    import datasets

    was_enabled = datasets.is_progress_bar_enabled()
    datasets.disable_progress_bars()
    try:
        yield
    finally:
        if was_enabled:
            datasets.enable_progress_bars()


class HfWriter(FormatWriter):
    """SFT conversations as a DatasetDict (train, test) for load_from_disk, plus Parquet and a card."""

    name = "hf"
    kind = "sft"
    description = "Hugging Face DatasetDict (save_to_disk) with Parquet copies and a dataset card"

    def __init__(self, folder: Path, *, card: dict[str, Any] | None = None) -> None:
        super().__init__(folder, card=card)
        folder.mkdir(parents=True, exist_ok=True)
        self._rows: dict[str, list[dict[str, Any]]] = {split: [] for split in SPLITS}

    def add(self, split: str, record: ExportRecord) -> int:
        if record.messages is None:
            return 0
        reason = unsupported(record.messages, weights=True)
        if reason:
            self.leave_out(reason)
            return 0
        self.note_dropped_keys(record)
        self._rows[split].append({
            "id": record.id,
            "verdict": record.verdict.value,
            "corrected": record.corrected,
            "messages": [_hf_message(m) for m in record.messages],
            "tools": json.dumps(record.tools, sort_keys=True, ensure_ascii=False) if record.tools else None,
        })
        self.rows[split] += 1
        return 1

    def close(self) -> None:
        import datasets

        tables = {split: pa.Table.from_pylist(rows, schema=SCHEMA) for split, rows in self._rows.items()}
        self._rows = {split: [] for split in SPLITS}
        (self.folder / PARQUET_FOLDER).mkdir(exist_ok=True)
        parts = {}
        for split, table in tables.items():
            pq.write_table(table, self.folder / parquet_name(split))
            # A content-derived fingerprint (datasets would draw a random one) keeps state.json
            # byte-identical from one export to the next.
            ids = "\n".join(str(v) for v in table.column("id").to_pylist())
            fingerprint = hashlib.sha256(f"{split}\n{ids}".encode()).hexdigest()[:16]
            parts[split] = datasets.Dataset(table, split=datasets.NamedSplit(split), fingerprint=fingerprint)
        with _quiet():
            datasets.DatasetDict(parts).save_to_disk(str(self.folder))
        (self.folder / CARD_NAME).write_text(self._card(), encoding="utf-8", newline="\n")

    def _card(self) -> str:
        configs = [{"split": split, "path": parquet_name(split)} for split in SPLITS]
        front = {
            "configs": [{"config_name": "default", "data_files": configs}],
            "task_categories": ["text-generation"],
            "tags": ["curator", "sft", "conversational"],
        }
        lines = ["---", json_yaml(front), "---", "", "# Fine-tuning dataset exported by curator", ""]
        lines.append(
            "Conversations in OpenAI chat shape (`messages`: role, content, tool calls), each seen and "
            "settled by a reviewer against written guidelines: approved examples (corrections applied) "
            "and negative examples that have a correction (the corrected reply). Exact and near "
            "duplicates were removed (one representative per cluster), and the test split shares no "
            "cluster, no near-duplicate prompt and no contaminated n-gram span with the training split."
        )
        lines += ["", "| split | rows |", "| --- | --- |"]
        lines += [f"| {split} | {self.rows[split]} |" for split in SPLITS]
        columns = ("Columns: `id` (curator's content hash), `verdict` (approve or negative), `corrected`, "
                   "`messages` (with `weight` 0 on a reply not to be trained), `tools` (a JSON string, or null).")
        lines += ["", columns]
        if self.card:
            lines += ["", "## How it was made", ""]
            lines += [f"- {key}: `{value}`" for key, value in sorted(self.card.items())]
        usage = ("Load it with `datasets.load_from_disk(\"hf\")` or `datasets.load_dataset(\"parquet\", "
                 "data_files={\"train\": \"hf/data/train-*.parquet\", \"test\": \"hf/data/test-*.parquet\"})`.")
        lines += ["", usage, ""]
        return "\n".join(lines)


def json_yaml(value: dict[str, Any]) -> str:
    """YAML front matter (block style, sorted keys) for the card."""
    import yaml

    return yaml.safe_dump(value, sort_keys=True, allow_unicode=True).rstrip("\n")
