"""curator.tokens: offline encodings, chat-overhead counts, model table, epochs and cost."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from curator.errors import InvalidInputError, NotFoundError, StorageError
from curator.tokens import (
    DEFAULT_MODEL,
    CostEstimate,
    count_many,
    count_messages,
    default_epochs,
    distribution,
    encoding_for,
    estimate_cost,
    model_info,
)
from curator.tokens.catalog import read_model_table
from curator.tokens.vocab import get_encoding, load_encoding, shipped_vocabulary

O200K = "gpt-4o-mini-2024-07-18"
CL100K = "gpt-3.5-turbo-0125"

LONGER = [
    "The quick brown fox jumps over the lazy dog.",
    "def count(xs: list[int]) -> int:\n    return sum(x * 2 for x in xs)  # 42\n",
    "Grüße aus Köln! 東京は晴れです。 Ça va? 🙂 123456789",
    "   leading spaces and trailing\n\n\n",
]


@pytest.fixture(scope="module")
def o200k():
    return encoding_for(O200K)


@pytest.fixture(scope="module")
def cl100k():
    return encoding_for(CL100K)


# --- loading ---------------------------------------------------------------------------------


@pytest.mark.parametrize("model", [O200K, CL100K])
def test_hello_world_is_two_tokens(model: str) -> None:
    assert len(encoding_for(model).encode("hello world")) == 2


def test_known_token_ids(o200k, cl100k) -> None:
    assert o200k.encode("hello world") == [24912, 2375]
    assert cl100k.encode("hello world") == [15339, 1917]
    assert o200k.name == "o200k_base" and cl100k.name == "cl100k_base"
    assert o200k.n_vocab == 200019 and cl100k.n_vocab == 100277


def test_special_tokens_come_from_tiktoken(o200k, cl100k) -> None:
    assert o200k.special_tokens_set == {"<|endoftext|>", "<|endofprompt|>"}
    assert o200k.encode("<|endoftext|>", allowed_special="all") == [199999]
    assert cl100k.encode("<|endofprompt|>", allowed_special="all") == [100276]


@pytest.mark.parametrize("text", LONGER)
def test_counts_roundtrip_through_tiktoken(o200k, cl100k, text: str) -> None:
    for enc in (o200k, cl100k):
        tokens = enc.encode(text)
        assert enc.decode(tokens) == text
        assert enc.encode_ordinary(text) == tokens


def test_encoding_is_built_once(o200k) -> None:
    assert get_encoding("o200k_base") is o200k
    assert encoding_for("gpt-4o-2024-08-06") is o200k


def _corrupt_copy(tmp_path: Path) -> Path:
    raw = bytearray(gzip.decompress(shipped_vocabulary("cl100k_base").read_bytes()))
    raw[100] = ord("A") if raw[100] != ord("A") else ord("B")  # still parses, hash differs
    bad = tmp_path / "cl100k_base.tiktoken.gz"
    bad.write_bytes(gzip.compress(bytes(raw), compresslevel=1))
    return bad


def test_corrupt_vocabulary_is_rejected(tmp_path: Path) -> None:
    bad = _corrupt_copy(tmp_path)
    with pytest.raises(StorageError, match="corrupt") as caught:
        load_encoding("cl100k_base", path=bad)
    assert str(bad) in str(caught.value)


def test_unreadable_and_missing_vocabularies_name_the_file(tmp_path: Path) -> None:
    garbage = tmp_path / "o200k_base.tiktoken.gz"
    garbage.write_bytes(b"not gzip at all")
    with pytest.raises(StorageError, match="unreadable") as caught:
        load_encoding("o200k_base", path=garbage)
    assert str(garbage) in str(caught.value)
    missing = tmp_path / "nothing.gz"
    with pytest.raises(StorageError, match="missing") as caught:
        load_encoding("o200k_base", path=missing)
    assert str(missing) in str(caught.value)


def test_a_good_copy_loads_through_the_same_function(tmp_path: Path) -> None:
    good = tmp_path / "cl100k_base.tiktoken.gz"
    good.write_bytes(shipped_vocabulary("cl100k_base").read_bytes())
    assert load_encoding("cl100k_base", path=good).encode("hello world") == [15339, 1917]


def test_loading_works_without_network(tmp_path: Path) -> None:
    cache = tmp_path / "tiktoken-cache"
    cache.mkdir()
    script = textwrap.dedent(
        """
        import socket

        def refuse(*args, **kwargs):
            raise OSError("network disabled in this test")

        socket.socket = refuse
        socket.create_connection = refuse
        socket.getaddrinfo = refuse

        from curator.tokens import count_messages
        print(count_messages([{"role": "user", "content": "hello world"}]))
        print(count_messages([{"role": "user", "content": "hello world"}], model="gpt-4-0613"))
        """
    )
    env = {**os.environ, "TIKTOKEN_CACHE_DIR": str(cache)}
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["9", "9"]
    assert list(cache.iterdir()) == []  # tiktoken neither downloaded nor cached anything


# --- counting --------------------------------------------------------------------------------


def test_chat_overhead_matches_hand_count(o200k) -> None:
    messages = [
        {"role": "system", "content": "You are terse."},
        {"role": "user", "content": "hello world", "name": "ana"},
        {"role": "assistant", "content": "Hi."},
    ]
    # Per message 3 + tokens of every string value; +1 for a name; +3 reply priming.
    expected = 0
    for message in messages:
        expected += 3 + sum(len(o200k.encode(value)) for value in message.values())
    expected += 1 + 3
    assert count_messages(messages, model=O200K) == expected
    # system(1)+"You are terse."(4)  user(1)+"hello world"(2)+"ana"(1)+1  assistant(1)+"Hi."(2)
    assert expected == 3 * 3 + (1 + 4) + (1 + 2 + 1 + 1) + (1 + 2) + 3


def test_single_message_total() -> None:
    # 3 (message) + 1 ("user") + 2 ("hello world") + 3 (priming)
    assert count_messages([{"role": "user", "content": "hello world"}]) == 9
    assert count_messages([{"role": "user", "content": "hello world"}], model=CL100K) == 9


def test_content_parts_count_their_text(o200k) -> None:
    as_string = [{"role": "user", "content": "hello world"}]
    as_parts = [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "hello"},
                {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}},
                {"type": "text", "text": " world"},
            ],
        }
    ]
    hello, world = len(o200k.encode("hello")), len(o200k.encode(" world"))
    assert count_messages(as_parts) == count_messages(as_string) - 2 + hello + world


def test_tool_calls_count_name_and_arguments(o200k) -> None:
    arguments = '{"city": "Paris", "days": 3}'
    messages = [
        {"role": "user", "content": "Weather?"},
        {
            "role": "assistant",
            "tool_calls": [
                {"id": "call_1", "type": "function", "function": {"name": "forecast", "arguments": arguments}}
            ],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": "sunny"},
        {"role": "assistant", "content": "Sunny.", "weight": 1},
    ]
    n = lambda text: len(o200k.encode(text))  # noqa: E731
    expected = (
        4 * 3
        + n("user") + n("Weather?")
        + n("assistant") + n("forecast") + n(arguments)
        + n("tool") + n("call_1") + n("sunny")
        + n("assistant") + n("Sunny.")
        + 3
    )
    assert count_messages(messages) == expected


def test_tools_are_counted_by_their_json(o200k) -> None:
    tools = [{"type": "function", "function": {"name": "forecast", "parameters": {"type": "object"}}}]
    messages = [{"role": "user", "content": "hi"}]
    tools_json = json.dumps(tools, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    assert count_messages(messages, tools=tools) == count_messages(messages) + len(o200k.encode(tools_json))
    assert count_messages(messages, tools=[]) == count_messages(messages)


def test_special_token_text_is_counted_as_ordinary_text(o200k) -> None:
    messages = [{"role": "user", "content": "<|endoftext|>"}]
    assert count_messages(messages) == 3 + 1 + len(o200k.encode_ordinary("<|endoftext|>")) + 3


def test_lone_surrogates_are_counted_not_fatal(o200k) -> None:
    # JSON input can carry "\\ud800"; tiktoken counts it as U+FFFD instead of failing the import.
    replaced = len(o200k.encode_ordinary("a\ufffdb"))
    assert count_messages([{"role": "user", "content": "a\ud800b"}]) == 3 + 1 + replaced + 3
    assert count_many([[{"role": "user", "content": "a\ud800b"}]]) == [3 + 1 + replaced + 3]


def _varied_batch() -> tuple[list[list[dict]], list[list[dict] | None]]:
    tool = [{"type": "function", "function": {"name": "lookup", "parameters": {}}}]
    batch = [
        [{"role": "user", "content": "hello world"}],
        [
            {"role": "system", "content": "Be kind."},
            {"role": "user", "name": "bo", "content": [{"type": "text", "text": "Ünïcödé 🙂 text"}]},
            {"role": "assistant", "content": "Sure!"},
        ],
        [
            {"role": "user", "content": "Find order 42"},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {"id": "c1", "type": "function", "function": {"name": "lookup", "arguments": '{"id": 42}'}},
                    {"id": "c2", "type": "function", "function": {"name": "lookup", "arguments": '{"id": 43}'}},
                ],
            },
            {"role": "tool", "tool_call_id": "c1", "content": "shipped"},
            {"role": "assistant", "content": "It shipped."},
        ],
        [{"role": "developer", "content": ""}, {"role": "user", "content": "x " * 500}],
        [],
    ]
    tools = [None, tool, tool, None, None]
    return batch, tools


@pytest.mark.parametrize("model", [O200K, CL100K])
def test_count_many_equals_count_messages(model: str) -> None:
    batch, tools = _varied_batch()
    expected = [count_messages(m, tools=t, model=model) for m, t in zip(batch, tools, strict=True)]
    assert count_many(batch, tools=tools, model=model) == expected
    assert count_many(batch, model=model) == [count_messages(m, model=model) for m in batch]


def test_count_many_parallel_path_agrees() -> None:
    batch, tools = _varied_batch()
    big = batch * 600  # enough texts for the thread pool
    counts = count_many(big, tools=tools * 600)
    assert counts == count_many(batch, tools=tools) * 600


def test_count_many_rejects_misaligned_tools() -> None:
    with pytest.raises(InvalidInputError, match="one per conversation"):
        count_many([[{"role": "user", "content": "a"}]], tools=[None, None])


def test_empty_batch() -> None:
    assert count_many([]) == []


# --- model table -----------------------------------------------------------------------------


def test_default_model() -> None:
    assert DEFAULT_MODEL == "gpt-4o-mini-2024-07-18"
    info = model_info(DEFAULT_MODEL)
    assert (info.encoding, info.max_example_tokens, info.price_per_million, info.default) == (
        "o200k_base", 65536, 3.0, True
    )


@pytest.mark.parametrize(
    ("name", "snapshot", "encoding", "limit"),
    [
        ("gpt-4o-2024-08-06", "gpt-4o-2024-08-06", "o200k_base", 65536),
        ("gpt-4o-mini", "gpt-4o-mini-2024-07-18", "o200k_base", 65536),
        ("gpt-4o", "gpt-4o-2024-08-06", "o200k_base", 65536),
        ("gpt-4.1", "gpt-4.1-2025-04-14", "o200k_base", 65536),
        ("gpt-4.1-mini", "gpt-4.1-mini-2025-04-14", "o200k_base", 65536),
        ("gpt-4.1-nano-2025-04-14", "gpt-4.1-nano-2025-04-14", "o200k_base", 65536),
        ("gpt-3.5-turbo", "gpt-3.5-turbo-0125", "cl100k_base", 16385),
        ("gpt-3.5-turbo-0125", "gpt-3.5-turbo-0125", "cl100k_base", 16385),
        ("gpt-4-0613", "gpt-4-0613", "cl100k_base", 8192),
        ("ft:gpt-4o-mini-2024-07-18:acme:support:9xYz", "gpt-4o-mini-2024-07-18", "o200k_base", 65536),
    ],
)
def test_model_lookup(name: str, snapshot: str, encoding: str, limit: int) -> None:
    info = model_info(name)
    assert (info.name, info.encoding, info.max_example_tokens) == (snapshot, encoding, limit)


def test_prices() -> None:
    assert model_info("gpt-4o-2024-08-06").price_per_million == 25.0
    assert model_info("gpt-3.5-turbo-0125").price_per_million == 8.0
    assert model_info("gpt-4-0613").price_per_million is None


@pytest.mark.parametrize("name", ["claude-3", "gpt-4o2", "gpt", "gpt-5-nonexistent-x", ""])
def test_unknown_model_lists_known_ones(name: str) -> None:
    with pytest.raises(NotFoundError) as caught:
        model_info(name)
    message = str(caught.value)
    assert f"unknown model {name!r}" in message
    assert "gpt-4o-mini-2024-07-18" in message and "gpt-3.5-turbo-0125" in message


def test_unknown_model_in_counting() -> None:
    with pytest.raises(NotFoundError):
        count_messages([{"role": "user", "content": "a"}], model="llama-3")


def test_model_table_checks(tmp_path: Path) -> None:
    table = tmp_path / "models.toml"
    table.write_text(
        '[models."a"]\nencoding = "o200k_base"\nmax_example_tokens = 10\ndefault = true\n'
        '[models."b"]\nencoding = "o200k_base"\nmax_example_tokens = 10\ndefault = true\n'
    )
    with pytest.raises(InvalidInputError, match="exactly one model must have default = true, found 2"):
        read_model_table(table)
    table.write_text('[models."a"]\nencoding = "p50k_base"\nmax_example_tokens = 10\ndefault = true\n')
    with pytest.raises(InvalidInputError) as caught:
        read_model_table(table)
    assert caught.value.field == "models.a.encoding" and caught.value.file == str(table)
    table.write_text('[models."a"]\nencoding = "o200k_base"\nmax_example_tokens = "many"\n')
    with pytest.raises(InvalidInputError, match="expected int"):
        read_model_table(table)
    table.write_text("[models\n")
    with pytest.raises(InvalidInputError, match="not valid TOML"):
        read_model_table(table)


# --- statistics and cost ---------------------------------------------------------------------


def test_distribution() -> None:
    assert distribution([5, 1, 3, 2, 4]) == {
        "min": 1, "p10": 1.4, "median": 3.0, "p90": 4.6, "max": 5, "mean": 3.0, "total": 15
    }
    assert distribution([7]) == {
        "min": 7, "p10": 7.0, "median": 7.0, "p90": 7.0, "max": 7, "mean": 7.0, "total": 7
    }
    assert distribution([]) == {
        "min": None, "p10": None, "median": None, "p90": None, "max": None, "mean": None, "total": 0
    }


@pytest.mark.parametrize(
    ("n", "epochs"),
    [(0, 0), (1, 25), (3, 25), (4, 25), (5, 20), (10, 10), (33, 3), (34, 3), (100, 3),
     (8333, 3), (8334, 2), (12500, 2), (12501, 1), (20000, 1), (100000, 1)],
)
def test_default_epochs(n: int, epochs: int) -> None:
    assert default_epochs(n) == epochs


def test_cost_arithmetic() -> None:
    estimate = estimate_cost([1000] * 100)
    assert estimate == CostEstimate(
        model="gpt-4o-mini-2024-07-18", n_examples=100, billing_tokens=100_000, epochs=3,
        training_tokens=300_000, usd=pytest.approx(0.9), over_limit=0,
    )


def test_cost_caps_long_examples_and_counts_them() -> None:
    estimate = estimate_cost([20_000, 16_385, 100], model="gpt-3.5-turbo", epochs=2)
    assert estimate.model == "gpt-3.5-turbo-0125"
    assert estimate.billing_tokens == 16_385 + 16_385 + 100
    assert estimate.over_limit == 1
    assert estimate.training_tokens == 2 * 32_870
    assert estimate.usd == pytest.approx(65_740 * 8.0 / 1_000_000)


def test_cost_with_heuristic_epochs() -> None:
    assert estimate_cost([300] * 10).epochs == 10
    big = estimate_cost([300] * 20_000, model="gpt-4o-2024-08-06")
    assert (big.epochs, big.training_tokens) == (1, 6_000_000)
    assert big.usd == pytest.approx(150.0)


def test_cost_without_public_price_and_empty() -> None:
    assert estimate_cost([100], model="gpt-4-0613").usd is None
    empty = estimate_cost([])
    assert (empty.n_examples, empty.epochs, empty.training_tokens, empty.usd) == (0, 0, 0, 0.0)


@pytest.mark.parametrize("epochs", [0, -1, 2.5, True])
def test_cost_rejects_bad_epochs(epochs: object) -> None:
    with pytest.raises(InvalidInputError) as caught:
        estimate_cost([1], epochs=epochs)  # type: ignore[arg-type]
    assert caught.value.field == "epochs"
