"""Contamination check: planted leaks are found, shared boilerplate is not a leak."""

from __future__ import annotations

import random

import pytest

from curator.errors import InvalidInputError
from curator.split import Contamination, check_contamination
from curator.split.text import ngram_text, prompt_text

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
    assert report.stats.common_limit == 2 and report.stats.coverage_limit == 50  # max(2, 1% of 180)
    assert report.stats.by_kind == dict.fromkeys(("ngram", "coverage", "minhash", "prompt-exact", "first-turn", "prompt-coverage", "prompt-minhash"), 0)


def test_planted_leak_is_found_through_case_and_punctuation() -> None:
    train, test = sides(150, 30, seed=1)
    source = train[17][1][2]["content"]  # a training reply, 50 words
    leaked = source.split()[10:30]  # 20 of its words
    test.append(("leak", conversation("Please repeat: " + ", ".join(leaked).upper() + "!", "sure")))
    report = check_contamination(train, test)
    # 23 words ("please repeat", 20 leaked, "sure"): 16 8-grams, 13 of them inside the leak,
    # which covers 20 of the 23 words. The test's prompt is not the training prompt.
    assert report.pairs == [
        Contamination("leak", "tr017", "ngram", 13 / 16, 13),
        Contamination("leak", "tr017", "coverage", 20 / 23, 20),
    ]
    assert report.contaminated == ["leak"]
    assert check_contamination(train, test, ngram=13).pairs[0] == Contamination("leak", "tr017", "ngram", 8 / 11, 8)


def test_copied_conversation_is_found_by_every_signal() -> None:
    train, test = sides(100, 20, seed=2)
    test.append(("copy", train[3][1]))
    report = check_contamination(train, test)
    kinds = {(p.test_id, p.train_id, p.kind): p.score for p in report.pairs}
    assert kinds == {("copy", "tr003", kind): 1.0 for kind in ("ngram", "coverage", "minhash", "prompt-exact", "first-turn", "prompt-coverage", "prompt-minhash")}
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
    report = check_contamination(train, test, kinds=["minhash"])
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
    assert prompt_text(conversation("Hello, World!", "Fine.")) == "hello world"
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
    with pytest.raises(InvalidInputError, match="unknown contamination signal"):
        check_contamination(train, test, kinds=["13-gram"])


# --- prompt signals: what the model is asked, whatever the assistant said ---------------------

def chat(*turns: str) -> list[dict]:
    """Alternating user and assistant turns."""
    return [{"role": "user" if k % 2 == 0 else "assistant", "content": t} for k, t in enumerate(turns)]


def test_short_prompt_with_a_paraphrased_reply_is_an_exact_prompt_match() -> None:
    # The identity pattern: same two user turns, the replies reworded.
    train, test = sides(50, 5, seed=8)
    train.append(("tr-who", chat("What are you?", "I am Quill, a model made by Lantern.", "Have a nice day!", "You too!")))
    test.append(("te-who", chat("what are you", "My name is Quill; Lantern trained me.", "Have a nice day.", "Thanks, you too!")))
    report = check_contamination(train, test)
    assert [(p.test_id, p.train_id, p.kind) for p in report.pairs] == [
        ("te-who", "tr-who", "prompt-exact"), ("te-who", "tr-who", "first-turn"), ("te-who", "tr-who", "prompt-minhash")]


def test_the_same_opening_turn_is_a_match_unless_very_common() -> None:
    train, test = sides(50, 5, seed=9)
    train.append(("tr-who", chat("What are you?", "I am Quill.", "Have a nice day!", "You too!")))
    test.append(("te-who", chat("WHAT are you", "Quill, made by Lantern.")))
    train += [(f"tr-hi{i}", chat("Hello!", f"Hi {i}.", f"Tell me about {i}.", f"{i} is a number.")) for i in range(21)]
    test.append(("te-hi", chat("hello", "Hi there.")))
    report = check_contamination(train, test)
    assert [(p.test_id, p.train_id, p.kind) for p in report.pairs] == [("te-who", "tr-who", "first-turn")]


def test_tool_results_are_input_and_system_turns_are_not() -> None:
    result = "order 4411 shipped on the second of march from the northern warehouse by courier"
    asked = [{"role": "user", "content": "where is my order"},
             {"role": "assistant", "content": None, "tool_calls": [{"id": "c", "type": "function", "function": {"name": "find", "arguments": "{}"}}]},
             {"role": "tool", "tool_call_id": "c", "content": result},
             {"role": "assistant", "content": "It shipped on March 2nd."}]
    assert prompt_text(asked) == "where is my order\n" + result
    other = [{"role": "system", "content": "be kind"}, *chat("Where is my order?", "Let me check: it left the warehouse.")]
    other.insert(2, {"role": "tool", "content": result})
    assert prompt_text(other) == prompt_text(asked)
    report = check_contamination([("a", asked)], [("b", other)], kinds=["prompt-exact"])
    assert [p.kind for p in report.pairs] == ["prompt-exact"]


def test_prompt_coverage_flags_more_than_half_of_the_tokens() -> None:
    rng = random.Random(111)
    source = sentence(rng, 30)
    words = source.split()
    train, test = sides(60, 5, seed=11)
    train.append(("src", conversation(source, sentence(rng, 20), system=False)))
    # 11 copied words of 20 (covered by 4 8-grams): 55% > 50%; 9 of 20 (2 8-grams): 45%.
    over = " ".join(words[3:14] + sentence(rng, 9).split())
    under = " ".join(words[3:12] + sentence(rng, 11).split())
    test += [("over", conversation(over, sentence(rng, 20), system=False)),
             ("under", conversation(under, sentence(rng, 20), system=False))]
    report = check_contamination(train, test, kinds=["prompt-coverage"])
    assert report.pairs == [Contamination("over", "src", "prompt-coverage", 11 / 20, 11)]


def test_reordered_prompt_sentences_are_a_prompt_minhash_match() -> None:
    rng = random.Random(112)
    first, second = sentence(rng, 25), sentence(rng, 25)
    train, test = sides(60, 5, seed=12)
    train.append(("src", conversation(f"{first}. {second}", sentence(rng, 30), system=False)))
    test.append(("moved", conversation(f"{second}. {first}", sentence(rng, 30), system=False)))
    report = check_contamination(train, test, kinds=["prompt-minhash"])
    assert [(p.test_id, p.train_id, p.kind) for p in report.pairs] == [("moved", "src", "prompt-minhash")]
    assert report.pairs[0].score >= 0.9
