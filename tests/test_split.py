"""Held-out split: partition, determinism, groups never straddle, stratification, sizes."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from curator.errors import InvalidInputError
from curator.split import (
    SplitFeatures,
    SplitItem,
    check_contamination,
    group_indices,
    resolve_test_size,
    split,
)

SYSTEM = {"role": "system", "content": "You are a helpful assistant for the ACME store. " * 8}


def sentence(rng: random.Random, n: int) -> str:
    return " ".join(f"w{rng.randrange(100000)}" for _ in range(n))


def item(ident: str, user: str, reply: str, verdict: str = "approve", **extra: object) -> SplitItem:
    messages = [SYSTEM, {"role": "user", "content": user}, {"role": "assistant", "content": reply}]
    return SplitItem(id=ident, messages=messages, verdict=verdict, **extra)  # type: ignore[arg-type]


def corpus(n: int, *, seed: int = 0, negatives: int = 0) -> list[SplitItem]:
    rng = random.Random(seed)
    return [
        item(f"e{i:04d}", sentence(rng, 20), sentence(rng, 40), "negative" if i < negatives else "approve")
        for i in range(n)
    ]


def sides(result: object) -> dict[str, str]:
    return {**{i: "train" for i in result.train}, **{i: "test" for i in result.test}}  # type: ignore[attr-defined]


def test_fraction_and_count() -> None:
    items = corpus(40)
    by_fraction = split(items, test_size=0.25, seed=1)
    assert (len(by_fraction.train), len(by_fraction.test)) == (30, 10)
    by_count = split(items, test_size=7, seed=1)
    assert (len(by_count.train), len(by_count.test)) == (33, 7)
    assert by_count.stats.target_test == 7 and by_count.stats.warnings == []
    assert resolve_test_size(0.1, 30) == 3  # not 4: 0.1 * 30 is 3.0000000000000004 in floats
    assert resolve_test_size(0.01, 10) == 1 and resolve_test_size(0.99, 10) == 9


@pytest.mark.parametrize("bad", [0, 40, 0.0, 1.0, 1.5, -1, True, "0.1"])
def test_bad_test_size_raises(bad: object) -> None:
    with pytest.raises(InvalidInputError) as caught:
        split(corpus(40), test_size=bad, seed=0)  # type: ignore[arg-type]
    assert caught.value.field == "test_size"


def test_bad_group_by_and_duplicate_ids_raise() -> None:
    with pytest.raises(InvalidInputError, match="group_by"):
        split(corpus(4), test_size=1, seed=0, group_by="cluster")
    twice = [*corpus(3), corpus(3)[0]]
    with pytest.raises(InvalidInputError, match="appears more than once"):
        split(twice, test_size=1, seed=0)


def test_same_input_and_seed_same_result_in_any_order() -> None:
    items = corpus(60, negatives=6)
    first = split(items, test_size=0.2, seed=42)
    shuffled = list(items)
    random.Random(5).shuffle(shuffled)
    again = split(shuffled, test_size=0.2, seed=42)
    assert (first.train, first.test) == (again.train, again.test)
    assert first.train == sorted(first.train) and first.test == sorted(first.test)
    assert split(items, test_size=0.2, seed=43).test != first.test


def test_cluster_never_straddles() -> None:
    items = corpus(30)
    clustered = [
        SplitItem(id=it.id, messages=it.messages, verdict=it.verdict, cluster_id="c1" if i < 8 else None)
        for i, it in enumerate(items)
    ]
    for seed in range(10):
        result = split(clustered, test_size=0.3, seed=seed, group_by="none")
        where = sides(result)
        assert len({where[f"e{i:04d}"] for i in range(8)}) == 1
        assert result.groups == [[f"e{i:04d}" for i in range(8)]]


def test_near_duplicate_prompts_never_straddle_but_a_shared_system_prompt_does_not_group() -> None:
    rng = random.Random(3)
    prompt = sentence(rng, 30)
    tweaked = prompt.replace(prompt.split()[-1], "different")  # one word of thirty: J = 0.9
    family = [
        item("p1", prompt, sentence(rng, 40)),
        item("p2", prompt.upper(), sentence(rng, 40)),  # grouping compares case-folded
        item("p3", tweaked, sentence(rng, 40)),
    ]
    items = corpus(27, seed=9) + family
    for seed in range(10):
        result = split(items, test_size=0.3, seed=seed)
        where = sides(result)
        assert len({where["p1"], where["p2"], where["p3"]}) == 1
    assert result.groups == [["p1", "p2", "p3"]]  # every example shares SYSTEM, yet no other group
    assert result.stats.grouped_items == 3 and result.stats.largest_group == 3
    assert result.stats.pulled["prompt"] == 3 and result.stats.pulled["conversation"] == 0
    conversation = split(items, test_size=0.3, seed=0, group_by="conversation")
    # The replies differ, so the conversations are not near duplicates. Of 30 examples, an
    # n-gram held by 3 is common (the limit is 2): only the one p1 and p2 alone share links them.
    assert conversation.groups == [["p1", "p2"]]
    assert conversation.stats.pulled["shared-ngram"] == 2 and conversation.stats.pulled["prompt"] == 0
    none = split(items, test_size=0.3, seed=0, group_by="none")
    assert none.groups == [] and none.stats.groups == 30


def test_near_duplicate_conversations_group_under_conversation() -> None:
    rng = random.Random(4)
    user, reply = sentence(rng, 30), sentence(rng, 60)
    items = [*corpus(20, seed=2), item("d1", user, reply), item("d2", user, reply + " extra")]
    result = split(items, test_size=0.5, seed=0, group_by="conversation")
    assert result.groups == [["d1", "d2"]]


def test_prompt_is_the_user_side_turns_without_assistant_or_system() -> None:
    from curator.split import prompt_text

    messages = [
        SYSTEM,
        {"role": "user", "content": "A?"},
        {"role": "assistant", "content": "b"},
        {"role": "tool", "content": "C!"},
        {"role": "user", "content": "  "},
        {"role": "assistant", "content": "d"},
    ]
    assert prompt_text(messages) == "a\nc"


@pytest.mark.parametrize("seed", range(8))
def test_negatives_land_on_both_sides(seed: int) -> None:
    items = corpus(100, seed=seed, negatives=2)
    result = split(items, test_size=0.05, seed=seed)
    assert result.stats.strata["negative"] == {"train": 1, "test": 1}
    assert len(result.test) == 5


def test_stratified_shares_follow_the_verdicts() -> None:
    items = corpus(100, negatives=20)
    result = split(items, test_size=0.2, seed=7)
    assert result.stats.strata == {"approve": {"train": 64, "test": 16}, "negative": {"train": 16, "test": 4}}


def test_stratify_by_metadata_field() -> None:
    rng = random.Random(1)
    items = [
        item(f"m{i:03d}", sentence(rng, 20), sentence(rng, 30), metadata={"source": "web" if i % 4 else "docs"})
        for i in range(80)
    ]
    result = split(items, test_size=0.25, seed=3, stratify_field="source")
    assert result.stats.strata == {
        "approve|docs": {"train": 15, "test": 5},
        "approve|web": {"train": 45, "test": 15},
    }


def test_warns_when_all_negatives_share_one_group() -> None:
    items = [
        SplitItem(id=it.id, messages=it.messages, verdict=it.verdict, cluster_id="neg" if it.verdict == "negative" else None)
        for it in corpus(30, negatives=3)
    ]
    result = split(items, test_size=0.2, seed=0, group_by="none")
    assert result.stats.warnings == [
        "all 3 negative examples are in one group of near duplicates, so they are all on one side"
    ]


def test_warns_when_one_group_holds_most_examples() -> None:
    items = [
        SplitItem(id=it.id, messages=it.messages, verdict=it.verdict, cluster_id="big" if i < 20 else None)
        for i, it in enumerate(corpus(30))
    ]
    result = split(items, test_size=0.2, seed=0, group_by="none")
    assert result.stats.largest_group == 20
    assert result.stats.warnings == [
        "one group holds 20 of 30 examples (they share prompts or text) and stays on one side; "
        "the test split comes from the other 10, which may not represent the whole set"
    ]
    assert not set(result.test) & {it.id for it in items[:20]}


@settings(max_examples=30, deadline=None)
@given(
    n=st.integers(min_value=2, max_value=40),
    fraction=st.floats(min_value=0.05, max_value=0.95),
    seed=st.integers(min_value=0, max_value=2**32),
    clusters=st.lists(st.sampled_from([None, "a", "b", "c"]), min_size=40, max_size=40),
    negatives=st.integers(min_value=0, max_value=40),
)
def test_split_is_a_deterministic_partition(
    n: int, fraction: float, seed: int, clusters: list[str | None], negatives: int
) -> None:
    base = corpus(n, seed=1, negatives=negatives)
    items = [
        SplitItem(id=it.id, messages=it.messages, verdict=it.verdict, cluster_id=clusters[i])
        for i, it in enumerate(base)
    ]
    result = split(items, test_size=fraction, seed=seed, group_by="none")
    assert sorted(result.train + result.test) == sorted(it.id for it in items)
    assert not set(result.train) & set(result.test)
    where = sides(result)
    for name in "abc":
        assert len({where[it.id] for it in items if it.cluster_id == name}) <= 1
    again = split(list(reversed(items)), test_size=fraction, seed=seed, group_by="none")
    assert (again.train, again.test) == (result.train, result.test)


def test_long_shared_system_prompt_with_short_turns_does_not_group() -> None:
    rng = random.Random(8)
    system = {"role": "system", "content": sentence(rng, 300)}
    items = [
        SplitItem(id=f"s{i}", messages=[system, {"role": "user", "content": sentence(rng, 5)},
                                        {"role": "assistant", "content": sentence(rng, 5)}], verdict="approve")
        for i in range(10)
    ]
    for group_by in ("prompt", "conversation"):
        result = split(items, test_size=0.3, seed=0, group_by=group_by)
        assert result.groups == [] and len(result.test) == 3


# --- SplitFeatures: hashing once gives exactly what grouping, linking and the check compute ----

FEATURE_SYSTEM = {"role": "system", "content": "You are the ACME assistant. Be brief and kind to customers."}


def words(rng: random.Random, n: int) -> str:
    return " ".join(f"w{rng.randrange(3000)}" for _ in range(n))


def messy_corpus(seed: int = 0) -> list[tuple[str, list[dict]]]:
    """Near-duplicate conversations and prompts, copied passages, exact twins, odd shapes."""
    rng = random.Random(seed)
    items: list[tuple[str, list[dict]]] = []
    passages = [words(rng, 30) for _ in range(6)]
    turns: list[tuple[str, str]] = []
    for i in range(160):
        user, reply = words(rng, rng.randint(3, 25)), words(rng, rng.randint(5, 60))
        if i % 9 == 0 and turns:  # near-duplicate conversation: one word of the reply changed
            user, base = turns[rng.randrange(len(turns))]
            tokens = base.split()
            tokens[rng.randrange(len(tokens))] = "changed"
            reply = " ".join(tokens)
        elif i % 7 == 0:  # a copied passage inside a different conversation
            reply = f"{reply} {rng.choice(passages)}"
        elif i % 11 == 0 and turns:  # same prompt, different reply
            user = turns[-1][0]
        turns.append((user, reply))
        messages = [FEATURE_SYSTEM, {"role": "user", "content": user.upper() if i % 5 == 0 else user},
                    {"role": "assistant", "content": reply}]
        if i % 13 == 0:
            messages = [{"role": "user", "content": "   "}, {"role": "assistant", "content": reply}]  # no prompt text
        if i % 17 == 0:
            messages.append({"role": "assistant", "content": None, "tool_calls": [
                {"id": "c1", "type": "function", "function": {"name": "lookup", "arguments": "{\"q\": 1}"}}]})
        if i % 19 == 0:
            messages[-1] = {"role": "assistant", "content": "東京の天気は晴れです。明日も晴れるでしょう。" * 3}
        items.append((f"ex{i:04d}", messages))
    items.append(("twin", [dict(m) for m in items[3][1]]))
    return items


@pytest.mark.parametrize("group_by", ["prompt", "conversation", "none"])
def test_grouping_with_features_is_grouping_without(group_by: str) -> None:
    items = messy_corpus()
    ids = sorted(i for i, _ in items)
    by_id = dict(items)
    features = SplitFeatures(list(reversed(items)), seed=5, threshold=0.7)
    plain = group_indices(ids, [by_id[i] for i in ids], [None] * len(ids), group_by=group_by, threshold=0.7, seed=5)
    shared = group_indices(ids, [by_id[i] for i in ids], [None] * len(ids), group_by=group_by, threshold=0.7, seed=5, features=features)
    assert shared == plain
    assert group_by == "none" or any(len(g) > 1 for g in plain.groups)  # the corpus does group


def test_features_that_do_not_fit_are_not_used() -> None:
    items = messy_corpus()
    ids = sorted(i for i, _ in items)
    by_id = dict(items)
    other_seed = SplitFeatures(items, seed=1, threshold=0.7)
    fewer = SplitFeatures(items[:-40], seed=5, threshold=0.7)
    plain = group_indices(ids, [by_id[i] for i in ids], [None] * len(ids), threshold=0.7, seed=5)
    for features in (other_seed, fewer):
        assert group_indices(ids, [by_id[i] for i in ids], [None] * len(ids), threshold=0.7, seed=5, features=features) == plain


def test_every_grouping_rule_is_counted() -> None:
    items = messy_corpus()
    ids = sorted(i for i, _ in items)
    by_id = dict(items)
    grouping = group_indices(ids, [by_id[i] for i in ids], [None] * len(ids), threshold=0.7, seed=5)
    pulled = grouping.pulled
    # Copied passages (shared n-grams), reworded replies (near-duplicate conversations), the
    # same question answered twice (prompt) and the exact twin.
    assert pulled["shared-ngram"] >= 6 and pulled["conversation"] >= 2 and pulled["prompt"] >= 2
    assert pulled["first-turn"] >= pulled["prompt"] - 2
    assert grouping.first_turn_limit == 20 and grouping.common_first_turns == 0
    grouped = {i for g in grouping.groups if len(g) > 1 for i in g}
    assert max(pulled.values()) <= len(grouped)


@pytest.mark.parametrize("common_fraction", [0.01, 0.05, 1.0])
@pytest.mark.parametrize("min_overlap", [0.0, 0.2])
def test_contamination_with_features_is_contamination_without(common_fraction: float, min_overlap: float) -> None:
    items = messy_corpus()
    rng = random.Random(3)
    shuffled = items[:]
    rng.shuffle(shuffled)
    train, test = shuffled[:120], shuffled[120:]
    for extra in ([], [("outsider", [{"role": "user", "content": "only in the features " * 5}])]):
        features = SplitFeatures(items + extra, seed=2, threshold=0.7, ngram=8)
        assert check_contamination(train, test, features=features, seed=2, threshold=0.7, ngram=8).pairs
        kwargs = {"seed": 2, "threshold": 0.7, "ngram": 8, "common_fraction": common_fraction, "min_overlap": min_overlap}
        plain = check_contamination(train, test, **kwargs)
        shared = check_contamination(train, test, features=features, **kwargs)
        assert shared.pairs == plain.pairs
        assert (shared.stats.common_ngrams, shared.stats.short_test, shared.stats.minhash_candidates) == (
            plain.stats.common_ngrams, plain.stats.short_test, plain.stats.minhash_candidates)
    assert {p.kind for p in plain.pairs} >= {"ngram", "coverage", "minhash", "prompt-exact", "prompt-minhash"}


def test_split_with_features_is_split_without() -> None:
    items = messy_corpus()
    split_items = [SplitItem(id=i, messages=m, verdict="negative" if n % 6 == 0 else "approve") for n, (i, m) in enumerate(items)]
    features = SplitFeatures(items, seed=9, threshold=0.8)
    plain = split(split_items, test_size=0.2, seed=9)
    shared = split(split_items, test_size=0.2, seed=9, features=features)
    assert (shared.train, shared.test, shared.groups, shared.stats) == (plain.train, plain.test, plain.groups, plain.stats)


def test_one_pass_texts_equal_the_general_functions() -> None:
    from curator.split.text import (
        conversation_text,
        example_texts,
        ngram_text,
        prompt_text,
    )

    odd = [
        [{"role": "user", "content": "Hi,  THERE!!  (ok?)\n\tnext-line"}, {"role": "assistant", "content": "a--b ... c"}],
        [{"role": "assistant", "content": "reply first"}, {"role": "user", "content": "then a question?"}],
        [{"role": "user", "content": ""}, {"role": "assistant", "content": "x"}, {"role": "user", "content": "late"}],
        [{"role": "developer", "content": None}, {"role": "tool", "content": "42"}, {"role": "assistant", "content": "y"}],
        [{"role": "user", "content": "Ünïcode ＦＵＬＬ width"}, {"role": "assistant", "content": "ok"}],
        [{"role": "user", "content": [{"type": "text", "text": "parts"}]}, {"role": "assistant", "content": "ok"}],
        [{"role": "user", "content": "..."}, {"role": "function", "content": "f(x)!"}, {"role": "assistant", "content": "ok"}],
        [{"role": "system", "content": "only system"}],
        [],
    ]
    for messages in [m for _, m in messy_corpus(1)] + odd:
        assert example_texts(messages) == (conversation_text(messages), prompt_text(messages), ngram_text(messages))


def test_one_pass_texts_equal_the_general_functions_on_every_ascii_character() -> None:
    from curator.split.text import example_texts, ngram_text, prompt_text

    rng = random.Random(4)
    alphabet = [chr(c) for c in range(128)]
    for _ in range(300):
        user = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 60)))
        reply = "".join(rng.choice(alphabet + [" "] * 20) for _ in range(rng.randint(0, 60)))
        messages = [{"role": "user", "content": user}, {"role": "assistant", "content": reply}]
        assert example_texts(messages)[1:] == (prompt_text(messages), ngram_text(messages))
