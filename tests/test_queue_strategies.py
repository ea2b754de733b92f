"""Queue strategies: each serves examples in its own order, per source or for everyone, and
claiming stays the same atomic keyset query (the ranks are precomputed)."""

from __future__ import annotations

import pytest

from conftest import ROOT, make_user
from curator.errors import InvalidInputError, NotFoundError, PermissionDeniedError
from curator.models import Decision, UserRole, Verdict
from curator.ordering import Strategy
from curator.services import decisions as decisions_service
from curator.services import guideline_sync, queue, queue_order
from curator.store import Store, cluster_store, guideline_store
from curator.store.claims import QueueFilter
from helpers import add_examples


def served(store: Store, user, n: int | None = None) -> list[str]:  # type: ignore[no-untyped-def]
    """Ids in the order the queue deals them to ``user``, each decided (approved) as it comes."""
    out: list[str] = []
    while n is None or len(out) < n:
        claim = queue.claim_next(store, user, gold_rate=0)
        if claim is None:
            break
        out.append(claim.example.id)
        decision = Decision(example_id=claim.example.id, reviewer=user.name, verdict=Verdict.APPROVE)
        queue.decide(store, user, decision, token=claim.token)
    return out


def peek(store: Store, n: int) -> list[str]:
    """The first n ids a fresh reviewer would be dealt (decided by a throwaway reviewer)."""
    return served(store, make_user(store, f"peek{len(queue_order.get(store).sources)}{n}"), n)


def flag(store: Store, pairs: list[tuple[str, str]]) -> None:
    with store.write() as conn:
        version = guideline_store.current(conn)[0]  # type: ignore[index]
        guideline_store.replace_flags(conn, [e for e, _ in pairs], [
            {"example_id": e, "rule_id": r, "check_name": "test", "message": "flagged", "guideline_version": version} for e, r in pairs])


def test_fixed_is_import_order_and_the_default(store: Store) -> None:
    exs = add_examples(store, 4)
    assert queue_order.get(store).everyone.strategy == Strategy.FIXED
    assert served(store, make_user(store)) == [e.id for e in exs]


def test_flagged_first_serves_blockers_then_major_then_minor_then_the_rest(store: Store) -> None:
    lead = make_user(store, "lee", UserRole.LEAD)
    guideline_sync.load_into_store(store, ROOT / "guidelines")
    exs = add_examples(store, 6)
    flag(store, [(exs[1].id, "turn-count"), (exs[3].id, "no-pii"), (exs[4].id, "no-ai-boilerplate"), (exs[5].id, "no-pii")])
    done = queue_order.set_strategy(store, lead, "flagged-first")
    assert done.examples == 6 and done.changed == 4
    order = served(store, make_user(store))
    # blockers (no-pii) first in import order, then major, then minor, then unflagged.
    assert order == [exs[i].id for i in (3, 5, 4, 1, 0, 2)]


def test_random_is_seeded_stable_and_serves_everything_once(store: Store) -> None:
    lead = make_user(store, "lee", UserRole.LEAD)
    exs = add_examples(store, 30)
    queue_order.set_strategy(store, lead, "random", seed=7)
    first = [c for c in _ranks(store)]
    queue_order.set_strategy(store, lead, "random", seed=7)
    assert _ranks(store) == first  # the same seed: the same order
    order = served(store, make_user(store))
    assert sorted(order) == sorted(e.id for e in exs) and order != [e.id for e in exs]
    queue_order.set_strategy(store, lead, "random", seed=8)
    assert _ranks(store) != first


def _ranks(store: Store) -> list[tuple[str, int]]:
    import sqlalchemy as sa

    from curator.store.schema import examples

    with store.read() as conn:
        return [(str(i), int(r)) for i, r in conn.execute(sa.select(examples.c.id, examples.c.queue_rank).order_by(examples.c.seq))]


