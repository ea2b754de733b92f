"""`curator import` end to end, with and without guidelines in force (flags computed on import).

Run: python bench/bench_import_flags.py [--n 20000] [--repeat 2]

Generated OpenAI-chat JSONL (bench_tokens.generate_conversations, ~300 tokens each) is imported
by the real command line in a child process into a fresh SQLite file: once with no guidelines,
once after `curator guidelines load guidelines/` so every new example is also checked and its
flags stored. The child imports whatever `curator` package its PYTHONPATH names, so the same
script times two versions of the code on the same file in one run (set CURATOR_TREES to
"old_path:new_path" to alternate between two source trees).
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
from bench_tokens import generate_conversations  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CHUNK = 10_000


def write_jsonl(path: Path, n: int, seed: int) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for start in range(0, n, CHUNK):
            for messages in generate_conversations(min(CHUNK, n - start), seed + start):
                fh.write(json.dumps({"messages": messages}, ensure_ascii=False) + "\n")


def curator(tree: Path, db: Path, *args: str) -> tuple[float, dict]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "curator", "--db", f"sqlite:///{db}", *args],
                          capture_output=True, text=True, check=True, env=env, cwd=tree)
    seconds = time.perf_counter() - start
    out = proc.stdout.strip()
    return seconds, (json.loads(out) if out.startswith("{") else {})


def time_tree(tree: Path, data: Path, folder: Path, tag: str) -> dict[str, float]:
    plain_db, flagged_db = folder / f"{tag}-plain.db", folder / f"{tag}-flagged.db"
    for db in (plain_db, flagged_db):
        db.unlink(missing_ok=True)
    curator(tree, flagged_db, "guidelines", "load", str(tree / "guidelines"))
    plain, _ = curator(tree, plain_db, "import", str(data), "--json")
    flagged, summary = curator(tree, flagged_db, "import", str(data), "--json")
    return {"plain": plain, "flagged": flagged, "flags": float(summary.get("flags", -1))}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args(argv)
    trees = [Path(t) for t in os.environ.get("CURATOR_TREES", str(ROOT)).split(":")]
    with tempfile.TemporaryDirectory(prefix="curator-bench-") as tmp:
        folder = Path(tmp)
        data = folder / f"chat-{args.n}.jsonl"
        write_jsonl(data, args.n, args.seed)
        best: dict[Path, dict[str, float]] = {}
        for _ in range(args.repeat):
            for i, tree in enumerate(trees):  # alternate, so load changes hit every tree alike
                got = time_tree(tree, data, folder, f"t{i}")
                kept = best.setdefault(tree, got)
                for key in ("plain", "flagged"):
                    kept[key] = min(kept[key], got[key])
        print(f"date {date.today()}  n={args.n}  file {data.stat().st_size / 1e6:.0f} MB  best of {args.repeat}")
        for tree, got in best.items():
            print(f"{tree}: import {got['plain']:.2f} s, import with guidelines {got['flagged']:.2f} s "
                  f"(flags in the import's JSON: {got['flags']:.0f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
