"""Contamination check: does any test example leak from the training side?

Signals on the whole conversation (system and developer turns left out: shared by design) and on
its prompt (the user-side turns and tool results: what the model is asked), all normalised
(case-folded, punctuation removed); see curator.split.signals:
- "ngram": a shared word n-gram (8 words by default) that few examples hold. An n-gram held by
  more than common_fraction of all examples is common by design (a shared instruction, a
  boilerplate refusal) and does not count; min_overlap can ask for more than one.
- "coverage", "prompt-coverage": as in Tülu 3, more than half of the test text's tokens are
  covered by n-grams it shares with one training text (common ones count up to
  max(COVERAGE_COMMON_MIN, the common limit) holders).
- "minhash", "prompt-minhash": MinHash near duplicates at >= threshold Jaccard, confirmed exactly.
- "prompt-exact": the same normalised prompt text; prompts shorter than an n-gram are compared
  here, exactly.
- "first-turn": the same normalised first user-side turn, unless it is very common (opens more
  than FIRST_TURN_COMMON of the examples, and more than FIRST_TURN_COMMON_MIN of them).
Text in scripts without spaces uses character n-grams. Every example is normalised and hashed
once (SplitFeatures); passing features made over the same items spares even that.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from curator.errors import InvalidInputError
from curator.split import signals
from curator.split.features import SplitFeatures

Kind = Literal["ngram", "coverage", "minhash", "prompt-exact", "first-turn", "prompt-coverage", "prompt-minhash"]
KINDS: tuple[Kind, ...] = ("ngram", "coverage", "minhash", "prompt-exact", "first-turn", "prompt-coverage", "prompt-minhash")
PROMPT_KINDS: tuple[Kind, ...] = ("prompt-exact", "first-turn", "prompt-coverage", "prompt-minhash")
NGRAM = 8  # words per n-gram, as in Tülu 3's decontamination
COVERAGE_COMMON_MIN = 50  # coverage counts n-grams held by up to this many examples, whatever the size
FIRST_TURN_COMMON = 0.01  # a first turn opening more than this share of the examples is very common...
FIRST_TURN_COMMON_MIN = 20  # ...and more than this many of them
Pairs = Sequence[tuple[str, Sequence[Mapping[str, Any]]]]


@dataclass(frozen=True)
class Contamination:
    """A test example that overlaps a training example, by one signal."""

    test_id: str
    train_id: str
    kind: Kind
    score: float  # ngram: share of counted n-grams; coverage: share of tokens covered; minhash: Jaccard; exact: 1
    shared: int = 0  # ngram: shared n-grams; coverage: tokens covered


@dataclass(frozen=True)
class ContaminationStats:
    train: int
    test: int
    ngram: int
    common_limit: int  # an n-gram in more examples than this is common and ignored
    coverage_limit: int  # the same, for coverage
    common_ngrams: int  # distinct test n-grams ignored as common
    short_test: int  # test examples with no counted n-gram (shorter than ngram words)
    minhash_candidates: int
    seconds: float
    by_kind: dict[str, int] = field(default_factory=dict)  # pairs found by each signal


@dataclass(frozen=True)
class ContaminationReport:
    pairs: list[Contamination]  # sorted by test id, train id, kind
    stats: ContaminationStats

    @property
    def contaminated(self) -> list[str]:
        """Sorted ids of the test examples with at least one reported pair."""
        return sorted({p.test_id for p in self.pairs})

    @property
    def clean(self) -> bool:
        return not self.pairs


def _ids(pairs: Pairs, side: str) -> list[str]:
    ids = []
    for index, item in enumerate(pairs):
        if not isinstance(item, (tuple, list)) or len(item) != 2 or not isinstance(item[0], str):
            raise InvalidInputError(f"{side} item {index} is not an (id, messages) pair", field=side)
        ids.append(item[0])
    return ids


def limits(examples: int, common_fraction: float) -> tuple[int, int]:
    """(common limit, coverage limit) for this many examples."""
    if not 0.0 < common_fraction <= 1.0:
        raise InvalidInputError(f"common_fraction must be in (0, 1], got {common_fraction}", field="common_fraction")
    # A leaked n-gram is in at least two examples (the test one and its source): never common.
    limit = max(2, int(common_fraction * examples))
    return limit, max(COVERAGE_COMMON_MIN, limit)


def first_turn_limit(examples: int) -> int:
    """A first turn opening more conversations than this is very common: no leak, no group."""
    return max(FIRST_TURN_COMMON_MIN, int(FIRST_TURN_COMMON * examples))


def _features_and_rows(
    train: Pairs, test: Pairs, train_ids: list[str], test_ids: list[str], features: SplitFeatures | None, **params: Any
) -> tuple[SplitFeatures, np.ndarray, np.ndarray]:
    """Features holding both sides (the ones given when they fit) and each side's rows in them."""
    if features is not None and features.matches(**params) and len(set(train_ids) | set(test_ids)) == len(train_ids) + len(test_ids):
        train_rows, test_rows = features.rows(train_ids), features.rows(test_ids)
        if train_rows is not None and test_rows is not None:
            return features, train_rows, test_rows
    # Own features, keyed by position: an id may then be on both sides, or twice.
    items = [(str(k), m) for k, (_, m) in enumerate([*train, *test])]
    made = SplitFeatures(items, **params)
    return made, np.arange(len(train)), np.arange(len(train), len(train) + len(test))


