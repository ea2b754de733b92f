"""`curator sample`: a batch served first, and the audit's estimate of each source's approval rate."""

from __future__ import annotations

import math

import pytest

from conftest import make_user
from curator.audit import render_html, render_text
from curator.audit.estimate import estimate, wilson
from curator.errors import InvalidInputError, PermissionDeniedError
from curator.models import Decision, UserRole, Verdict
from curator.services import audit as audit_service
from curator.services import queue, queue_order, sampling
from curator.store import Store, cluster_store
from helpers import add_examples


def test_wilson_matches_the_textbook_values() -> None:
    # 8 of 10: Wilson 95% interval is (0.490, 0.943) (Newcombe 1998, table I method 3)
    low, high = wilson(8, 10)  # type: ignore[misc]
    assert (round(low, 3), round(high, 3)) == (0.490, 0.943)
    low, high = wilson(0, 10)  # type: ignore[misc]
    assert low == 0.0 and round(high, 3) == 0.278
    assert wilson(0, 0) is None


def test_the_finite_population_correction_narrows_the_interval_to_the_census() -> None:
    plain = wilson(40, 50)
    small = wilson(40, 50, population=60)
    huge = wilson(40, 50, population=10_000_000)
    assert plain is not None and small is not None and huge is not None
    assert small[1] - small[0] < plain[1] - plain[0]
    assert math.isclose(huge[0], plain[0], abs_tol=1e-5) and math.isclose(huge[1], plain[1], abs_tol=1e-5)
    assert wilson(40, 50, population=50) == (0.8, 0.8)  # every example reviewed: no uncertainty left
    with pytest.raises(ValueError):
        wilson(4, 5, population=4)


def test_a_stratum_estimate_counts_settled_examples_only() -> None:
    e = estimate("a.jsonl", 100, ["approve", "approve", "reject", "pending", "negative"])
    assert (e.sampled, e.settled, e.approved) == (5, 4, 2)
    assert e.rate == 0.5 and e.low is not None and e.high is not None and e.low < 0.5 < e.high


def test_allocation_is_proportional_with_one_per_stratum() -> None:
    assert sampling.allocate({"a": 900, "b": 90, "c": 10}, 20) == {"a": 17, "b": 2, "c": 1}
    assert sampling.allocate({"a": 3, "b": 1}, 10) == {"a": 3, "b": 1}
    assert sum(sampling.allocate({"a": 7, "b": 5, "c": 1}, 6).values()) == 6


def decide_all(store: Store, user, verdict_of) -> list[str]:  # type: ignore[no-untyped-def]
    """Decide what the queue serves, in order, until the batch's members are done; returns ids."""
    seen = []
    while (claim := queue.claim_next(store, user, gold_rate=0)) is not None:
        seen.append(claim.example.id)
        verdict = verdict_of(claim.example)
        d = Decision(example_id=claim.example.id, reviewer=user.name, verdict=verdict, note="" if verdict == Verdict.APPROVE else "no")
        queue.decide(store, user, d, token=claim.token)
    return seen


