"""Dedup + split + OpenAI export, end to end, on generated settled conversations.

    python bench/bench_export.py --n 100000 [--n 1000000] [--db-dir DIR] [--keep] [--profile FILE] [--engine ray]

Each size gets a SQLite database of synthetic conversations inserted in bulk through the store
(not the importer; bulk executemany of pre-serialised rows): 95% approved, 5% negative (a third of them corrected), with about 1% planted
near duplicates (one word changed) and 0.5% exact duplicates (extra spaces). The export runs in
a child process; we report its wall-clock and CPU time and peak RSS (ru_maxrss of the child).
With --db-dir the generated databases are kept and reused, so a second run measures the export only.
With --engine ray the export runs its dedup and split features on a local Ray started by the
child (--ray-cpus workers, 2 by default), and the report adds the peak RSS of the Ray worker
processes; the files must be byte-identical to the in-process run's (compare openai_sha256).
Targets: 100,000 in under 60 s; 1,000,000 in under 10 minutes and 2 GB peak in-process.
"""

from __future__ import annotations

import argparse
import hashlib
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


def _rows(n: int, seed: int) -> tuple[list[dict], list[dict]]:
    """The examples and decisions of the database; the first occurrence of an id wins."""
    from curator.models import canonical_json, example_id

    rng = random.Random(seed)
    previous: list[list[dict[str, str]]] = []
    examples: list[dict] = []
    decisions: list[dict] = []
    seen: set[str] = set()
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
        text = canonical_json(messages)
        eid = example_id(messages, messages_json=text)
        verdict = "negative" if rng.random() < 0.05 else "approve"
        tokens = 20 + len(messages[1]["content"]) // 4 + len(messages[2]["content"]) // 4
        correction = canonical_json({"reply": {"role": "assistant", "content": "Corrected: " + _text(rng, 20)}}) if verdict == "negative" and rng.random() < 0.33 else None
        if eid in seen:
            continue
        seen.add(eid)
        examples.append({"id": eid, "messages": text, "line": i + 1, "tokens": tokens, "outcome": verdict})
        decisions.append({"example_id": eid, "verdict": verdict, "correction": correction})
    return examples, decisions


def build(path: Path, n: int, *, seed: int = 0) -> None:
    """A database of n settled conversations (same data as ever), inserted by bulk executemany."""
    from curator.models import utcnow
    from curator.store import Store
    from curator.store.schema import decisions, examples, users

    store = Store(f"sqlite:///{path}")  # creates the schema
    now = utcnow()
    with store.write() as conn:
        reviewer = conn.execute(users.insert().values(name="bench", role="reviewer", created_at=now)).inserted_primary_key[0]
        # The store's own DateTime binding decides how a time is stored; reuse its text for every row.
        stamp = conn.exec_driver_sql("SELECT created_at FROM users WHERE id = ?", (reviewer,)).scalar()
    rows_ex, rows_dec = _rows(n, seed)
    ex_cols = ("id", "messages", "tools", "rejected", "metadata", "source_name", "source_file", "source_line",
               "source_format", "n_messages", "tokens", "warnings", "outcome", "n_decisions", "decided_at", "created_at")
    dec_cols = ("example_id", "reviewer_id", "kind", "verdict", "rules", "note", "correction", "created_at")
    with store.write() as conn:
        raw = conn.connection.driver_connection
        for lo in range(0, len(rows_ex), 50_000):
            raw.executemany(
                f"INSERT INTO {examples.name} ({', '.join(ex_cols)}) VALUES ({', '.join('?' * len(ex_cols))})",
                [(r["id"], r["messages"], None, None, "{}", "bench", "bench.jsonl", r["line"], "openai", 3, r["tokens"],
                  "[]", r["outcome"], 1, stamp, stamp) for r in rows_ex[lo : lo + 50_000]],
            )
            raw.executemany(
                f"INSERT INTO {decisions.name} ({', '.join(dec_cols)}) VALUES ({', '.join('?' * len(dec_cols))})",
                [(d["example_id"], reviewer, "decision", d["verdict"], "[]", "", d["correction"], stamp) for d in rows_dec[lo : lo + 50_000]],
            )
    store.close()


