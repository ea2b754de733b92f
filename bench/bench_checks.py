"""Speed of the automated guideline checks: ms per example for each rule's check and in total.

Run: python bench/bench_checks.py [N] [--seed S] [--repeat R] [--sample-data] [--reference]
     python bench/bench_checks.py [N] --trees OLD_TREE:NEW_TREE [--rounds K]

Examples are ~300-token conversations from bench_tokens.generate_conversations, built with
Example.create and their token count stored (as an import stores it), checked against the
shipped guidelines. ``--sample-data`` also times the examples of sample_data/; ``--reference``
also times the plain path (pre-filters off, i.e. the checks as they were) in the same run, so
both figures see the same machine load. ``--trees`` times ``run_checks`` as two source trees of
curator have it (before and after a change), each with its own guidelines/ and sample_data/, in
child processes that take turns for K rounds; the best of each is kept, so a busy machine slows
both alike. Target: the total under 0.3 ms per example.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import timeit
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_tokens import generate_conversations  # noqa: E402

from curator.guidelines import GuidelineSet, load_guidelines, run_checks, run_rule  # noqa: E402
from curator.guidelines.checks.prefilter import fast_paths  # noqa: E402
from curator.models import Example  # noqa: E402
from curator.tokens import DEFAULT_MODEL, count_many  # noqa: E402

ROOT = Path(os.environ.get("CURATOR_BENCH_ROOT") or Path(__file__).resolve().parent.parent)


def build_examples(n: int, seed: int) -> list[Example]:
    """``n`` generated conversations as examples with their token counts stored."""
    conversations = generate_conversations(n, seed)
    counts = count_many(conversations, model=DEFAULT_MODEL)
    return [Example.create(c, tokens=t) for c, t in zip(conversations, counts)]


def sample_examples() -> list[Example]:
    """Every example of sample_data/ (records that fail to parse are left out)."""
    from curator.formats import open_records

    found: list[Example] = []
    for path in sorted((ROOT / "sample_data").iterdir()):
        if path.name.startswith(("tallybook_",)):
            found.extend(p.example for p in open_records(path) if p.example is not None)
    return found


def _best(seconds: list[float]) -> float:
    return min(seconds)


def time_rules(examples: list[Example], guidelines: GuidelineSet, repeat: int) -> list[tuple[str, float]]:
    """(rule id and check, best seconds over all examples) for every rule with a check."""
    rows = []
    for rule in guidelines.rules:
        if rule.check is None:
            continue
        runs = []
        for _ in range(repeat):
            start = time.perf_counter()
            for example in examples:
                run_rule(example, rule)
            runs.append(time.perf_counter() - start)
        rows.append((f"{rule.id} ({rule.check.name})", _best(runs)))
    return rows


def time_total(examples: list[Example], guidelines: GuidelineSet, repeat: int) -> tuple[float, int]:
    """(best seconds for run_checks over all examples, flags found)."""
    runs = []
    flags = 0
    for _ in range(repeat):
        start = time.perf_counter()
        flags = sum(len(run_checks(example, guidelines)) for example in examples)
        runs.append(time.perf_counter() - start)
    return _best(runs), flags


def calibration_us() -> float:
    """Microseconds for sum(range(1000)) on this machine now (about 8-10 on an idle core)."""
    return min(timeit.repeat("sum(range(1000))", number=2000, repeat=5)) / 2000 * 1e6


def report(label: str, examples: list[Example], guidelines: GuidelineSet, repeat: int, *,
           reference: bool = False) -> None:
    """Print per-rule and total ms/example for one set of examples (pre-filters on, and off)."""
    replies = [len(e.final_reply.text) for e in examples if e.final_reply is not None]
    tokens = [e.tokens for e in examples if e.tokens is not None]
    mean_tokens = sum(tokens) / len(tokens) if tokens else float("nan")
    print(f"{label}: {len(examples)} examples, mean {mean_tokens:.0f} tokens, "
          f"mean reply {sum(replies) / max(1, len(replies)):.0f} chars, best of {repeat}; "
          f"calibration sum(range(1000)) {calibration_us():.1f} us")
    modes = [True, False] if reference else [True]
    columns = {}
    for mode in modes:
        with fast_paths(mode):
            rows = time_rules(examples, guidelines, repeat)
            total, flags = time_total(examples, guidelines, repeat)
        columns[mode] = ([*rows, ("run_checks total", total)], flags)
    header = f"  {'ms/example':<48} {'fast':>9}" + (f" {'reference':>10} {'speed-up':>8}" if reference else "")
    print(header)
    for index, (name, seconds) in enumerate(columns[True][0]):
        line = f"  {name:<48} {seconds * 1000 / len(examples):9.4f}"
        if reference:
            slow = columns[False][0][index][1]
            line += f" {slow * 1000 / len(examples):10.4f} {slow / seconds:7.1f}x"
        print(line)
    print(f"  flags: {columns[True][1]}" + (f" (reference {columns[False][1]})" if reference else ""))


def child_totals(n: int, seed: int, repeat: int) -> None:
    """Print {"generated": ms/example, "sample_data": ms/example, flags...} for this tree, as JSON."""
    guidelines = load_guidelines(ROOT / "guidelines")
    generated = build_examples(n, seed)
    examples = sample_examples()
    counts = count_many([e.plain_messages() for e in examples], model=DEFAULT_MODEL, tools=[e.tools for e in examples])
    examples = [e.model_copy(update={"tokens": t}) for e, t in zip(examples, counts)]
    out = {}
    for label, group in (("generated", generated), ("sample_data", examples)):
        seconds, flags = time_total(group, guidelines, repeat)
        out[label] = seconds * 1000 / len(group)
        out[f"{label}_flags"] = flags
    print(json.dumps(out))


def compare_trees(trees: list[Path], n: int, seed: int, repeat: int, rounds: int) -> None:
    """Time run_checks in each source tree, taking turns, and print the best of each with ratios."""
    best: dict[Path, dict[str, float]] = {}
    for _ in range(rounds):
        for tree in trees:
            env = {**os.environ, "PYTHONPATH": str(tree), "CURATOR_BENCH_ROOT": str(tree)}
            proc = subprocess.run([sys.executable, __file__, str(n), "--seed", str(seed), "--repeat", str(repeat), "--child"],
                                  capture_output=True, text=True, check=True, env=env)
            got = json.loads(proc.stdout.strip().splitlines()[-1])
            kept = best.setdefault(tree, got)
            for key in ("generated", "sample_data"):
                kept[key] = min(kept[key], got[key])
    first = best[trees[0]]
    print(f"run_checks total, ms per example, best of {rounds} rounds x {repeat}; calibration sum(range(1000)) {calibration_us():.1f} us")
    for tree, got in best.items():
        print(f"  {str(tree):<40} generated {got['generated']:.4f} ({got['generated'] / first['generated']:.2f}x, "
              f"{got['generated_flags']:.0f} flags)  sample_data {got['sample_data']:.4f} "
              f"({got['sample_data'] / first['sample_data']:.2f}x, {got['sample_data_flags']:.0f} flags)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sample-data", action="store_true", help="also time the examples of sample_data/")
    parser.add_argument("--reference", action="store_true", help="also time with the pre-filters off")
    parser.add_argument("--trees", help="OLD:NEW source trees to compare (before/after a change)")
    parser.add_argument("--rounds", type=int, default=5, help="turns each tree takes with --trees")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child_totals(args.n, args.seed, args.repeat)
        return 0
    if args.trees:
        compare_trees([Path(t).resolve() for t in args.trees.split(":")], args.n, args.seed, args.repeat, args.rounds)
        return 0

    guidelines = load_guidelines(ROOT / "guidelines")
    report("generated", build_examples(args.n, args.seed), guidelines, args.repeat, reference=args.reference)
    if args.sample_data:
        examples = sample_examples()
        counts = count_many([e.plain_messages() for e in examples], model=DEFAULT_MODEL,
                            tools=[e.tools for e in examples])
        examples = [e.model_copy(update={"tokens": t}) for e, t in zip(examples, counts)]
        report("sample_data", examples, guidelines, args.repeat, reference=args.reference)
    return 0


if __name__ == "__main__":
    sys.exit(main())
