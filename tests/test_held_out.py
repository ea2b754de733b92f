"""Issue 12's "done when": on identity-style chat data, the test split shares no user turns and
no near-duplicate text with training, and the manifest says how the split was grouped."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from conftest import make_user
from curator.models import Verdict
from curator.services.export import export
from curator.store import Store
from export_builders import add, decide, read_tree
from identity_data import (
    identity_conversations,
    other_conversations,
    similar_pairs_within,
    straddling,
)


def lines(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture
def identity_store(sqlite_store: Store) -> Store:
    ana = make_user(sqlite_store, "ana")
    for line, messages in enumerate(identity_conversations() + other_conversations(), start=1):
        decide(sqlite_store, ana, add(sqlite_store, messages, line=line), Verdict.APPROVE)
    return sqlite_store


def test_the_data_has_the_pattern() -> None:
    conversations = identity_conversations() + other_conversations()
    assert similar_pairs_within(conversations) > 200  # many pairs >= 0.6 word-5-gram Jaccard
    identity = identity_conversations()
    assert len(identity) == 120 and len({tuple(m["content"] for m in c if m["role"] == "user") for c in identity}) == 40


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_identity_questions_never_straddle_the_split(identity_store: Store, tmp_path: Path, seed: int) -> None:
    out = tmp_path / "out"
    m = export(identity_store, out, test_size=0.2, seed=seed)
    train = [r["messages"] for r in lines(out / "openai" / "train.jsonl")]
    test = [r["messages"] for r in lines(out / "openai" / "test.jsonl")]
    exported = m["counts"]["exported"]  # dedup keeps one of each near-duplicate conversation
    assert len(train) + len(test) == exported > 150 and len(test) >= 30
    assert straddling(train, test) == {"same_user_turns": 0, "same_first_turn": 0, "similar_pairs": 0}
    assert m["contamination"]["pairs"] == 0 and m["contamination"]["rounds"] == 1
    split = m["split"]
    identity = exported - 60  # the 60 other conversations are all different
    assert split["largest_group"] == identity and split["groups"] == 61  # the identity chats are one group
    assert split["pulled_together"]["prompt"] == split["pulled_together"]["first-turn"] == identity
    assert split["first_turn"] == {"limit": 20, "common": 0, "common_examples": 0}
    assert split["test"] == len(test) and split["test_fraction"] == round(len(test) / exported, 6)
    assert split["target_fraction"] == 0.2 and split["target_test"] == math.ceil(0.2 * exported)


def test_the_old_grouping_would_have_leaked(identity_store: Store, tmp_path: Path) -> None:
    # group_by "none": nothing keeps them together, and the check names the leaks it finds.
    m = export(identity_store, tmp_path / "out", test_size=0.2, seed=0, group_by="none", allow_contamination=True)
    by_signal = m["contamination"]["by_signal"]
    assert by_signal["prompt-exact"] > 0 and by_signal["coverage"] > 0
    listed = {(p["test"], p["train"]) for p in m["contamination"]["list"] if p["kind"] == "prompt-exact"}
    assert len(listed) == by_signal["prompt-exact"]


def test_same_database_arguments_and_seed_give_the_same_bytes(identity_store: Store, tmp_path: Path) -> None:
    formats = ["openai", "sharegpt", "trl-sft"]
    export(identity_store, tmp_path / "a", formats=formats, seed=4)
    export(identity_store, tmp_path / "b", formats=formats, seed=4)
    assert read_tree(tmp_path / "a") == read_tree(tmp_path / "b")


def test_a_very_common_first_turn_groups_nothing(sqlite_store: Store, tmp_path: Path) -> None:
    from export_builders import words

    ana = make_user(sqlite_store, "ana")
    for i in range(25):  # 25 chats open with "hello": over the limit of max(20, 1%)
        messages = [{"role": "user", "content": "Hello!"}, {"role": "assistant", "content": f"Hi {i}, how can I help?"},
                    {"role": "user", "content": f"Question {i}: {words(i)}?"}, {"role": "assistant", "content": words(100 + i)}]
        decide(sqlite_store, ana, add(sqlite_store, messages, line=i + 1), Verdict.APPROVE)
    m = export(sqlite_store, tmp_path / "out", test_size=0.2, seed=0)
    assert m["split"]["first_turn"] == {"limit": 20, "common": 1, "common_examples": 25}
    assert m["split"]["pulled_together"]["first-turn"] == 0 and m["split"]["largest_group"] == 1
    assert m["counts"]["test"] == 5
