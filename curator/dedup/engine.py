"""Where the bulk steps of near-duplicate detection run: in this process, or on Ray.

Three steps carry the work, each a pure function of its inputs (so any engine gives the same
clusters, bit for bit):
- map: per chunk of examples, prepare (build the texts) then work (hash them: digests, MinHash
  band keys, n-grams), results in chunk order;
- candidates: the LSH band keys of every example -> candidate pairs (every pair sharing a band);
- similarities: candidate pairs -> exact Jaccard similarities (curator.dedup.confirm).
Engine runs them here (hashing on one helper thread while Python builds the next chunk's
texts); curator.dedup.ray_engine.RayEngine runs them as Ray tasks. Functions handed to map must
be module-level (or functools.partial of one) so a Ray worker can import them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

import numpy as np

from curator.dedup.confirm import pair_similarities
from curator.dedup.minhash import candidate_pairs
from curator.dedup.overlap import overlapped

T = TypeVar("T")
R = TypeVar("R")


class Engine:
    """The in-process engine (the default)."""

    name = "in-process"

    def map(self, prepare: Callable[[T], Any], work: Callable[[Any], R], chunks: Iterable[T]) -> Iterator[R]:
        """work(prepare(chunk)) for each chunk, in order."""
        return overlapped(map(prepare, chunks), work)

    def candidates(self, keys: np.ndarray, valid: np.ndarray | None = None) -> np.ndarray:
        """(k, 2) int64 pairs (i < j) of rows sharing a key in some band column; sorted, unique."""
        return candidate_pairs(keys, valid)

    def similarities(self, pairs: np.ndarray, text_of: Callable[[int], str]) -> np.ndarray:
        """Exact Jaccard similarity of each pair's texts."""
        return pair_similarities(pairs, text_of)

    def close(self) -> None:
        """Release what the engine holds (nothing here)."""

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


IN_PROCESS = Engine()
