"""Benchmark: `run_audit` over 100,000 examples with 200,000 decisions (target: < 30 s, < 1 GB).

Builds a synthetic SQLite database by bulk-inserting rows through the store's tables (five
reviewers, overlap 2, about 8% conflicts, check flags on about 6% of examples, a third of the
decisions made under an older guideline version in which one rule differs), then times
`run_audit` end to end in a child process and reads the child's peak RSS.

    /work/venv/bin/python bench/bench_audit.py [--examples 100000] [--db PATH] [--keep]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REVIEWERS = ["ana", "ben", "cara", "dev", "eli"]
SOURCES = ["support_chat.jsonl", "billing_sharegpt.json", "prefs.jsonl"]
CHANGED_RULE = "tb-tone"
FLAG_RULES = ["no-pii", "system-prompt", "no-ai-boilerplate", "tb-refund-policy", CHANGED_RULE]
BATCH = 5000


def _old_guidelines(tmp: Path) -> Path:
    folder = tmp / "old_guidelines"
    shutil.copytree(ROOT / "guidelines", folder)
    tally = folder / "tallybook.md"
    tally.write_text(tally.read_text(encoding="utf-8").replace("Friendly, concise, no blame", "Friendly and concise", 1),
                     encoding="utf-8")
    return folder


def build(db: Path, n_examples: int, seed: int = 7) -> None:
    """A synthetic database: examples, two decisions each, flags, two guideline versions."""
    from curator.guidelines import load_guidelines, snapshot_json
    from curator.models import UserRole
    from curator.store import Store, guideline_store
    from curator.store import users as users_repo
    from curator.store.schema import decisions, examples, flags

    rng = random.Random(seed)
    store = Store(f"sqlite:///{db}")
    with tempfile.TemporaryDirectory() as tmp:
        old = load_guidelines(_old_guidelines(Path(tmp)))
    new = load_guidelines(ROOT / "guidelines")
    t0 = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
    with store.write() as conn:
        guideline_store.save_version(conn, old.version, snapshot_json(old))
    with store.write() as conn:
        guideline_store.save_version(conn, new.version, snapshot_json(new))  # the later one is in force
        ids = {name: users_repo.add(conn, name, UserRole.REVIEWER, None).id for name in REVIEWERS}
    clock = {name: t0 for name in REVIEWERS}
    ex_rows, dec_rows, flag_rows = [], [], []

    def flush() -> None:
        with store.write() as conn:
            if ex_rows:
                conn.execute(examples.insert(), ex_rows)
            if dec_rows:
                conn.execute(decisions.insert(), dec_rows)
            if flag_rows:
                conn.execute(flags.insert(), flag_rows)
        ex_rows.clear(), dec_rows.clear(), flag_rows.clear()

    for i in range(n_examples):
        eid = hashlib.sha256(f"example {i}".encode()).hexdigest()[:20]
        messages = [{"role": "user", "content": f"How do I export invoice {i}?"},
                    {"role": "assistant", "content": f"Open invoice {i}, then choose Export > PDF."}]
        pair = rng.sample(REVIEWERS, 2)
        first = rng.choices(["approve", "negative", "reject"], weights=[80, 12, 8])[0]
        second = first if rng.random() > 0.08 else rng.choice([v for v in ("approve", "negative", "reject") if v != first])
        outcome = first if first == second else "conflict"
        version = old.version if rng.random() < 1 / 3 else new.version
        for reviewer, verdict in zip(pair, (first, second)):
            clock[reviewer] += timedelta(seconds=rng.randint(8, 90))
            rules = [rng.choice(FLAG_RULES)] if verdict != "approve" else []
            dec_rows.append({"example_id": eid, "reviewer_id": ids[reviewer], "kind": "decision", "verdict": verdict,
                             "rules": json.dumps(rules), "note": "", "guideline_version": version,
                             "created_at": clock[reviewer]})
        ex_rows.append({"id": eid, "messages": json.dumps(messages), "metadata": "{}", "source_name": SOURCES[i % 3],
                        "source_file": SOURCES[i % 3], "source_line": i // 3 + 1, "n_messages": 2, "tokens": 30,
                        "warnings": "[]", "outcome": outcome, "n_decisions": 2, "decided_at": t0,
                        "created_at": t0})
        if rng.random() < 0.06:
            rule = rng.choice(FLAG_RULES)
            flag_rows.append({"example_id": eid, "rule_id": rule, "check_name": "synthetic", "message": "flagged",
                              "guideline_version": new.version})
        if len(ex_rows) >= BATCH:
            flush()
    flush()
    store.close()


def run_child(db: Path) -> None:
    """In the child: time run_audit and print the figures as JSON."""
    from curator.services.audit import run_audit
    from curator.store import Store

    store = Store(f"sqlite:///{db}")
    start, cpu = time.perf_counter(), time.process_time()
    report = run_audit(store)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux
    print(json.dumps({"seconds": round(seconds, 2), "cpu_seconds": round(cpu, 2), "load_average": os.getloadavg()[0],
                      "peak_rss_mb": round(peak_mb, 1),
                      "examples": report.summary.examples, "decisions": report.summary.decisions,
                      "stale": len(report.stale), "misses": len(report.misses),
                      "verdict_alpha": report.agreement.verdict.krippendorff_alpha.value if report.agreement else None}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=100_000)
    parser.add_argument("--db", type=Path, help="reuse or build the database here")
    parser.add_argument("--keep", action="store_true", help="keep the temporary database")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_child(args.child)
        return
    tmp = Path(tempfile.mkdtemp(prefix="bench_audit_"))
    db = args.db or tmp / "audit.db"
    try:
        if not db.exists():
            start = time.perf_counter()
            build(db, args.examples)
            print(f"built {args.examples:,} examples with {2 * args.examples:,} decisions in "
                  f"{time.perf_counter() - start:.1f} s: {db}", file=sys.stderr)
        out = subprocess.run([sys.executable, __file__, "--child", str(db)], check=True, capture_output=True, text=True)
        figures = json.loads(out.stdout)
        print(json.dumps(figures, indent=2))
        # On a shared machine wall time waits for other jobs; CPU time is what the audit costs.
        ok = figures["seconds"] < 30 and figures["peak_rss_mb"] < 1024
        print(("PASS" if ok else "FAIL") + ": target under 30 s and under 1 GB", file=sys.stderr)
        if not ok:
            raise SystemExit(1)
    finally:
        if not args.keep and not args.db:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
