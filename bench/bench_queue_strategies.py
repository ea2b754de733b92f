"""Serving the next example under every queue strategy at 1,000,000 examples (SQLite), against
the fixed order in the same run.

For each strategy, in turn on one database: the time `curator queue set` takes to precompute
the order, then the review page's Approve click to the next example rendered (the approve
intent carried out and the page's rerun through AppTest, as bench_review.py measures it),
median and p90 over N clicks, and a fresh reviewer's first claim (the candidate query from the
head of the queue). The fixed order is measured first and again last, so drift in machine load
shows. The synthetic set has 5% flagged examples (1% blocker, 2% major, 2% minor) and 20% of
its examples in near-duplicate clusters of 2 to 5.

Usage: python bench/bench_queue_strategies.py [--examples 1000000] [--clicks 40] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_review import approve, build, review_app, summary  # noqa: E402

from curator.guidelines import load_guidelines, snapshot_json  # noqa: E402
from curator.models import UserRole  # noqa: E402
from curator.services import queue, queue_order, sampling  # noqa: E402
from curator.services.users import add_user  # noqa: E402
from curator.store import Store, cluster_store, guideline_store  # noqa: E402
from curator.store.schema import clusters, examples, flags  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
RULES = [("no-pii", 0.01), ("no-ai-boilerplate", 0.02), ("turn-count", 0.02)]  # blocker, major, minor


def decorate(store: Store, n: int, seed: int = 0) -> None:
    """Flags and near-duplicate clusters for the synthetic examples (once per database)."""
    with store.read() as conn:
        if conn.scalar(sa.select(sa.func.count()).select_from(clusters)):
            return
        ids = [str(i) for i in conn.scalars(sa.select(examples.c.id).order_by(examples.c.seq))]
    rng = random.Random(seed)
    gs = load_guidelines(ROOT / "guidelines")
    with store.write() as conn:
        guideline_store.save_version(conn, gs.version, snapshot_json(gs))
        rows = []
        for rule, share in RULES:
            rows += [{"example_id": e, "rule_id": rule, "check_name": "bench", "message": "synthetic", "guideline_version": gs.version}
                     for e in rng.sample(ids, int(n * share))]
        for start in range(0, len(rows), 20_000):
            conn.execute(flags.insert(), rows[start:start + 20_000])
    members = rng.sample(ids, int(n * 0.2))
    cluster_rows = []
    i = 0
    while i < len(members):
        size = rng.randint(2, 5)
        group = members[i:i + size]
        if len(group) < 2:
            break
        cluster_rows += [{"example_id": e, "cluster_id": group[0], "kind": "near", "similarity": 0.9, "is_representative": j == 0}
                         for j, e in enumerate(group)]
        i += size
    with store.write() as conn:
        cluster_store.replace_clusters(conn, cluster_rows)


def first_claim(store: Store, repeats: int) -> list[float]:
    """A fresh reviewer's first claim (claim_next, hand of one), released again."""
    times = []
    for k in range(repeats):
        user = add_user(store, f"fresh{int(time.time() * 1000) % 10**9}{k}", UserRole.REVIEWER)
        t0 = time.perf_counter()
        claim = queue.claim_next(store, user, gold_rate=0)
        times.append((time.perf_counter() - t0) * 1000)
        assert claim is not None
        queue.release_all(store, user)
    return times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--examples", type=int, default=1_000_000)
    ap.add_argument("--clicks", type=int, default=40)
    ap.add_argument("--workdir", default=os.path.join(tempfile.gettempdir(), "curator-bench-queue"))
    args = ap.parse_args()
    work = Path(args.workdir)
    work.mkdir(parents=True, exist_ok=True)
    store = build(work / f"queue-{args.examples}.db", args.examples)
    decorate(store, args.examples)
    lead = add_user(store, f"lead{int(time.time()) % 10**6}", UserRole.LEAD)
    results: dict[str, dict[str, object]] = {}
    plan = ["fixed", "flagged-first", "diverse", "disagreement-first", "random", "sample", "fixed again"]
    for label in plan:
        print(label, file=sys.stderr)
        t0 = time.perf_counter()
        if label == "sample":
            sampling.draw_sample(store, lead, 400, seed=1)
            moved = None
        else:
            done = queue_order.set_strategy(store, lead, label.split(" ")[0], seed=1)
            moved = done.changed
        set_seconds = time.perf_counter() - t0
        at = review_app(store)
        os.environ["CURATOR_DB"] = store.url
        clicks = []
        for _ in range(args.clicks):
            c0 = time.perf_counter()
            approve(store, at)
            clicks.append((time.perf_counter() - c0) * 1000)
            assert not at.exception, at.exception  # type: ignore[attr-defined]
        results[label] = {"set_seconds": round(set_seconds, 1), "moved": moved, "click": summary(clicks),
                          "first_claim": summary(first_claim(store, 10))}
    base = results["fixed"]["click"]["median_ms"]  # type: ignore[index]
    for r in results.values():
        r["click_ratio_to_fixed"] = round(r["click"]["median_ms"] / base, 2)  # type: ignore[index]
    print(json.dumps({"examples": args.examples, "clicks": args.clicks, "results": results}, indent=2))
    store.close()


if __name__ == "__main__":
    main()
