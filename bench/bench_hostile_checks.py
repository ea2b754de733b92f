"""Time of the shipped guideline checks on hostile replies, and of a nested-quantifier pattern.

Run: python bench/bench_hostile_checks.py [--kb 100] [--cap 60]

Each case is one example whose final reply is built to make a check backtrack (a transcript
supplier can send any text); the time is run_checks with every rule of guidelines/ on it, cut
off at --cap seconds (reported as "> cap"). The last case adds a guideline whose
forbidden_phrases pattern is '(a+)+$' and checks a 40-character reply "aaa...ab" with it.
PYTHONPATH and CURATOR_BENCH_ROOT choose the source tree, so an older tree is timed the same way.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from curator.guidelines import load_guidelines, run_checks
from curator.models import Example

ROOT = Path(os.environ.get("CURATOR_BENCH_ROOT") or Path(__file__).resolve().parent.parent)
EVIL = """---
name: evil
version: "1"
language: en
target_model: gpt-4o-mini-2024-07-18
rules:
  - id: evil-pattern
    title: Nested quantifiers
    severity: minor
    text: A pattern that backtracks exponentially in a backtracking engine.
    check: {name: forbidden_phrases, params: {patterns: ['(a+)+$']}}
---
"""


def cases(chars: int) -> dict[str, str]:
    return {
        '"a." * n + "@" (reply-language)': ("a." * chars)[: chars - 1] + "@",
        '"a-" * n': ("a-" * chars)[:chars],
        '"a1" * n': ("a1" * chars)[:chars],
        '"```a" * n': ("```a" * chars)[:chars],
        '"`" * n (repetition)': "`" * chars,
        '" " * n + "---x"': " " * (chars - 4) + "---x",
    }


def timed(example: Example, guidelines, cap: float) -> float | None:
    def expired(_signum: int, _frame: object) -> None:
        raise TimeoutError

    signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, cap)
    start = time.perf_counter()
    try:
        run_checks(example, guidelines)
    except TimeoutError:
        return None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    return time.perf_counter() - start


def reply(text: str) -> Example:
    return Example.create([{"role": "user", "content": "Tell me."}, {"role": "assistant", "content": text}], tokens=10)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kb", type=int, default=100, help="reply size in thousands of characters")
    parser.add_argument("--cap", type=float, default=60.0, help="seconds after which a case is cut off")
    args = parser.parse_args(argv)
    shipped = load_guidelines(ROOT / "guidelines")
    print(f"date {date.today()}  tree {ROOT}  replies of {args.kb * 1000:,} characters, cut off at {args.cap:.0f} s")
    for name, text in cases(args.kb * 1000).items():
        seconds = timed(reply(text), shipped, args.cap)
        print(f"  {name:<40} {f'> {args.cap:.0f} s' if seconds is None else f'{seconds:.2f} s'}")
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "evil.md").write_text(EVIL, encoding="utf-8")
        evil = load_guidelines(Path(tmp))
        seconds = timed(reply("a" * 39 + "b"), evil, args.cap)
        print(f"  {'pattern (a+)+$ on 40 characters':<40} {f'> {args.cap:.0f} s' if seconds is None else f'{seconds:.4f} s'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
