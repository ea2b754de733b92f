"""Contamination check: planted leaks are found, shared boilerplate is not a leak."""

from __future__ import annotations

import random

import pytest

from curator.errors import InvalidInputError
from curator.split import Contamination, check_contamination
from curator.split.contamination import ngram_text

SYSTEM = {"role": "system", "content": " ".join(f"rule{i}" for i in range(60))}


def sentence(rng: random.Random, n: int) -> str:
    return " ".join(f"w{rng.randrange(10**6)}" for _ in range(n))


def conversation(user: str, reply: str, *, system: bool = True) -> list[dict]:
    head = [SYSTEM] if system else []
    return [*head, {"role": "user", "content": user}, {"role": "assistant", "content": reply}]


def sides(n_train: int, n_test: int, seed: int = 0) -> tuple[list, list]:
    rng = random.Random(seed)
    train = [(f"tr{i:03d}", conversation(sentence(rng, 25), sentence(rng, 50))) for i in range(n_train)]
    test = [(f"te{i:03d}", conversation(sentence(rng, 25), sentence(rng, 50))) for i in range(n_test)]
    return train, test


def test_clean_sides_report_nothing_despite_a_shared_system_prompt() -> None:
    train, test = sides(150, 30)
    report = check_contamination(train, test)
    assert report.clean and report.pairs == [] and report.contaminated == []
    # With the system prompt included, its n-grams are in every example: common, so ignored.
    included = check_contamination(train, test, include_system=True)
    assert included.clean
    assert included.stats.common_ngrams == 60 - 13 + 1
    assert included.stats.common_limit == 2  # max(2, 1% of 180)


def test_planted_leak_is_found_through_case_and_punctuation() -> None:
    train, test = sides(150, 30, seed=1)
    source = train[17][1][2]["content"]  # a training reply, 50 words
    leaked = source.split()[10:30]  # 20 of its words: 8 of its 13-grams
    test.append(("leak", conversation("Please repeat: " + ", ".join(leaked).upper() + "!", "sure")))
    report = check_contamination(train, test)
    # 23 words ("please repeat", 20 leaked, "sure"): 11 13-grams, 8 of them inside the leak.
    assert report.pairs == [Contamination("leak", "tr017", "ngram", 8 / 11, 8)]
    assert report.contaminated == ["leak"]


def test_copied_conversation_is_found_by_both_signals() -> None:
    train, test = sides(100, 20, seed=2)
    test.append(("copy", train[3][1]))
    report = check_contamination(train, test)
    kinds = {(p.test_id, p.train_id, p.kind): p.score for p in report.pairs}
    assert kinds == {("copy", "tr003", "minhash"): 1.0, ("copy", "tr003", "ngram"): 1.0}
    assert report.stats.minhash_candidates >= 1


def test_near_duplicate_found_by_minhash_at_the_threshold() -> None:
    rng = random.Random(6)
    user, reply = sentence(rng, 30), sentence(rng, 90).split()
    edited = list(reply)
    for j in range(3):
        edited[10 + 20 * j] = f"edit{j}"  # each changes 3 of ~120 shingles: J ~ 0.86
    train, test = sides(60, 10, seed=6)
    train.append(("orig", conversation(user, " ".join(reply))))
    test.append(("near", conversation(user, " ".join(edited))))
    report = check_contamination(train, test, min_overlap=1.1)  # n-gram pairs switched off
    assert [(p.test_id, p.train_id, p.kind) for p in report.pairs] == [("near", "orig", "minhash")]
    assert 0.8 <= report.pairs[0].score < 1.0


def test_common_fraction_drops_boilerplate_shared_by_many() -> None:
    rng = random.Random(7)
    refusal = "i am sorry but i cannot help with that request because it goes against my guidelines today"
    train = [(f"tr{i}", conversation(sentence(rng, 20), refusal, system=False)) for i in range(100)]
    test = [("te", conversation(sentence(rng, 20), refusal, system=False))]
    assert check_contamination(train, test, common_fraction=0.05, threshold=0.99).clean
    strict = check_contamination(train, test, common_fraction=1.0, threshold=0.99)
    assert len(strict.pairs) == 100 and {p.kind for p in strict.pairs} == {"ngram"}


def test_short_examples_and_normalised_text() -> None:
    assert ngram_text(conversation("Hello, World!", "Fine.")) == "hello world fine"
    train, test = sides(10, 0)
    report = check_contamination(train, [("short", conversation("hi", "hello", system=False))])
    assert report.stats.short_test == 1 and report.clean
    assert check_contamination([], test).clean


def test_bad_arguments_raise() -> None:
    train, test = sides(5, 5)
    with pytest.raises(InvalidInputError):
        check_contamination(train, test, common_fraction=0.0)
    with pytest.raises(InvalidInputError):
        check_contamination(train, [("only-id",)])  # type: ignore[list-item]
