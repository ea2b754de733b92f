"""Browse service: SQL pagination, every filter, sorting, and one example's full story."""

from __future__ import annotations

import pytest

from curator.errors import InvalidInputError, NotFoundError
from curator.models import (
    Correction,
    Decision,
    DecisionKind,
    Example,
    Source,
    UserRole,
    Verdict,
)
from curator.services import browse as browse_service
from curator.services import decisions as decisions_service
from curator.services.browse import (
    browse,
    example_detail,
    filter_choices,
    history_rows,
    make_filter,
)
from curator.store import Store
from curator.store import examples as examples_repo
from curator.store.schema import clusters, flags
from tests.conftest import make_user
from tests.helpers import add_examples, conversation


def _lead(store: Store):
    """A lead: sees every decision (blind review applies to reviewers; see test_blind_review)."""
    from curator.errors import NotFoundError as Missing
    from curator.store import users as users_repo

    try:
        with store.read() as conn:
            return users_repo.get_by_name(conn, "lead-viewer")
    except Missing:
        return make_user(store, "lead-viewer", UserRole.LEAD)


def _decide(store: Store, user, example_id: str, verdict: Verdict, **kw) -> None:
    decisions_service.record(store, user, Decision(example_id=example_id, reviewer=user.name, verdict=verdict, **kw))


def test_page_two_shows_the_next_fifty(sqlite_store: Store) -> None:
    store = sqlite_store
    exs = add_examples(store, 120)
    first = browse(store, _lead(store), page=0)
    second = browse(store, _lead(store), page=1)
    third = browse(store, _lead(store), page=2)
    assert [r["id"] for r in first.rows] == [e.id for e in exs[:50]]
    assert [r["id"] for r in second.rows] == [e.id for e in exs[50:100]]
    assert [r["id"] for r in third.rows] == [e.id for e in exs[100:]]
    assert (second.total, second.more, second.pages, second.total_label, second.has_next) == (120, False, 3, "120", True)
    assert third.has_next is False
    assert "messages" not in second.rows[0]  # the bulky text never reaches the table


def test_each_filter_narrows_in_sql(store: Store) -> None:
    a = add_examples(store, 6, source="a.jsonl")
    b = add_examples(store, 4, source="b.jsonl", start=100)
    ana = make_user(store, "ana")
    bo = make_user(store, "bo")
    _decide(store, ana, a[0].id, Verdict.APPROVE)
    _decide(store, ana, a[1].id, Verdict.REJECT)
    _decide(store, bo, b[0].id, Verdict.NEGATIVE, correction=Correction(reply="Better."))
    with store.write() as conn:
        conn.execute(flags.insert(), [
            {"example_id": a[2].id, "rule_id": "R7", "check_name": "pii", "message": "email", "guideline_version": "v1"},
            {"example_id": b[1].id, "rule_id": "R7", "check_name": "pii", "message": "phone", "guideline_version": "v1"},
            {"example_id": b[2].id, "rule_id": "R2", "check_name": "limits", "message": "long", "guideline_version": "v1"},
        ])

    def ids(**kw) -> list[str]:
        return [r["id"] for r in browse(store, _lead(store), make_filter(**kw)).rows]

    assert ids(sources=["b.jsonl"]) == [e.id for e in b]
    assert ids(outcomes=["approve", "negative"]) == [a[0].id, b[0].id]
    assert ids(outcomes=["pending"], sources=["a.jsonl"]) == [e.id for e in a[2:]]
    assert ids(rule="R7") == [a[2].id, b[1].id]
    assert ids(reviewer="ana") == [a[0].id, a[1].id]
    assert ids(reviewer="bo", verdict="negative") == [b[0].id]
    assert ids(verdict="reject") == [a[1].id]
    assert ids(text="invoice 103") == [b[3].id]
    assert ids(text="INVOICE 5?") == [a[5].id]  # case-insensitive substring
    assert ids(text="invoice 77") == []
    assert ids(text="   ") == [e.id for e in a + b]  # blank means any
    assert browse(store, _lead(store), make_filter(rule="R7")).total == 2


