"""find_clusters: exact and near-duplicate clusters of conversations, with confirmed pairs."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Literal

import numpy as np

from curator.dedup.canonical import (
    canonical_text,
    role_of,
    text_digest,
    uses_char_shingles,
)
from curator.dedup.engine import IN_PROCESS, Engine
from curator.dedup.hashing import shingle_hashes
from curator.dedup.minhash import LshParams, MinHasher, lsh_params
from curator.errors import InvalidInputError

Kind = Literal["exact", "near"]
_CHUNK = 1024  # conversations hashed at once: bounds the working memory of one step


@dataclass(frozen=True)
class Pair:
    """Two examples found to be duplicates: a < b, their Jaccard similarity, how found."""

    a: str
    b: str
    similarity: float
    kind: Kind


@dataclass(frozen=True)
class Cluster:
    """A group of exact or near-duplicate examples; id is its smallest member id."""

    id: str
    members: list[str]
    kind: Kind  # "exact" when all members have one canonical text, else "near"
    pairs: list[Pair]

    @property
    def max_similarity(self) -> float:
        return max(p.similarity for p in self.pairs)

    @property
    def min_similarity(self) -> float:
        return min(p.similarity for p in self.pairs)


@dataclass(frozen=True)
class DedupStats:
    n: int
    exact_duplicates: int  # examples whose canonical text an earlier-sorting id already has
    candidates: int  # distinct LSH candidate pairs, each confirmed on exact shingle sets
    confirmed: int  # candidates with Jaccard >= threshold
    clusters: int
    seconds: float
    bands: int
    rows: int
    num_perm: int
    threshold: float


@dataclass(frozen=True)
class DedupResult:
    clusters: list[Cluster]  # groups of two or more, sorted by id
    pairs: list[Pair]  # every exact pair (to the exact group's smallest id) and confirmed near pair
    stats: DedupStats
    cluster_of: dict[str, str] = field(default_factory=dict)  # member id -> cluster id


class UnionFind:
    """Disjoint sets over 0..n-1 with path halving and union by size."""

    def __init__(self, n: int) -> None:
        self.parent = list(range(n))
        self.size = [1] * n

    def find(self, x: int) -> int:
        """The representative of x's set."""
        parent = self.parent
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(self, x: int, y: int) -> None:
        """Merge the sets of x and y."""
        rx, ry = self.find(x), self.find(y)
        if rx == ry:
            return
        if self.size[rx] < self.size[ry]:
            rx, ry = ry, rx
        self.parent[ry] = rx
        self.size[rx] += self.size[ry]


def _item_id(item: Any, index: int) -> str:
    try:
        ident, _ = item
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(f"item {index} is not an (id, messages) pair", field="items") from exc
    if not isinstance(ident, str) or not ident:
        raise InvalidInputError(f"item {index} has id {ident!r}; ids are non-empty strings", field="id")
    return ident


def _text(messages: Sequence[Any], casefold: bool, exclude_roles: frozenset[str]) -> str:
    if exclude_roles and not isinstance(messages, (str, bytes)) and isinstance(messages, Sequence):
        messages = [m for m in messages if role_of(m) not in exclude_roles]
    return canonical_text(messages, casefold=casefold)


def _exact_groups(digests: np.ndarray, ids: list[str]) -> list[list[int]]:
    """Indices with equal digests, groups of two or more, each sorted by id."""
    order = np.lexsort((digests[:, 1], digests[:, 0]))
    ordered = digests[order]
    same = np.all(ordered[1:] == ordered[:-1], axis=1)
    boundary = np.flatnonzero(np.r_[True, ~same, True])
    groups = []
    for start, end in itertools.pairwise(boundary.tolist()):
        if end - start > 1:
            groups.append(sorted((int(i) for i in order[start:end]), key=ids.__getitem__))
    return groups


@dataclass(frozen=True)
class Signatures:
    """What clustering needs of each text: its digest, its LSH band keys, whether it has shingles."""

    digests: np.ndarray  # (n, 2) uint64: the 128-bit digest of the canonical text
    keys: np.ndarray  # (n, bands) uint64
    has_shingles: np.ndarray  # (n,) bool


