"""Readers for TRL preference data: paired {"prompt"?, "chosen", "rejected"} and KTO's unpaired
{"prompt", "completion", "label"}.

Both of TRL's forms: standard (strings) and conversational (lists of messages), with an
explicit prompt or an implicit one (chosen and rejected repeat the whole conversation and
are split at their common prefix, as TRL's ``extract_prompt`` does).

A KTO row's label says whether its completion is desired. It is kept as the example's
``kto_label`` metadata, and the export honours it: a completion labelled false is an undesired
reply (like a negative's), never an SFT target unless a reviewer corrects it.
"""

from __future__ import annotations

from typing import Any

from curator.formats import codes
from curator.formats.conversation import Conversation, Converted, leftovers, require, split_pair
from curator.formats.hh import looks_like_hh, parse_transcript
from curator.formats.validate import Issue, json_kind

_USED = frozenset({"prompt", "chosen", "rejected", "tools"})
_KTO_USED = frozenset({"prompt", "completion", "label", "tools"})
KTO_LABEL = "kto_label"  # metadata key holding a KTO row's label


def from_trl_preference(record: dict[str, Any]) -> Converted:
    """Turn a TRL preference row into prompt + chosen reply, with the rejected reply kept."""
    issues = [i for i in (require(record, "chosen", (str, list)),
                          require(record, "rejected", (str, list))) if i]
    if issues:
        return issues
    if record.get("prompt") is None:
        split = _implicit(record["chosen"], record["rejected"])
    else:
        split = _explicit(record["prompt"], record["chosen"], record["rejected"])
    if isinstance(split, Issue):
        return [split]
    messages, rejected = split
    return Conversation(messages, record.get("tools"), rejected, leftovers(record, _USED))


def _implicit(chosen: str | list[Any], rejected: str | list[Any]) -> tuple[list[Any], Any] | Issue:
    if isinstance(chosen, list) and isinstance(rejected, list):
        return split_pair(chosen, rejected)
    if not (isinstance(chosen, str) and isinstance(rejected, str)):
        return Issue(codes.WRONG_TYPE, "rejected",
                     "chosen and rejected must both be strings or both be message lists")
    if looks_like_hh(chosen) and looks_like_hh(rejected):
        chosen_turns, rejected_turns = parse_transcript(chosen), parse_transcript(rejected)
        if chosen_turns is not None and rejected_turns is not None:
            return split_pair(chosen_turns, rejected_turns)
    shared = 0
    for a, b in zip(chosen, rejected):
        if a != b:
            break
        shared += 1
    if shared and shared < len(chosen) and chosen[shared - 1] == " ":
        shared -= 1  # as TRL does: the space starts the completion
    if not chosen[:shared].strip():
        return Issue(codes.MISSING_FIELD, "prompt",
                     "no 'prompt', and chosen and rejected share no prefix to take it from")
    return _explicit(chosen[:shared], chosen[shared:], rejected[shared:])


def _explicit(prompt: object, chosen: str | list[Any],
              rejected: str | list[Any]) -> tuple[list[Any], Any] | Issue:
    if isinstance(prompt, str):
        prompt_messages: list[Any] = [{"role": "user", "content": prompt}]
    elif isinstance(prompt, list):
        prompt_messages = prompt
    else:
        return Issue(codes.WRONG_TYPE, "prompt",
                     f"'prompt' must be a string or a list of messages, not {json_kind(prompt)}")
    if isinstance(chosen, str):
        chosen = [{"role": "assistant", "content": chosen}]
    if isinstance(rejected, str):
        rejected = [{"role": "assistant", "content": rejected}]
    return split_pair([*prompt_messages, *chosen], [*prompt_messages, *rejected])


def from_trl_kto(record: dict[str, Any]) -> Converted:
    """A KTO row: prompt + completion is the conversation, the label is kept as ``kto_label``."""
    issues = [i for i in (require(record, "prompt", (str, list)),
                          require(record, "completion", (str, list))) if i]
    label = record.get("label")
    if not isinstance(label, bool):
        issues.append(Issue(codes.MISSING_FIELD if label is None else codes.WRONG_TYPE, "label",
                            f"'label' must be true or false, not {json_kind(label)}"))
    if issues:
        return issues
    prompt, completion = record["prompt"], record["completion"]
    if isinstance(prompt, str):
        prompt = [{"role": "user", "content": prompt}]
    if isinstance(completion, str):
        completion = [{"role": "assistant", "content": completion}]
    metadata = leftovers(record, _KTO_USED)
    metadata[KTO_LABEL] = label
    return Conversation([*prompt, *completion], record.get("tools"), None, metadata)
