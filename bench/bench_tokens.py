"""Token counting speed: curator.tokens.count_many against bare tiktoken on the same texts.

Run: /work/venv/bin/python bench/bench_tokens.py [N] [--model NAME]

The import benchmark reuses ``generate_conversations`` and ``bare_tiktoken_seconds`` for its
baseline (the import must stay within 2x of what tiktoken alone needs to count the tokens).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from typing import Any

from curator.tokens import DEFAULT_MODEL, count_many, encoding_for

_WORDS = (
    "the of and to in is you that it he was for on are as with his they at be this have from "
    "or one had by word but not what all were we when your can said there use an each which "
    "she do how their if will up other about out many then them these so some her would make "
    "like him into time has look two more write go see number no way could people my than "
    "first water been call who oil its now find long down day did get come made may part "
    "refund invoice shipping password account order delivery warranty subscription cancel "
    "configure install error timeout database server request response customer support "
    "Python function variable return import class module exception traceback unittest"
).split()
_PUNCT = [",", ".", "?", "!", ":", ";", " -", " (", ")", "\n", "\n\n"]
_SYSTEMS = [
    "You are a helpful customer-support assistant for an online shop. Answer briefly.",
    "You are a senior Python developer. Explain code precisely and give runnable examples.",
    "You are a friendly travel agent. Ask clarifying questions before booking anything.",
]


def _prose(rng: random.Random, n_words: int) -> str:
    parts: list[str] = []
    for i in range(n_words):
        word = rng.choice(_WORDS)
        if i == 0 or parts[-1].endswith((".", "?", "!", "\n")):
            word = word.capitalize()
        if rng.random() < 0.04:
            word = str(rng.randint(0, 99999))
        parts.append((" " if parts and not parts[-1].endswith("\n") else "") + word)
        if rng.random() < 0.12:
            parts.append(rng.choice(_PUNCT))
    return "".join(parts) + "."


def generate_conversations(n: int, seed: int) -> list[list[dict[str, Any]]]:
    """``n`` deterministic chat conversations of about 300 tokens each (OpenAI chat shape)."""
    rng = random.Random(seed)
    conversations: list[list[dict[str, Any]]] = []
    for index in range(n):
        messages: list[dict[str, Any]] = [{"role": "system", "content": rng.choice(_SYSTEMS)}]
        kind = index % 10
        if kind == 0:
            # A tool round trip.
            messages.append({"role": "user", "content": _prose(rng, 50)})
            arguments = json.dumps({"order_id": rng.randint(1000, 99999), "query": _prose(rng, 6)})
            messages.append(
                {
                    "role": "assistant",
                    "tool_calls": [
                        {
                            "id": f"call_{index}",
                            "type": "function",
                            "function": {"name": "lookup_order", "arguments": arguments},
                        }
                    ],
                }
            )
            messages.append({"role": "tool", "tool_call_id": f"call_{index}", "content": _prose(rng, 40)})
            messages.append({"role": "assistant", "content": _prose(rng, 120)})
        elif kind == 1:
            # Content given as a list of parts.
            messages.append(
                {
                    "role": "user",
                    "content": [
                        {"type": "text", "text": _prose(rng, 40)},
                        {"type": "text", "text": _prose(rng, 30)},
                    ],
                }
            )
            messages.append({"role": "assistant", "content": _prose(rng, 150)})
        else:
            # One to three turns sharing a budget of ~220 words, so lengths vary around 300 tokens.
            turns = rng.randint(1, 3)
            for _turn in range(turns):
                words = rng.randint(140, 300) // turns
                messages.append({"role": "user", "content": _prose(rng, words // 3)})
                messages.append({"role": "assistant", "content": _prose(rng, words - words // 3)})
        conversations.append(messages)
    return conversations


def conversation_texts(conversations: list[list[dict[str, Any]]]) -> list[str]:
    """Every string tiktoken must encode for these conversations (roles, contents, calls)."""
    texts: list[str] = []
    for messages in conversations:
        for message in messages:
            for key, value in message.items():
                if isinstance(value, str):
                    texts.append(value)
                elif key == "content" and isinstance(value, list):
                    texts.extend(part["text"] for part in value if isinstance(part.get("text"), str))
                elif key == "tool_calls":
                    for call in value:
                        texts.append(call["function"]["name"])
                        texts.append(call["function"]["arguments"])
    return texts


def bare_tiktoken_seconds(
    conversations: list[list[dict[str, Any]]], model: str, *, strategy: str = "batch"
) -> float:
    """Seconds bare tiktoken takes to encode every text of ``conversations``.

    ``strategy="batch"`` times ``encode_ordinary_batch`` (tiktoken's own batch API, the
    baseline the import benchmark is specified against); ``"loop"`` times a plain
    ``encode_ordinary`` loop, which on this 2-core machine is several times faster and so
    the stricter baseline.
    """
    if strategy not in ("batch", "loop"):
        raise ValueError(f"strategy must be 'batch' or 'loop', not {strategy!r}")
    encoding = encoding_for(model)  # built (and cached) before the clock starts
    texts = conversation_texts(conversations)
    # Batches of 8,192 texts keep memory bounded: the token lists of 100,000 conversations
    # would otherwise hold ~30M Python ints at once.
    step = 8192
    start = time.perf_counter()
    if strategy == "batch":
        for i in range(0, len(texts), step):
            encoding.encode_ordinary_batch(texts[i : i + step])
    else:
        encode = encoding.encode_ordinary
        for text in texts:
            encode(text)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=20_000)
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)

    conversations = generate_conversations(args.n, args.seed)
    encoding_for(args.model)
    batch = min(bare_tiktoken_seconds(conversations, args.model) for _ in range(args.repeat))
    loop = min(
        bare_tiktoken_seconds(conversations, args.model, strategy="loop") for _ in range(args.repeat)
    )
    ours = float("inf")
    counts: list[int] = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        counts = count_many(conversations, model=args.model)
        ours = min(ours, time.perf_counter() - start)
    tokens = sum(counts)
    print(
        f"model {args.model}: {args.n} conversations, {tokens} tokens "
        f"(mean {tokens / args.n:.0f}/conversation), best of {args.repeat}"
    )
    for label, seconds in (
        ("bare encode_ordinary_batch", batch),
        ("bare encode_ordinary loop", loop),
        ("count_many", ours),
    ):
        print(f"{label:<27} {seconds:7.3f} s  {tokens / seconds:>12,.0f} tokens/s")
    print(f"ratio count_many / batch:   {ours / batch:.2f}")
    print(f"ratio count_many / loop:    {ours / loop:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
