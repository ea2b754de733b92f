"""Serving the next example under every queue strategy at 1,000,000 examples (SQLite), against
the fixed order in the same run.

Each strategy gets its own copy of one generated database: the time `curator queue set` takes
to precompute the order there (`sample`: `curator sample 400` on the fixed order), then the
review page's Approve click to the next example rendered (the approve intent carried out and
the page's rerun through AppTest, as bench_review.py measures it), median and p90 over N
clicks, one click per database in turn so machine load hits each alike; and a fresh
reviewer's first claim (the candidate query from the head of the queue). The synthetic set has 5% flagged examples (1% blocker, 2% major, 2% minor) and 20% of
its examples in near-duplicate clusters of 2 to 5.

Usage: python bench/bench_queue_strategies.py [--examples 1000000] [--clicks 40] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import statistics
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


def copy_of(base: Path, path: Path) -> Store:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    with sqlite3.connect(base) as src, sqlite3.connect(path) as dst:
        src.backup(dst)
    return Store(f"sqlite:///{path}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--examples", type=int, default=1_000_000)
    ap.add_argument("--clicks", type=int, default=40)
    ap.add_argument("--workdir", default=os.path.join(tempfile.gettempdir(), "curator-bench-queue"))
    args = ap.parse_args()
    work = Path(args.workdir)
    work.mkdir(parents=True, exist_ok=True)
    base_path = work / f"queue-{args.examples}.db"
    base = build(base_path, args.examples)
    decorate(base, args.examples)
    base.close()
    plan = ["fixed", "flagged-first", "diverse", "disagreement-first", "random", "sample"]
    stores: dict[str, tuple[Store, object]] = {}
    results: dict[str, dict[str, object]] = {}
    for label in plan:
        print(label, file=sys.stderr)
        store = copy_of(base_path, work / f"queue-{args.examples}-{label}.db")
        lead = add_user(store, "lead", UserRole.LEAD)
        t0 = time.perf_counter()
        if label == "sample":
            sampling.draw_sample(store, lead, 400, seed=1)
            moved = None
        else:
            moved = queue_order.set_strategy(store, lead, label, seed=1).changed
        results[label] = {"set_seconds": round(time.perf_counter() - t0, 1), "moved": moved}
        stores[label] = (store, review_app(store))
    # One click per database in turn, so machine load hits every strategy alike.
    clicks: dict[str, list[float]] = {label: [] for label in plan}
    for _ in range(args.clicks):
        for label, (store, at) in stores.items():
            os.environ["CURATOR_DB"] = store.url  # the app reads its database from here
            c0 = time.perf_counter()
            approve(store, at)
            clicks[label].append((time.perf_counter() - c0) * 1000)
            assert not at.exception, at.exception  # type: ignore[attr-defined]
    firsts: dict[str, list[float]] = {label: [] for label in plan}
    for _ in range(10):
        for label, (store, _) in stores.items():
            firsts[label] += first_claim(store, 1)
    base_click = statistics.median(clicks["fixed"])
    base_first = statistics.median(firsts["fixed"])
    for label, (store, _) in stores.items():
        results[label].update({
            "click": summary(clicks[label]), "click_ratio_to_fixed": round(statistics.median(clicks[label]) / base_click, 2),
            "first_claim": summary(firsts[label]), "first_claim_ratio_to_fixed": round(statistics.median(firsts[label]) / base_first, 2),
        })
        store.close()
    print(json.dumps({"examples": args.examples, "clicks": args.clicks, "results": results}, indent=2))


if __name__ == "__main__":
    main()
