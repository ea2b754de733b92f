"""Which examples ask what a benchmark asks: the contamination check's prompt signals, run with
each benchmark item as the test side and the examples as the training side."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from curator.split.contamination import NGRAM, PROMPT_KINDS, check_contamination

Pairs = Sequence[tuple[str, Sequence[Mapping[str, Any]]]]


@dataclass(frozen=True)
class BenchmarkMatch:
    example_id: str
    benchmark: int  # index into the benchmarks given
    item: str  # the item's key in its benchmark
    kinds: tuple[str, ...]  # the prompt signals that found it
    score: float  # the highest score among them


def benchmark_matches(
    examples: Pairs,
    benchmarks: Sequence[Sequence[tuple[str, Sequence[Mapping[str, Any]]]]],
    *,
    threshold: float = 0.8,
    seed: int = 0,
    ngram: int = NGRAM,
    common_fraction: float = 0.01,
) -> list[BenchmarkMatch]:
    """Every (example, benchmark item) pair one of the prompt signals finds, sorted by example.

    benchmarks: for each benchmark, its items as (key, messages).
    """
    items = [(f"{b}\x00{key}", messages) for b, bench in enumerate(benchmarks) for key, messages in bench]
    if not items or not examples:
        return []
    report = check_contamination(examples, items, ngram=ngram, threshold=threshold, seed=seed,
                                 common_fraction=common_fraction, kinds=PROMPT_KINDS)
    found: dict[tuple[str, str], tuple[list[str], float]] = {}
    for p in report.pairs:
        kinds, score = found.get((p.train_id, p.test_id), ([], 0.0))
        found[(p.train_id, p.test_id)] = ([*kinds, p.kind], max(score, p.score))
    matches = []
    for (example_id, item_id), (kinds, score) in found.items():
        bench, key = item_id.split("\x00", 1)
        matches.append(BenchmarkMatch(example_id, int(bench), key, tuple(kinds), score))
    return sorted(matches, key=lambda m: (m.example_id, m.benchmark, m.item))
