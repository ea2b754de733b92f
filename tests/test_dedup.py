"""Exact and near-duplicate detection: canonical text, hashing, LSH banding, clusters."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from curator.dedup import (
    Member,
    UnionFind,
    candidate_probability,
    canonical_text,
    choose_representative,
    exact_key,
    find_clusters,
    jaccard,
    lsh_params,
    shingle_set,
)
from curator.dedup.canonical import uses_char_shingles
from curator.dedup.hashing import shingle_hashes
from curator.dedup.minhash import _false_area
from curator.errors import InvalidInputError
from curator.models import Message


def chat(user: str, reply: str = "ok") -> list[dict]:
    return [{"role": "user", "content": user}, {"role": "assistant", "content": reply}]


def words(rng: random.Random, n: int, prefix: str = "w") -> list[str]:
    """n distinct words, so every 3-word shingle of a text made of them is distinct."""
    return [f"{prefix}{i}x{rng.randrange(10**9)}" for i in range(n)]


def replaced(base: list[str], k: int, tag: str) -> list[str]:
    """base with k words replaced, 4 apart (each replacement changes 3 shingles of its own)."""
    out = list(base)
    for j in range(k):
        out[3 + 4 * j] = f"{tag}{j}"
    return out


def single(text_words: list[str]) -> list[dict]:
    return [{"role": "user", "content": " ".join(text_words)}]


# --- canonical text and exact key ------------------------------------------------------


def test_canonical_text_is_role_and_normalised_text_per_line() -> None:
    messages = [
        {"role": "system", "content": "Be  brief.\n"},
        {"role": "user", "content": [{"type": "text", "text": "Hi\tthere"}]},
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{\"x\": 1}"}}
        ]},
    ]
    assert canonical_text(messages) == (
        'system: Be brief.\nuser: Hi there\nassistant:\nassistant.tool_call: f {"x": 1}'
    )


@pytest.mark.parametrize(
    ("variant", "casefold"),
    [
        ("Ｔｈｅ ﬁle is ready", False),  # NFKC: full-width letters and the fi ligature
        ("The\u200b fi\u200dle\ufeff is\u2060 ready\u200c", False),  # zero-width characters
        ("  The   file\n\tis\u00a0ready  ", False),  # whitespace of every kind collapses
        ("THE FILE IS READY", True),  # case folding, only when asked
    ],
)
def test_exact_key_invariances(variant: str, casefold: bool) -> None:
    assert exact_key(chat(variant), casefold=casefold) == exact_key(chat("The file is ready"), casefold=casefold)


def test_case_matters_without_casefold() -> None:
    assert exact_key(chat("THE FILE IS READY")) != exact_key(chat("The file is ready"))


def test_exact_key_separates_roles_tool_calls_and_attachments() -> None:
    base = exact_key(chat("hello", "hi"))
    assert exact_key([{"role": "assistant", "content": "hello"}, {"role": "user", "content": "hi"}]) != base
    call = {"id": "1", "type": "function", "function": {"name": "lookup", "arguments": "{\"q\": 1}"}}
    other = {"id": "1", "type": "function", "function": {"name": "lookup", "arguments": "{\"q\": 2}"}}
    assert exact_key([{"role": "assistant", "content": None, "tool_calls": [call]}]) != exact_key(
        [{"role": "assistant", "content": None, "tool_calls": [other]}]
    )
    image_a = [{"type": "text", "text": "what is this"}, {"type": "image_url", "image_url": {"url": "a.png"}}]
    image_b = [{"type": "text", "text": "what is this"}, {"type": "image_url", "image_url": {"url": "b.png"}}]
    assert exact_key([{"role": "user", "content": image_a}]) != exact_key([{"role": "user", "content": image_b}])
    # Parts that are all text read like the joined string.
    parts = [{"type": "text", "text": "hello"}, {"type": "text", "text": "world"}]
    assert exact_key([{"role": "user", "content": parts}]) == exact_key([{"role": "user", "content": "hello world"}])


def test_pydantic_messages_and_dicts_agree() -> None:
    assert canonical_text([Message(role="user", content="hi  there")]) == "user: hi there"


@pytest.mark.parametrize(
    ("messages", "field"),
    [("not a list", "messages"), ([{"content": "x"}], "role"), ([{"role": "user", "content": 3}], "content"), ([7], "messages")],
)
def test_bad_messages_raise_invalid_input(messages: object, field: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        canonical_text(messages)  # type: ignore[arg-type]
    assert caught.value.field == field


@given(st.text(max_size=40), st.lists(st.sampled_from(["\u200b", " ", "\n", "\ufeff", "\t"]), max_size=5))
def test_exact_key_ignores_inserted_invisible_characters(text: str, junk: list[str]) -> None:
    noisy = "".join(junk) + text + "".join(junk)
    assert exact_key(chat(noisy)) == exact_key(chat(text))


# --- shingles and their vectorised hashes ---------------------------------------------


def test_shingles_words_chars_and_short_texts() -> None:
    assert shingle_set("a b c d") == {("a", "b", "c"), ("b", "c", "d")}
    assert shingle_set("a b") == {("a", "b")}
    assert shingle_set("") == set()
    cjk = "我们今天去公园散步吧"
    assert uses_char_shingles(cjk) and not uses_char_shingles("plain English words here")
    assert shingle_set(cjk) == {cjk[i : i + 5] for i in range(len(cjk) - 4)}
    assert jaccard({1, 2, 3}, {2, 3, 4}) == 0.5
    assert jaccard(set(), set()) == 1.0


def test_vectorised_hashes_match_exact_shingle_sets() -> None:
    rng = random.Random(3)
    texts = [
        "user: " + " ".join(rng.choice(["a", "b", "c", "dd", "eee"]) for _ in range(rng.randrange(0, 40)))
        for _ in range(60)
    ] + ["", "user:", "one", "user: 我们今天去公园散步吧", "user: 好", "x" * 40]
    modes = [uses_char_shingles(t) for t in texts]
    hashes, docs = shingle_hashes(texts, modes)
    assert np.all(np.diff(docs) >= 0)
    for i, text in enumerate(texts):
        assert len(set(hashes[docs == i].tolist())) == len(shingle_set(text)), text


def test_hashes_are_stable_across_calls_and_batches() -> None:
    texts = ["user: the quick brown fox", "user: jumps over the lazy dog"]
    together, docs = shingle_hashes(texts, [False, False])
    alone, _ = shingle_hashes(texts[1:], [False])
    assert together[docs == 1].tolist() == alone.tolist()
    assert together[docs == 0].tolist() == shingle_hashes(texts[:1], [False])[0].tolist()


# --- LSH banding ------------------------------------------------------------------------


@pytest.mark.parametrize("threshold", [0.5, 0.7, 0.8, 0.85, 0.9, 0.95])
def test_banding_finds_threshold_pairs_with_99_percent(threshold: float) -> None:
    params = lsh_params(threshold, num_perm=128)
    assert params.bands * params.rows <= 128
    assert candidate_probability(threshold, params.bands, params.rows) >= 0.99
    # No other feasible banding within 128 permutations has fewer expected false candidates.
    best = _false_area(threshold, params.bands, params.rows)
    for rows in range(1, 129):
        for bands in range(1, 128 // rows + 1):
            if candidate_probability(threshold, bands, rows) >= 0.99:
                assert _false_area(threshold, bands, rows) >= best - 1e-12


def test_banding_at_08_and_raising_num_perm() -> None:
    params = lsh_params(0.8)
    assert (params.bands, params.rows, params.num_perm) == (16, 6, 96)
    small = lsh_params(0.5, num_perm=4)  # infeasible with 4 permutations: raised until it fits
    assert small.num_perm > 4 and small.probability(0.5) >= 0.99


def test_bad_threshold_raises() -> None:
    with pytest.raises(InvalidInputError):
        lsh_params(0.0)
    with pytest.raises(InvalidInputError):
        find_clusters([], threshold=1.5)


def test_empirical_recall_at_the_threshold() -> None:
    rng = random.Random(11)
    items = []
    n_pairs = 120
    for p in range(n_pairs):
        base = words(rng, 200, prefix=f"p{p}w")
        # 199 shingles; k=11 isolated replacements: J = (199 - 33) / (199 + 33) = 0.7155...
        # k=8: J = (199 - 24) / (199 + 24) = 0.7848; k=7: (199-21)/(199+21) = 0.809.
        items.append((f"a{p:03d}", single(base)))
        items.append((f"b{p:03d}", single(replaced(base, 7, f"r{p}_"))))
    result = find_clusters(items, threshold=0.8)
    found = {(p.a, p.b) for p in result.pairs}
    hits = sum((f"a{p:03d}", f"b{p:03d}") in found for p in range(n_pairs))
    # P(candidate) at J=0.809 is 0.995 for 16 bands of 6 rows: expect ~0.6 misses in 120.
    assert hits >= n_pairs - 3
    assert all(abs(p.similarity - 178 / 220) < 1e-12 for p in result.pairs)


# --- find_clusters ------------------------------------------------------------------------


def _planted(seed: int = 5) -> tuple[list[tuple[str, list[dict]]], dict[tuple[str, str], float]]:
    rng = random.Random(seed)
    items: list[tuple[str, list[dict]]] = []
    truth: dict[tuple[str, str], float] = {}
    for p in range(30):
        base = words(rng, 120, prefix=f"q{p}w")
        k = p % 6  # 0..5 replacements: J = (119 - 3k) / (119 + 3k) from 1.0 down to 0.776
        items.append((f"base{p:02d}", single(base)))
        items.append((f"copy{p:02d}", single(replaced(base, k, f"z{p}_"))))
        truth[(f"base{p:02d}", f"copy{p:02d}")] = (119 - 3 * k) / (119 + 3 * k)
    return items, truth


def test_known_jaccard_pairs_and_precision() -> None:
    items, truth = _planted()
    shingles = {ident: shingle_set(canonical_text(m)) for ident, m in items}
    for (a, b), expected in truth.items():
        assert jaccard(shingles[a], shingles[b]) == pytest.approx(expected)
    result = find_clusters(items, threshold=0.8)
    reported = {(p.a, p.b): p.similarity for p in result.pairs}
    expected_pairs = {pair: j for pair, j in truth.items() if j >= 0.8}
    assert set(reported) == set(expected_pairs)  # recall 1.0 here, precision 1.0 by construction
    for pair, similarity in reported.items():
        assert similarity == pytest.approx(expected_pairs[pair])
    exact = {(p.a, p.b) for p in result.pairs if p.kind == "exact"}
    assert exact == {(f"base{p:02d}", f"copy{p:02d}") for p in range(0, 30, 6)}  # k=0: identical
    assert result.stats.exact_duplicates == 5
    assert result.stats.confirmed == len(expected_pairs) - 5
    assert (result.stats.bands, result.stats.rows, result.stats.num_perm) == (16, 6, 96)


def test_exact_duplicates_form_exact_clusters() -> None:
    items = [
        ("b", chat("Hello   world")),
        ("a", chat("Hello world")),
        ("c", chat("hello\u200b world")),
        ("d", chat("something else entirely, quite unlike the rest")),
    ]
    result = find_clusters(items)
    assert len(result.clusters) == 1
    cluster = result.clusters[0]
    assert (cluster.id, cluster.members, cluster.kind) == ("a", ["a", "b"], "exact")
    assert [(p.a, p.b, p.similarity, p.kind) for p in result.pairs] == [("a", "b", 1.0, "exact")]
    folded = find_clusters(items, casefold=True)
    assert folded.clusters[0].members == ["a", "b", "c"]
    assert folded.cluster_of == {"a": "a", "b": "a", "c": "a"}


def test_union_find_is_transitive_across_a_chain() -> None:
    rng = random.Random(8)
    base = words(rng, 200)
    # a -> b: 6 replacements at the front; b -> c: 6 more elsewhere. J(a,b) = J(b,c) = 181/217
    # = 0.834, J(a,c) = 163/235 = 0.694 < 0.8, yet all three are one near cluster.
    b = replaced(base, 6, "x")
    c = list(b)
    for j in range(6):
        c[100 + 4 * j] = f"y{j}"
    items = [("a", single(base)), ("b", single(b)), ("c", single(c)), ("exact-a", single(base))]
    result = find_clusters(items, threshold=0.8)
    assert len(result.clusters) == 1
    cluster = result.clusters[0]
    assert cluster.members == ["a", "b", "c", "exact-a"] and cluster.kind == "near"
    near = {(p.a, p.b) for p in cluster.pairs if p.kind == "near"}
    assert near == {("a", "b"), ("b", "c")}
    assert cluster.max_similarity == 1.0 and cluster.min_similarity == pytest.approx(181 / 217)
    forest = UnionFind(4)
    forest.union(0, 1)
    forest.union(2, 1)
    assert forest.find(0) == forest.find(2) != forest.find(3)


def test_result_is_independent_of_input_order_and_iterables_work() -> None:
    items, _ = _planted(seed=9)
    first = find_clusters(items)
    shuffled = list(items)
    random.Random(1).shuffle(shuffled)
    second = find_clusters(iter(shuffled))
    assert first.clusters == second.clusters and first.pairs == second.pairs


def test_duplicate_ids_and_bad_items_raise() -> None:
    with pytest.raises(InvalidInputError, match="'x' appears more than once"):
        find_clusters([("x", chat("a")), ("x", chat("b"))])
    with pytest.raises(InvalidInputError):
        find_clusters([("only-an-id",)])  # type: ignore[list-item]
    assert find_clusters([]).clusters == []


def test_empty_conversations_are_exact_duplicates_only() -> None:
    items = [("a", [{"role": "user", "content": ""}]), ("b", [{"role": "user", "content": None}])]
    result = find_clusters(items)
    assert [c.kind for c in result.clusters] == ["exact"] and result.stats.candidates == 0


@settings(max_examples=25, deadline=None)
@given(st.permutations(list(range(8))), st.integers(min_value=0, max_value=3))
def test_permutation_and_seed_do_not_change_clear_results(order: list[int], seed: int) -> None:
    rng = random.Random(4)
    base = [words(rng, 60, prefix=f"g{g}") for g in range(4)]
    items = [(f"i{g}a", single(base[g])) for g in range(4)] + [
        (f"i{g}b", single(replaced(base[g], 1, "r"))) for g in range(4)
    ]
    result = find_clusters([items[i] for i in order], seed=seed)
    assert [c.members for c in result.clusters] == [[f"i{g}a", f"i{g}b"] for g in range(4)]


# --- representative ---------------------------------------------------------------------


def test_choose_representative_preference_order() -> None:
    t0 = datetime(2024, 5, 1, tzinfo=UTC)
    newer = t0 + timedelta(days=1)
    assert choose_representative([
        Member("a", "negative", corrected=True, decided_at=newer),
        Member("z", "approve", decided_at=t0),
    ]) == "z"
    assert choose_representative([
        Member("a", "negative", decided_at=newer),
        Member("z", "negative", corrected=True, decided_at=t0),
    ]) == "z"
    assert choose_representative([
        Member("a", "approve", decided_at=t0),
        Member("z", "approve", decided_at=newer.replace(tzinfo=None)),  # naive counts as UTC
        Member("m", "approve"),
    ]) == "z"
    assert choose_representative([Member("b", "pending"), Member("a", "pending")]) == "a"
    with pytest.raises(InvalidInputError):
        choose_representative([])


def test_exclude_roles_keeps_a_shared_system_prompt_from_making_duplicates() -> None:
    rng = random.Random(12)
    system = {"role": "system", "content": " ".join(words(rng, 300, prefix="s"))}
    items = [
        ("a", [system, *chat("what is the capital of france", "paris")]),
        ("b", [system, *chat("how tall is mount everest today", "8849 metres")]),
    ]
    assert [c.members for c in find_clusters(items).clusters] == [["a", "b"]]
    assert find_clusters(items, exclude_roles=("system",)).clusters == []


def test_exact_codes_agree_with_shingle_sets() -> None:
    from curator.dedup.exact import ExactShingles

    rng = random.Random(13)
    texts = [
        "user: " + " ".join(rng.choice(["a", "b", "c", "dd", "e"]) for _ in range(rng.randrange(0, 30)))
        for _ in range(40)
    ] + ["", "one", "one two", "one two three", "user: 我们今天去公园散步吧", "user: 我们今天去公园"]
    exact = ExactShingles(texts.__getitem__, cache=5)  # a small cache: recomputation must agree
    for i in range(len(texts)):
        for j in range(len(texts)):
            expected = jaccard(shingle_set(texts[i]), shingle_set(texts[j]))
            assert exact.similarity(i, j) == pytest.approx(expected), (texts[i], texts[j])
