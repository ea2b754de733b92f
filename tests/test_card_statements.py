"""What one review card costs the database: the statements of a page run and a decision.

Each statement is a round trip and, on PostgreSQL under many reviewers, CPU on both sides; the
50-reviewer load in bench/bench_reviewers.py is bound by them. This counts them, so an extra
query on the card's path is a visible choice, not an accident.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from conftest import make_user
from curator.services import queue, review
from curator.store import Store
from helpers import add_examples


@contextmanager
def counted(store: Store) -> Iterator[Counter[str]]:
    """Statements run on the store's engine meanwhile, by their first words (BEGIN/COMMIT left out)."""
    seen: Counter[str] = Counter()

    def count(_conn, _cursor, statement, *_rest) -> None:  # type: ignore[no-untyped-def]
        if not statement.startswith("BEGIN"):
            seen[" ".join(statement.split()[:2])] += 1

    sa.event.listen(store.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        sa.event.remove(store.engine, "before_cursor_execute", count)


def test_a_card_costs_a_fixed_budget_of_statements(store: Store) -> None:
    """Deal (top up, renew, report lost) and approve: 14 statements on PostgreSQL, 13 on SQLite.

    Deal: purge expired claims, the reviewer's claims, the overlap, the next candidates, (PostgreSQL:
    the free slots again under the row lock), the claim, the examples. Approve: lock the example,
    where the reviewer stands on it, the decision, the overlap and queue strategy, the history, the
    outcome, the released claim. Not: a read of the example before deciding, a renewal of claims
    renewed a moment ago, a ping per transaction, asking whether the example just decided in this
    tab was lost (the page drops it from what it showed).
    """
    add_examples(store, 6)
    ana = make_user(store, "ana")
    hand = queue.deal(store, ana, gold_rate=0)
    first = hand.current
    assert first is not None
    review.apply(store, ana, {"action": "approve", "example_id": first.example.id, "token": first.token, "note": ""})
    shown = tuple((c.example.id, c.token, c.seq) for c in (hand.next,) if c is not None)
    with counted(store) as seen:
        for _ in range(3):
            hand = queue.deal(store, ana, gold_rate=0, shown=shown)
            claim = hand.current
            assert claim is not None
            notice = review.apply(store, ana, {"action": "approve", "example_id": claim.example.id, "token": claim.token, "note": ""})
            assert notice.kind == "ok" and notice.text == f"Approved example {claim.seq}"
            # the page's tab showed both; the approved one it let go of on purpose
            shown = tuple((c.example.id, c.token, c.seq) for c in (hand.current, hand.next) if c is not None and c is not claim)
    per_card = sum(seen.values()) / 3
    assert per_card == (14 if store.dialect == "postgresql" else 13), seen