def check_contamination(
    train: Pairs,
    test: Pairs,
    *,
    ngram: int = NGRAM,
    threshold: float = 0.8,
    common_fraction: float = 0.01,
    min_overlap: float = 0.0,
    seed: int = 0,
    num_perm: int = 128,
    kinds: Iterable[str] = KINDS,
    features: SplitFeatures | None = None,
) -> ContaminationReport:
    """Every (test, train) pair that one of the signals in kinds finds.

    features (SplitFeatures over both sides, or more) made with this seed, threshold, num_perm
    and ngram spare the hashing; the result is the same without them.
    """
    started = time.perf_counter()
    train_ids, test_ids = _ids(train, "train"), _ids(test, "test")
    wanted = set(kinds)
    if wanted - set(KINDS):
        raise InvalidInputError(f"unknown contamination signal(s) {sorted(wanted - set(KINDS))}; known: {', '.join(KINDS)}", field="kinds")
    if ngram < 1:
        raise InvalidInputError(f"ngram must be at least 1, got {ngram}", field="ngram")
    limit, coverage_limit = limits(len(train_ids) + len(test_ids), common_fraction)
    found: dict[str, signals.Found] = {}
    common = short = candidates = 0
    if train_ids and test_ids:
        f, tr, te = _features_and_rows(train, test, train_ids, test_ids, features, seed=seed, threshold=threshold, num_perm=num_perm, ngram=ngram)
        if "ngram" in wanted:
            found["ngram"], common, short = signals.ngram_pairs(f.grams, tr, te, limit=limit, min_overlap=min_overlap)
        if "coverage" in wanted:
            found["coverage"] = signals.coverage_pairs(f.grams, f.ngram_text, tr, te, limit=coverage_limit)
        if "minhash" in wanted:
            found["minhash"], candidates = signals.minhash_pairs(
                f.conversations.keys, f.conversations.has_shingles, f.conversation_text, tr, te, threshold=threshold)
        if "prompt-exact" in wanted:
            found["prompt-exact"] = signals.prompt_exact_pairs(f, tr, te)
        if "first-turn" in wanted:
            found["first-turn"] = signals.first_turn_pairs(f, tr, te, limit=first_turn_limit(len(train_ids) + len(test_ids)))
        if "prompt-coverage" in wanted:
            found["prompt-coverage"] = signals.coverage_pairs(f.prompt_grams, f.prompt_text, tr, te, limit=coverage_limit)
        if "prompt-minhash" in wanted:
            found["prompt-minhash"], more = signals.prompt_minhash_pairs(f, tr, te, threshold=threshold)
            candidates += more
    pairs = [
        Contamination(test_ids[ti], train_ids[tr_], kind, score, shared)  # type: ignore[arg-type]
        for kind, got in found.items()
        for ti, tr_, score, shared in got
    ]
    pairs.sort(key=lambda p: (p.test_id, p.train_id, KINDS.index(p.kind)))
    stats = ContaminationStats(
        train=len(train_ids),
        test=len(test_ids),
        ngram=ngram,
        common_limit=limit,
        coverage_limit=coverage_limit,
        common_ngrams=common,
        short_test=short,
        minhash_candidates=candidates,
        seconds=time.perf_counter() - started,
        by_kind={kind: len(found.get(kind, [])) for kind in KINDS if kind in wanted},
    )
    return ContaminationReport(pairs=pairs, stats=stats)
