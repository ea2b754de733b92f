"""The Ray engine: near-duplicate detection and the split's features past one machine.

The driver (the curator process) streams the examples in chunks from the corpus it read from the
database; each chunk becomes a Ray task that builds its texts and hashes them (MinHash band keys,
digests, n-grams), and only those arrays come back. Banding runs as one task per band (each gets
its band's key column), and candidate pairs are confirmed in batches, each task getting a batch
of pairs and the texts of their members; only similarities come back. Every task runs the same
functions as the in-process engine (curator.dedup.engine), so clusters and exported files are
byte-identical to it.

Ray is optional (`pip install 'curator[ray]'`). The cluster is the one at `address` (or
$RAY_ADDRESS); without either, curator starts a local Ray for the run and stops it afterwards.
Usage statistics and the dashboard are off: nothing leaves the machine.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

import numpy as np

from curator.dedup.confirm import pair_batches, pair_similarities
from curator.dedup.engine import Engine
from curator.dedup.minhash import band_pairs, merge_pairs
from curator.errors import InvalidInputError, StorageError

T = TypeVar("T")
R = TypeVar("R")
IN_FLIGHT = 2  # chunks submitted per CPU of the cluster before waiting for the oldest


def _run(prepare: Callable[[Any], Any], work: Callable[[Any], Any], chunk: Any) -> Any:
    return work(prepare(chunk))


def _band(column: np.ndarray, rows: np.ndarray) -> np.ndarray:
    return band_pairs(column, rows)


def _confirm(pairs: np.ndarray, texts: list[str]) -> np.ndarray:
    return pair_similarities(pairs, texts.__getitem__)


def _import_ray() -> Any:
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # no usage report to anyone
    try:
        import ray
    except ImportError as exc:
        raise InvalidInputError(
            "the ray engine needs Ray: pip install 'curator[ray]', or use the in-process engine", field="engine", setting="engine"
        ) from exc
    return ray


class RayEngine(Engine):
    """Runs map, candidates and similarities as Ray tasks; results equal the in-process engine's."""

    name = "ray"

    def __init__(self, address: str | None = None, *, num_cpus: int | None = None) -> None:
        ray = _import_ray()
        self.ray = ray
        self.started = False
        address = address or os.environ.get("RAY_ADDRESS") or None
        if not ray.is_initialized():
            try:
                if address:
                    ray.init(address=address, include_dashboard=False, log_to_driver=False)
                else:
                    ray.init(num_cpus=num_cpus, include_dashboard=False, log_to_driver=False)
            except (ConnectionError, RuntimeError, ValueError) as exc:
                where = f"the Ray cluster at {address}" if address else "a local Ray"
                raise StorageError(f"could not start or reach {where}: {exc}; check the Ray address (RAY_ADDRESS)") from exc
            self.started = True
        self.cpus = max(1, int(ray.cluster_resources().get("CPU", 1)))
        self._run = ray.remote(_run)
        self._band = ray.remote(_band)
        self._confirm = ray.remote(_confirm)

    def map(self, prepare: Callable[[T], Any], work: Callable[[Any], R], chunks: Iterable[T]) -> Iterator[R]:
        """work(prepare(chunk)) for each chunk as a Ray task, in order, a bounded number in flight."""
        ray = self.ray
        pending: deque[Any] = deque()
        limit = IN_FLIGHT * self.cpus
        for chunk in chunks:
            pending.append(self._run.remote(prepare, work, chunk))
            if len(pending) >= limit:
                yield ray.get(pending.popleft())
        while pending:
            yield ray.get(pending.popleft())

    def candidates(self, keys: np.ndarray, valid: np.ndarray | None = None) -> np.ndarray:
        """Candidate pairs, one Ray task per band (each gets its band's key column)."""
        rows = np.arange(len(keys), dtype=np.int64) if valid is None else np.flatnonzero(valid)
        shared_rows = self.ray.put(rows)
        parts = [self._band.remote(np.ascontiguousarray(keys[rows, band]), shared_rows) for band in range(keys.shape[1])]
        return merge_pairs(self.ray.get(parts), len(keys))

    def similarities(self, pairs: np.ndarray, text_of: Callable[[int], str]) -> np.ndarray:
        """Exact similarities, a batch of pairs per Ray task with the texts of its members."""
        pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
        out = np.empty(len(pairs), dtype=np.float64)
        pending: deque[tuple[int, int, Any]] = deque()
        limit = IN_FLIGHT * self.cpus
        for lo, hi in pair_batches(pairs):
            members, local = np.unique(pairs[lo:hi], return_inverse=True)
            texts = [text_of(m) for m in members.tolist()]
            pending.append((lo, hi, self._confirm.remote(local.reshape(-1, 2), texts)))
            if len(pending) >= limit:
                a, b, ref = pending.popleft()
                out[a:b] = self.ray.get(ref)
        while pending:
            a, b, ref = pending.popleft()
            out[a:b] = self.ray.get(ref)
        return out

    def close(self) -> None:
        """Stop the local Ray this engine started (a cluster it joined, or one already running, stays)."""
        if self.started and self.ray.is_initialized():
            self.ray.shutdown()
        self.started = False
