"""Dedup + split + OpenAI export, end to end, on generated settled conversations.

    python bench/bench_export.py --n 100000 [--n 1000000] [--keep]

Each size gets a SQLite database of synthetic conversations inserted in bulk through the store
(not the importer): 95% approved, 5% negative (a third of them corrected), with about 1% planted
near duplicates (one word changed) and 0.5% exact duplicates (extra spaces). The export runs in
a child process; we report its wall-clock time and peak RSS (ru_maxrss of the child).
Targets: 100,000 in under 60 s; 1,000,000 in under 10 minutes and 6 GB.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WORDS = [f"{a}{b}{c}" for a in "bcdfgklmnprstvz" for b in "aeiou" for c in ("n", "r", "l", "s", "x", "m", "t", "k", "", "nd")]
SYSTEM = "You are Tally, Tallybook's support assistant."


def _text(rng: random.Random, n: int) -> str:
    return " ".join(rng.choices(WORDS, k=n))


def build(path: Path, n: int, *, seed: int = 0) -> None:
    """A database of n settled conversations, inserted in batches of 10,000."""
    from curator.models import canonical_json, example_id, utcnow
    from curator.store import Store
    from curator.store.schema import decisions, examples, users

    rng = random.Random(seed)
    store = Store(f"sqlite:///{path}")
    now = utcnow()
    with store.write() as conn:
        reviewer = conn.execute(users.insert().values(name="bench", role="reviewer", created_at=now)).inserted_primary_key[0]
    previous: list[list[dict[str, str]]] = []
    batch_ex: list[dict] = []
    batch_dec: list[dict] = []
    for i in range(n):
        roll = rng.random()
        if previous and roll < 0.01:  # near duplicate: one word of the reply changed
            base = rng.choice(previous)
            words = base[2]["content"].split()
            words[rng.randrange(len(words))] = rng.choice(WORDS)
            messages = [base[0], base[1], {"role": "assistant", "content": " ".join(words)}]
        elif previous and roll < 0.015:  # exact duplicate after normalisation
            base = rng.choice(previous)
            messages = [base[0], {"role": "user", "content": base[1]["content"].replace(" ", "  ", 1)}, base[2]]
        else:
            messages = [
                {"content": SYSTEM, "role": "system"},
                {"content": _text(rng, rng.randint(12, 30)) + "?", "role": "user"},
                {"content": _text(rng, rng.randint(30, 90)) + ".", "role": "assistant"},
            ]
            if len(previous) < 5000:
                previous.append(messages)
            else:
                previous[rng.randrange(5000)] = messages
        eid = example_id(messages)
        verdict = "negative" if rng.random() < 0.05 else "approve"
        batch_ex.append({
            "id": eid, "messages": canonical_json(messages), "tools": None, "rejected": None, "metadata": "{}",
            "source_name": "bench", "source_file": "bench.jsonl", "source_line": i + 1, "source_format": "openai",
            "n_messages": 3, "tokens": 20 + len(messages[1]["content"]) // 4 + len(messages[2]["content"]) // 4,
            "warnings": "[]", "outcome": verdict, "n_decisions": 1, "decided_at": now, "created_at": now,
        })
        correction = canonical_json({"reply": {"role": "assistant", "content": "Corrected: " + _text(rng, 20)}}) if verdict == "negative" and rng.random() < 0.33 else None
        batch_dec.append({"example_id": eid, "reviewer_id": reviewer, "kind": "decision", "verdict": verdict, "rules": "[]", "note": "", "correction": correction, "created_at": now})
        if len(batch_ex) == 10_000 or i == n - 1:
            with store.write() as conn:
                seen = set()
                rows = [r for r in batch_ex if not (r["id"] in seen or seen.add(r["id"]))]
                existing = set(conn.scalars(examples.select().with_only_columns(examples.c.id).where(examples.c.id.in_([r["id"] for r in rows]))))
                fresh = [r for r in rows if r["id"] not in existing]
                keep = {r["id"] for r in fresh}
                conn.execute(examples.insert(), fresh)
                dec = [d for d in batch_dec if d["example_id"] in keep]
                done: set[str] = set()
                conn.execute(decisions.insert(), [d for d in dec if not (d["example_id"] in done or done.add(d["example_id"]))])
            batch_ex, batch_dec = [], []
    store.close()


def run_child(db: str, out: str) -> None:
    """The measured part: one export, its manifest's key figures on stdout."""
    from curator.services.export import export
    from curator.store import Store

    started = time.perf_counter()
    manifest = export(Store(f"sqlite:///{db}"), out, formats=["openai"], test_size=0.1, seed=0)
    seconds = time.perf_counter() - started
    print(json.dumps({
        "seconds": round(seconds, 1),
        "examples": manifest["counts"]["examples"],
        "train": manifest["counts"]["train"],
        "test": manifest["counts"]["test"],
        "duplicates": manifest["left_out"]["duplicate"],
        "clusters": manifest["dedup"]["clusters"],
        "contaminated_pairs": manifest["contamination"]["pairs"],
    }))


def measure(n: int, keep: bool) -> dict:
    work = Path(tempfile.mkdtemp(prefix=f"bench-export-{n}-"))
    db = work / "bench.db"
    started = time.perf_counter()
    build(db, n)
    built = time.perf_counter() - started
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, __file__, "--child", str(db), str(work / "out")], capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if proc.returncode != 0:
        raise SystemExit(proc.stderr)
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result.update({"n": n, "build_seconds": round(built, 1), "wall_seconds": round(wall, 1), "peak_rss_mib": round(max(peak_kib, before) / 1024)})
    if not keep:
        shutil.rmtree(work, ignore_errors=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, action="append", help="conversations (repeat for several sizes)")
    parser.add_argument("--keep", action="store_true", help="keep the generated database and export")
    parser.add_argument("--child", nargs=2, metavar=("DB", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_child(*args.child)
        return
    for n in args.n or [100_000]:
        print(json.dumps(measure(n, args.keep)), flush=True)


if __name__ == "__main__":
    main()
