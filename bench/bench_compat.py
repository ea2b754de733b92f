"""How long the compatibility suite (tests/compat) adds to the test run, against the rest of the suite.

Runs, in one process after the other, the suite without tests/compat and tests/compat alone, both
as CI runs them (CI=true, two workers), and prints the wall times and their ratio. The machine is
shared: compare the ratio, not the seconds.

    .venv/bin/python bench/bench_compat.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASE = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "2"]


def timed(args: list[str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(BASE + args, cwd=ROOT, env={**os.environ, "CI": "true"}, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    print(done.stdout.strip().splitlines()[-1], flush=True)
    if done.returncode != 0:
        raise SystemExit(f"pytest {' '.join(args)} failed")
    return elapsed


def main() -> None:
    rest = timed(["tests", "--ignore=tests/compat"])
    compat = timed(["tests/compat"])
    print(f"suite without compat: {rest:.0f} s; compat suite: {compat:.0f} s; compat / rest = {compat / rest:.2f}")


if __name__ == "__main__":
    main()