def test_text_search_treats_wildcards_literally(store: Store) -> None:
    plain = Example.create(conversation(1, reply="Fees are 5 percent."), source=Source(name="s"))
    percent = Example.create(conversation(2, reply="Fees are 5% a_month."), source=Source(name="s"))
    with store.write() as conn:
        examples_repo.insert_many(conn, [plain, percent])
    assert [r["id"] for r in browse(store, _lead(store), make_filter(text="5%")).rows] == [percent.id]
    assert [r["id"] for r in browse(store, _lead(store), make_filter(text="a_m")).rows] == [percent.id]


def test_sorting_by_tokens_and_decided_time(sqlite_store: Store) -> None:
    store = sqlite_store
    exs = add_examples(store, 4)
    with store.write() as conn:
        examples_repo.set_tokens(conn, [(exs[0].id, 30), (exs[1].id, 90), (exs[2].id, 10), (exs[3].id, 50)])
    by_tokens = browse(store, _lead(store), sort="tokens", descending=True).rows
    assert [r["tokens"] for r in by_tokens] == [90, 50, 30, 10]
    ana = make_user(store, "ana")
    _decide(store, ana, exs[3].id, Verdict.APPROVE)
    _decide(store, ana, exs[1].id, Verdict.APPROVE)
    decided = browse(store, _lead(store), make_filter(outcomes=["approve"]), sort="decided").rows
    assert [r["id"] for r in decided] == [exs[3].id, exs[1].id]
    with pytest.raises(InvalidInputError):
        browse(store, _lead(store), sort="messages")


