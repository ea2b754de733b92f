"""How decisions settle: agreement, conflict, overlap, retraction, reopen, adjudication."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from curator.models import Decision, DecisionKind, Outcome
from curator.services.outcomes import settle, settled_decision

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def d(i: int, reviewer: str, verdict: str | None = None, kind: DecisionKind = DecisionKind.DECISION, target: int | None = None, **kw) -> Decision:
    return Decision(id=i, example_id="e", reviewer=reviewer, verdict=verdict, kind=kind, target_id=target, created_at=T0 + timedelta(minutes=i), **kw)


def test_no_decisions_is_pending() -> None:
    assert settle([]).outcome == Outcome.PENDING


def test_one_decision_settles_by_default() -> None:
    assert settle([d(1, "ana", "negative")]).outcome == Outcome.NEGATIVE


def test_overlap_two_waits_then_agrees_or_conflicts() -> None:
    assert settle([d(1, "ana", "approve")], required=2).outcome == Outcome.PENDING
    assert settle([d(1, "ana", "approve"), d(2, "bo", "approve")], required=2).outcome == Outcome.APPROVE
    assert settle([d(1, "ana", "approve"), d(2, "bo", "reject")], required=2).outcome == Outcome.CONFLICT


def test_a_reviewers_later_decision_replaces_their_earlier_one() -> None:
    s = settle([d(1, "ana", "approve"), d(2, "ana", "reject")], required=2)
    assert s.outcome == Outcome.PENDING and [x.id for x in s.live] == [2]


def test_retraction_cancels_the_named_decision() -> None:
    history = [d(1, "ana", "approve"), d(2, "ana", kind=DecisionKind.RETRACTION, target=1)]
    assert settle(history).outcome == Outcome.PENDING


def test_adjudication_overrides_a_conflict() -> None:
    history = [d(1, "ana", "approve"), d(2, "bo", "reject"), d(3, "lee", "negative", kind=DecisionKind.ADJUDICATION)]
    s = settle(history, required=2)
    assert s.outcome == Outcome.NEGATIVE and settled_decision(s).id == 3


def test_reopen_discards_earlier_decisions_from_the_count() -> None:
    history = [d(1, "ana", "approve"), d(2, "lee", kind=DecisionKind.REOPEN), d(3, "bo", "reject")]
    s = settle(history)
    assert s.outcome == Outcome.REJECT and [x.reviewer for x in s.live] == ["bo"]


def test_settled_decision_prefers_a_correction() -> None:
    history = [
        d(1, "ana", "negative", correction={"reply": "Refunds are possible within 30 days."}),
        d(2, "bo", "negative"),
    ]
    assert settled_decision(settle(history, required=2)).id == 1
