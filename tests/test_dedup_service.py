"""Dedup over the store: clusters stored, representative chosen, a new run replaces the old."""

from __future__ import annotations

from conftest import make_user
from curator.models import Correction, Verdict
from curator.services.dedup import example_cluster, run_dedup
from curator.store import Store, cluster_store
from export_builders import add, approved, chat, decide, words


def test_clusters_are_stored_with_their_representative(store: Store) -> None:
    ana = make_user(store, "ana")
    approved(store, ana, 5)
    reply = words(77, 50)
    pending = add(store, chat(300, reply=reply), line=300)
    negative = add(store, chat(300, reply=reply + " more"), line=301)
    approve = add(store, chat(300, reply=reply + " other"), line=302)
    decide(store, ana, negative, Verdict.NEGATIVE, correction=Correction(reply=reply + " better"))
    decide(store, ana, approve, Verdict.APPROVE)

    report = run_dedup(store, threshold=0.8)
    assert [sorted(c.members) for c in report.result.clusters] == [sorted([pending, negative, approve])]
    cluster = report.result.clusters[0]
    assert report.representatives[cluster.id] == approve
    assert report.as_dict()["cluster_list"][0]["size"] == 3

    stored = example_cluster(store, pending)
    assert stored is not None and stored["id"] == cluster.id
    assert stored["members"][0]["example_id"] == approve
    assert [m["is_representative"] for m in stored["members"]] == [True, False, False]
    assert example_cluster(store, add(store, chat(999), line=999)) is None


def test_corrected_beats_most_recent_and_a_rerun_replaces_clusters(sqlite_store: Store) -> None:
    store = sqlite_store
    ana = make_user(store, "ana")
    reply = words(88, 50)
    corrected = add(store, chat(400, reply=reply), line=1)
    recent = add(store, chat(400, reply=reply + " again"), line=2)
    decide(store, ana, corrected, Verdict.NEGATIVE, correction=Correction(reply=reply + " fixed"))
    decide(store, ana, recent, Verdict.NEGATIVE)
    first = run_dedup(store)
    assert list(first.representatives.values()) == [corrected]
    second = run_dedup(store, threshold=0.99)
    assert second.result.clusters == [] and second.run_id == first.run_id + 1
    with store.read() as conn:
        assert cluster_store.count_clusters(conn) == 0
        assert cluster_store.latest_run(conn)["threshold"] == 0.99


def test_the_corrected_conversation_is_what_is_compared(sqlite_store: Store) -> None:
    store = sqlite_store
    ana = make_user(store, "ana")
    reply = words(99, 50)
    a = add(store, chat(500, reply=reply), line=1)
    b = add(store, chat(500, reply=reply + " also"), line=2)
    decide(store, ana, b, Verdict.NEGATIVE, correction=Correction(reply="Something else entirely."))
    assert run_dedup(store).result.clusters == []
    assert example_cluster(store, a) is None


def test_lean_reads_match_the_full_rows(store: Store) -> None:
    """load_corpus and the export read only some columns: the same values as the full rows."""
    from curator.services.dedup import load_corpus
    from curator.store import examples as examples_repo
    from curator.store.jsontext import loads

    ana = make_user(store, "ana")
    approved(store, ana, 4)
    fixed = add(store, chat(600), line=600)
    decide(store, ana, fixed, Verdict.NEGATIVE, correction=Correction(reply="The desired reply."))
    pending = add(store, chat(601), line=601)
    corpus = load_corpus(store)
    with store.read() as conn:
        full = list(examples_repo.iter_rows(conn))
        exported = list(cluster_store.export_rows(conn, {"approve", "negative"}, batch=2))
        by_id = cluster_store.full_rows(conn, [fixed, pending])
    assert [eid for eid, _ in corpus.items] == [r["id"] for r in full]
    for (eid, messages), row in zip(corpus.items, full, strict=True):
        entry = corpus.entries[eid]
        assert (entry.seq, entry.outcome, entry.corrected) == (row["seq"], row["outcome"], eid == fixed)
        if eid == fixed:
            assert messages[-1]["content"] == "The desired reply."
        else:
            assert messages == loads(row["messages"])
    settled = [r for r in full if r["outcome"] in ("approve", "negative")]
    assert [tuple(r) for r in exported] == [
        (r["seq"], r["id"], r["tools"], r["rejected"], r["metadata"], r["tokens"]) for r in settled
    ]
    assert pending not in {r.id for r in exported}
    assert dict(by_id[fixed]) == dict(next(r for r in full if r["id"] == fixed))
