"""Claims taken back while other reviewers work: found by the many-reviewers load test.

Each test replays one interleaving deterministically, on SQLite and on PostgreSQL: an undo or
a jump must never make a reviewer hold an example that the overlap has already given to
others, whether those others claimed it before (a plain sequence) or are claiming it at the
same moment (a transaction still open).
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from conftest import make_user
from curator.errors import ConflictError
from curator.models import Decision, Outcome, Verdict, utcnow
from curator.services import queue, review
from curator.store import Store
from curator.store import claims as claims_repo
from curator.store import examples as examples_repo
from helpers import add_examples


def holders(store: Store, example_id: str) -> list[int]:
    with store.read() as conn:
        return sorted(claims_repo.live_holders(conn, example_id, now=utcnow()))


def test_undoing_a_skip_leaves_the_example_with_the_reviewer_who_took_it_meanwhile(store: Store) -> None:
    exs = add_examples(store, 3)
    ana, ben = make_user(store, "ana"), make_user(store, "ben")
    mine = queue.deal(store, ana, gold_rate=0).current
    assert mine is not None and mine.example.id == exs[0].id
    queue.skip(store, ana, mine.example.id, token=mine.token)
    theirs = queue.deal(store, ben, gold_rate=0).current  # the skipped example is open to others
    assert theirs is not None and theirs.example.id == exs[0].id

    undone = queue.undo(store, ana)

    assert undone is not None and (undone.kind, undone.example_id) == ("skip", exs[0].id)
    assert undone.held_by == ("ben",)
    assert holders(store, exs[0].id) == [ben.id]  # ben alone: the overlap is one
    again = queue.deal(store, ana, gold_rate=0).current
    assert again is not None and again.example.id != exs[0].id
    queue.decide(store, ben, Decision(example_id=exs[0].id, reviewer="ben", verdict=Verdict.APPROVE), token=theirs.token)


def test_undoing_a_skip_of_an_example_settled_meanwhile_holds_nothing(store: Store) -> None:
    exs = add_examples(store, 2)
    ana, ben = make_user(store, "ana"), make_user(store, "ben")
    mine = queue.deal(store, ana, gold_rate=0).current
    queue.skip(store, ana, mine.example.id, token=mine.token)  # type: ignore[union-attr]
    theirs = queue.deal(store, ben, gold_rate=0).current
    outcome = queue.decide(store, ben, Decision(example_id=exs[0].id, reviewer="ben", verdict=Verdict.APPROVE), token=theirs.token).outcome  # type: ignore[union-attr]
    assert outcome == Outcome.APPROVE

    notice = review.apply(store, ana, {"action": "undo"})

    assert notice.kind == "ok" and notice.text == "Undid your skip of example 1; it has all the decisions it needs"
    assert holders(store, exs[0].id) == []
    assert queue.undo(store, ana) is None  # the skip is taken back: nothing else to undo


def test_undoing_a_skip_of_an_example_still_open_holds_it_again(store: Store) -> None:
    exs = add_examples(store, 2)
    ana = make_user(store, "ana")
    mine = queue.deal(store, ana, gold_rate=0).current
    queue.skip(store, ana, mine.example.id, token=mine.token)  # type: ignore[union-attr]
    notice = review.apply(store, ana, {"action": "undo"})
    assert notice.text == "Undid your skip of example 1"
    assert holders(store, exs[0].id) == [ana.id]


def test_a_jump_waits_for_a_claim_being_made_on_the_same_example(store: Store) -> None:
    exs = add_examples(store, 1)
    ana, ben = make_user(store, "ana"), make_user(store, "ben")
    outcome: list[object] = []

    def jump() -> None:
        try:
            outcome.append(queue.jump(store, ana, exs[0].id))
        except ConflictError as exc:
            outcome.append(exc)

    # ben's page run is claiming the example (row locked, claim written, not yet committed)
    # when ana jumps to it: her jump must see his claim, not the state before it.
    with store.write() as conn:
        examples_repo.lock(conn, exs[0].id)
        now = utcnow()
        claims_repo.put(conn, exs[0].id, ben.id, now=now, expires_at=now + timedelta(minutes=30), token="b" * 32)
        other = threading.Thread(target=jump)
        other.start()
        other.join(timeout=1.0)  # it waits for the lock (PostgreSQL row lock, SQLite write lock)
    other.join(timeout=30)

    assert len(outcome) == 1 and isinstance(outcome[0], ConflictError), outcome
    assert "ben holds it" in str(outcome[0])
    assert holders(store, exs[0].id) == [ben.id]


@pytest.mark.parametrize("action", ["skip", "decision"])
def test_an_undo_waits_for_a_claim_being_made_on_the_same_example(store: Store, action: str) -> None:
    exs = add_examples(store, 2)
    ana, ben = make_user(store, "ana"), make_user(store, "ben")
    mine = queue.deal(store, ana, gold_rate=0).current
    assert mine is not None and mine.example.id == exs[0].id
    if action == "skip":
        queue.skip(store, ana, exs[0].id, token=mine.token)
    else:  # a lead sends it back to the queue: ana's decision stays hers to undo, the example is open
        from curator.models import UserRole
        from curator.services import decisions as decisions_service

        queue.decide(store, ana, Decision(example_id=exs[0].id, reviewer="ana", verdict=Verdict.APPROVE), token=mine.token)
        decisions_service.reopen(store, make_user(store, "lee", UserRole.LEAD), [exs[0].id])
    result: list[object] = []

    with store.write() as conn:  # ben claiming it, uncommitted, as ana presses undo
        examples_repo.lock(conn, exs[0].id)
        now = utcnow()
        claims_repo.put(conn, exs[0].id, ben.id, now=now, expires_at=now + timedelta(minutes=30), token="b" * 32)
        other = threading.Thread(target=lambda: result.append(queue.undo(store, ana)))
        other.start()
        other.join(timeout=1.0)
    other.join(timeout=30)

    assert len(result) == 1 and result[0] is not None
    assert result[0].held_by == ("ben",)  # type: ignore[attr-defined]
    assert holders(store, exs[0].id) == [ben.id]


def test_two_undos_at_once_take_back_the_last_two_decisions_not_one_twice(store: Store) -> None:
    exs = add_examples(store, 3)
    ana = make_user(store, "ana")
    for _ in range(2):
        claim = queue.deal(store, ana, gold_rate=0).current
        assert claim is not None
        queue.decide(store, ana, Decision(example_id=claim.example.id, reviewer="ana", verdict=Verdict.APPROVE), token=claim.token)
    results: list[object] = []
    with store.write() as conn:  # the last decided example is busy (a deal scanning it) as ana presses undo in two tabs
        examples_repo.lock(conn, exs[1].id)
        tabs = [threading.Thread(target=lambda: results.append(queue.undo(store, ana))) for _ in range(2)]
        for t in tabs:
            t.start()
        for t in tabs:
            t.join(timeout=1.0)
    for t in tabs:
        t.join(timeout=30)

    assert sorted(u.example_id for u in results) == sorted([exs[0].id, exs[1].id])  # type: ignore[attr-defined]
    from curator.services import decisions as decisions_service

    for ex in exs[:2]:
        assert [d.kind.value for d in decisions_service.history(store, ex.id)] == ["decision", "retraction"]