def hash_texts(texts: Sequence[str], hasher: MinHasher) -> Signatures:
    """Signatures of a few canonical texts at once (feed about _CHUNK at a time: memory is per call)."""
    digests = np.frombuffer(b"".join(map(text_digest, texts)), dtype=np.uint64).reshape(-1, 2)
    hashes, docs = shingle_hashes(texts, [uses_char_shingles(t) for t in texts])
    keys = hasher.band_keys(hasher.signatures(hashes, docs, len(texts)))
    has_shingles = np.bincount(docs, minlength=len(texts)) > 0
    return Signatures(digests=digests, keys=keys, has_shingles=has_shingles)


class SignatureBuffer:
    """The signatures of several hash_texts calls, in order, copied into arrays made once (no
    list of parts and concatenation: half the peak memory)."""

    def __init__(self, capacity: int, bands: int) -> None:
        self.digests = np.zeros((capacity, 2), dtype=np.uint64)
        self.keys = np.zeros((capacity, bands), dtype=np.uint64)
        self.has_shingles = np.zeros(capacity, dtype=bool)
        self.size = 0

    def add(self, part: Signatures) -> None:
        lo, hi = self.size, self.size + len(part.digests)
        self.digests[lo:hi], self.keys[lo:hi], self.has_shingles[lo:hi] = part.digests, part.keys, part.has_shingles
        self.size = hi

    def signatures(self) -> Signatures:
        """What was added (views of the first rows when fewer than the capacity)."""
        n = self.size
        return Signatures(digests=self.digests[:n], keys=self.keys[:n], has_shingles=self.has_shingles[:n])


_HASHERS = threading.local()  # a MinHasher's buffer is its own: one set per thread


def hasher_for(params: LshParams, seed: int) -> MinHasher:
    """The MinHasher of a banding and seed, made once per thread (a Ray worker's too)."""
    made: dict[tuple[LshParams, int], MinHasher] = _HASHERS.__dict__.setdefault("made", {})
    found = made.get((params, seed))
    if found is None:
        found = made[(params, seed)] = MinHasher(params, seed=seed)
    return found


def chunk_texts(chunk: Sequence[tuple[str, Any]], casefold: bool, exclude_roles: frozenset[str]) -> list[str]:
    """The canonical texts of a chunk of (id, messages) items (an engine's prepare step)."""
    return [_text(messages, casefold, exclude_roles) for _, messages in chunk]


def chunk_signatures(texts: list[str], params: LshParams, seed: int) -> Signatures:
    """hash_texts with the banding's MinHasher (an engine's work step)."""
    return hash_texts(texts, hasher_for(params, seed))


def item_signatures(
    items: Sequence[tuple[str, Any]], hasher: MinHasher, *, casefold: bool, exclude_roles: frozenset[str], engine: Engine = IN_PROCESS
) -> Signatures:
    """Digests and band keys of every item's canonical text, _CHUNK items at a time (bounded memory)."""
    n = len(items)
    chunks = (items[lo : lo + _CHUNK] for lo in range(0, n, _CHUNK))
    prepare = partial(chunk_texts, casefold=casefold, exclude_roles=exclude_roles)
    work = partial(chunk_signatures, params=hasher.params, seed=hasher.seed)
    joined = SignatureBuffer(n, hasher.params.bands)
    for part in engine.map(prepare, work, chunks):
        joined.add(part)
    return joined.signatures()


