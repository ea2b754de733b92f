"""What one settled example contributes to each kind of training file (DESIGN.md's negatives table).

| kind       | approve                                   | negative                                  |
| ---------- | ----------------------------------------- | ----------------------------------------- |
| SFT        | the conversation, corrections applied     | the corrected conversation; none without one |
| preference | (reply, `rejected`) for imported pairs;   | (correction, original)                    |
|            | (edited, original) where a reply was rewritten |                                      |
| KTO        | reply True; `rejected` / original False   | original False; correction True           |

An example imported from a KTO file with label false (metadata ``kto_label``) holds an undesired
reply: approving it keeps it as such, so it is built as a negative (never an SFT target or a
desired reply unless a reviewer's correction replaces it).

Pure logic: no storage, no files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from curator.formats.trl import KTO_LABEL
from curator.models import Correction, Example, Role, Verdict

Messages = list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class Pair:
    """A preference pair: the conversation before the reply, the wanted and the unwanted reply."""

    prompt: Messages
    chosen: dict[str, Any]
    rejected: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Unpaired:
    """One KTO row: a prompt, one reply and whether that reply is desired."""

    prompt: Messages
    completion: dict[str, Any]
    label: bool


@dataclass(frozen=True, slots=True)
class ExportRecord:
    """One settled example, ready for every format: each kind is None/empty where it has nothing."""

    id: str
    verdict: Verdict
    messages: Messages | None  # SFT conversation; None: not for SFT (an uncorrected negative)
    tools: list[dict[str, Any]] | None
    pair: Pair | None
    unpaired: list[Unpaired] = field(default_factory=list)
    corrected: bool = False
    metadata: dict[str, Any] = field(default_factory=dict)


_ASSISTANT = Role.ASSISTANT.value  # an enum's .value is a property lookup: read once


def _split_final(messages: Messages) -> tuple[Messages, dict[str, Any] | None]:
    """The turns before the last assistant message, and that message (None when there is none)."""
    for i in range(len(messages) - 1, -1, -1):
        if messages[i].get("role") == _ASSISTANT:
            return messages[:i], messages[i]
    return list(messages), None


def build_record(example: Example, verdict: Verdict, correction: Correction | None) -> ExportRecord:
    """What ``example``, settled as ``verdict`` with ``correction``, contributes to each kind."""
    edited = [m.dump() for m in correction.apply(example)] if correction is not None else None
    return build_from_messages(
        example.id,
        [m.dump() for m in example.messages],
        verdict,
        edited=edited,
        tools=example.tools,
        rejected=example.rejected.dump() if example.rejected else None,
        metadata=example.metadata,
    )


def build_from_messages(
    example_id: str,
    original: Messages,
    verdict: Verdict,
    *,
    edited: Messages | None = None,
    tools: list[dict[str, Any]] | None = None,
    rejected: dict[str, Any] | None = None,
    metadata: dict[str, Any] | None = None,
) -> ExportRecord:
    """build_record on messages already in their JSON shape (the export's fast path: no re-validation)."""
    if verdict not in (Verdict.APPROVE, Verdict.NEGATIVE):
        raise ValueError(f"only approved and negative examples are exported, not {verdict.value}")
    if verdict == Verdict.APPROVE and metadata and metadata.get(KTO_LABEL) is False:
        verdict = Verdict.NEGATIVE  # the source labelled this reply undesired (KTO)
    original_prompt, original_reply = _split_final(original)
    pair: Pair | None = None
    unpaired: list[Unpaired] = []
    if verdict == Verdict.APPROVE:
        effective = edited or original
        prompt, reply = (original_prompt, original_reply) if effective is original else _split_final(effective)
        sft: Messages | None = effective
        if reply is not None:
            unpaired.append(Unpaired(prompt, reply, True))
            if rejected is not None:
                pair = Pair(prompt, reply, rejected)
            elif edited is not None and original_reply is not None and reply != original_reply:
                pair = Pair(prompt, reply, original_reply)
            if pair is not None:
                unpaired.append(Unpaired(pair.prompt, pair.rejected, False))
    else:
        sft = edited
        prompt = _split_final(edited)[0] if edited else original_prompt
        if original_reply is not None:
            unpaired.append(Unpaired(prompt, original_reply, False))
        if edited is not None:
            _, better = _split_final(edited)
            if better is not None and original_reply is not None and better != original_reply:
                pair = Pair(prompt, better, original_reply)
                unpaired.insert(0, Unpaired(pair.prompt, pair.chosen, True))
    return ExportRecord(
        id=example_id,
        verdict=verdict,
        messages=sft,
        tools=tools,
        pair=pair,
        unpaired=unpaired,
        corrected=edited is not None,
        metadata=dict(metadata or {}),
    )
