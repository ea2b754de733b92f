"""Benchmark: curator's find_clusters against rensa and datasketch (MinHash + LSH) end to end.

    python bench/bench_dedup.py --n 20000                          # every contender: recall, precision, seconds
    python bench/bench_dedup.py --n 100000 --contenders curator,rensa  # the headline ratio
    python bench/bench_dedup.py --scale --n 100000                 # find_clusters alone: seconds, peak RSS

Synthetic conversations of ~300 words (Zipf-distributed vocabulary, a user turn and a reply).
A share of them get a planted near duplicate at a known Jaccard similarity: "planted" pairs
above the threshold (0.80-0.95) and "distractors" just below it (0.65-0.79). The true Jaccard
of every planted pair and of every reported pair is computed exactly on the shingle sets.
Every tool sees the same shingles: 3-word shingles of curator's canonical text.

rensa (a Rust MinHash library) runs as its documentation suggests for bulk work: each
conversation's shingles as strings, RMinHash.from_token_sets, and RMinHashLSH with the banding
that reaches 0.99 recall at the threshold (16 bands x 6 rows, as curator picks); its candidates
are then confirmed exactly by the same function curator uses (curator.dedup.confirm), so it
reports only pairs at or above the threshold, like curator. The contenders run in the order
given, each from the same generated data; CPU time is process time of that step alone.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time

import numpy as np

from curator.dedup import canonical_text, find_clusters, jaccard, lsh_params, shingle_set
from curator.dedup.confirm import pair_similarities

Item = tuple[str, list[dict[str, str]]]


def _vocabulary(size: int, rng: np.random.Generator) -> list[str]:
    syllables = ["ka", "lo", "mi", "ne", "ru", "ta", "po", "se", "vi", "da", "go", "fu", "he", "ji", "ba", "zo"]
    words: set[str] = set()
    while len(words) < size:
        words.add("".join(syllables[i] for i in rng.integers(0, len(syllables), rng.integers(1, 5))))
    return sorted(words)


def _messages(vocab: list[str], row: np.ndarray, user_words: int) -> list[dict[str, str]]:
    words = [vocab[i] for i in row.tolist()]
    return [
        {"role": "user", "content": " ".join(words[:user_words])},
        {"role": "assistant", "content": " ".join(words[user_words:])},
    ]


def _true_jaccard(a: list[dict[str, str]], b: list[dict[str, str]]) -> float:
    return jaccard(shingle_set(canonical_text(a)), shingle_set(canonical_text(b)))


def generate(
    n: int, *, seed: int, threshold: float, length: int = 300, planted: float = 0.15, distractors: float = 0.1
) -> tuple[list[Item], dict[tuple[str, str], float]]:
    """n conversations; about planted*n near-duplicate pairs above threshold and distractors*n below."""
    rng = np.random.default_rng(seed)
    vocab = _vocabulary(20000, rng)
    weights = 1.0 / np.arange(1, len(vocab) + 1) ** 1.05
    weights /= weights.sum()
    n_planted, n_distract = int(n * planted), int(n * distractors)
    n_base = n - n_planted - n_distract
    rows = rng.choice(len(vocab), size=(n_base, length), p=weights)
    items: list[Item] = [(f"c{i:07d}", _messages(vocab, rows[i], length // 5)) for i in range(n_base)]
    truth: dict[tuple[str, str], float] = {}
    shingles = length - 1  # role markers add two tokens, so about length shingles
    for j in range(n_planted + n_distract):
        low, high = (threshold, 0.95) if j < n_planted else (threshold - 0.15, threshold - 0.01)
        target = rng.uniform(low, high)
        base = int(rng.integers(0, n_base))
        # k isolated replacements change 3k shingles on each side: J = (S - 3k) / (S + 3k).
        k = max(1, round(shingles * (1 - target) / (3 * (1 + target))))
        variant = rows[base].copy()
        spots = rng.choice(length, size=k, replace=False)
        variant[spots] = rng.integers(0, len(vocab), size=k)
        ident = f"v{j:07d}"
        items.append((ident, _messages(vocab, variant, length // 5)))
        truth[(items[base][0], ident)] = _true_jaccard(items[base][1], items[-1][1])
    order = rng.permutation(len(items))
    return [items[i] for i in order], truth


Run = tuple[set[tuple[str, str]], float, float, dict[str, float]]


def run_curator(items: list[Item], threshold: float) -> Run:
    started, cpu = time.perf_counter(), time.process_time()
    result = find_clusters(items, threshold=threshold)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    pairs = {(p.a, p.b) for p in result.pairs}
    return pairs, seconds, cpu, dict(vars(result.stats))


def run_rensa(items: list[Item], threshold: float) -> Run:
    import rensa

    params = lsh_params(threshold)  # 16 bands x 6 rows at 0.8
    started, cpu = time.perf_counter(), time.process_time()
    texts = [canonical_text(messages) for _, messages in items]
    tokens = []
    for text in texts:
        words = text.split()
        tokens.append([f"{a} {b} {c}" for a, b, c in zip(words, words[1:], words[2:])] if len(words) > 2 else [" ".join(words)])
    sketches = rensa.RMinHash.from_token_sets(tokens, params.num_perm, 0)
    del tokens
    lsh = rensa.RMinHashLSH(threshold, params.num_perm, params.bands)
    lsh.insert_many(sketches)
    candidates = sorted({(min(i, j), max(i, j)) for i, found in enumerate(lsh.query_all(sketches)) for j in found if j != i})
    similarities = pair_similarities(np.array(candidates, dtype=np.int64).reshape(-1, 2), texts.__getitem__)
    pairs = {
        (min(items[i][0], items[j][0]), max(items[i][0], items[j][0]))
        for (i, j), s in zip(candidates, similarities.tolist())
        if s >= threshold
    }
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    stats = {"bands": lsh.get_num_bands(), "rows": params.num_perm // lsh.get_num_bands(), "num_perm": params.num_perm,
             "candidates": len(candidates), "confirmed": len(pairs), "version": getattr(rensa, "__version__", _version("rensa"))}
    return pairs, seconds, cpu, stats


def _version(name: str) -> str:
    from importlib.metadata import version

    return version(name)


def run_datasketch(items: list[Item], threshold: float) -> Run:
    from datasketch import MinHash, MinHashLSH

    started, cpu = time.perf_counter(), time.process_time()
    lsh = MinHashLSH(threshold=threshold, num_perm=128)
    pairs: set[tuple[str, str]] = set()
    for ident, messages in items:
        shingles = [" ".join(s).encode("utf-8") for s in shingle_set(canonical_text(messages))]
        sketch = MinHash(num_perm=128)
        sketch.update_batch(shingles)
        for other in lsh.query(sketch):
            pairs.add((min(ident, other), max(ident, other)))
        lsh.insert(ident, sketch)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    return pairs, seconds, cpu, {"bands": lsh.b, "rows": lsh.r, "num_perm": 128}


def _rate(found: set[tuple[str, str]], truth: dict[tuple[str, str], float], threshold: float) -> float:
    wanted = {tuple(sorted(p)) for p, j in truth.items() if j >= threshold}
    return len(wanted & found) / len(wanted) if wanted else 1.0


def _precision(found: set[tuple[str, str]], texts: dict[str, list[dict[str, str]]], threshold: float) -> float:
    if not found:
        return 1.0
    good = sum(_true_jaccard(texts[a], texts[b]) >= threshold for a, b in found)
    return good / len(found)


CONTENDERS = {"curator": run_curator, "rensa": run_rensa, "datasketch": run_datasketch}


def compare(n: int, seed: int, threshold: float, contenders: list[str]) -> dict[str, object]:
    items, truth = generate(n, seed=seed, threshold=threshold)
    texts = dict(items)
    above = sum(j >= threshold for j in truth.values())
    report: dict[str, object] = {
        "n": len(items),
        "threshold": threshold,
        "planted_pairs_at_or_above_threshold": above,
        "distractor_pairs_below_threshold": len(truth) - above,
    }
    for name in contenders:
        found, seconds, cpu, stats = CONTENDERS[name](items, threshold)
        report[name] = {
            "recall": _rate(found, truth, threshold),
            "precision": _precision(found, texts, threshold),
            "pairs": len(found),
            "seconds": round(seconds, 3),
            "cpu_seconds": round(cpu, 3),
            **{k: stats[k] for k in ("bands", "rows", "num_perm", "candidates", "confirmed", "version") if k in stats},
        }
    # Wall time is what a user waits for; CPU time is steadier on a shared machine.
    if "curator" in report:
        ours = report["curator"]
        for name in contenders:
            if name != "curator":
                theirs = report[name]
                report[f"curator_over_{name}"] = {
                    "wall": round(ours["seconds"] / theirs["seconds"], 3),
                    "cpu": round(ours["cpu_seconds"] / theirs["cpu_seconds"], 3),
                }
    return report


def _rss_mib() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20


def scale(n: int, seed: int, threshold: float) -> dict[str, object]:
    items, truth = generate(n, seed=seed, threshold=threshold)
    before = _rss_mib()
    ours, seconds, cpu, stats = run_curator(items, threshold)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "n": len(items),
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu, 2),
        "per_1000": round(1000 * seconds / len(items), 3),
        "recall": _rate(ours, truth, threshold),
        "rss_mib_with_data_loaded": round(before, 1),
        "peak_rss_mib": round(peak, 1),
        **{k: stats[k] for k in ("bands", "rows", "num_perm", "candidates", "confirmed", "clusters")},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threshold", type=float, default=0.8)
    parser.add_argument("--contenders", default="curator,rensa,datasketch", help="comma-separated, run in this order")
    parser.add_argument("--scale", action="store_true", help="time find_clusters alone; report peak RSS")
    args = parser.parse_args(argv)
    names = [c for c in args.contenders.split(",") if c]
    unknown = set(names) - set(CONTENDERS)
    if unknown:
        parser.error(f"unknown contender(s) {sorted(unknown)}; known: {', '.join(CONTENDERS)}")
    report = scale(args.n, args.seed, args.threshold) if args.scale else compare(args.n, args.seed, args.threshold, names)
    json.dump(report, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