def test_diverse_serves_one_example_per_cluster_first_largest_clusters_first(store: Store) -> None:
    lead = make_user(store, "lee", UserRole.LEAD)
    exs = add_examples(store, 8)
    ids = [e.id for e in exs]
    # cluster A: 1 (rep), 2, 5 ; cluster B: 6 (rep), 7 ; 0, 3, 4 have no duplicates
    rows = [(ids[1], "A", True), (ids[2], "A", False), (ids[5], "A", False), (ids[6], "B", True), (ids[7], "B", False)]
    with store.write() as conn:
        cluster_store.replace_clusters(conn, [{"example_id": e, "cluster_id": c, "kind": "near", "similarity": 0.9,
                                               "is_representative": r} for e, c, r in rows])
    queue_order.set_strategy(store, lead, "diverse")
    order = served(store, make_user(store))
    # one per cluster (5 clusters): largest first, then the singletons; then the other members.
    assert order[:5] == [ids[1], ids[6], ids[0], ids[3], ids[4]]
    assert order[5:] == [ids[2], ids[5], ids[7]]


def test_diverse_spreads_the_first_pass_over_sources(store: Store) -> None:
    lead = make_user(store, "lee", UserRole.LEAD)
    a = add_examples(store, 3, source="a.jsonl")
    b = add_examples(store, 3, source="b.jsonl", start=10)
    queue_order.set_strategy(store, lead, "diverse")
    order = served(store, make_user(store))
    assert order == [a[0].id, b[0].id, a[1].id, b[1].id, a[2].id, b[2].id]


def test_disagreement_first_serves_conflicts_then_examples_others_began(store: Store) -> None:
    lead = make_user(store, "lee", UserRole.LEAD)
    decisions_service.set_overlap(store, lead, 3)
    exs = add_examples(store, 5)
    queue_order.set_strategy(store, lead, "disagreement-first")
    ana, ben, cy = make_user(store, "ana"), make_user(store, "ben"), make_user(store, "cy")
    for user, i, verdict in [(ana, 3, Verdict.APPROVE), (ben, 3, Verdict.REJECT), (ana, 2, Verdict.APPROVE)]:
        claim = queue.claim_example(store, user, exs[i].id)
        queue.decide(store, user, Decision(example_id=exs[i].id, reviewer=user.name, verdict=verdict, note="why"), token=claim.token)
    # ranks follow the decisions as they are recorded: no refresh needed. Example 3 is now a
    # conflict: first for a reviewer whose queue includes conflicts, absent from the others'.
    with_conflicts = QueueFilter(outcomes=("pending", "conflict"))
    assert queue.claim_next(store, cy, gold_rate=0, flt=with_conflicts).example.id == exs[3].id  # type: ignore[union-attr]
    queue.release_all(store, cy)
    assert served(store, cy, 2) == [exs[2].id, exs[0].id]
    kept = _ranks(store)
    queue_order.set_strategy(store, lead, "disagreement-first")  # the bulk ranking agrees with the incremental one
    assert _ranks(store) == kept


def test_a_source_can_have_its_own_strategy_and_go_back_to_the_default(store: Store) -> None:
    lead = make_user(store, "lee", UserRole.LEAD)
    add_examples(store, 10, source="a.jsonl")
    b = add_examples(store, 10, source="b.jsonl", start=10)
    queue_order.set_strategy(store, lead, "random", source="b.jsonl", seed=3)
    s = queue_order.get(store)
    assert s.everyone.strategy == Strategy.FIXED and s.for_source("b.jsonl").strategy == Strategy.RANDOM
    ranks = dict(_ranks(store))
    b_order = sorted((e.id for e in b), key=ranks.__getitem__)
    assert b_order != [e.id for e in b]
    # source a keeps import order; b's examples keep b's slots, shuffled among themselves
    assert sorted(ranks[e.id] for e in b) == list(range(11, 21))
    queue_order.set_strategy(store, lead, "default", source="b.jsonl")
    assert queue_order.get(store).sources == {}
    assert [r for _, r in _ranks(store)] == list(range(1, 21))


