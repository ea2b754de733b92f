"""The review queue: claims, overlap, expiry, skip, filters, undo and gold examples."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from conftest import make_user
from curator.errors import PermissionDeniedError
from curator.models import Decision, Example, Message, Outcome, Source, UserRole, Verdict, utcnow
from curator.services import decisions as decisions_service
from curator.services import gold, queue
from curator.store import Store
from curator.store import examples as examples_repo
from curator.store.claims import QueueFilter
from helpers import add_examples


def token_of(store: Store, user, example_id: str) -> str:  # type: ignore[no-untyped-def]
    from curator.store import claims as claims_repo

    with store.read() as conn:
        row = claims_repo.get(conn, example_id, user.id)
    return row["token"] if row is not None else ""


def approve(store: Store, user, example_id: str) -> Outcome:  # type: ignore[no-untyped-def]
    """Approve the example the user holds, answering their claim on it."""
    decision = Decision(example_id=example_id, reviewer=user.name, verdict=Verdict.APPROVE)
    outcome = queue.decide(store, user, decision, token=token_of(store, user, example_id)).outcome
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
    queue.skip(store, ana, first.example.id, token=first.token)  # type: ignore[union-attr]
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
    got = queue.claim_next(store, ana, after_rank=2, gold_rate=0)
    assert got is not None and (got.example.id, got.seq) == (exs[2].id, 3)
    approve(store, ana, exs[2].id)
    got = queue.claim_next(store, ana, after_rank=3, gold_rate=0)
    assert got is not None and got.example.id == exs[0].id


def test_undo_retracts_and_returns_to_the_same_example(store: Store) -> None:
    exs = add_examples(store, 2)
    ana = make_user(store, "ana")
    queue.claim_next(store, ana, gold_rate=0)
    approve(store, ana, exs[0].id)
    assert queue.claim_next(store, ana, gold_rate=0).example.id == exs[1].id  # type: ignore[union-attr]
    undone = queue.undo(store, ana)
    assert undone is not None and (undone.kind, undone.example_id) == ("decision", exs[0].id)
    assert queue.claim_next(store, ana, gold_rate=0).example.id == exs[0].id  # type: ignore[union-attr]
    with store.read() as conn:
        assert examples_repo.get_row(conn, exs[0].id)["outcome"] == "pending"
    assert queue.undo(store, ana) is None  # the retraction itself is not undone


def test_gold_examples_are_slipped_in_for_reviewers_who_have_not_decided_them(store: Store) -> None:
    exs = add_examples(store, 3)
    lead, ana = make_user(store, "lee", UserRole.LEAD), make_user(store, "ana")
    queue.claim_example(store, lead, exs[2].id)
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
        queue.decide(store, ben, Decision(example_id=exs[0].id, reviewer="ana", verdict=Verdict.APPROVE), token="")
    with pytest.raises(PermissionDeniedError):
        queue.claim_next(store, None, gold_rate=0)  # type: ignore[arg-type]
    approve(store, ana, exs[0].id)
    p = queue.progress(store, ana)
    assert (p.decided, p.total, p.today) == (1, 1, 1)


# --- claims answered by token (issue 10: stale tabs, undo per action, change) ----------------
from curator.errors import ConflictError, InvalidInputError, NotFoundError  # noqa: E402
from curator.store import claims as claims_repo  # noqa: E402


def live_decisions(store: Store, user, example_id: str) -> list[int]:  # type: ignore[no-untyped-def]
    with store.read() as conn:
        found = claims_repo.live_decision(conn, example_id, user.id)
    return [found] if found is not None else []


def test_a_decision_for_a_claim_already_answered_is_refused_and_says_so(store: Store) -> None:
    exs = add_examples(store, 3)
    ana = make_user(store, "ana")
    tab_a = queue.deal(store, ana, gold_rate=0)
    tab_b = queue.deal(store, ana, gold_rate=0)  # a second tab shows the same claim
    assert tab_a.current == tab_b.current and tab_a.current.example.id == exs[0].id  # type: ignore[union-attr]
    assert tab_a.next is not None and tab_a.next.example.id == exs[1].id  # the look-ahead is held too
    claim = tab_b.current
    queue.decide(store, ana, Decision(example_id=claim.example.id, reviewer="ana", verdict=Verdict.APPROVE), token=claim.token)  # type: ignore[union-attr]
    with pytest.raises(queue.ClaimLostError, match="already decided example 1"):
        queue.decide(store, ana, Decision(example_id=exs[0].id, reviewer="ana", verdict=Verdict.REJECT, note="x"), token=tab_a.current.token)  # type: ignore[union-attr]
    assert len(queue.recent(store, ana)) == 1
    with pytest.raises(queue.ClaimLostError):  # a made-up token answers nothing
        queue.decide(store, ana, Decision(example_id=exs[1].id, reviewer="ana", verdict=Verdict.APPROVE), token="0" * 32)


def test_an_expired_claim_taken_by_someone_else_is_reported_lost(store: Store) -> None:
    exs = add_examples(store, 1)
    ana, ben = make_user(store, "ana"), make_user(store, "ben")
    then = utcnow() - timedelta(minutes=31)
    mine = queue.deal(store, ana, gold_rate=0, now=then).current
    assert mine is not None
    assert queue.deal(store, ben, gold_rate=0).current.example.id == exs[0].id  # type: ignore[union-attr]
    hand = queue.deal(store, ana, gold_rate=0, shown=((mine.example.id, mine.token, mine.seq),))
    assert hand.current is None and hand.lost == ["Your hold on example 1 expired and ben has it now."]
    with pytest.raises(queue.ClaimLostError, match="ben has it now"):
        queue.decide(store, ana, Decision(example_id=exs[0].id, reviewer="ana", verdict=Verdict.APPROVE), token=mine.token)


def test_dealing_renews_the_claims_so_a_working_reviewer_keeps_them(store: Store) -> None:
    add_examples(store, 2)
    ana, ben = make_user(store, "ana"), make_user(store, "ben")
    start = utcnow() - timedelta(minutes=50)
    first = queue.deal(store, ana, gold_rate=0, now=start).current
    queue.deal(store, ana, gold_rate=0, now=start + timedelta(minutes=25))  # still working: renewed
    assert queue.deal(store, ben, gold_rate=0, now=start + timedelta(minutes=40)).current is None
    again = queue.deal(store, ana, gold_rate=0, now=start + timedelta(minutes=45)).current
    assert again is not None and again.token == first.token  # type: ignore[union-attr]
    queue.release_all(store, ana)  # sign-out
    assert queue.deal(store, ben, gold_rate=0).current is not None


def test_a_reject_needs_a_rule_or_a_note(store: Store) -> None:
    exs = add_examples(store, 1)
    ana = make_user(store, "ana")
    claim = queue.deal(store, ana, gold_rate=0).current
    bare = Decision(example_id=exs[0].id, reviewer="ana", verdict=Verdict.REJECT)
    with pytest.raises(InvalidInputError, match="rule or a note"):
        queue.decide(store, ana, bare, token=claim.token)  # type: ignore[union-attr]
    queue.decide(store, ana, bare.model_copy(update={"note": "off-topic"}), token=claim.token)  # type: ignore[union-attr]


def test_undo_takes_back_a_skip_and_the_example_comes_back_at_once(store: Store) -> None:
    exs = add_examples(store, 3)
    ana = make_user(store, "ana")
    first = queue.deal(store, ana, gold_rate=0).current
    approve(store, ana, first.example.id)  # type: ignore[union-attr]
    second = queue.deal(store, ana, gold_rate=0).current
    queue.skip(store, ana, second.example.id, token=second.token)  # type: ignore[union-attr]
    assert queue.deal(store, ana, gold_rate=0).current.example.id == exs[2].id  # type: ignore[union-attr]
    undone = queue.undo(store, ana)
    assert undone == queue.Undone("skip", exs[1].id, 2)
    assert queue.deal(store, ana, gold_rate=0).current.example.id == exs[1].id  # not hidden for 30 minutes
    assert [d.kind.value for d in decisions_service.history(store, exs[0].id)] == ["decision"]  # the approve stands
    undone = queue.undo(store, ana)
    assert (undone.kind, undone.example_id, undone.verdict) == ("decision", exs[0].id, Verdict.APPROVE)  # type: ignore[union-attr]


def test_reopen_changes_a_decision_without_two_live_ones(store: Store) -> None:
    exs = add_examples(store, 2)
    ana = make_user(store, "ana")
    claim = queue.deal(store, ana, gold_rate=0).current
    first_id = queue.decide(store, ana, Decision(example_id=exs[0].id, reviewer="ana", verdict=Verdict.APPROVE), token=claim.token).decision_id  # type: ignore[union-attr]
    again = queue.reopen(store, ana, first_id)
    assert again.example.id == exs[0].id and again.replaces == first_id
    assert queue.deal(store, ana, gold_rate=0).current == again  # held, to be changed
    new_id, outcome, _ = queue.decide(store, ana, Decision(example_id=exs[0].id, reviewer="ana", verdict=Verdict.REJECT, rules=["R1"]), token=again.token)
    assert outcome == Outcome.REJECT and live_decisions(store, ana, exs[0].id) == [new_id]
    assert [d.kind.value for d in decisions_service.history(store, exs[0].id)] == ["decision", "retraction", "decision"]
    rows = queue.recent(store, ana)
    assert [(r.decision.id, r.live) for r in rows] == [(new_id, True), (first_id, False)]
    with pytest.raises(ConflictError):
        queue.undo_decision(store, ana, first_id)
    undone = queue.undo_decision(store, ana, new_id)
    assert undone.example_id == exs[0].id and live_decisions(store, ana, exs[0].id) == []


def test_jump_by_id_or_source_and_line(store: Store) -> None:
    exs = add_examples(store, 3, source="chats.jsonl")
    ana, ben = make_user(store, "ana"), make_user(store, "ben")
    assert queue.jump(store, ana, "chats.jsonl:3").example.id == exs[2].id
    assert queue.jump(store, ana, exs[1].id).example.id == exs[1].id
    with pytest.raises(ConflictError, match="ana holds it"):
        queue.jump(store, ben, exs[1].id)
    with pytest.raises(NotFoundError, match="source:line"):
        queue.jump(store, ana, "chats.jsonl:99")
