"""Reviewer actions needed to reach every near-duplicate cluster: fixed order against `diverse`.

A generated set where 20% of the examples are near duplicates of another one (a word or two
changed in a long request) is imported through the store, clustered by `curator dedup`'s own
service, and reviewed by one simulated reviewer through the real queue (claim, decide) until
every cluster (a conversation and its near duplicates; a conversation without duplicates is a
cluster of one) has had one of its members decided. The figure is reviewer actions per cluster
covered: 1.0 is the floor (every action reaches a new cluster).

If the project has a way to apply one decision to a whole cluster
(``curator.services.cluster_decisions.decide_cluster``), a third run uses it under `diverse`
and also reports the actions needed to settle every example.

Usage: python bench/bench_triage.py [--examples 5000] [--duplicates 0.2] [--seed 0] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

from curator.models import Decision, Example, Source, UserRole, Verdict
from curator.services import queue, queue_order
from curator.services.dedup import run_dedup
from curator.services.users import add_user
from curator.store import Store
from curator.store import examples as examples_repo

WORDS = [f"{a}{b}" for a in ("inv", "pay", "tax", "acc", "exp", "rep", "sub", "ref", "bil", "cre") for b in
         ("oice", "ment", "rate", "ount", "ort", "ly", "mit", "und", "ling", "dit", "ance", "ure", "ion", "ity", "ness",
          "ward", "able", "ful", "less", "ize")]
SOURCES = ["support.jsonl", "billing.jsonl", "tools.jsonl", "chitchat.jsonl"]


def generate(n: int, dup_share: float, seed: int) -> tuple[list[Example], int]:
    """n examples of which ``dup_share`` are near duplicates of an earlier one, in shuffled
    import order; also the number of planted clusters (originals, with or without copies)."""
    rng = random.Random(seed)
    originals = round(n * (1 - dup_share))
    texts = [" ".join(rng.choice(WORDS) for _ in range(60)) for _ in range(originals)]
    rows = [(t, i) for i, t in enumerate(texts)]
    for _ in range(n - originals):
        base = rng.randrange(originals // 4)  # duplicates gather on a quarter of the originals
        words = texts[base].split()
        words[rng.randrange(len(words))] = rng.choice(WORDS)
        rows.append((" ".join(words), base))
    rng.shuffle(rows)
    out = []
    for line, (text, base) in enumerate(rows, 1):
        src = SOURCES[base % len(SOURCES)]
        msgs = [{"role": "user", "content": f"Please help: {text}"}, {"role": "assistant", "content": f"Here is how ({line})."}]
        out.append(Example.create(msgs, source=Source(name=src, file=src, line=line, format="openai"), tokens=80))
    return out, originals


def build(path: Path, exs: list[Example]) -> tuple[Store, dict[str, str]]:
    """The store with the examples and their clusters; {example id: cluster id (or itself)}."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    store = Store(f"sqlite:///{path}")
    with store.write() as conn:
        examples_repo.insert_many(conn, exs)
    report = run_dedup(store, threshold=0.8)
    cluster_of = {e.id: e.id for e in exs}
    for c in report.result.clusters:
        for member in c.members:
            cluster_of[member] = c.id
    return store, cluster_of


def review(store: Store, cluster_of: dict[str, str], name: str, *, cluster_decide=None) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """Decide what the queue serves until every cluster is reached; the actions it took."""
    user = add_user(store, name, UserRole.REVIEWER)
    clusters = set(cluster_of.values())
    reached: set[str] = set()
    actions = 0
    covered_at = None
    settled: set[str] = set()
    t0 = time.perf_counter()
    while (claim := queue.claim_next(store, user, gold_rate=0)) is not None:
        eid = claim.example.id
        actions += 1
        if cluster_decide is not None:
            cluster_decide(store, user, eid, claim.token)
            settled.update(e for e, c in cluster_of.items() if c == cluster_of[eid])
        else:
            queue.decide(store, user, Decision(example_id=eid, reviewer=name, verdict=Verdict.APPROVE), token=claim.token)
            settled.add(eid)
        reached.add(cluster_of[eid])
        if covered_at is None and len(reached) == len(clusters):
            covered_at = actions
            if cluster_decide is None:
                break
    seconds = time.perf_counter() - t0
    out = {"clusters": len(clusters), "actions_to_reach_every_cluster": covered_at or actions,
           "actions_per_cluster_covered": round((covered_at or actions) / len(clusters), 3), "seconds": round(seconds, 1)}
    if cluster_decide is not None:
        out["actions_to_settle_every_example"] = actions
    return out


def _cluster_decisions():  # type: ignore[no-untyped-def]
    """The project's cluster decision, adapted to (store, user, example id, token), if it exists."""
    try:
        module = importlib.import_module("curator.services.cluster_decisions")
    except ImportError:
        return None
    decide_cluster = getattr(module, "decide_cluster", None)
    if decide_cluster is None:
        return None

    def apply(store: Store, user, example_id: str, token: str) -> None:  # type: ignore[no-untyped-def]
        decide_cluster(store, user, Decision(example_id=example_id, reviewer=user.name, verdict=Verdict.APPROVE), token=token)

    return apply


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--examples", type=int, default=5000)
    ap.add_argument("--duplicates", type=float, default=0.2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--workdir", default=os.path.join(tempfile.gettempdir(), "curator-bench-triage"))
    args = ap.parse_args()
    work = Path(args.workdir)
    work.mkdir(parents=True, exist_ok=True)
    exs, planted = generate(args.examples, args.duplicates, args.seed)
    runs: dict[str, dict[str, float]] = {}
    cluster_decide = _cluster_decisions()
    plans = [("fixed", None), ("diverse", None)] + ([("diverse + cluster decisions", cluster_decide)] if cluster_decide else [])
    found = None
    for label, decide in plans:
        store, cluster_of = build(work / "triage.db", exs)
        found = len(set(cluster_of.values()))
        lead = add_user(store, "lead", UserRole.LEAD)
        queue_order.set_strategy(store, lead, label.split(" ")[0])
        print(f"{label}...", file=sys.stderr)
        runs[label] = review(store, cluster_of, "ana", cluster_decide=decide)
        store.close()
    report = {
        "examples": len(exs), "near_duplicate_share": args.duplicates, "planted_clusters": planted, "clusters_found": found,
        "runs": runs,
        "ratio_diverse_to_fixed": round(runs["diverse"]["actions_to_reach_every_cluster"] / runs["fixed"]["actions_to_reach_every_cluster"], 3),
        "cluster_decisions": "used" if cluster_decide else "not available in this version",
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
