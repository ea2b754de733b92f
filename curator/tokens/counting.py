"""Token counts of chat examples, with the chat-format overhead OpenAI's cookbook uses."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import tiktoken

from curator.errors import InvalidInputError
from curator.tokens.catalog import DEFAULT_MODEL, model_info
from curator.tokens.vocab import get_encoding

# OpenAI cookbook, num_tokens_from_messages: every message is wrapped in
# <|start|>{role/name}\n{content}<|end|>\n, and the reply is primed with <|start|>assistant<|message|>.
TOKENS_PER_MESSAGE = 3
TOKENS_PER_NAME = 1
REPLY_PRIMING = 3

# Below this many texts the thread pool costs more than it saves.
_PARALLEL_MIN_TEXTS = 2048
_CHUNK = 1024
# tiktoken is given at most this many characters at once: on a long run of one character its
# pre-tokenizer overflows its stack (a million spaces abort the process) or its merges slow
# down (4 MB of "a" take 6 s). Longer texts are counted in pieces, cut before a word.
PIECE_CHARS = 100_000
_CUT_WINDOW = 10_000  # how far back from a piece's end a word start is looked for

# Role strings repeat in every message; their counts are cached per encoding
# instead of being encoded again.
_role_counts: dict[str, dict[str, int]] = {}


def encoding_for(model: str) -> tiktoken.Encoding:
    """The tiktoken encoding ``model`` uses, built offline from the shipped vocabulary."""
    return get_encoding(model_info(model).encoding)


def count_messages(
    messages: list[dict[str, Any]],
    *,
    tools: list[dict[str, Any]] | None = None,
    model: str = DEFAULT_MODEL,
) -> int:
    """Tokens one conversation takes in training, chat overhead and tool definitions included."""
    encoding = encoding_for(model)
    texts: list[str] = []
    total = _collect(messages, tools, texts, _roles_for(encoding))
    encode = encoding.encode_ordinary
    return total + sum(_length(encode, text) for text in texts)


def count_many(
    batch: list[list[dict[str, Any]]],
    *,
    model: str = DEFAULT_MODEL,
    tools: list[list[dict[str, Any]] | None] | None = None,
    threads: bool = True,
) -> list[int]:
    """``count_messages`` for many conversations at once, encoding all their texts in one batch.

    A large batch is encoded on a pool of threads unless ``threads`` is False (a worker process
    that is one of several, one per core, gains nothing from more threads).
    """
    if tools is not None and len(tools) != len(batch):
        raise InvalidInputError(
            f"tools has {len(tools)} entries for {len(batch)} conversations; give one per "
            "conversation (None where it has no tools)",
            field="tools",
        )
    encoding = encoding_for(model)
    roles = _roles_for(encoding)
    texts: list[str] = []
    ends: list[int] = []
    totals: list[int] = []
    for index, messages in enumerate(batch):
        totals.append(_collect(messages, tools[index] if tools else None, texts, roles))
        ends.append(len(texts))
    lengths = _lengths(encoding, texts, threads=threads)
    start = 0
    for index, end in enumerate(ends):
        if end > start:
            totals[index] += sum(lengths[start:end])
            start = end
    return totals


def _collect(
    messages: list[dict[str, Any]],
    tools: list[dict[str, Any]] | None,
    texts: list[str],
    roles: dict[str, int],
) -> int:
    """Append the texts to encode to ``texts``; return the tokens known without encoding."""
    fixed = TOKENS_PER_MESSAGE * len(messages) + REPLY_PRIMING
    append = texts.append
    for message in messages:
        for key, value in message.items():
            if type(value) is str:
                if key == "role":
                    cached = roles.get(value)
                    if cached is not None:
                        fixed += cached
                        continue
                elif key == "name":
                    fixed += TOKENS_PER_NAME
                append(value)
            elif key == "content" and type(value) is list:
                for part in value:
                    text = part.get("text") if type(part) is dict else None
                    if type(text) is str:
                        append(text)
            elif key == "tool_calls" and type(value) is list:
                for call in value:
                    _append_function(call.get("function") if type(call) is dict else None, append)
            elif key == "function_call":
                _append_function(value, append)
    if tools:
        # Tool definitions reach the model as text; their JSON is a close, stable proxy. Keys
        # sorted, as the store keeps them: a count made from a file and one made again from the
        # stored example agree.
        append(json.dumps(tools, ensure_ascii=False, separators=(",", ":"), sort_keys=True))
    return fixed


def _append_function(function: Any, append: Any) -> None:
    if type(function) is dict:
        for key in ("name", "arguments"):
            value = function.get(key)
            if type(value) is str:
                append(value)


def _roles_for(encoding: tiktoken.Encoding) -> dict[str, int]:
    roles = _role_counts.get(encoding.name)
    if roles is None:
        names = ("system", "developer", "user", "assistant", "tool", "function")
        roles = _role_counts[encoding.name] = {
            name: len(encoding.encode_ordinary(name)) for name in names
        }
    return roles


def _lengths(encoding: tiktoken.Encoding, texts: Sequence[str], *, threads: bool = True) -> list[int]:
    encode = encoding.encode_ordinary

    def chunk_lengths(chunk: Sequence[str]) -> list[int]:
        # tiktoken releases the GIL while it runs BPE, so chunks encode in parallel; only the
        # lengths are kept, never millions of token lists at once.
        return [_length(encode, text) for text in chunk]

    if not threads or len(texts) < _PARALLEL_MIN_TEXTS:
        return chunk_lengths(texts)
    chunks = [texts[i : i + _CHUNK] for i in range(0, len(texts), _CHUNK)]
    lengths: list[int] = []
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        for part in pool.map(chunk_lengths, chunks):
            lengths.extend(part)
    return lengths


def _length(encode: Any, text: str) -> int:
    """Tokens in ``text``, encoded in pieces of at most PIECE_CHARS characters."""
    if len(text) <= PIECE_CHARS:
        return len(encode(text))
    return sum(len(encode(piece)) for piece in split_for_encoding(text))


def split_for_encoding(text: str) -> list[str]:
    """``text`` in pieces of at most PIECE_CHARS, each cut just before a space and a letter.

    Both encodings' pre-tokenizers start a token at " word" whatever precedes it, so these
    cuts change no token; only text with no such place in the last _CUT_WINDOW characters of
    a piece (a run of one character) is cut where the piece is full.
    """
    pieces = []
    start = 0
    while len(text) - start > PIECE_CHARS:
        end = start + PIECE_CHARS
        cut = end
        at = text.rfind(" ", end - _CUT_WINDOW, end)
        while at > start:
            if text[at + 1].isalpha():
                cut = at
                break
            at = text.rfind(" ", end - _CUT_WINDOW, at)
        pieces.append(text[start:cut])
        start = cut
    pieces.append(text[start:])
    return pieces
