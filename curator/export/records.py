"""What one settled example contributes to each kind of training file (DESIGN.md's negatives table).

| kind       | approve                                   | negative                                  |
| ---------- | ----------------------------------------- | ----------------------------------------- |
| SFT        | the conversation, corrections applied     | the corrected conversation; none without one |
| preference | (reply, `rejected`) for imported pairs;   | (correction, original)                    |
|            | (edited, original) where a reply was rewritten |                                      |
| KTO        | reply True; `rejected` / original False   | original False; correction True           |

Pure logic: no storage, no files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from curator.models import Correction, Example, Message, Role, Verdict

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


def _split_final(messages: list[Message]) -> tuple[list[Message], Message | None]:
    """The turns before the last assistant message, and that message (None when there is none)."""
    for i in range(len(messages) - 1, -1, -1):
        if messages[i].role == Role.ASSISTANT:
            return messages[:i], messages[i]
    return list(messages), None


def _dump(messages: list[Message]) -> Messages:
    return [m.dump() for m in messages]


def _same(a: Message, b: Message) -> bool:
    return a.dump() == b.dump()


def build_record(example: Example, verdict: Verdict, correction: Correction | None) -> ExportRecord:
    """What ``example``, settled as ``verdict`` with ``correction``, contributes to each kind."""
    if verdict not in (Verdict.APPROVE, Verdict.NEGATIVE):
        raise ValueError(f"only approved and negative examples are exported, not {verdict.value}")
    original = list(example.messages)
    edited = correction.apply(example) if correction is not None else None
    _, original_reply = _split_final(original)
    pair: Pair | None = None
    unpaired: list[Unpaired] = []
    if verdict == Verdict.APPROVE:
        effective = edited or original
        prompt, reply = _split_final(effective)
        sft: Messages | None = _dump(effective)
        if reply is not None:
            unpaired.append(Unpaired(_dump(prompt), reply.dump(), True))
            if example.rejected is not None:
                pair = Pair(_dump(prompt), reply.dump(), example.rejected.dump())
            elif edited is not None and original_reply is not None and not _same(reply, original_reply):
                pair = Pair(_dump(prompt), reply.dump(), original_reply.dump())
            if pair is not None:
                unpaired.append(Unpaired(pair.prompt, pair.rejected, False))
    else:
        sft = _dump(edited) if edited is not None else None
        prompt, _ = _split_final(edited or original)
        if original_reply is not None:
            unpaired.append(Unpaired(_dump(prompt), original_reply.dump(), False))
        if edited is not None:
            _, better = _split_final(edited)
            if better is not None and original_reply is not None and not _same(better, original_reply):
                pair = Pair(_dump(prompt), better.dump(), original_reply.dump())
                unpaired.insert(0, Unpaired(pair.prompt, pair.chosen, True))
    return ExportRecord(
        id=example.id,
        verdict=verdict,
        messages=sft,
        tools=example.tools,
        pair=pair,
        unpaired=unpaired,
        corrected=edited is not None,
        metadata=dict(example.metadata),
    )
