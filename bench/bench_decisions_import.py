"""`decisions import` of a long file on SQLite: its time, and how long a sign-in waits meanwhile.

Two runs on copies of the same database, in the same invocation:
- "one transaction": the whole file in one write transaction (how the import worked before;
  the same code with its batch limits lifted and no pause between batches);
- "batched": as shipped (services.write_batches.BATCH_ITEMS / BATCH_SECONDS / SQLITE_PAUSE);
- with --no-pause-too, also "batched, no pause": the batches without the pause between them.

Each import runs in a child process. Meanwhile this process writes a session row (what a
sign-in writes) every second through a Store (busy timeout 30 s) and records how long each
write waited and whether it failed with "database is locked".

Usage: python bench/bench_decisions_import.py [--lines 40000] [--no-pause-too] [--workdir DIR]
Synthetic examples are bulk-inserted through the store; the decisions file approves each once.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from curator.errors import StorageError
from curator.models import UserRole, canonical_json, utcnow
from curator.services import auth
from curator.services.users import add_user
from curator.store import Store
from curator.store import users as users_repo
from curator.store.schema import examples


def build(path: Path, n: int) -> list[str]:
    store = Store(f"sqlite:///{path}")
    now = utcnow()
    ids = [f"bench{i:015d}" for i in range(n)]
    with store.write() as conn:
        for start in range(0, n, 5000):
            rows = []
            for i in range(start, min(n, start + 5000)):
                msgs = [{"content": f"Question {i}: how do I export invoice {i}?", "role": "user"},
                        {"content": f"Open invoice {i}, choose Export, then PDF.", "role": "assistant"}]
                rows.append({"id": ids[i], "messages": canonical_json(msgs), "tools": None, "rejected": None, "metadata": "{}",
                             "source_name": "bench.jsonl", "source_file": "bench.jsonl", "source_line": i + 1, "source_format": "openai",
                             "n_messages": 2, "tokens": 30, "warnings": "[]", "created_at": now})
            conn.execute(examples.insert(), rows)
    add_user(store, "ana", UserRole.REVIEWER)
    add_user(store, "lee", UserRole.LEAD)
    add_user(store, "zoe", UserRole.REVIEWER)
    store.close()
    return ids


def child(db: str, file: str, mode: str) -> None:
    from curator.services import decision_files, write_batches

    if mode == "one transaction":
        write_batches.BATCH_ITEMS, write_batches.BATCH_SECONDS, write_batches.SQLITE_PAUSE = 10**12, math.inf, 0.0
    elif mode == "batched, no pause":
        write_batches.SQLITE_PAUSE = 0.0
    store = Store(db)
    with store.read() as conn:
        lead = users_repo.get_by_name(conn, "lee")
    started = time.perf_counter()
    report = decision_files.import_decisions(store, lead, file)
    print(json.dumps({"seconds": time.perf_counter() - started, "applied": report.applied}))


def measure(db: str, file: Path, mode: str) -> dict:
    proc = subprocess.Popen([sys.executable, __file__, "--child", db, str(file), mode], stdout=subprocess.PIPE, text=True)
    store = Store(db)
    with store.read() as conn:
        zoe = users_repo.get_by_name(conn, "zoe")
    waits, failures = [], 0
    while proc.poll() is None:
        started = time.perf_counter()
        try:
            auth.create_session(store, zoe)
        except StorageError:
            failures += 1
        waits.append(time.perf_counter() - started)
        time.sleep(1.0)
    out = json.loads(proc.stdout.read())
    store.close()
    return {"mode": mode, "import_s": round(out["seconds"], 1), "applied": out["applied"], "sign_ins": len(waits),
            "failed": failures, "wait_median_s": round(statistics.median(waits), 3), "wait_max_s": round(max(waits), 3)}


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(*sys.argv[2:5])
        return
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=40_000)
    ap.add_argument("--no-pause-too", action="store_true", help="also run the batches without the pause")
    ap.add_argument("--workdir", type=Path, default=None)
    args = ap.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="bench-decisions-"))
    work.mkdir(parents=True, exist_ok=True)
    pristine = work / "pristine.db"
    for f in work.glob("*.db*"):
        f.unlink()
    ids = build(pristine, args.lines)
    file = work / "decisions.jsonl"
    file.write_text("".join(json.dumps({"example_id": e, "reviewer": "ana", "verdict": "approve"}) + "\n" for e in ids), encoding="utf-8")
    results = []
    for mode in ("one transaction", "batched", *(["batched, no pause"] if args.no_pause_too else [])):
        copy = work / f"{mode.replace(' ', '-').replace(',', '')}.db"
        src, dst = sqlite3.connect(pristine), sqlite3.connect(copy)
        src.backup(dst)
        src.close()
        dst.close()
        results.append(measure(f"sqlite:///{copy}", file, mode))
        print(json.dumps(results[-1]), flush=True)
    base = results[0]["import_s"]
    print(json.dumps({"lines": args.lines, **{f"time_ratio {r['mode']}": round(r["import_s"] / base, 2) for r in results[1:]}, "load": os.getloadavg()[0]}))


if __name__ == "__main__":
    main()
