"""Dashboard numbers on a small hand-made dataset, with exact expected values."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from curator.models import Decision, UserRole, Verdict
from curator.services import dashboard as dash
from curator.services import decisions as decisions_service
from curator.store import Store
from curator.store import examples as examples_repo
from tests.conftest import make_user
from tests.helpers import add_examples

TOKENS = [10, 20, 20, 35, 50, 69]


def _named(store: Store, name: str):
    from curator.store import users as users_repo

    with store.read() as conn:
        return users_repo.get_by_name(conn, name)


def _at(day: int, hour: int) -> datetime:
    return datetime(2024, 5, day, hour, 0, tzinfo=UTC)


@pytest.fixture
def dataset(store: Store) -> Store:
    """Six examples, overlap 2: e0 agreed approve, e1 conflict, e2 agreed negative, e3 one vote,
    e4 a retracted vote, e5 untouched."""
    exs = add_examples(store, 6)
    with store.write() as conn:
        examples_repo.set_tokens(conn, [(e.id, t) for e, t in zip(exs, TOKENS, strict=True)])
    lead = make_user(store, "lea", UserRole.LEAD)
    decisions_service.set_overlap(store, lead, 2)
    ana, bo = make_user(store, "ana"), make_user(store, "bo")
    plan = [
        (ana, 0, Verdict.APPROVE, _at(1, 9)),
        (ana, 1, Verdict.APPROVE, _at(1, 10)),
        (bo, 0, Verdict.APPROVE, _at(1, 23)),
        (ana, 2, Verdict.NEGATIVE, _at(2, 0)),
        (ana, 3, Verdict.REJECT, _at(2, 9)),
        (bo, 1, Verdict.REJECT, _at(2, 10)),
        (bo, 2, Verdict.NEGATIVE, _at(2, 11)),
        (bo, 4, Verdict.APPROVE, _at(2, 12)),
    ]
    for user, i, verdict, when in plan:
        decisions_service.record(store, user, Decision(example_id=exs[i].id, reviewer=user.name, verdict=verdict, created_at=when))
    decisions_service.undo_last(store, bo)  # retracts bo's approve of e4
    return store


def test_outcomes_verdicts_and_balance(dataset: Store) -> None:
    lead = _named(dataset, "lea")  # sees everything (reviewers: test_blind_review)
    outcomes = dash.outcome_counts(dataset, lead)
    assert outcomes == {"pending": 3, "approve": 1, "negative": 1, "reject": 0, "conflict": 1}
    assert dash.verdict_counts(dataset, lead) == {"approve": 3, "negative": 2, "reject": 2}
    bal = dash.balance(outcomes)
    assert (bal.approve, bal.negative, bal.reject, bal.settled, bal.negative_share) == (1, 1, 0, 2, 0.5)


def test_token_histogram_is_binned_in_sql(dataset: Store) -> None:
    h = dash.token_histogram(dataset, bins=3)
    assert (h.starts, h.counts, h.width, h.sampled, h.n) == ([10, 30, 50], [3, 1, 2], 20, False, 6)
    assert h.rows()[1] == {"start": 30, "end": 50, "examples": 1}


def test_token_histogram_past_the_limit_uses_a_sample(dataset: Store) -> None:
    h = dash.token_histogram(dataset, bins=3, exact_limit=5, sample_size=100)
    # A sample at least as large as the table is the table: the same bins, marked sampled.
    assert (h.starts, h.counts, h.width, h.sampled, h.n) == ([10, 30, 50], [3, 1, 2], 20, True, 6)
    small = dash.token_histogram(dataset, bins=3, exact_limit=5, sample_size=2)
    assert small.sampled and small.n == 2 and sum(small.counts) == 2


def test_throughput_counts_judgements_per_utc_day_and_reviewer(dataset: Store) -> None:
    assert dash.throughput(dataset, days=None) == [
        {"day": "2024-05-01", "reviewer": "ana", "decisions": 2},
        {"day": "2024-05-01", "reviewer": "bo", "decisions": 1},
        {"day": "2024-05-02", "reviewer": "ana", "decisions": 2},
        {"day": "2024-05-02", "reviewer": "bo", "decisions": 3},
    ]
    last_day = dash.throughput(dataset, days=1, now=_at(2, 18))
    assert [(r["day"], r["reviewer"]) for r in last_day] == [("2024-05-02", "ana"), ("2024-05-02", "bo")]


def test_agreement_on_examples_with_two_live_decisions(dataset: Store) -> None:
    a = dash.agreement(dataset, _named(dataset, "lea"))
    # e0 agree, e1 disagree, e2 agree: 2 of 3 pairs. Fleiss: P=2/3, Pe=(3/6)^2+(1/6)^2+(2/6)^2=7/18.
    assert (a.n_items, a.n_ratings) == (3, 6)
    assert a.percent == pytest.approx(2 / 3)
    assert a.fleiss_kappa == pytest.approx(5 / 11)
    assert a.pairs == [{"reviewers": "ana / bo", "examples": 3, "percent": pytest.approx(2 / 3), "kappa": a.pairs[0]["kappa"]}]


def test_empty_database_gives_zeros_not_errors(sqlite_store: Store) -> None:
    d = dash.dashboard(sqlite_store, make_user(sqlite_store, "lea", UserRole.LEAD))
    assert d.examples == 0
    assert d.verdicts == {"approve": 0, "negative": 0, "reject": 0}
    assert d.balance.negative_share is None
    assert (d.histogram.starts, d.histogram.n) == ([], 0)
    assert d.throughput == []
    assert (d.agreement.n_items, d.agreement.percent) == (0, None)
    assert d.agreement.reason == "no item has two or more ratings"


def test_bin_values_puts_the_maximum_in_the_last_bin() -> None:
    h = dash.bin_values([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], bins=5)
    assert (h.starts, h.counts, h.width) == ([0, 2, 4, 6, 8], [2, 2, 2, 2, 2], 2)


def test_a_long_tail_shares_the_last_bin_instead_of_squeezing_the_rest(sqlite_store: Store) -> None:
    values = list(range(1, 101)) + [1_000_000]
    exs = add_examples(sqlite_store, len(values))
    with sqlite_store.write() as conn:
        examples_repo.set_tokens(conn, [(e.id, t) for e, t in zip(exs, values, strict=True)])
    h = dash.token_histogram(sqlite_store, bins=10)
    assert (h.starts, h.width, h.clipped_at, h.sampled) == (list(range(1, 101, 10)), 10, 100, False)
    assert h.counts == [10] * 9 + [11]
    sampled = dash.bin_values(values, bins=10)
    assert (sampled.starts, sampled.counts, sampled.clipped_at) == (h.starts, h.counts, 100)
