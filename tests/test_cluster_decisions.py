"""Deciding a near-duplicate cluster once (issue 15): propagation, provenance, what is left alone, undo."""

from __future__ import annotations

import pytest

from conftest import make_user
from curator.errors import ConflictError, NotFoundError, PermissionDeniedError
from curator.models import Decision, Outcome, UserRole, Verdict
from curator.services import cluster_decisions, queue
from curator.services import decisions as decisions_service
from curator.store import Store, cluster_store
from curator.store import examples as examples_repo
from helpers import add_examples
from test_queue import token_of


def clustered(store: Store, n: int = 4):  # type: ignore[no-untyped-def]
    """n examples in one near-duplicate cluster; the first is the representative."""
    exs = add_examples(store, n)
    rows = [{"example_id": e.id, "cluster_id": "c1", "kind": "near", "similarity": 0.9, "is_representative": i == 0}
            for i, e in enumerate(exs)]
    with store.write() as conn:
        cluster_store.replace_clusters(conn, rows)
    return exs


def outcome(store: Store, example_id: str) -> str:
    with store.read() as conn:
        return str(examples_repo.get_row(conn, example_id)["outcome"])


def decide_cluster(store: Store, user, rep: str, members: list[str], verdict: Verdict = Verdict.APPROVE, **kw):  # type: ignore[no-untyped-def]
    queue.claim_example(store, user, rep)
    return cluster_decisions.decide_cluster(store, user, Decision(example_id=rep, reviewer=user.name, verdict=verdict, **kw),
                                            token=token_of(store, user, rep), members=members)


def test_a_decision_on_the_representative_reaches_every_open_member_with_its_provenance(store: Store) -> None:
    exs = clustered(store)
    ana = make_user(store, "ana")
    preview = cluster_decisions.preview(store, ana, exs[0].id)
    assert preview is not None and [m.example_id for m in preview.open] == [e.id for e in sorted(exs[1:], key=lambda e: e.id)]
    assert "user: Question number 1" in preview.members[[m.example_id for m in preview.members].index(exs[1].id)].text
    result = decide_cluster(store, ana, exs[0].id, [m.example_id for m in preview.members], Verdict.REJECT, rules=[], note="near copy of a bad answer")
    assert result.outcome == Outcome.REJECT and len(result.decided) == 3 and result.left == []
    for e in exs[1:]:
        (copy,) = decisions_service.history(store, e.id)
        assert (copy.reviewer, copy.verdict, copy.via_cluster, copy.note) == ("ana", Verdict.REJECT, result.decision_id, "near copy of a bad answer")
        assert outcome(store, e.id) == "reject"
    # The representative's own decision was read: no provenance.
    assert decisions_service.history(store, exs[0].id)[0].via_cluster is None
    # Only a representative offers its cluster; an example in no cluster offers none.
    assert cluster_decisions.preview(store, ana, exs[1].id) is None


def test_members_someone_decided_or_holds_are_left_as_they_are_and_the_confirmation_says_so(store: Store) -> None:
    exs = clustered(store)
    ana, ben, cy = make_user(store, "ana"), make_user(store, "ben"), make_user(store, "cy")
    queue.claim_example(store, ben, exs[1].id)
    queue.decide(store, ben, Decision(example_id=exs[1].id, reviewer="ben", verdict=Verdict.NEGATIVE), token=token_of(store, ben, exs[1].id))
    queue.claim_example(store, cy, exs[2].id)  # cy is reading it right now
    preview = cluster_decisions.preview(store, ana, exs[0].id)
    assert preview is not None
    whys = {m.example_id: (m.status, m.why) for m in preview.members}
    assert whys[exs[1].id][0] == "decided" and "already decided by someone" in whys[exs[1].id][1]
    assert "ben" not in whys[exs[1].id][1]  # blind review: a reviewer is not told who, nor what
    assert whys[exs[2].id][0] == "held" and "cy" in whys[exs[2].id][1]
    lead = make_user(store, "lee", UserRole.LEAD)
    lead_view = cluster_decisions.preview(store, lead, exs[0].id)
    assert lead_view is not None and "ben (negative)" in next(m.why for m in lead_view.members if m.example_id == exs[1].id)
    result = decide_cluster(store, ana, exs[0].id, [m.example_id for m in preview.members])
    assert result.decided == [4] and len(result.left) == 2
    assert outcome(store, exs[1].id) == "negative"  # ben's decision stands
    assert decisions_service.history(store, exs[2].id) == []  # cy's to decide