def find_clusters(
    items: Iterable[tuple[str, Sequence[dict[str, Any]]]],
    *,
    threshold: float = 0.8,
    casefold: bool = False,
    seed: int = 0,
    num_perm: int = 128,
    exclude_roles: Collection[str] = (),
    engine: Engine = IN_PROCESS,
) -> DedupResult:
    """Exact and near-duplicate clusters of (id, messages) pairs; near means Jaccard >= threshold.

    Messages whose role is in exclude_roles are left out of the comparison (e.g. a long system
    prompt shared by every example, which would make short conversations look alike).
    Pass a sequence to avoid a copy: candidate pairs are confirmed by re-reading their two items
    (a sequence with an ``ids`` list, like curator.scratch.SpilledItems, is not even read for them).
    engine: where the hashing, banding and confirming run; the result is the same on any.
    """
    skip = frozenset(exclude_roles)
    started = time.perf_counter()
    seq: Sequence[tuple[str, Any]] = items if isinstance(items, Sequence) else list(items)
    hasher = hasher_for(lsh_params(threshold, num_perm=num_perm), seed)
    given = getattr(seq, "ids", None)
    ids = list(given) if isinstance(given, list) else [_item_id(item, i) for i, item in enumerate(seq)]
    _check_unique(ids)
    signatures = item_signatures(seq, hasher, casefold=casefold, exclude_roles=skip, engine=engine)
    return cluster_signatures(
        ids, signatures, lambda i: _text(seq[i][1], casefold, skip), hasher=hasher, started=started, engine=engine
    )


def cluster_signatures(
    ids: list[str],
    signatures: Signatures,
    text_of: Callable[[int], str],
    *,
    hasher: MinHasher,
    started: float | None = None,
    engine: Engine = IN_PROCESS,
) -> DedupResult:
    """find_clusters on texts already hashed: text_of(i) gives text i again to confirm candidates."""
    started = time.perf_counter() if started is None else started
    params = hasher.params
    threshold = params.threshold
    n = len(ids)
    forest = UnionFind(n)
    pairs: list[Pair] = []
    touched: list[int] = []  # an index of each pair's member, for _collect
    is_rep = np.ones(n, dtype=bool)
    exact_members = 0
    for group in _exact_groups(signatures.digests, ids):
        head = group[0]
        for other in group[1:]:
            forest.union(head, other)
            is_rep[other] = False
            pairs.append(Pair(ids[head], ids[other], 1.0, "exact"))
            touched.append(head)
        exact_members += len(group) - 1

    candidates = engine.candidates(signatures.keys, is_rep & signatures.has_shingles)
    similarities = engine.similarities(candidates, text_of)
    confirmed = 0
    for (i, j), similarity in zip(candidates.tolist(), similarities.tolist()):
        if similarity >= threshold:
            confirmed += 1
            forest.union(i, j)
            a, b = sorted((ids[i], ids[j]))
            pairs.append(Pair(a, b, similarity, "near"))
            touched.append(i)

    clusters = _collect(forest, pairs, touched)
    stats = DedupStats(
        n=n,
        exact_duplicates=exact_members,
        candidates=len(candidates),
        confirmed=confirmed,
        clusters=len(clusters),
        seconds=time.perf_counter() - started,
        bands=params.bands,
        rows=params.rows,
        num_perm=params.num_perm,
        threshold=threshold,
    )
    cluster_of = {m: c.id for c in clusters for m in c.members}
    return DedupResult(clusters=clusters, pairs=sorted(pairs, key=_pair_key), stats=stats, cluster_of=cluster_of)


def _check_unique(ids: list[str]) -> None:
    if len(set(ids)) == len(ids):
        return
    seen: set[str] = set()
    for ident in ids:
        if ident in seen:
            raise InvalidInputError(f"example id {ident!r} appears more than once", field="id")
        seen.add(ident)


def _pair_key(pair: Pair) -> tuple[str, str]:
    return (pair.a, pair.b)


def _collect(forest: UnionFind, pairs: list[Pair], touched: list[int]) -> list[Cluster]:
    """Clusters from the forest; touched[k] is the index of a member of pairs[k].

    Each member of a cluster is in one of its pairs: no need to look at every example.
    """
    by_root: dict[int, list[Pair]] = {}
    for pair, i in zip(pairs, touched, strict=True):
        by_root.setdefault(forest.find(i), []).append(pair)
    clusters = []
    for group_pairs in by_root.values():
        names = sorted({member for p in group_pairs for member in (p.a, p.b)})
        kind: Kind = "exact" if all(p.kind == "exact" for p in group_pairs) else "near"
        clusters.append(Cluster(id=names[0], members=names, kind=kind, pairs=sorted(group_pairs, key=_pair_key)))
    return sorted(clusters, key=lambda c: c.id)