def test_count_stops_at_the_cap_and_a_short_text_search_is_not_counted(sqlite_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    exs = add_examples(sqlite_store, 40)
    monkeypatch.setattr(browse_service, "COUNT_CAP", 30)
    capped = browse(sqlite_store, _lead(sqlite_store), page_size=10)
    assert (capped.total, capped.more, capped.pages, capped.total_label, capped.has_next) == (30, True, None, "30+", True)
    exact = browse(sqlite_store, _lead(sqlite_store), make_filter(sources=["test.jsonl"]), page=3, page_size=10)
    assert (exact.total, exact.more, exact.has_next) == (30, True, False)
    text = browse(sqlite_store, _lead(sqlite_store), make_filter(text="number 3"), page_size=10)
    assert [r["id"] for r in text.rows] == [exs[3].id] + [e.id for e in exs[30:39]]
    assert (text.total, text.pages, text.has_next) == (11, 2, True)  # the index counts it
    short = browse(sqlite_store, _lead(sqlite_store), make_filter(text="3?"), page_size=3)
    assert [r["id"] for r in short.rows] == [exs[3].id, exs[13].id, exs[23].id]
    assert (short.total, short.pages, short.has_next) == (None, None, True)  # a scan: not counted
    last = browse(sqlite_store, _lead(sqlite_store), make_filter(text="number 3"), page=1, page_size=10)
    assert ([r["id"] for r in last.rows], last.has_next) == ([exs[39].id], False)


def test_browse_filters_agree_with_the_store_filter(sqlite_store: Store) -> None:
    exs = add_examples(sqlite_store, 12)
    ana, bo = make_user(sqlite_store, "ana"), make_user(sqlite_store, "bo")
    for i, ex in enumerate(exs[:8]):
        _decide(sqlite_store, ana if i % 2 else bo, ex.id, [Verdict.APPROVE, Verdict.REJECT, Verdict.NEGATIVE][i % 3],
                correction=Correction(reply="x") if i % 3 == 2 else None)
    with sqlite_store.write() as conn:
        conn.execute(flags.insert(), [{"example_id": exs[i].id, "rule_id": "R1", "check_name": "c", "message": "m", "guideline_version": "v"} for i in (1, 4, 9)])
    for kw in [{"reviewer": "ana"}, {"verdict": "reject"}, {"reviewer": "bo", "verdict": "negative"}, {"rule": "R1"},
               {"rule": "R1", "reviewer": "ana"}, {"outcomes": ["approve"], "text": "invoice"}]:
        flt = make_filter(**kw)
        with sqlite_store.read() as conn:
            expected = [r["id"] for r in examples_repo.page(conn, flt, limit=100)]
        assert [r["id"] for r in browse(sqlite_store, _lead(sqlite_store), flt, page_size=100).rows] == expected, kw
        assert expected  # each case matches something


def test_detail_shows_the_whole_history_places_cluster_and_flags(store: Store) -> None:
    exs = add_examples(store, 3)
    ex = exs[0]
    with store.write() as conn:  # the same conversation imported again from another file
        examples_repo.insert_many(conn, [Example.create(conversation(0), source=Source(name="again.jsonl", line=9))])
        conn.execute(clusters.insert(), [
            {"example_id": ex.id, "cluster_id": "c1", "kind": "near", "similarity": 0.91, "is_representative": True},
            {"example_id": exs[1].id, "cluster_id": "c1", "kind": "near", "similarity": 0.91, "is_representative": False},
        ])
    ana = make_user(store, "ana")
    bo = make_user(store, "bo")
    lead = make_user(store, "lea", UserRole.LEAD)
    _decide(store, ana, ex.id, Verdict.APPROVE, note="fine")
    decisions_service.undo_last(store, ana)
    _decide(store, ana, ex.id, Verdict.REJECT, rules=["R1"])
    decisions_service.reopen(store, lead, [ex.id], note="guideline v2")
    _decide(store, bo, ex.id, Verdict.NEGATIVE, correction=Correction(reply="Say you cannot."), note="risky")
    decisions_service.record(store, lead, Decision(example_id=ex.id, reviewer="lea", kind=DecisionKind.ADJUDICATION, verdict=Verdict.REJECT))

    detail = example_detail(store, _lead(store), f"  {ex.id} ")
    assert detail.example.messages == ex.messages
    assert detail.outcome.value == "reject"
    kinds = [(d.reviewer, d.kind.value, d.verdict.value if d.verdict else None) for d in detail.history]
    assert kinds == [
        ("ana", "decision", "approve"),
        ("ana", "retraction", None),
        ("ana", "decision", "reject"),
        ("lea", "reopen", None),
        ("bo", "decision", "negative"),
        ("lea", "adjudication", "reject"),
    ]
    assert [p["source_name"] for p in detail.places] == ["test.jsonl", "again.jsonl"]
    assert detail.cluster is not None and detail.cluster["cluster_id"] == "c1"
    assert [m["example_id"] for m in detail.cluster["members"]] == sorted([ex.id, exs[1].id])
    rows = history_rows(detail)
    assert [r["counts"] for r in rows] == [False, False, False, False, True, True]
    assert rows[1]["target"] == detail.history[0].id
    assert rows[4]["correction"] == "Say you cannot." and rows[4]["note"] == "risky"
    assert rows[2]["rules"] == "R1"
    assert example_detail(store, _lead(store), exs[2].id).history == []
    with pytest.raises(NotFoundError):
        example_detail(store, _lead(store), "nope")


def test_filter_choices_list_sources_and_flagged_rules(store: Store) -> None:
    exs = add_examples(store, 2, source="b.jsonl") + add_examples(store, 1, source="a.jsonl", start=5)
    assert filter_choices(store) == {"sources": ["a.jsonl", "b.jsonl"], "rules": []}
    with store.write() as conn:
        conn.execute(flags.insert(), [
            {"example_id": exs[i].id, "rule_id": r, "check_name": "x", "message": "m", "guideline_version": "v"}
            for i, r in [(0, "R9"), (1, "R9"), (2, "R10")]
        ])
    assert filter_choices(store) == {"sources": ["a.jsonl", "b.jsonl"], "rules": ["R10", "R9"]}
