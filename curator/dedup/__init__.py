"""Exact and near-duplicate detection of conversations (pure logic: no database, no UI)."""

from curator.dedup.canonical import (
    canonical_text,
    exact_key,
    jaccard,
    normalize_text,
    shingle_set,
)
from curator.dedup.clusters import (
    Cluster,
    DedupResult,
    DedupStats,
    Pair,
    UnionFind,
    find_clusters,
)
from curator.dedup.minhash import LshParams, candidate_probability, lsh_params
from curator.dedup.representative import Member, choose_representative

__all__ = [
    "Cluster",
    "DedupResult",
    "DedupStats",
    "LshParams",
    "Member",
    "Pair",
    "UnionFind",
    "candidate_probability",
    "canonical_text",
    "choose_representative",
    "exact_key",
    "find_clusters",
    "jaccard",
    "lsh_params",
    "normalize_text",
    "shingle_set",
]
