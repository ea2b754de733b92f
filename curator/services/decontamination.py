"""Benchmark overlap: the examples whose prompt matches a benchmark item, for export and audit."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from curator.formats.benchmark import Benchmark, read_benchmark
from curator.split.contamination import NGRAM
from curator.split.decontamination import BenchmarkMatch, benchmark_matches

Pairs = Sequence[tuple[str, Sequence[Mapping[str, Any]]]]


@dataclass(frozen=True)
class Overlap:
    benchmarks: list[Benchmark]
    matches: list[BenchmarkMatch]

    @property
    def example_ids(self) -> set[str]:
        return {m.example_id for m in self.matches}

    def as_dict(self) -> dict[str, Any]:
        """What the export manifest and the audit report say: each file, and every match."""
        per_file: dict[int, set[str]] = {}
        for m in self.matches:
            per_file.setdefault(m.benchmark, set()).add(m.item)
        return {
            "ngram": NGRAM,
            "benchmarks": [
                {"file": b.name, "path": b.path, "sha256": b.sha256, "field": b.field, "items": len(b.items),
                 "matched_items": len(per_file.get(i, set()))}
                for i, b in enumerate(self.benchmarks)
            ],
            "examples": len(self.example_ids),
            "list": [
                {"example": m.example_id, "benchmark": self.benchmarks[m.benchmark].name, "item": m.item,
                 "kinds": list(m.kinds), "score": round(m.score, 6)}
                for m in self.matches
            ],
        }


def load_benchmarks(paths: Sequence[str | os.PathLike[str]], *, field: str | None = None) -> list[Benchmark]:
    return [read_benchmark(p, field=field) for p in paths]


def find_overlap(examples: Pairs, benchmarks: Sequence[Benchmark], *, threshold: float = 0.8, seed: int = 0) -> Overlap:
    """Every (example, benchmark item) pair whose prompts match (exactly, by coverage, or MinHash)."""
    items = [[(item.key, item.messages) for item in b.items] for b in benchmarks]
    return Overlap(list(benchmarks), benchmark_matches(examples, items, threshold=threshold, seed=seed))
