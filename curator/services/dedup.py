"""Dedup over the store: read every example once, find exact and near-duplicate clusters, store them.

The conversation compared is the one the export would write: the stored messages, or, where
the decision in force carries a correction, the corrected messages. So an export built on these
clusters holds no duplicate even when two reviewers corrected two examples into the same text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from curator.dedup import (
    Cluster,
    DedupResult,
    Member,
    choose_representative,
    find_clusters,
)
from curator.dedup.engine import Engine
from curator.dedup.engines import engine_named
from curator.models import Correction, Outcome, as_utc
from curator.ordering import Strategy
from curator.scratch import ItemsView, Scratch, SpilledItems, StoredMessages
from curator.services import queue_order
from curator.services.decisions import required_decisions
from curator.services.outcomes import settle, settled_decision
from curator.store import Connection, Store, cluster_store
from curator.store import decisions as decisions_repo
from curator.store import examples as examples_repo
from curator.store.jsontext import loads

READ_BATCH = 5000
HISTORY_BATCH = 500
SETTLED = frozenset({Outcome.APPROVE.value, Outcome.NEGATIVE.value, Outcome.REJECT.value})
EXPORTABLE = frozenset({Outcome.APPROVE.value, Outcome.NEGATIVE.value})


@dataclass(slots=True)
class Entry:
    """What dedup, split and export keep in memory about one example (no text)."""

    id: str
    seq: int
    outcome: str
    corrected: bool
    decided_at: datetime | None
    stratum: Any = None
    row: int = 0  # its index in Corpus.items

    @property
    def member(self) -> Member:
        return Member(id=self.id, outcome=self.outcome, corrected=self.corrected, decided_at=as_utc(self.decided_at))



class Corpus:
    """Every example as (id, messages compared), with its entry and the correction in force.

    The messages wait in a scratch file (curator.scratch.SpilledItems: read back on demand), so
    memory holds one Entry per example, not its text. close() (or leaving a with block) removes
    the file; so does garbage collection, at the latest.
    """

    def __init__(self) -> None:
        self.scratch = Scratch(prefix="curator-corpus-")
        self.items = SpilledItems(self.scratch)
        self.entries: dict[str, Entry] = {}
        self.corrections: dict[str, Correction] = {}

    @property
    def ids(self) -> list[str]:
        """Every example id, in import order."""
        return self.items.ids

    def messages(self, eid: str) -> list[dict[str, Any]]:
        """The messages compared (and exported) of one example."""
        return cast(list[dict[str, Any]], self.items.messages(self.entries[eid].row))

    def stored(self, eid: str) -> StoredMessages:
        """A placeholder for one example's messages, read only if used."""
        return StoredMessages(self.items, self.entries[eid].row)

    def subset(self, ids: Sequence[str]) -> ItemsView:
        """(id, messages) of these examples, in this order, read on demand."""
        return self.items.subset([self.entries[eid].row for eid in ids])

    def close(self) -> None:
        self.items.close()
        self.scratch.close()

    def __enter__(self) -> Corpus:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _corrections_of(conn: Connection, ids: list[str], required: int) -> dict[str, Correction]:
    """The correction of the decision in force, for settled examples that have one."""
    found: dict[str, Correction] = {}
    for eid, history in decisions_repo.for_examples(conn, ids).items():
        decision = settled_decision(settle(history, required=required))
        if decision is not None and decision.correction is not None:
            found[eid] = decision.correction
    return found


