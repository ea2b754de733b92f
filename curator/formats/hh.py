"""Reader for Anthropic HH-RLHF: {"chosen": "\\n\\nHuman: ...\\n\\nAssistant: ...", "rejected": ...}.

The turns both transcripts share are the prompt; chosen's final assistant turn is the reply
and rejected's final turn becomes the example's rejected reply.
"""

from __future__ import annotations

import re
from typing import Any

from curator.formats import codes
from curator.formats.conversation import Conversation, Converted, leftovers, require, split_pair
from curator.formats.validate import Issue

MARKER = re.compile(r"\n\n(Human|Assistant): ?")
_ROLES = {"Human": "user", "Assistant": "assistant"}
_USED = frozenset({"chosen", "rejected"})


def looks_like_hh(text: object) -> bool:
    """True for a transcript in HH's "\\n\\nHuman: ... \\n\\nAssistant: ..." form."""
    return isinstance(text, str) and text.startswith("\n\nHuman:") and "\n\nAssistant:" in text


def parse_transcript(text: str) -> list[dict[str, str]] | None:
    """Split an HH transcript into user/assistant messages; None if it has no markers."""
    parts = MARKER.split(text)
    if len(parts) < 3 or parts[0].strip():
        return None
    return [{"role": _ROLES[parts[i]], "content": parts[i + 1].strip()}
            for i in range(1, len(parts), 2)]


def from_hh(record: dict[str, Any]) -> Converted:
    """Parse both transcripts and keep the shared turns once."""
    issues = [i for i in (require(record, "chosen", str), require(record, "rejected", str)) if i]
    if issues:
        return issues
    turns: dict[str, list[dict[str, str]]] = {}
    for key in ("chosen", "rejected"):
        parsed = parse_transcript(record[key])
        if parsed is None:
            issues.append(Issue(codes.WRONG_TYPE, key,
                                f"'{key}' is not an HH transcript ('\\n\\nHuman: ...\\n\\nAssistant: ...')"))
        else:
            turns[key] = parsed
    if issues:
        return issues
    split = split_pair(turns["chosen"], turns["rejected"])
    if isinstance(split, Issue):
        return [split]
    messages, rejected = split
    return Conversation(messages, None, rejected, leftovers(record, _USED))
