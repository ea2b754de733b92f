"""Eight reviewers working one queue at once, on SQLite and on PostgreSQL."""

from __future__ import annotations

import threading
from collections import Counter, defaultdict

import pytest
import sqlalchemy as sa

from conftest import make_user
from curator.models import Decision, UserRole, Verdict
from curator.services import decisions as decisions_service
from curator.services import queue
from curator.store import Store
from curator.store.schema import claims, decisions, examples
from helpers import add_examples

REVIEWERS = 8
EXAMPLES = 40


@pytest.mark.parametrize("overlap", [1, 2])
def test_eight_reviewers_decide_every_example_exactly_as_often_as_required(store: Store, overlap: int) -> None:
    exs = add_examples(store, EXAMPLES)
    decisions_service.set_overlap(store, make_user(store, "lee", UserRole.LEAD), overlap)
    people = [make_user(store, f"r{i}") for i in range(REVIEWERS)]
    handed: list[tuple[str, str]] = []  # (reviewer, example) for every claim handed out
    holding: dict[str, set[str]] = defaultdict(set)  # example -> reviewers holding it right now
    over: list[tuple[str, set[str]]] = []
    guard = threading.Lock()
    errors: list[BaseException] = []
    start = threading.Barrier(REVIEWERS)

    def work(user) -> None:  # type: ignore[no-untyped-def]
        try:
            start.wait()
            cursor = 0
            while True:
                got = queue.claim_next(store, user, after_rank=cursor, gold_rate=0)
                if got is None:
                    return
                eid = got.example.id
                with guard:
                    handed.append((user.name, eid))
                    holding[eid].add(user.name)
                    if len(holding[eid]) > overlap:
                        over.append((eid, set(holding[eid])))
                queue.decide(store, user, Decision(example_id=eid, reviewer=user.name, verdict=Verdict.APPROVE), token=got.token)
                with guard:
                    holding[eid].discard(user.name)
                cursor = got.seq
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(p,)) for p in people]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert not over
    # Every claim led to exactly one decision: nothing lost, no reviewer given an example twice.
    assert len(handed) == len(set(handed)) == EXAMPLES * overlap
    assert Counter(e for _, e in handed) == {ex.id: overlap for ex in exs}
    with store.read() as conn:
        per_example = dict(conn.execute(sa.select(decisions.c.example_id, sa.func.count()).group_by(decisions.c.example_id)).all())
        outcomes = Counter(conn.scalars(sa.select(examples.c.outcome)))
        left = conn.scalar(sa.select(sa.func.count()).select_from(claims))
    assert per_example == {ex.id: overlap for ex in exs}
    assert outcomes == {"approve": EXAMPLES}
    assert left == 0