def test_only_the_members_the_reviewer_confirmed_are_decided(store: Store) -> None:
    exs = clustered(store)
    ana = make_user(store, "ana")
    result = decide_cluster(store, ana, exs[0].id, [exs[1].id, "not-a-member"])
    assert result.decided == [2] and any("not-a-member" in w for w in result.left)
    assert outcome(store, exs[2].id) == "pending" and outcome(store, exs[3].id) == "pending"
    with pytest.raises(ConflictError):
        decide_cluster(store, ana, exs[2].id, [exs[3].id])  # exs[2] represents nothing
    assert outcome(store, exs[2].id) == "pending"  # all or nothing: the representative's decision rolled back too


def test_a_stale_claim_decides_neither_the_representative_nor_its_members(store: Store) -> None:
    exs = clustered(store)
    ana = make_user(store, "ana")
    queue.claim_example(store, ana, exs[0].id)
    with pytest.raises(queue.ClaimLostError):
        cluster_decisions.decide_cluster(store, ana, Decision(example_id=exs[0].id, reviewer="ana", verdict=Verdict.APPROVE),
                                         token="stale", members=[e.id for e in exs[1:]])
    assert all(outcome(store, e.id) == "pending" for e in exs)


def test_a_lead_undoes_a_propagation_as_one_action_and_the_representative_keeps_its_decision(store: Store) -> None:
    exs = clustered(store)
    ana, lead = make_user(store, "ana"), make_user(store, "lee", UserRole.LEAD)
    result = decide_cluster(store, ana, exs[0].id, [e.id for e in exs[1:]])
    (listed,) = cluster_decisions.propagations(store, lead)
    assert (listed.decision.id, listed.standing) == (result.decision_id, 3)
    with pytest.raises(PermissionDeniedError):
        cluster_decisions.undo_propagation(store, ana, result.decision_id)
    assert cluster_decisions.undo_propagation(store, lead, result.decision_id) == 3
    assert [outcome(store, e.id) for e in exs] == ["approve", "pending", "pending", "pending"]
    assert cluster_decisions.propagations(store, lead) == []
    # The log keeps everything: each member has its propagated decision and the lead's retraction.
    kinds = [d.kind.value for d in decisions_service.history(store, exs[1].id)]
    assert kinds == ["decision", "retraction"]
    # The members are back in the queue for reviewers.
    assert queue.claim_next(store, make_user(store, "ben"), gold_rate=0).example.id in {e.id for e in exs[1:]}  # type: ignore[union-attr]


def test_a_lead_propagates_a_decision_from_the_lead_page_and_the_reviewers_undo_takes_the_cluster_back(store: Store) -> None:
    exs = clustered(store)
    ana, lead = make_user(store, "ana"), make_user(store, "lee", UserRole.LEAD)
    queue.claim_example(store, ana, exs[0].id)
    decision_id, _, _ = queue.decide(store, ana, Decision(example_id=exs[0].id, reviewer="ana", verdict=Verdict.APPROVE),
                                  token=token_of(store, ana, exs[0].id))
    result = cluster_decisions.propagate(store, lead, decision_id, [e.id for e in exs[1:]])
    assert len(result.decided) == 3
    assert {d.reviewer for e in exs[1:] for d in decisions_service.history(store, e.id)} == {"lee"}
    copy_id = decisions_service.history(store, exs[1].id)[0].id or 0
    with pytest.raises(NotFoundError):  # a propagated decision was not read: it propagates nothing
        cluster_decisions.propagate(store, lead, copy_id, [exs[2].id])
    # ana's undo takes back her decision, and what was propagated from it goes with it.
    undone = queue.undo(store, ana)
    assert undone is not None and undone.example_id == exs[0].id
    assert all(outcome(store, e.id) == "pending" for e in exs)


def test_propagated_decisions_are_not_the_reviewers_actions(store: Store) -> None:
    exs = clustered(store)
    ana = make_user(store, "ana")
    decide_cluster(store, ana, exs[0].id, [e.id for e in exs[1:]])
    assert [r.decision.example_id for r in queue.recent(store, ana)] == [exs[0].id]
    assert queue.today_count(store, ana) == 1
