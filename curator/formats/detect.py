"""Which format a record is in, judged from its keys (for --format auto and Hugging Face rows)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from curator.formats.alpaca import from_alpaca
from curator.formats.conversation import Converted
from curator.formats.hh import from_hh, looks_like_hh
from curator.formats.openai import from_openai, from_openai_preference
from curator.formats.sharegpt import from_sharegpt
from curator.formats.trl import from_trl_kto, from_trl_preference

FORMATS: tuple[str, ...] = (
    "openai", "openai-preference", "sharegpt", "alpaca", "hh", "trl-preference", "trl-kto", "hf",
)

CONVERTERS: dict[str, Callable[[dict[str, Any]], Converted]] = {
    "openai": from_openai,
    "openai-preference": from_openai_preference,
    "sharegpt": from_sharegpt,
    "alpaca": from_alpaca,
    "hh": from_hh,
    "trl-preference": from_trl_preference,
    "trl-kto": from_trl_kto,
}


def detect_record(record: dict[str, Any]) -> tuple[str, str] | None:
    """(format, reason) for a record, or None when its keys match no known format."""
    if "input" in record and "preferred_output" in record:
        return "openai-preference", "has 'input' and 'preferred_output'"
    if "conversations" in record:
        return "sharegpt", "has 'conversations'"
    if "messages" in record:
        messages = record["messages"]
        first = messages[0] if isinstance(messages, list) and messages else None
        if isinstance(first, dict) and "from" in first and "role" not in first:
            return "sharegpt", "has 'messages' with 'from'/'value' turns"
        return "openai", "has 'messages'"
    if "chosen" in record and "rejected" in record:
        if "prompt" in record:
            return "trl-preference", "has 'prompt', 'chosen' and 'rejected'"
        if looks_like_hh(record["chosen"]):
            return "hh", "has 'chosen'/'rejected' transcripts starting with '\\n\\nHuman:'"
        return "trl-preference", "has 'chosen' and 'rejected' (implicit prompt)"
    if "completion" in record and "label" in record:
        return "trl-kto", "has 'completion' and 'label' (KTO)"
    if "instruction" in record and "output" in record:
        return "alpaca", "has 'instruction' and 'output'"
    return None
