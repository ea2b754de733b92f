"""Recording decisions through the service, on both databases: append-only, settled, guarded."""

from __future__ import annotations

import pytest

from curator.errors import InvalidInputError, NotFoundError, PermissionDeniedError
from curator.models import Decision, DecisionKind, Outcome, UserRole
from curator.services import decisions as svc
from curator.store import Store
from curator.store import decisions as decisions_repo
from curator.store import examples as examples_repo
from tests.conftest import make_user
from tests.helpers import add_examples


def test_record_settles_and_undo_retracts_without_deleting(store: Store) -> None:
    ana = make_user(store)
    (ex,) = add_examples(store, 1)
    _, outcome = svc.record(store, ana, Decision(example_id=ex.id, reviewer="ana", verdict="approve"))
    assert outcome == Outcome.APPROVE
    assert svc.undo_last(store, ana).verdict == "approve"
    history = svc.history(store, ex.id)
    assert [h.kind for h in history] == [DecisionKind.DECISION, DecisionKind.RETRACTION]
    with store.read() as conn:
        row = examples_repo.get_row(conn, ex.id)
    assert row["outcome"] == "pending" and row["n_decisions"] == 0
    assert svc.undo_last(store, ana) is None


def test_overlap_two_needs_two_agreeing_reviewers(store: Store) -> None:
    lead = make_user(store, "lee", UserRole.LEAD)
    ana, bo = make_user(store, "ana"), make_user(store, "bo")
    (ex,) = add_examples(store, 1)
    svc.set_overlap(store, lead, 2)
    assert svc.record(store, ana, Decision(example_id=ex.id, reviewer="ana", verdict="negative"))[1] == Outcome.PENDING
    assert svc.record(store, bo, Decision(example_id=ex.id, reviewer="bo", verdict="reject"))[1] == Outcome.CONFLICT
    adj = Decision(example_id=ex.id, reviewer="lee", verdict="negative", kind=DecisionKind.ADJUDICATION)
    assert svc.record(store, lead, adj)[1] == Outcome.NEGATIVE


def test_lowering_overlap_settles_waiting_examples(store: Store) -> None:
    lead, ana = make_user(store, "lee", UserRole.LEAD), make_user(store, "ana")
    (ex,) = add_examples(store, 1)
    svc.set_overlap(store, lead, 2)
    svc.record(store, ana, Decision(example_id=ex.id, reviewer="ana", verdict="approve"))
    svc.set_overlap(store, lead, 1)
    with store.read() as conn:
        assert examples_repo.get_row(conn, ex.id)["outcome"] == "approve"


def test_roles_are_enforced_by_the_service(store: Store) -> None:
    ana = make_user(store)
    (ex,) = add_examples(store, 1)
    with pytest.raises(PermissionDeniedError):
        svc.record(store, ana, Decision(example_id=ex.id, reviewer="ana", verdict="approve", kind=DecisionKind.ADJUDICATION))
    with pytest.raises(PermissionDeniedError):
        svc.record(store, ana, Decision(example_id=ex.id, reviewer="someone-else", verdict="approve"))
    with pytest.raises(PermissionDeniedError):
        svc.set_overlap(store, ana, 3)
    with pytest.raises(PermissionDeniedError):
        svc.reopen(store, ana, [ex.id])


def test_unknown_example_and_unknown_rule_are_refused(store: Store) -> None:
    ana = make_user(store)
    (ex,) = add_examples(store, 1)
    with pytest.raises(NotFoundError):
        svc.record(store, ana, Decision(example_id="nope", reviewer="ana", verdict="approve"))
    with pytest.raises(InvalidInputError, match="no-such-rule"):
        svc.record(store, ana, Decision(example_id=ex.id, reviewer="ana", verdict="reject", rules=["no-such-rule"]), known_rules={"no-pii"})
    with store.read() as conn:
        assert decisions_repo.count(conn) == 0


def test_reopen_sends_back_to_the_queue_and_keeps_the_log(store: Store) -> None:
    lead, ana = make_user(store, "lee", UserRole.LEAD), make_user(store, "ana")
    (ex,) = add_examples(store, 1)
    svc.record(store, ana, Decision(example_id=ex.id, reviewer="ana", verdict="approve"))
    assert svc.reopen(store, lead, [ex.id], note="rule no-pii changed") == 1
    with store.read() as conn:
        assert examples_repo.get_row(conn, ex.id)["outcome"] == "pending"
        assert decisions_repo.count(conn) == 2
