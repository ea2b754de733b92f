"""The repetition check: degenerate loops, a line or sentence over and over, text that compresses away.

Tuned so that normal replies (lists, tables, steps, code) do not flag: loops must contain
words and be long, repeated lines must be real lines, and the compression signal only looks
at long texts with fenced code and Markdown table rules removed.
"""

from __future__ import annotations

import re
import zlib
from collections import Counter
from functools import lru_cache

from pydantic import Field

from curator.guidelines.checks.prefilter import fast, lowered
from curator.guidelines.checks.registry import (
    CheckParams,
    Flag,
    check,
    messages_with_roles,
    partly_read,
    scanned,
)
from curator.models import Example, Role

_FENCE = re.compile(r"```.*?(?:```|\Z)", re.DOTALL)
# A Markdown table rule ("| --- | :---: |"), within one line. No two blank-matching parts stand
# side by side: "\s*\|?\s*" splits a run of k blanks k ways, quadratic on a long blank line.
_TABLE_RULE = re.compile(
    r"^[^\S\n]*(?:\|[^\S\n]*)?:?-{3,}:?(?:[^\S\n]*\|[^\S\n]*:?-{3,}:?)*[^\S\n]*(?:\|[^\S\n]*)?$",
    re.MULTILINE)
_TOKEN = re.compile(r"\w+|[^\w\s]+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
_NUMPY_FROM = 1000  # tokens from which _loop compares with numpy


class RepetitionParams(CheckParams):
    roles: tuple[Role, ...] = (Role.ASSISTANT,)
    min_loop_repeats: int = Field(default=3, ge=2)  # a block of tokens back to back this often...
    min_loop_tokens: int = Field(default=12, ge=2)  # ...covering at least this many tokens
    max_period: int = Field(default=25, ge=1)  # longest block (in tokens) looked for
    min_line_repeats: int = Field(default=4, ge=2)  # the same line this often
    min_sentence_repeats: int = Field(default=3, ge=2)  # the same sentence (4+ words) this often
    min_compression_ratio: float = Field(default=0.15, gt=0, lt=1)  # zlib size / raw size below this
    min_chars_for_ratio: int = Field(default=400, ge=1)


def _blank(match: re.Match[str]) -> str:
    return re.sub(r"[^\n]", " ", match.group())


def _clean(text: str) -> str:
    """The text with fenced code and table rules blanked out; same length, so spans stay valid."""
    if "```" not in text and "---" not in text:
        return text  # neither a fence nor a table rule can match
    return _TABLE_RULE.sub(_blank, _FENCE.sub(_blank, text))


def _show(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return repr(text if len(text) <= limit else text[: limit - 1] + "\u2026")


def _aligned(tokens: list[str], period: int, start: int, run: int,
             params: RepetitionParams) -> tuple[int, int, int, int]:
    """(covered, period, start, repeats) with the block starting on a word, not on punctuation."""
    for shift in range(period):
        repeats = (run + period - shift) // period
        if repeats < params.min_loop_repeats or repeats * period < params.min_loop_tokens:
            break
        if tokens[start + shift][0].isalnum():
            return repeats * period, period, start + shift, repeats
    repeats = run // period + 1
    return repeats * period, period, start, repeats


def _loop(text: str, params: RepetitionParams) -> tuple[str, int, tuple[int, int]] | None:
    """The longest back-to-back repetition: (block, repeats, span), if long enough to flag."""
    matches = list(_TOKEN.finditer(text))
    tokens = [m.group().lower() for m in matches]
    codes: dict[str, int] = {}
    ids = [codes.setdefault(t, len(codes)) for t in tokens]
    best: tuple[int, int, int, int] | None = None  # covered tokens, period, start index, repeats
    n = len(tokens)
    # A long text compares its tokens with numpy (the same bytes): a Python loop over 25 periods
    # of 100,000 tokens took seconds.
    array = None
    if n >= _NUMPY_FROM:
        import numpy as np  # only here: most replies are short, and numpy is a heavy import

        array = np.array(ids, dtype=np.int64)
    for period in range(1, min(params.max_period, n // params.min_loop_repeats) + 1):
        # Byte i is 1 when token i equals token i + period; a run of L ones means a block of
        # `period` tokens repeated L // period + 1 times. A regex finds the long runs at C speed.
        if array is not None:
            same = (array[:-period] == array[period:]).tobytes()
        else:
            same = bytes([a == b for a, b in zip(ids, ids[period:])])
        shortest = max(1, (params.min_loop_repeats - 1) * period, params.min_loop_tokens - period)
        for run_match in re.finditer(b"\x01{%d,}" % shortest, same):
            position, run = run_match.start(), run_match.end() - run_match.start()
            repeats = run // period + 1
            covered = repeats * period
            wordy = any(t[0].isalnum() or t[0] == "_" for t in tokens[position : position + period])
            if covered >= params.min_loop_tokens and wordy and (best is None or covered > best[0]):
                best = _aligned(tokens, period, position, run, params)
    if best is None:
        return None
    covered, period, start, repeats = best
    block_text = text[matches[start].start() : matches[start + period - 1].end()]
    span = (matches[start].start(), matches[start + covered - 1].end())
    return block_text, repeats, span


def _repeated_line(text: str, params: RepetitionParams) -> tuple[str, int] | None:
    lines = [" ".join(line.split()) for line in text.splitlines()]
    counts = Counter(line for line in lines if len(line) >= 12 and any(c.isalpha() for c in line))
    if not counts:
        return None
    line, count = counts.most_common(1)[0]
    return (line, count) if count >= params.min_line_repeats else None


def _repeated_sentence(text: str, params: RepetitionParams) -> tuple[str, int] | None:
    sentences = [" ".join(s.lower().split()) for s in _SENTENCE_END.split(text)]
    counts = Counter(s for s in sentences if len(s.split()) >= 4)
    if not counts:
        return None
    sentence, count = counts.most_common(1)[0]
    return (sentence, count) if count >= params.min_sentence_repeats else None


def compression_ratio(text: str) -> float:
    """zlib-compressed size over raw size (UTF-8): low means the text repeats itself."""
    raw = text.encode("utf-8")
    return len(zlib.compress(raw, 9)) / len(raw) if raw else 1.0


@lru_cache(maxsize=64)
def _shortest_loop_run(min_loop_repeats: int, min_loop_tokens: int, max_period: int) -> int:
    """Fewest tokens any flagged loop repeats at a distance: min over periods of _loop's run bound."""
    return min(max(1, (min_loop_repeats - 1) * p, min_loop_tokens - p) for p in range(1, max_period + 1))


def _has_repeated_gram(items: list[str], size: int, times: int) -> bool:
    """True when some run of ``size`` consecutive items occurs ``times`` times or more."""
    if len(items) < size + times - 1:
        return False
    count = len(items) - size + 1
    if len(set(zip(*(items[k:] for k in range(size))))) == count:
        return False  # nothing occurs twice
    return times <= 2 or Counter(zip(*(items[k:] for k in range(size)))).most_common(1)[0][1] >= times


def _may_repeat(cleaned: str, params: RepetitionParams) -> tuple[bool, bool, bool]:
    """Whether a loop, a repeated line, a repeated sentence can be there at all: (loop, line, sentence).

    Each False is certain. A loop covers a run of at least ``_shortest_loop_run`` tokens that
    recurs ``period`` tokens later, so some token n-gram that long occurs twice. A sentence of
    4+ words that occurs k times puts its first four words (whitespace-split, lower case) k
    times into the text's word sequence, since sentences are only ever split at whitespace.
    """
    low = lowered(cleaned)
    if low is None:
        return True, True, True
    tokens = _TOKEN.findall(low)  # lower-casing first gives the same tokens, lower-cased (see prefilter)
    shortest = _shortest_loop_run(params.min_loop_repeats, params.min_loop_tokens, params.max_period)
    loop = _has_repeated_gram(tokens, shortest, 2)
    line = len(cleaned.splitlines()) >= params.min_line_repeats
    sentence = _has_repeated_gram(low.split(), 4, params.min_sentence_repeats)
    return loop, line, sentence


def find_repetition(text: str, params: RepetitionParams | None = None) -> tuple[str, tuple[int, int] | None] | None:
    """The strongest sign of degenerate repetition in a text, as (description, span), or None."""
    params = params or RepetitionParams()
    cleaned = _clean(text)
    may_loop, may_line, may_sentence = _may_repeat(cleaned, params) if fast() else (True, True, True)
    loop = _loop(cleaned, params) if may_loop else None
    if loop is not None:
        block, repeats, span = loop
        return f"{_show(block)} repeated {repeats} times in a row", span
    line = _repeated_line(cleaned, params) if may_line else None
    if line is not None:
        return f"the line {_show(line[0])} appears {line[1]} times", None
    sentence = _repeated_sentence(cleaned, params) if may_sentence else None
    if sentence is not None:
        return f"the sentence {_show(sentence[0])} appears {sentence[1]} times", None
    prose = " ".join(cleaned.split())  # blanked code must not count as repetitive space
    if len(prose) >= params.min_chars_for_ratio:
        ratio = compression_ratio(prose)
        if ratio < params.min_compression_ratio:
            return f"text compresses to {ratio:.0%} of its size (highly repetitive)", None
    return None


@check("repetition", params=RepetitionParams)
def repetition(example: Example, params: RepetitionParams) -> list[Flag]:
    """No message of the given roles (the assistant's by default) repeats itself degenerately."""
    flags = []
    for i, m in messages_with_roles(example, params.roles):
        flags += partly_read("repetition", i, m.text)
        found = find_repetition(scanned(m.text), params)
        if found is not None:
            description, span = found
            flags.append(Flag(check="repetition", message=f"{description} in message {i + 1}", message_index=i, span=span))
    return flags
