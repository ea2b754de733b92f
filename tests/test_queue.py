"""The review queue: claims, overlap, expiry, skip, filters, undo and gold examples."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from conftest import make_user
from helpers import add_examples
from curator.errors import PermissionDeniedError
from curator.models import Decision, Example, Message, Outcome, Source, UserRole, Verdict, utcnow
from curator.services import decisions as decisions_service
from curator.services import gold, queue
from curator.store import Store
from curator.store import examples as examples_repo
from curator.store.claims import QueueFilter


def approve(store: Store, user, example_id: str) -> Outcome:  # type: ignore[no-untyped-def]
    _, outcome = queue.decide(store, user, Decision(example_id=example_id, reviewer=user.name, verdict=Verdict.APPROVE))
    return outcome


def test_claims_follow_import_order_and_never_hand_one_example_to_two_reviewers(store: Store) -> None:
    exs = add_examples(store, 3)
    ana, ben = make_user(store, "ana"), make_user(store, "ben")
    a = queue.claim_next(store, ana, gold_rate=0)
    b = queue.claim_next(store, ben, gold_rate=0)
    assert a is not None and b is not None
    assert (a.example.id, b.example.id) == (exs[0].id, exs[1].id)
    # Asking again returns the example already held, not a new one.
    assert queue.claim_next(store, ana, gold_rate=0).example.id == exs[0].id  # type: ignore[union-attr]
    assert approve(store, ana, exs[0].id) == Outcome.APPROVE
    assert queue.claim_next(store, ana, gold_rate=0).example.id == exs[2].id  # type: ignore[union-attr]
    assert queue.claim_next(store, make_user(store, "cy"), gold_rate=0) is None


def test_overlap_two_lets_two_reviewers_hold_an_example_but_not_three(store: Store) -> None:
    exs = add_examples(store, 1)
    lead = make_user(store, "lee", UserRole.LEAD)
    decisions_service.set_overlap(store, lead, 2)
    ana, ben, cy = (make_user(store, n) for n in ("ana", "ben", "cy"))
    assert queue.claim_next(store, ana, gold_rate=0).example.id == exs[0].id  # type: ignore[union-attr]
    assert queue.claim_next(store, ben, gold_rate=0).example.id == exs[0].id  # type: ignore[union-attr]
    assert queue.claim_next(store, cy, gold_rate=0) is None
    assert approve(store, ana, exs[0].id) == Outcome.PENDING
    # ana decided it: it never comes back to her, and ben still holds the second slot.
    assert queue.claim_next(store, ana, gold_rate=0) is None
    assert queue.claim_next(store, cy, gold_rate=0) is None
    assert approve(store, ben, exs[0].id) == Outcome.APPROVE


def test_an_abandoned_claim_expires(store: Store) -> None:
    exs = add_examples(store, 1)
    ana, ben = make_user(store, "ana"), make_user(store, "ben")
    then = utcnow() - timedelta(minutes=31)
    assert queue.claim_next(store, ana, gold_rate=0, now=then) is not None
    assert queue.claim_next(store, ben, gold_rate=0, now=then + timedelta(minutes=29)) is None
    assert queue.claim_next(store, ben, gold_rate=0).example.id == exs[0].id  # type: ignore[union-attr]


def test_skip_moves_on_and_leaves_the_example_to_others(store: Store) -> None:
    exs = add_examples(store, 2)
    ana, ben = make_user(store, "ana"), make_user(store, "ben")
    first = queue.claim_next(store, ana, gold_rate=0)
    queue.skip(store, ana, first.example.id)  # type: ignore[union-attr]
    assert queue.claim_next(store, ana, gold_rate=0).example.id == exs[1].id  # type: ignore[union-attr]
    assert queue.claim_next(store, ben, gold_rate=0).example.id == exs[0].id  # type: ignore[union-attr]


def test_filters_narrow_the_queue(store: Store) -> None:
    add_examples(store, 2, source="a.jsonl")
    pair = Example.create(
        [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}],
        rejected=Message(role="assistant", content="go away"),
        source=Source(name="b.jsonl", line=1),
    )
    with store.write() as conn:
        examples_repo.insert_many(conn, [pair])
    ana = make_user(store, "ana")
    got = queue.claim_next(store, ana, flt=QueueFilter(has_rejected=True), gold_rate=0)
    assert got is not None and got.example.id == pair.id
    # Changing the filter lets go of a claim the new filter excludes.
    got = queue.claim_next(store, ana, flt=QueueFilter(sources=("a.jsonl",)), gold_rate=0)
    assert got is not None and got.example.source.name == "a.jsonl"  # type: ignore[union-attr]
    assert queue.claim_next(store, ana, flt=QueueFilter(sources=("nowhere",)), gold_rate=0) is None


def test_cursor_wraps_around_to_earlier_open_examples(store: Store) -> None:
    exs = add_examples(store, 3)
    ana = make_user(store, "ana")
    got = queue.claim_next(store, ana, after_seq=2, gold_rate=0)
    assert got is not None and (got.example.id, got.seq) == (exs[2].id, 3)
    approve(store, ana, exs[2].id)
    got = queue.claim_next(store, ana, after_seq=3, gold_rate=0)
    assert got is not None and got.example.id == exs[0].id


def test_undo_retracts_and_returns_to_the_same_example(store: Store) -> None:
    exs = add_examples(store, 2)
    ana = make_user(store, "ana")
    queue.claim_next(store, ana, gold_rate=0)
    approve(store, ana, exs[0].id)
    assert queue.claim_next(store, ana, gold_rate=0).example.id == exs[1].id  # type: ignore[union-attr]
    undone = queue.undo(store, ana)
    assert undone is not None and undone.example_id == exs[0].id
    assert queue.claim_next(store, ana, gold_rate=0).example.id == exs[0].id  # type: ignore[union-attr]
    with store.read() as conn:
        assert examples_repo.get_row(conn, exs[0].id)["outcome"] == "pending"
    assert queue.undo(store, ana) is None  # the retraction itself is not undone


def test_gold_examples_are_slipped_in_for_reviewers_who_have_not_decided_them(store: Store) -> None:
    exs = add_examples(store, 3)
    lead, ana = make_user(store, "lee", UserRole.LEAD), make_user(store, "ana")
    queue.claim_next(store, lead, gold_rate=0)
    approve(store, lead, exs[2].id)  # settled, so the normal queue would never show it again
    gold.mark_gold(store, lead, exs[2].id, Verdict.APPROVE)
    always = random.Random(0)
    got = queue.claim_next(store, ana, gold_rate=1.0, rng=always)
    assert got is not None and got.example.id == exs[2].id and got.gold
    approve(store, ana, exs[2].id)
    got = queue.claim_next(store, ana, gold_rate=1.0, rng=always)
    assert got is not None and not got.gold  # decided once, never offered again
    with pytest.raises(PermissionDeniedError):
        gold.mark_gold(store, ana, exs[0].id, Verdict.APPROVE)


def test_decide_releases_the_claim_and_refuses_deciding_as_someone_else(store: Store) -> None:
    exs = add_examples(store, 1)
    ana, ben = make_user(store, "ana"), make_user(store, "ben")
    queue.claim_next(store, ana, gold_rate=0)
    with pytest.raises(PermissionDeniedError):
        queue.decide(store, ben, Decision(example_id=exs[0].id, reviewer="ana", verdict=Verdict.APPROVE))
    with pytest.raises(PermissionDeniedError):
        queue.claim_next(store, None, gold_rate=0)  # type: ignore[arg-type]
    approve(store, ana, exs[0].id)
    p = queue.progress(store, ana)
    assert (p.decided, p.total, p.today) == (1, 1, 1)