def test_setting_a_strategy_is_for_leads_and_checks_its_input(store: Store) -> None:
    add_examples(store, 2)
    lead = make_user(store, "lee", UserRole.LEAD)
    with pytest.raises(PermissionDeniedError):
        queue_order.set_strategy(store, make_user(store, "ana"), "random")
    with pytest.raises(InvalidInputError, match="unknown queue strategy 'loudest'"):
        queue_order.set_strategy(store, lead, "loudest")
    with pytest.raises(NotFoundError, match="no source named 'nope'"):
        queue_order.set_strategy(store, lead, "random", source="nope")
    assert queue_order.get(store).revision == 0


def test_an_import_places_new_examples_under_the_strategy_in_force(store: Store, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import json

    from curator.services import importing
    from helpers import conversation

    lead = make_user(store, "lee", UserRole.LEAD)
    add_examples(store, 5)
    queue_order.set_strategy(store, lead, "random", seed=1)
    path = tmp_path / "more.jsonl"
    path.write_text("".join(json.dumps({"messages": conversation(i)}) + "\n" for i in range(100, 140)))
    importing.import_file(store, path)
    ranks = [r for _, r in _ranks(store)]
    assert sorted(ranks) == list(range(1, 46))
    assert ranks[5:] != sorted(ranks[5:])  # the new ones are shuffled in, not appended in order


def test_a_reviewer_holding_an_example_keeps_it_across_a_strategy_switch(store: Store) -> None:
    lead = make_user(store, "lee", UserRole.LEAD)
    exs = add_examples(store, 10)
    ana = make_user(store)
    held = queue.claim_next(store, ana, gold_rate=0)
    queue_order.set_strategy(store, lead, "random", seed=5)
    again = queue.claim_next(store, ana, gold_rate=0)
    assert held is not None and again is not None and again.example.id == held.example.id == exs[0].id


def test_reordering_many_examples_goes_through_the_bulk_update(store: Store) -> None:
    lead = make_user(store, "lee", UserRole.LEAD)
    exs = add_examples(store, 300)
    done = queue_order.set_strategy(store, lead, "random", seed=11)
    assert done.changed > 50  # more than the row-by-row path takes
    ranks = dict(_ranks(store))
    assert sorted(ranks.values()) == list(range(1, 301))
    order = served(store, make_user(store), 5)
    assert order == sorted((e.id for e in exs), key=ranks.__getitem__)[:5]
    queue_order.set_strategy(store, lead, "fixed")
    assert [r for _, r in _ranks(store)] == list(range(1, 301))


def test_a_dedup_run_reorders_the_diverse_queue(store: Store) -> None:
    from curator.models import Example, Source
    from curator.services.dedup import run_dedup
    from curator.store import examples as examples_repo
    from helpers import conversation

    lead = make_user(store, "lee", UserRole.LEAD)
    # 0 and 1 ask the same (an exact duplicate on the user side), then 2 and 3 differ
    exs = [Example.create(conversation(i, reply=f"Reply {k}."), source=Source(name="t.jsonl", line=k + 1))
           for k, i in enumerate([0, 0, 2, 3])]
    with store.write() as conn:
        examples_repo.insert_many(conn, exs)
    queue_order.set_strategy(store, lead, "diverse")
    assert served(store, make_user(store, "ana"), 1) == [exs[0].id]
    run_dedup(store)
    # the duplicate of example 0 now waits behind every other cluster
    assert served(store, make_user(store, "ben")) == [exs[2].id, exs[3].id, exs[1].id]


@pytest.mark.parametrize("blank_db_url", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
def test_an_upgraded_database_keeps_its_queue_in_import_order(blank_db_url: str) -> None:
    from curator.models import utcnow
    from curator.store import examples as examples_repo
    from curator.store import migrate, schema
    from helpers import make_examples

    engine = Store(blank_db_url, upgrade=False).engine
    migrate.upgrade(engine, "0010")
    exs = make_examples(3)
    with engine.begin() as conn:
        conn.execute(schema.examples.insert(), [{**row, "created_at": utcnow()} for row in examples_repo.example_rows(exs).rows])
    engine.dispose()
    upgraded = Store(blank_db_url)
    try:
        assert served(upgraded, make_user(upgraded)) == [e.id for e in exs]
    finally:
        upgraded.close()