def _descendants(root: int) -> set[int]:
    """Every live descendant process of root (from /proc)."""
    parent: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parent[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found: set[int] = set()
    frontier = {root}
    while frontier:
        frontier = {pid for pid, ppid in parent.items() if ppid in frontier} - found
        found |= frontier
    return found


def _workers_peak_mib(pids: set[int]) -> dict[int, float]:
    """Peak RSS (VmHWM) of live processes, by pid."""
    peaks = {}
    for pid in pids:
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        peaks[pid] = int(line.split()[1]) / 1024
        except OSError:
            continue
    return peaks


def run_child(db: str, out: str, profile: str | None = None, engine: str = "in-process", ray_cpus: int = 2) -> None:
    """The measured part: one export, its manifest's key figures on stdout."""
    from curator.services.export import export
    from curator.store import Store

    chosen: object = engine
    ray_started = 0.0
    if engine == "ray":
        import os

        os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
        import ray

        from curator.dedup.ray_engine import RayEngine

        begun = time.perf_counter()
        ray.init(num_cpus=ray_cpus, include_dashboard=False, log_to_driver=False)
        chosen = RayEngine()
        ray_started = time.perf_counter() - begun

    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    started, cpu = time.perf_counter(), time.process_time()
    manifest = export(Store(f"sqlite:///{db}"), out, formats=["openai"], test_size=0.1, seed=0, engine=chosen)  # type: ignore[arg-type]
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    workers: dict[int, float] = {}
    if engine == "ray":
        workers = _workers_peak_mib(_descendants(os.getpid()))
        ray.shutdown()
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(profile)
    print(json.dumps({
        "seconds": round(seconds, 1),
        "cpu_seconds": round(cpu, 1),
        "examples": manifest["counts"]["examples"],
        "train": manifest["counts"]["train"],
        "test": manifest["counts"]["test"],
        "duplicates": manifest["left_out"]["duplicate"],
        "clusters": manifest["dedup"]["clusters"],
        "groups": manifest["split"]["groups"],
        "contaminated_pairs": manifest["contamination"]["pairs"],
        "rounds": manifest["contamination"]["rounds"],
        "openai_sha256": {k: v for k, v in manifest["files"].items() if k.startswith("openai/")},
        "manifest_sha256": hashlib.sha256((Path(out) / "manifest.json").read_bytes()).hexdigest(),
        "engine": engine,
        "ray_start_seconds": round(ray_started, 1),
        "ray_processes_peak_rss_mib": {"count": len(workers), "max": round(max(workers.values(), default=0)), "sum": round(sum(workers.values()))},
    }))


def measure(n: int, *, keep: bool, db_dir: Path | None, profile: str | None, engine: str = "in-process", ray_cpus: int = 2) -> dict:
    work = Path(tempfile.mkdtemp(prefix=f"bench-export-{n}-"))
    db = (db_dir or work) / f"bench-{n}.db"
    started = time.perf_counter()
    built = None
    if not db.exists():
        db.parent.mkdir(parents=True, exist_ok=True)
        partial = db.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        build(partial, n)
        partial.rename(db)
        built = round(time.perf_counter() - started, 1)
    command = [sys.executable, __file__, "--child", str(db), str(work / "out")]
    if profile:
        command += ["--profile", profile]
    command += ["--engine", engine, "--ray-cpus", str(ray_cpus)]
    started = time.perf_counter()
    proc = subprocess.run(command, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # this process has run one child only
    if proc.returncode != 0:
        raise SystemExit(proc.stderr)
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result.update({
        "n": n,
        "build_seconds": built,
        "wall_seconds": round(wall, 1),
        "child_cpu_seconds": round(usage.ru_utime + usage.ru_stime, 1),
        "peak_rss_mib": round(usage.ru_maxrss / 1024),
    })
    if not keep:
        shutil.rmtree(work, ignore_errors=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, action="append", help="conversations (repeat for several sizes)")
    parser.add_argument("--keep", action="store_true", help="keep the export folder")
    parser.add_argument("--db-dir", type=Path, help="keep the generated databases here and reuse them (bench-N.db)")
    parser.add_argument("--profile", help="write a cProfile of the export to this file")
    parser.add_argument("--engine", choices=["in-process", "ray"], default="in-process", help="where dedup and split features run")
    parser.add_argument("--ray-cpus", type=int, default=2, help="CPUs of the local Ray (--engine ray)")
    parser.add_argument("--child", nargs=2, metavar=("DB", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_child(*args.child, profile=args.profile, engine=args.engine, ray_cpus=args.ray_cpus)
        return
    sizes = args.n or [100_000]
    if len(sizes) > 1:
        # RUSAGE_CHILDREN accumulates over children: measure each size in its own process.
        for n in sizes:
            extra = ["--db-dir", str(args.db_dir)] if args.db_dir else []
            subprocess.run([sys.executable, __file__, "--n", str(n), *extra, *(["--keep"] if args.keep else []),
                            "--engine", args.engine, "--ray-cpus", str(args.ray_cpus)], check=True)
        return
    print(json.dumps(measure(sizes[0], keep=args.keep, db_dir=args.db_dir, profile=args.profile, engine=args.engine, ray_cpus=args.ray_cpus)), flush=True)


if __name__ == "__main__":
    main()
