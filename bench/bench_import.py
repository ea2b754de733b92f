"""Import speed and memory: OpenAI JSONL -> validated, token-counted examples in SQLite.

Run: python bench/bench_import.py [--n 100000] [--memory-at 100000 400000]

The baseline is bare tiktoken counting the same texts in the same run (the faster of its batch
API and a plain encode loop). The import runs in a child process so its peak memory (ru_maxrss)
is its own, not the generator's. Data is generated here, never checked in.
"""

from __future__ import annotations

import argparse
import json
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
from curator.services.importing import import_file
store = Store(sys.argv[1])
start = time.perf_counter()
s = import_file(store, sys.argv[2])
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "examples": s.examples, "records": s.records,
                  "problems": s.problems, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def write_jsonl(path: Path, n: int, seed: int) -> None:
    """``n`` generated conversations as OpenAI chat JSONL, written in chunks (flat memory)."""
    with path.open("w", encoding="utf-8") as fh:
        for start in range(0, n, CHUNK):
            for messages in generate_conversations(min(CHUNK, n - start), seed + start):
                fh.write(json.dumps({"messages": messages}, ensure_ascii=False) + "\n")


def run_import(folder: Path, data: Path) -> dict:
    db = folder / f"{data.stem}.db"
    proc = subprocess.run([sys.executable, "-c", CHILD, f"sqlite:///{db}", str(data)], capture_output=True, text=True, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--memory-at", type=int, nargs="*", default=[100_000, 400_000])
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="curator-bench-") as tmp:
        folder = Path(tmp)
        data = folder / f"chat-{args.n}.jsonl"
        write_jsonl(data, args.n, args.seed)
        conversations = [m for start in range(0, args.n, CHUNK) for m in generate_conversations(min(CHUNK, args.n - start), args.seed + start)]
        batch = bare_tiktoken_seconds(conversations, DEFAULT_MODEL, strategy="batch")
        loop = bare_tiktoken_seconds(conversations, DEFAULT_MODEL, strategy="loop")
        del conversations
        baseline = min(batch, loop)
        result = run_import(folder, data)
        print(f"date {date.today()}  n={args.n}  file {data.stat().st_size / 1e6:.0f} MB")
        print(f"bare tiktoken: batch {batch:.2f} s, loop {loop:.2f} s -> baseline {baseline:.2f} s")
        print(
            f"import: {result['seconds']:.2f} s, {result['examples'] / result['seconds']:,.0f} examples/s, "
            f"ratio to bare tiktoken {result['seconds'] / baseline:.2f}x, peak RSS {result['peak_rss_mb']:.0f} MB"
        )
        for n in args.memory_at:
            if n == args.n:
                r = result
            else:
                big = folder / f"chat-{n}.jsonl"
                write_jsonl(big, n, args.seed)
                started = time.perf_counter()
                r = run_import(folder, big)
                big.unlink()
                r["seconds"] = r.get("seconds", time.perf_counter() - started)
            print(f"memory at {n:,}: peak RSS {r['peak_rss_mb']:.0f} MB ({r['seconds']:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