def load_corpus(
    store: Store,
    *,
    stratify_field: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> Corpus:
    """Read every example once, in import order, with the correction in force applied.

    The caller closes the corpus (use it in a with block): its messages are in a scratch file.
    """
    corpus = Corpus()
    try:
        _read(store, corpus, stratify_field, progress)
    except BaseException:
        corpus.close()
        raise
    return corpus


def _read(store: Store, corpus: Corpus, stratify_field: str | None, progress: Callable[[int], None] | None) -> None:
    with store.read() as conn:
        required = required_decisions(conn)
        corrected_ids = cluster_store.corrected_example_ids(conn)
        pending: list[str] = []  # settled examples whose correction is still to be read

        def flush() -> None:
            corrections = _corrections_of(conn, pending, required)
            rows = cluster_store.full_rows(conn, [eid for eid in pending if eid in corrections])
            for eid in pending:
                correction = corrections.get(eid)
                if correction is not None:
                    example = examples_repo.row_to_example(rows[eid])
                    corpus.corrections[eid] = correction
                    corpus.entries[eid].corrected = True
                    corpus.items.replace(corpus.entries[eid].row, [m.dump() for m in correction.apply(example)])
            pending.clear()

        entries, items = corpus.entries, corpus.items
        for n, row in enumerate(cluster_store.corpus_rows(conn, metadata=bool(stratify_field), batch=READ_BATCH), start=1):
            eid, outcome = row.id, row.outcome
            stratum = loads(row.metadata, {}).get(stratify_field) if stratify_field else None
            entries[eid] = Entry(eid, row.seq, outcome, False, row.decided_at, stratum, items.append(eid, row.messages))
            if eid in corrected_ids and outcome in SETTLED:
                pending.append(eid)
                if len(pending) >= HISTORY_BATCH:
                    flush()
            if progress and n % READ_BATCH == 0:
                progress(n)
        if pending:
            flush()


@dataclass
class DedupReport:
    """A stored dedup run: its clusters and each one's representative."""

    run_id: int
    threshold: float
    result: DedupResult
    representatives: dict[str, str]  # cluster id -> representative example id

    def stats(self) -> dict[str, Any]:
        """Counts and banding, without the run time (so an export manifest stays byte-identical)."""
        s = self.result.stats
        clusters = self.result.clusters
        return {
            "threshold": self.threshold,
            "examples": s.n,
            "clusters": len(clusters),
            "exact_clusters": sum(1 for c in clusters if c.kind == "exact"),
            "near_clusters": sum(1 for c in clusters if c.kind == "near"),
            "duplicates": sum(len(c.members) - 1 for c in clusters),
            "exact_duplicates": s.exact_duplicates,
            "candidates": s.candidates,
            "confirmed": s.confirmed,
            "bands": s.bands,
            "rows": s.rows,
            "num_perm": s.num_perm,
        }

    def as_dict(self) -> dict[str, Any]:
        """The run for `curator dedup --json`: stats, seconds and every cluster."""
        return {
            "run": self.run_id,
            **self.stats(),
            "seconds": round(self.result.stats.seconds, 3),
            "cluster_list": [cluster_dict(c, self.representatives[c.id]) for c in self.result.clusters],
        }


def cluster_dict(cluster: Cluster, representative: str) -> dict[str, Any]:
    return {
        "id": cluster.id,
        "kind": cluster.kind,
        "size": len(cluster.members),
        "representative": representative,
        "members": list(cluster.members),
        "max_similarity": round(cluster.max_similarity, 6),
        "min_similarity": round(cluster.min_similarity, 6),
    }


def _member_similarity(cluster: Cluster) -> dict[str, float]:
    """Each member's highest similarity to another member of its cluster."""
    best: dict[str, float] = {}
    for pair in cluster.pairs:
        for member in (pair.a, pair.b):
            best[member] = max(best.get(member, 0.0), pair.similarity)
    return best


def _cluster_rows(result: DedupResult, representatives: dict[str, str]) -> Iterator[dict[str, Any]]:
    for cluster in result.clusters:
        similarity = _member_similarity(cluster)
        for member in cluster.members:
            yield {
                "example_id": member,
                "cluster_id": cluster.id,
                "kind": cluster.kind,
                "similarity": similarity.get(member),
                "is_representative": member == representatives[cluster.id],
            }


def representative_among(cluster: Cluster, entries: dict[str, Entry], allowed: frozenset[str] | None = None) -> str | None:
    """The member to export: a settled approve, then a corrected one, then the most recent.

    With ``allowed``, only members whose outcome is in it are eligible (None when none is).
    """
    pool = [entries[m].member for m in cluster.members if allowed is None or entries[m].outcome in allowed]
    return choose_representative(pool) if pool else None


def run_dedup(
    store: Store,
    *,
    threshold: float = 0.8,
    casefold: bool = False,
    seed: int = 0,
    corpus: Corpus | None = None,
    engine: str | Engine | None = None,
    ray_address: str | None = None,
) -> DedupReport:
    """Cluster every example of the store, store the clusters and the run, and return them.

    engine: where hashing, banding and confirming run: "in-process" (the default), "ray" (on
    the Ray cluster at ray_address, else $RAY_ADDRESS, else a local Ray) or an Engine. The
    clusters are the same on any engine.
    """
    if corpus is None:
        with load_corpus(store) as own:
            return run_dedup(store, threshold=threshold, casefold=casefold, seed=seed, corpus=own, engine=engine, ray_address=ray_address)
    with engine_named(engine, address=ray_address) as chosen:
        result = find_clusters(corpus.items, threshold=threshold, casefold=casefold, seed=seed, engine=chosen)
    representatives = {c.id: representative_among(c, corpus.entries) or c.id for c in result.clusters}
    report = DedupReport(run_id=0, threshold=threshold, result=result, representatives=representatives)
    with store.write() as conn:
        cluster_store.replace_clusters(conn, _cluster_rows(result, representatives))
        report.run_id = cluster_store.add_run(conn, threshold, {**report.stats(), "seconds": round(result.stats.seconds, 3)})
    queue_order.refresh(store, because=[Strategy.DIVERSE])  # the diverse order follows the clusters
    return report


def example_cluster(store: Store, example_id: str) -> dict[str, Any] | None:
    """The stored cluster of one example (for the review and browse pages), or None."""
    with store.read() as conn:
        return cluster_store.cluster_of(conn, example_id)
