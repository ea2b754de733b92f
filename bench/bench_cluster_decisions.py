"""Figure: reviewer actions per cluster covered, deciding near-duplicate clusters once or one by one.

Generates a set where 20% of the examples are near duplicates of another one (clusters of 2 to
5, one or two words changed, shuffled into import order), runs the real `curator dedup`, then
lets one simulated reviewer work through the fixed (import-order) queue twice on copies of the
database: deciding every example on its own, and pressing C (deciding the cluster) whenever the
card shows a cluster's representative with open members. Every decision goes through the same
services as the review card (claims, tokens). Reports reviewer actions, the groups covered
(clusters plus examples in none) and actions per group.

    .venv/bin/python bench/bench_cluster_decisions.py [--examples 2000] [--seed 7]
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WORDS = [f"w{i}" for i in range(5000)]


def generate(n: int, rng: random.Random) -> list[list[dict[str, str]]]:
    """n conversations; 20% of them near duplicates of an original, in clusters of 2 to 5."""
    dupes_wanted = n // 5
    originals: list[list[str]] = []
    made: list[list[str]] = []
    dupes = 0
    while len(made) < n:
        words = rng.choices(WORDS, k=60)
        originals.append(words)
        made.append(words)
        if dupes < dupes_wanted:
            for _ in range(min(rng.randint(1, 4), dupes_wanted - dupes, n - len(made))):
                copy = list(words)
                for _ in range(rng.randint(1, 2)):
                    copy[rng.randrange(len(copy))] = rng.choice(WORDS)
                made.append(copy)
                dupes += 1
    rng.shuffle(made)
    return [[{"role": "user", "content": " ".join(w[:30])}, {"role": "assistant", "content": " ".join(w[30:])}] for w in made[:n]]


def build(db: Path, n: int, seed: int) -> None:
    from curator.models import Example, Source, UserRole
    from curator.services.dedup import run_dedup
    from curator.services.users import add_user
    from curator.store import Store
    from curator.store import examples as examples_repo

    store = Store(f"sqlite:///{db}")
    convs = generate(n, random.Random(seed))
    exs = [Example.create(c, source=Source(name="bench.jsonl", line=i + 1)) for i, c in enumerate(convs)]
    with store.write() as conn:
        examples_repo.insert_many(conn, exs)
    run_dedup(store)
    add_user(store, "ana", UserRole.REVIEWER)
    store.close()


def review(db: Path, *, clusters: bool) -> dict[str, float]:
    """Work through the whole queue; returns actions, examples decided, groups covered, seconds."""
    from curator.models import Decision, Verdict
    from curator.services import cluster_decisions, queue
    from curator.store import Store, cluster_store
    from curator.store import users as users_repo

    store = Store(f"sqlite:///{db}")
    with store.read() as conn:
        ana = users_repo.get_by_name(conn, "ana")
    actions = propagated = 0
    started = time.perf_counter()
    while True:
        claim = queue.claim_next(store, ana, gold_rate=0)
        if claim is None:
            break
        decision = Decision(example_id=claim.example.id, reviewer="ana", verdict=Verdict.APPROVE)
        preview = cluster_decisions.preview(store, ana, claim.example.id) if clusters else None
        if preview is not None and preview.open:
            result = cluster_decisions.decide_cluster(store, ana, decision, token=claim.token, members=[m.example_id for m in preview.open])
            propagated += len(result.decided)
        else:
            queue.decide(store, ana, decision, token=claim.token)
        actions += 1
    seconds = time.perf_counter() - started
    with store.read() as conn:
        n_clusters = cluster_store.count_clusters(conn)
        clustered = sum(c["size"] for c in cluster_store.list_clusters(conn, limit=10**9))
        examples = int(conn.exec_driver_sql("SELECT count(*) FROM examples").scalar() or 0)
    store.close()
    groups = n_clusters + examples - clustered
    return {"actions": actions, "decided": actions + propagated, "groups": groups, "clusters": n_clusters,
            "clustered_examples": clustered, "actions_per_group": round(actions / groups, 3), "seconds": round(seconds, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        template = Path(tmp) / "template.db"
        build(template, args.examples, args.seed)
        out = {}
        for name, clusters in (("one by one", False), ("cluster decisions", True)):
            db = Path(tmp) / f"{'c' if clusters else 'o'}.db"
            shutil.copy(template, db)
            out[name] = review(db, clusters=clusters)
    out["ratio"] = round(out["cluster decisions"]["actions"] / out["one by one"]["actions"], 3)
    print(json.dumps({"examples": args.examples, **out}, indent=2))


if __name__ == "__main__":
    main()
