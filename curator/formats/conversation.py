"""What every format reader produces: an OpenAI-shaped conversation, before validation."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from curator.formats import codes
from curator.formats.validate import Issue, json_kind


@dataclass(slots=True)
class Conversation:
    """Messages (OpenAI chat shape), optional tools and rejected reply, and the leftover keys."""

    messages: Any
    tools: Any = None
    rejected: Any = None
    metadata: dict[str, Any] = field(default_factory=dict)


# A converter turns one record (a dict) into a conversation, or says why it cannot.
Converted = Conversation | list[Issue]


def leftovers(record: dict[str, Any], used: frozenset[str]) -> dict[str, Any]:
    """The record's keys that are not part of the conversation: they become metadata."""
    return {k: v for k, v in record.items() if k not in used}


_TYPE_NAMES: dict[type, str] = {str: "a string", list: "a list", dict: "an object"}


def require(record: dict[str, Any], key: str, kind: type | tuple[type, ...],
            *, where: str | None = None) -> Issue | None:
    """An issue if ``record[key]`` is absent (missing_field) or not of ``kind`` (wrong_type)."""
    at = where or key
    if record.get(key) is None:
        return Issue(codes.MISSING_FIELD, at, f"record has no '{key}'")
    if not isinstance(record[key], kind):
        kinds = kind if isinstance(kind, tuple) else (kind,)
        want = " or ".join(_TYPE_NAMES[k] for k in kinds)
        return Issue(codes.WRONG_TYPE, at, f"'{key}' must be {want}, not {json_kind(record[key])}")
    return None


def common_prefix_length(a: list[Any], b: list[Any]) -> int:
    """How many leading items two lists share."""
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


def split_pair(chosen: list[Any], rejected: list[Any], *, field: str = "rejected"
               ) -> tuple[list[Any], Any] | Issue:
    """(prompt + chosen reply, rejected reply) when both sides hold the same prompt.

    A pair compares two answers to one prompt: every turn but the last must be the same on
    both sides. Anything else (a longer chosen transcript, a side that parts earlier) would
    pair a reply with another conversation's prompt, so it is a problem, never guessed at.
    """
    if not chosen or not rejected:
        return Issue(codes.EMPTY_MESSAGES, field, "chosen or rejected is empty")
    if chosen[:-1] != rejected[:-1]:
        turn = common_prefix_length(chosen, rejected) + 1
        return Issue(codes.PAIR_PROMPT_MISMATCH, field,
                     f"chosen and rejected answer different prompts: they diverge at turn {turn} "
                     f"(chosen has {len(chosen)} turns, rejected {len(rejected)}); a pair must share "
                     "every turn but the final reply")
    return chosen, rejected[-1]
