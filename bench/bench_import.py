"""Import speed and memory: OpenAI JSONL -> validated, token-counted, checked examples in SQLite.

Run: python bench/bench_import.py [--n 100000] [--memory-at 100000 400000] [--guidelines] [--workers N]

The baseline is bare tiktoken counting the same texts in the same run (the faster of its batch
API and a plain encode loop). The import runs in a child process so its peak memory (ru_maxrss)
is its own, not the generator's; with worker processes, the largest worker's peak is shown too.
Data is generated here, never checked in.

``--guidelines`` is the normal setting and the headline figure: the shipped guidelines/ are
loaded before the import, so every imported example is checked and its flags stored. It also
times ``guidelines load`` recomputing the flags of every example of an import made without
them. ``--workers`` is the import's option (default: one per core). ``--again`` also times importing
the same file a second time with the guidelines in force (every example already stored: a re-run,
or a grown export's old part), beside its first import in the same process.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_tokens import bare_tiktoken_seconds, generate_conversations  # noqa: E402

from curator.tokens import DEFAULT_MODEL  # noqa: E402

CHUNK = 10_000

CHILD = """
import json, resource, sys, time
from curator.store import Store
from curator.services import guideline_sync
from curator.services.importing import import_file
url, data, guidelines, mode, workers = sys.argv[1:6]
workers = None if workers == "default" else int(workers)
store = Store(url)
if mode in ("checked", "again"):
    guideline_sync.load_into_store(store, guidelines)  # before the clock: the normal setting
start = time.perf_counter()
s = import_file(store, data, workers=workers)
seconds = time.perf_counter() - start
out = {"seconds": seconds, "examples": s.examples, "records": s.records, "problems": s.problems, "flags": s.flags}
if mode == "again":  # the same file once more: every example already stored
    start = time.perf_counter()
    s = import_file(store, data, workers=workers)
    out["again_seconds"] = time.perf_counter() - start
    out["again_duplicates"] = s.duplicates
if mode == "load":
    start = time.perf_counter()
    guideline_sync.load_into_store(store, guidelines, workers=workers)
    out["load_seconds"] = time.perf_counter() - start
own, workers = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
out["cpu_seconds"] = own.ru_utime + own.ru_stime + workers.ru_utime + workers.ru_stime  # the whole child, workers too
out["peak_rss_mb"] = own.ru_maxrss / 1024
out["worker_peak_rss_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps(out))
"""
GUIDELINES = Path(__file__).resolve().parent.parent / "guidelines"


def write_jsonl(path: Path, n: int, seed: int) -> None:
    """``n`` generated conversations as OpenAI chat JSONL, written in chunks (flat memory)."""
    with path.open("w", encoding="utf-8") as fh:
        for start in range(0, n, CHUNK):
            for messages in generate_conversations(min(CHUNK, n - start), seed + start):
                fh.write(json.dumps({"messages": messages}, ensure_ascii=False) + "\n")


def run_import(folder: Path, data: Path, *, mode: str = "plain", workers: int | None = None) -> dict:
    """Import ``data`` into a fresh SQLite file in a child process: "plain" (no guidelines),
    "checked" (guidelines loaded first) or "load" (plain, then ``guidelines load`` timed)."""
    db = folder / f"{data.stem}-{mode}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    args = [f"sqlite:///{db}", str(data), str(GUIDELINES), mode, "default" if workers is None else str(workers)]
    proc = subprocess.run([sys.executable, "-c", CHILD, *args], capture_output=True, text=True, check=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--memory-at", type=int, nargs="*", default=[100_000, 400_000])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--guidelines", action="store_true", help="also import with the shipped guidelines in force, and time guidelines load")
    parser.add_argument("--workers", type=int, default=None, help="the import's worker processes (default: one per core)")
    parser.add_argument("--no-batch-api", action="store_true", help="time only the encode_ordinary loop (the stricter baseline)")
    parser.add_argument("--again", action="store_true", help="also time importing the same file a second time (guidelines in force)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="curator-bench-") as tmp:
        folder = Path(tmp)
        data = folder / f"chat-{args.n}.jsonl"
        write_jsonl(data, args.n, args.seed)
        conversations = [m for start in range(0, args.n, CHUNK) for m in generate_conversations(min(CHUNK, args.n - start), args.seed + start)]
        cpu = time.process_time()
        loop = bare_tiktoken_seconds(conversations, DEFAULT_MODEL, strategy="loop")
        loop_cpu = time.process_time() - cpu  # with the texts' extraction, a little over the loop's own
        batch = float("inf") if args.no_batch_api else bare_tiktoken_seconds(conversations, DEFAULT_MODEL, strategy="batch")
        baseline = min(batch, loop)
        print(f"date {date.today()}  n={args.n}  file {data.stat().st_size / 1e6:.0f} MB  workers {args.workers or 'default'}  "
              f"load average {os.getloadavg()[0]:.1f}")
        print(f"bare tiktoken: batch {batch:.2f} s, loop {loop:.2f} s -> baseline {baseline:.2f} s")
        modes = (["load", "checked"] if args.guidelines else ["plain"]) + (["again"] if args.again else [])
        results = {mode: run_import(folder, data, mode=mode, workers=args.workers) for mode in modes}
        # The loop again after the imports: the machine is shared, so the baseline is taken both
        # sides of them and the lower kept.
        again = bare_tiktoken_seconds(conversations, DEFAULT_MODEL, strategy="loop")
        loop = min(loop, again)
        print(f"bare encode_ordinary loop after the imports: {again:.2f} s -> loop baseline {loop:.2f} s")
        for mode, result in results.items():
            label = {"plain": "import, no guidelines", "load": "import, no guidelines", "checked": "import, guidelines in force",
                     "again": "import, guidelines in force (before the second)"}[mode]
            print(
                f"{label}: {result['seconds']:.2f} s, {result['examples'] / result['seconds']:,.0f} examples/s, "
                f"{result['flags']} flags, ratio to the loop {result['seconds'] / loop:.2f}x (to the baseline "
                f"{result['seconds'] / baseline:.2f}x), peak RSS {result['peak_rss_mb']:.0f} MB "
                f"(largest worker {result['worker_peak_rss_mb']:.0f} MB); CPU {result['cpu_seconds']:.1f} s "
                f"(the loop's {loop_cpu:.1f} s: {result['cpu_seconds'] / loop_cpu:.2f}x)"
            )
            if "again_seconds" in result:
                print(f"the same file again ({result['again_duplicates']:,} already stored): {result['again_seconds']:.2f} s, "
                      f"{result['again_seconds'] / result['seconds']:.2f}x its first import, ratio to the loop {result['again_seconds'] / loop:.2f}x")
            if "load_seconds" in result:
                print(f"guidelines load over {result['examples']:,} examples: {result['load_seconds']:.2f} s, "
                      f"ratio to the loop {result['load_seconds'] / loop:.2f}x")
        del conversations
        headline = results["checked" if args.guidelines else "plain"]
        for n in args.memory_at:
            if n == args.n:
                r = headline
            else:
                big = folder / f"chat-{n}.jsonl"
                write_jsonl(big, n, args.seed)
                r = run_import(folder, big, mode="checked" if args.guidelines else "plain", workers=args.workers)
                big.unlink()
            print(f"memory at {n:,}: peak RSS {r['peak_rss_mb']:.0f} MB, largest worker {r['worker_peak_rss_mb']:.0f} MB ({r['seconds']:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