def test_a_stratified_sample_is_served_first_and_estimated_in_the_audit(store: Store) -> None:
    lead = make_user(store, "lee", UserRole.LEAD)
    a = add_examples(store, 40, source="a.jsonl")
    b = add_examples(store, 20, source="b.jsonl", start=100)
    batch = sampling.draw_sample(store, lead, 12, strategy="stratified", by="source", seed=4)
    assert batch.strata == {"a.jsonl": 8, "b.jsonl": 4} and batch.size == 12
    ana = make_user(store)
    first = [queue.claim_next(store, ana, gold_rate=0)]
    members = _members(store, batch.id)
    assert first[0] is not None and first[0].example.id in members
    queue.release_all(store, ana)
    good_b = {e.id for e in b[::2]}
    seen = decide_all(store, ana, lambda ex: Verdict.APPROVE if ex.source.name == "a.jsonl" or ex.id in good_b else Verdict.REJECT)
    assert set(seen[:12]) == members  # the whole batch before anything else
    assert len(seen) == 60

    report = audit_service.run_audit(store)
    assert report.sample is not None and report.sample.complete
    by = {s.stratum: s for s in report.sample.strata}
    assert by["a.jsonl"].population == 40 and by["a.jsonl"].approved == 8 and by["a.jsonl"].rate == 1.0
    assert by["b.jsonl"].settled == 4 and by["b.jsonl"].high is not None and by["b.jsonl"].low is not None
    assert by["b.jsonl"].low <= by["b.jsonl"].rate <= by["b.jsonl"].high  # type: ignore[operator]
    text = render_text(report)
    assert "Sample estimate (batch 1, stratified by source, 12 examples" in text
    assert "a.jsonl" in text.split("Sample estimate")[1]
    assert "<h2>Sample estimate</h2>" in render_html(report)
    assert '"sample"' in report.to_json() and '"low"' in report.to_json()
    assert len(a) == 40


def _members(store: Store, batch_id: int) -> set[str]:
    from curator.store import queue_ranks

    with store.read() as conn:
        return {e for _, e, _, _ in queue_ranks.batch_members(conn, batch_id)}


def test_an_unreviewed_sample_says_so(store: Store) -> None:
    lead = make_user(store, "lee", UserRole.LEAD)
    add_examples(store, 10)
    sampling.draw_sample(store, lead, 5, seed=1)
    report = audit_service.run_audit(store)
    assert report.sample is not None and not report.sample.complete
    assert report.sample.strata[0].rate is None
    assert "not fully reviewed yet" in render_text(report)


def test_a_diverse_sample_takes_one_example_per_cluster(store: Store) -> None:
    lead = make_user(store, "lee", UserRole.LEAD)
    exs = add_examples(store, 10)
    ids = [e.id for e in exs]
    with store.write() as conn:
        cluster_store.replace_clusters(conn, [{"example_id": e, "cluster_id": "C", "kind": "near", "similarity": 0.9,
                                               "is_representative": e == ids[4]} for e in ids[:6]])
    batch = sampling.draw_sample(store, lead, 5, strategy="diverse", seed=2)
    members = _members(store, batch.id)
    assert batch.strata == {"test.jsonl": 5}
    assert not members & set(ids[:4] + ids[5:6])  # of the cluster, only its representative may be drawn
    assert len(members) == 5
    report = audit_service.run_audit(store)
    assert report.sample is not None and report.sample.strata[0].population == 5  # 1 cluster + 4 singletons


def test_a_sample_keeps_its_place_when_the_strategy_changes(store: Store) -> None:
    lead = make_user(store, "lee", UserRole.LEAD)
    add_examples(store, 30)
    batch = sampling.draw_sample(store, lead, 3, seed=9)
    queue_order.set_strategy(store, lead, "random", seed=1)
    ana = make_user(store)
    got = []
    for _ in range(3):
        claim = queue.claim_next(store, ana, gold_rate=0)
        assert claim is not None
        got.append(claim.example.id)
        queue.decide(store, ana, Decision(example_id=claim.example.id, reviewer="ana", verdict=Verdict.APPROVE), token=claim.token)
    assert set(got) == _members(store, batch.id)


def test_sampling_is_for_leads_and_checks_its_input(store: Store) -> None:
    add_examples(store, 3)
    lead = make_user(store, "lee", UserRole.LEAD)
    with pytest.raises(PermissionDeniedError):
        sampling.draw_sample(store, make_user(store, "ana"), 2)
    with pytest.raises(InvalidInputError, match="stratified or diverse"):
        sampling.draw_sample(store, lead, 2, strategy="biggest")
    with pytest.raises(InvalidInputError, match="1 to"):
        sampling.draw_sample(store, lead, 0)
