"""Conflict queue and adjudication; gold marks; role checks on every lead service."""

from __future__ import annotations

import pytest

from curator.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)
from curator.models import Correction, Decision, DecisionKind, UserRole, Verdict
from curator.services import adjudication, gold
from curator.services import decisions as decisions_service
from curator.store import Store
from tests.conftest import make_user
from tests.helpers import add_examples


def _conflicted(store: Store):
    exs = add_examples(store, 3)
    lead = make_user(store, "lea", UserRole.LEAD)
    ana, bo = make_user(store, "ana"), make_user(store, "bo")
    decisions_service.set_overlap(store, lead, 2)
    for ex, (va, vb) in zip(exs, [(Verdict.APPROVE, Verdict.REJECT), (Verdict.APPROVE, Verdict.APPROVE), (Verdict.NEGATIVE, Verdict.APPROVE)]):
        decisions_service.record(store, ana, Decision(example_id=ex.id, reviewer="ana", verdict=va, note=f"ana on {ex.id}"))
        decisions_service.record(store, bo, Decision(example_id=ex.id, reviewer="bo", verdict=vb, rules=["R3"] if vb == Verdict.REJECT else []))
    return exs, lead, ana


def test_conflict_queue_lists_disagreements_side_by_side(store: Store) -> None:
    exs, lead, _ = _conflicted(store)
    assert adjudication.conflict_count(store, lead) == 2
    queue = adjudication.conflicts(store, lead)
    assert [c.example.id for c in queue] == [exs[0].id, exs[2].id]
    first = queue[0]
    assert first.example.messages == exs[0].messages
    assert [(d.reviewer, d.verdict, d.rules, d.note) for d in first.decisions] == [
        ("ana", Verdict.APPROVE, [], f"ana on {exs[0].id}"),
        ("bo", Verdict.REJECT, ["R3"], ""),
    ]
    assert [c.example.id for c in adjudication.conflicts(store, lead, offset=1, limit=5)] == [exs[2].id]


def test_adjudication_settles_the_conflict_with_the_leads_verdict(store: Store) -> None:
    exs, lead, _ = _conflicted(store)
    fix = Correction(reply="I can't share that; here is how to reset it yourself.")
    outcome = adjudication.adjudicate(store, lead, exs[2].id, "negative", rules=["R5"], note="reply leaks", correction=fix)
    assert outcome.value == "negative"
    history = decisions_service.history(store, exs[2].id)
    last = history[-1]
    assert (last.kind, last.reviewer, last.verdict, last.rules, last.note) == (DecisionKind.ADJUDICATION, "lea", Verdict.NEGATIVE, ["R5"], "reply leaks")
    assert last.correction == fix
    assert [c.example.id for c in adjudication.conflicts(store, lead)] == [exs[0].id]
    # A second lead working from a stale screen cannot silently override the first.
    with pytest.raises(ConflictError, match="not in conflict"):
        adjudication.adjudicate(store, lead, exs[2].id, "approve")


def test_adjudication_refuses_reviewers_bad_verdicts_and_unknown_examples(store: Store) -> None:
    exs, lead, ana = _conflicted(store)
    with pytest.raises(PermissionDeniedError):
        adjudication.adjudicate(store, ana, exs[0].id, "approve")
    with pytest.raises(PermissionDeniedError):
        adjudication.conflicts(store, ana)
    with pytest.raises(InvalidInputError, match="unknown verdict"):
        adjudication.adjudicate(store, lead, exs[0].id, "maybe")
    with pytest.raises(InvalidInputError, match="unknown rule"):
        adjudication.adjudicate(store, lead, exs[0].id, "reject", rules=["R99"], known_rules={"R1", "R3"})
    with pytest.raises(NotFoundError):
        adjudication.adjudicate(store, lead, "missing", "approve")
    assert adjudication.conflict_count(store, lead) == 2


def test_gold_marks_list_replace_and_unmark(sqlite_store: Store) -> None:
    store = sqlite_store
    exs = add_examples(store, 2)
    lead = make_user(store, "lea", UserRole.LEAD)
    ana = make_user(store, "ana")
    gold.mark_gold(store, lead, exs[0].id, "approve", note="textbook answer")
    gold.mark_gold(store, lead, exs[1].id, Verdict.REJECT, rules=["R2"])
    gold.mark_gold(store, lead, exs[0].id, "negative")  # marking again replaces
    listed = {g["example_id"]: (g["verdict"], g["rules"], g["marked_by"]) for g in gold.list_gold(store, lead)}
    assert listed == {exs[0].id: ("negative", [], "lea"), exs[1].id: ("reject", ["R2"], "lea")}
    assert gold.gold_answers(store) == {exs[0].id: "negative", exs[1].id: "reject"}
    assert gold.unmark_gold(store, lead, exs[1].id) is True
    assert gold.unmark_gold(store, lead, exs[1].id) is False
    assert gold.gold_answers(store) == {exs[0].id: "negative"}
    with pytest.raises(PermissionDeniedError):
        gold.mark_gold(store, ana, exs[1].id, "approve")
    with pytest.raises(NotFoundError):
        gold.mark_gold(store, lead, "nope", "approve")


def test_reopen_pasted_ids_sends_known_ones_back_and_reports_the_rest(sqlite_store: Store) -> None:
    store = sqlite_store
    exs, lead, ana = _conflicted(store)
    assert adjudication.parse_ids(f" {exs[0].id},{exs[1].id}\n'{exs[0].id}'; nope ") == [exs[0].id, exs[1].id, "nope"]
    result = adjudication.reopen_pasted(store, lead, f"{exs[0].id}\n{exs[1].id}\nnope", note="guideline v2")
    assert (result.reopened, result.unknown) == ([exs[0].id, exs[1].id], ["nope"])
    history = decisions_service.history(store, exs[1].id)
    assert (history[-1].kind, history[-1].note) == (DecisionKind.REOPEN, "guideline v2")
    assert adjudication.conflict_count(store, lead) == 1  # exs[0] is pending again
    with pytest.raises(PermissionDeniedError):
        adjudication.reopen_pasted(store, ana, exs[2].id)
