"""How an example's decisions settle into an outcome (pure logic, no storage)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from curator.models import Decision, DecisionKind, Outcome, Verdict


@dataclass(frozen=True)
class Settlement:
    outcome: Outcome
    live: list[Decision]  # the decisions that count: latest per reviewer, unretracted, since reopen
    adjudication: Decision | None
    decided_at: datetime | None


def live_decisions(history: Sequence[Decision]) -> tuple[list[Decision], Decision | None]:
    """The reviewers' decisions that count, and the adjudication in force (if any).

    Retracted decisions do not count; nothing before the latest reopen counts; a reviewer who
    decides again replaces their own earlier decision (the log keeps both).
    """
    start = 0
    for i, d in enumerate(history):
        if d.kind == DecisionKind.REOPEN:
            start = i + 1
    current = history[start:]
    retracted = {d.target_id for d in current if d.kind == DecisionKind.RETRACTION}
    by_reviewer: dict[str, Decision] = {}
    adjudication: Decision | None = None
    for d in current:
        if d.id is not None and d.id in retracted:
            continue
        if d.kind == DecisionKind.DECISION:
            by_reviewer[d.reviewer] = d
        elif d.kind == DecisionKind.ADJUDICATION:
            adjudication = d
    return list(by_reviewer.values()), adjudication


def settle(history: Sequence[Decision], *, required: int = 1) -> Settlement:
    """The outcome: an adjudication wins; else the agreed verdict once ``required`` agree."""
    live, adjudication = live_decisions(history)
    stamps = [d.created_at for d in live] + ([adjudication.created_at] if adjudication else [])
    decided_at = max(stamps) if stamps else None
    if adjudication is not None and adjudication.verdict is not None:
        return Settlement(Outcome(adjudication.verdict.value), live, adjudication, decided_at)
    verdicts = {d.verdict for d in live}
    if len(verdicts) > 1:
        return Settlement(Outcome.CONFLICT, live, None, decided_at)
    if len(live) < max(1, required):
        return Settlement(Outcome.PENDING, live, None, decided_at)
    (verdict,) = verdicts
    assert isinstance(verdict, Verdict)
    return Settlement(Outcome(verdict.value), live, None, decided_at)


def settled_decision(settlement: Settlement) -> Decision | None:
    """The decision whose correction and rules the export uses: the adjudication, else the latest."""
    if not settlement.outcome.settled:
        return None
    if settlement.adjudication is not None:
        return settlement.adjudication
    corrected = [d for d in settlement.live if d.correction is not None]
    pool = corrected or settlement.live
    return max(pool, key=lambda d: (d.created_at, d.id or 0)) if pool else None
