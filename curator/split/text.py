"""The texts the split compares, from a conversation's messages (a leaf: no other split module).

- conversation text: every turn but system and developer ones, case-folded, one line a turn
  (what near-duplicate conversations are compared on);
- n-gram text: the same turns' content, case-folded, punctuation removed, as one run of words;
- prompt text: what the model is asked, independent of the assistant's turns: each user turn
  and each tool result (input the model reads), normalised like the n-gram text, one line a
  turn. Empty turns are left out. Its first line is the conversation's first user-side turn.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from curator.dedup.canonical import as_mapping, canonical_text, message_text, normalize_text, role_of
from curator.models import SYSTEM_ROLES

SHARED_ROLES = SYSTEM_ROLES  # shared by design: never a leak, never a group
INPUT_ROLES = frozenset({"user", "tool", "function"})  # what the model is asked or reads
_PUNCTUATION = re.compile(r"[^\w\s]+")
_LINE_ROLES = frozenset({"user", "assistant", "tool", "function"})  # canonical_lines keeps these as they are
_ASCII_PUNCTUATION = str.maketrans(
    {c: " " for c in map(chr, range(128)) if not (c.isalnum() or c == "_" or c.isspace())}
)  # in ASCII text, exactly the characters [^\w\s] matches


def _words(message: Mapping[str, Any], index: int) -> str:
    """A message's content case-folded, punctuation blanked, whitespace collapsed."""
    text = normalize_text(message_text(message, index=index), casefold=True)
    return " ".join(_PUNCTUATION.sub(" ", text).split())


def ngram_text(messages: Sequence[Any], *, include_system: bool = False) -> str:
    """Case-folded content text without punctuation, turns joined by spaces."""
    kept = [as_mapping(m) for m in messages if include_system or role_of(m) not in SHARED_ROLES]
    return " ".join(w for w in (_words(m, i) for i, m in enumerate(kept)) if w)


def conversation_text(messages: Sequence[Any]) -> str:
    """The conversation as near-duplicate grouping compares it: case-folded, no system turns."""
    return canonical_text([m for m in messages if role_of(m) not in SHARED_ROLES], casefold=True)


def prompt_turns(messages: Sequence[Any]) -> list[str]:
    """Each non-empty user turn and tool result, normalised (case-folded, no punctuation)."""
    turns = []
    for index, m in enumerate(messages):
        if role_of(m) in INPUT_ROLES:
            words = _words(as_mapping(m), index)
            if words:
                turns.append(words)
    return turns


def prompt_text(messages: Sequence[Any]) -> str:
    """What the model is asked: the normalised user-side turns, one line each ("" if none)."""
    return "\n".join(prompt_turns(messages))


def example_texts(messages: Sequence[Any]) -> tuple[str, str, str]:
    """(conversation_text, prompt_text, ngram_text) of one conversation.

    One pass, each message normalised once, when the messages are plain: dicts with a user,
    assistant, tool or function role (or a system/developer one, left out), ASCII string
    content and no tool calls. Anything else takes the general functions; same texts.
    """
    if type(messages) is list:
        lines: list[str] = []
        prompt: list[str] = []
        grams: list[str] = []
        for m in messages:
            role = m.get("role") if type(m) is dict else None
            if type(role) is not str:
                break
            if role in SHARED_ROLES:
                continue
            content = m.get("content")
            if role not in _LINE_ROLES or type(content) is not str or not content.isascii() or m.get("tool_calls") or m.get("function_call"):
                break
            lowered = content.lower()
            text = " ".join(lowered.split())
            lines.append(f"{role}: {text}" if text else f"{role}:")
            words = " ".join(lowered.translate(_ASCII_PUNCTUATION).split())
            if words:
                grams.append(words)
                if role in INPUT_ROLES:
                    prompt.append(words)
        else:
            return "\n".join(lines), "\n".join(prompt), " ".join(grams)
    return conversation_text(messages), prompt_text(messages), ngram_text(messages)
