"""Dataset cards for the trainer JSONL folders: the one schema both splits load into.

``datasets.load_dataset("json", data_files=...)`` infers a schema per file: a column or message
key that is null in every train row but set in a test row (tools that happen to fall only in the
test split) cannot be cast, and the load fails. A folder's README.md declares the schema instead
(``datasets.load_dataset("OUT_DIR/trl-dpo")``), whatever each split happens to hold. Free-form
tool schemas are datasets' JSON type (datasets >= 4.8).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml


def _string(name: str) -> dict[str, Any]:
    return {"name": name, "dtype": "string"}


_CALL = [_string("id"), _string("type"), {"name": "function", "struct": [_string("name"), _string("arguments")]}]
MESSAGE = [_string("role"), _string("content"), _string("name"),
           {"name": "tool_calls", "list": _CALL}, _string("tool_call_id")]
TOOLS = {"name": "tools", "dtype": "json"}


def messages(name: str, *extra: dict[str, Any]) -> dict[str, Any]:
    """A list-of-messages column (plain messages, every key present), with extra message keys."""
    return {"name": name, "list": [*MESSAGE, *extra]}


def write_card(folder: Path, features: list[dict[str, Any]], title: str, *, splits: tuple[str, ...]) -> None:
    """README.md whose front matter names the split files and declares their features."""
    front = {
        "configs": [{"config_name": "default",
                     "data_files": [{"split": s, "path": f"{s}.jsonl"} for s in splits]}],
        # copies: shared dicts would be written as YAML aliases, which datasets cannot read
        "dataset_info": {"features": json.loads(json.dumps(features))},
    }
    body = yaml.safe_dump(front, sort_keys=True, allow_unicode=True)
    text = (f"---\n{body}---\n\n# {title}\n\nWritten by curator export. Load both splits with one schema: "
            f"`datasets.load_dataset(\"{folder.name}\")` from the export folder.\n")
    (folder / "README.md").write_text(text, encoding="utf-8", newline="\n")
