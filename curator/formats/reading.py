"""Stream JSON records out of a file (plain or gzip): JSONL, a JSON array, or concatenated objects.

Memory stays flat whatever the file holds (see limits.py): a JSONL line is read at most
MAX_RECORD_BYTES at a time, and a longer one is skipped in chunks up to its newline; a JSON
array is decoded element by element from a buffer that only ever holds about one record plus a
chunk; a gzip file stops at its decompression limit. Every such case ends as a problem, never as
an exception, and the records around it are still read.
"""

from __future__ import annotations

import io
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from curator.formats import codes
from curator.formats.limits import MAX_DEPTH, MAX_RECORD_BYTES
from curator.formats.opening import InputTooLarge, open_binary
from curator.formats.validate import Issue

_CHUNK = 1 << 20  # bytes read per refill of the JSON-array buffer, or per step over a long line
_RAW_HEAD = 100_000  # bytes of an over-long record kept as its problem's raw text
_WS = re.compile(r"[ \t\r\n]*")
_DECODER = json.JSONDecoder()
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


@dataclass(slots=True)
class RawRecord:
    """One record as read: its 1-based line, its text, and its JSON value or the reason it has none."""

    line: int | None
    raw: str
    value: Any = None
    issue: Issue | None = None
    last: bool = False  # the input cannot be read past this record
    pending: bool = False  # a JSONL line not decoded yet: see ``decoded``


def iter_json_records(path: str | os.PathLike[str], *, decode: bool = True) -> Iterator[RawRecord]:
    """Yield every record of a JSONL file, JSON array or stream of JSON objects.

    With ``decode=False`` a JSONL line comes undecoded (``pending``), so the decoding can be
    done elsewhere, e.g. in a worker process, by ``decoded``; other layouts are decoded here,
    since finding where a record ends is decoding it.
    """
    layout = sniff_layout(path)
    with open_binary(path) as fh:
        if layout == "jsonl":
            yield from _iter_lines(fh, decode=decode)
        else:
            yield from _JsonStream(fh, array=layout == "array")


def sniff_layout(path: str | os.PathLike[str]) -> str:
    """'array' (starts with '['), 'stream' (pretty-printed objects) or 'jsonl'.

    A first line that is not JSON on its own is a pretty-printed object only if the text from
    there decodes as one object over several lines; otherwise it is a broken JSONL line, and the
    lines after it are read one by one, not lost with it.
    """
    try:
        with open_binary(path) as fh:
            while True:
                # bounded: a one-line 2 GB array must not be read whole just to see its first byte
                line_bytes = fh.readline(_CHUNK)
                if not line_bytes:
                    return "jsonl"
                line = line_bytes.decode("utf-8", "replace").lstrip("\ufeff").strip()
                if not line:
                    continue
                if line.startswith("["):
                    return "array"
                if line.startswith("{") and line_bytes.endswith(b"\n") and not _parses(line):
                    return "stream" if _object_over_lines(fh, line_bytes) else "jsonl"
                return "jsonl"
    except InputTooLarge:
        return "jsonl"


def _parses(text: str) -> bool:
    try:
        json.loads(text)
    except (ValueError, RecursionError):
        return False
    return True


def _object_over_lines(fh: io.BufferedIOBase, first: bytes) -> bool:
    """True when the text from ``first`` on decodes as one JSON object spanning several lines."""
    head = first
    while True:
        text = head.decode("utf-8", "replace").lstrip("\ufeff").lstrip()
        try:
            _value, end = _DECODER.raw_decode(text)
        except RecursionError:
            return False
        except json.JSONDecodeError as exc:
            more = fh.read(len(head)) if len(head) < MAX_RECORD_BYTES else b""
            # Cut short by the end of what was read (the error sits on its last, unfinished
            # line): read as much again and retry. An error before that is a broken line.
            if more and "\n" not in text[exc.pos:]:
                head += more
                continue
            return bool(not more and len(head) >= MAX_RECORD_BYTES)
        # One object over several lines (pretty-printed), or objects back to back on the line;
        # anything else after a decoded start makes the first line one broken record.
        return "\n" in text[:end] or text[end:].lstrip(" \t").startswith("{")


def _iter_lines(fh: io.BufferedIOBase, *, decode: bool = True) -> Iterator[RawRecord]:
    readline = fh.readline
    number = 0
    try:
        while line_bytes := readline(MAX_RECORD_BYTES + 1):
            number += 1
            if len(line_bytes) > MAX_RECORD_BYTES and not line_bytes.endswith(b"\n"):
                yield _too_large_line(number, line_bytes, fh)
                continue
            try:
                text = line_bytes.decode("utf-8")
            except UnicodeDecodeError as exc:
                raw = line_bytes.decode("utf-8", "replace").rstrip("\r\n")
                yield RawRecord(number, raw, issue=Issue(
                    codes.NOT_UTF8, None,
                    f"bytes that are not UTF-8 at column {exc.start + 1}; re-encode the file as UTF-8"))
                continue
            if number == 1:
                text = text.lstrip("\ufeff")
            raw = text.rstrip("\r\n")
            if not raw or raw.isspace():
                continue
            yield _decode_line(number, raw) if decode else RawRecord(number, raw, pending=True)
    except InputTooLarge as exc:
        yield RawRecord(number or None, "", issue=Issue(codes.INPUT_TOO_LARGE, None, exc.reason))


def decoded(record: RawRecord) -> RawRecord:
    """The record with its JSON decoded (and checked), when it came ``pending``; else itself."""
    return _decode_line(record.line, record.raw) if record.pending else record


def _decode_line(number: int | None, raw: str) -> RawRecord:
    try:
        value = json.loads(raw)
    except ValueError as exc:
        return RawRecord(number, raw, issue=Issue(codes.INVALID_JSON, None, f"not JSON: {exc}"))
    except RecursionError:
        return RawRecord(number, raw, issue=_too_deep())
    return _record(number, raw, value)


def _too_large_line(number: int, head: bytes, fh: io.BufferedIOBase) -> RawRecord:
    """The problem for a line over MAX_RECORD_BYTES, read past in chunks up to its newline."""
    size = len(head)
    while True:
        part = fh.readline(_CHUNK)
        size += len(part)
        if not part or part.endswith(b"\n"):
            break
    size -= 1 if part.endswith(b"\n") else 0
    raw = head[:_RAW_HEAD].decode("utf-8", "replace")
    return RawRecord(number, raw + f"\n[... truncated: {size - _RAW_HEAD:,} more bytes not kept]",
                     issue=_too_large(size))


def _too_large(size: int | None) -> Issue:
    what = f"{size:,} bytes" if size is not None else f"more than {MAX_RECORD_BYTES:,} bytes"
    return Issue(codes.RECORD_TOO_LARGE, None,
                 f"the record is {what}, over the limit of {MAX_RECORD_BYTES:,} bytes per record; "
                 "it was skipped: split or shorten it")


def _too_deep() -> Issue:
    return Issue(codes.TOO_DEEP, None,
                 f"objects and lists nested more than {MAX_DEPTH} levels deep; flatten the record")


def _record(line: int | None, raw: str, value: Any) -> RawRecord:
    if not isinstance(value, dict):
        kind = "a list" if isinstance(value, list) else type(value).__name__
        return RawRecord(line, raw, value, Issue(
            codes.NOT_OBJECT, None, f"a record must be a JSON object, not {kind}"))
    # Cheap tests on the raw text first: only a record that could hold the hazard is walked.
    if (raw.count("{") + raw.count("[") > MAX_DEPTH) and _deeper_than(value, MAX_DEPTH):
        return RawRecord(line, raw, issue=_too_deep())
    if _SURROGATE_ESCAPE.search(raw):
        lone = _lone_surrogate(value)
        if lone is not None:
            return RawRecord(line, raw, issue=Issue(
                codes.LONE_SURROGATE, None,
                f"the escape \\u{ord(lone):04x} is half of a UTF-16 surrogate pair with no other "
                "half: not a character, and it cannot be stored as UTF-8; fix or remove it"))
    return RawRecord(line, raw, value)


def _deeper_than(value: Any, limit: int) -> bool:
    """True when objects and lists nest more than ``limit`` levels (walked without recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        children = item.values() if isinstance(item, dict) else item
        stack.extend((c, depth + 1) for c in children if isinstance(c, (dict, list)))
    return False


def _lone_surrogate(value: Any) -> str | None:
    """The first unpaired surrogate in any string of the record, or None (paired ones decode whole)."""
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as exc:
        return str(exc.object[exc.start])
    return None


class _JsonStream:
    """Incremental decoder for a JSON array (or whitespace-separated objects) read in chunks."""

    def __init__(self, fh: io.BufferedIOBase, *, array: bool) -> None:
        self._fh = fh
        self._carry = b""  # the start of a UTF-8 sequence cut by the last read
        self._started = False
        self._array = array
        self._buf = ""
        self._pos = 0
        self._pos_line = 1  # the line of self._buf[self._pos]
        self._lines_read = 0
        self._bad_lines: list[int] = []  # lines that held non-UTF-8 bytes
        self._eof = False

    def __iter__(self) -> Iterator[RawRecord]:
        try:
            yield from self._records()
        except InputTooLarge as exc:
            yield RawRecord(self._pos_line, "", issue=Issue(codes.INPUT_TOO_LARGE, None, exc.reason), last=True)

    def _records(self) -> Iterator[RawRecord]:
        if self._array:
            if not self._skip_ws() or self._buf[self._pos] != "[":
                yield self._rest_invalid("a JSON array must start with '['")
                return
            self._pos += 1
        first = True
        while self._skip_ws():
            char = self._buf[self._pos]
            if self._array and char == "]":
                return
            if self._array and not first:
                if char != ",":
                    yield self._rest_invalid("expected ',' or ']' between array elements")
                    return
                self._pos += 1
                if not self._skip_ws():
                    break
            first = False
            record = self._decode_one()
            yield record
            if record.last:
                return
        if self._array:
            yield self._rest_invalid("the JSON array is not closed with ']'")

    def _decode_one(self) -> RawRecord:
        want = _CHUNK
        while True:
            try:
                value, end = _DECODER.raw_decode(self._buf, self._pos)
            except RecursionError:
                return self._rest_invalid(_too_deep().message, code=codes.TOO_DEEP)
            except ValueError as exc:
                if len(self._buf) - self._pos > MAX_RECORD_BYTES:
                    return self._rest_invalid(_too_large(None).message, code=codes.RECORD_TOO_LARGE)
                if self._eof:
                    return self._rest_invalid(f"not JSON: {exc}")
                self._refill(want)
                want *= 2  # doubling keeps re-decoding a huge record linear overall
                continue
            if end == len(self._buf) and not self._eof:
                self._refill(want)  # a number cut at the buffer's end would decode short
                continue
            break
        start_line = self._pos_line
        raw = self._buf[self._pos:end]
        end_line = start_line + raw.count("\n")
        self._pos_line = end_line
        self._pos = end
        if len(raw) > MAX_RECORD_BYTES // 4 and len(raw.encode("utf-8", "replace")) > MAX_RECORD_BYTES:
            size = len(raw.encode("utf-8", "replace"))
            kept = raw[:_RAW_HEAD] + f"\n[... truncated: {len(raw) - _RAW_HEAD:,} more characters not kept]"
            return RawRecord(start_line, kept, issue=_too_large(size))
        if any(start_line <= n <= end_line for n in self._bad_lines):
            return RawRecord(start_line, raw, issue=Issue(
                codes.NOT_UTF8, None, "bytes that are not UTF-8; re-encode the file as UTF-8"))
        return _record(start_line, raw, value)

    def _skip_ws(self) -> bool:
        """Move past whitespace; False at the end of the input."""
        while True:
            end = _WS.match(self._buf, self._pos).end()  # type: ignore[union-attr]
            self._pos_line += self._buf.count("\n", self._pos, end)
            self._pos = end
            if end < len(self._buf):
                return True
            if self._eof:
                return False
            self._refill(_CHUNK)

    def _refill(self, want: int) -> None:
        # Read in bulk, up to the end of a line where one comes soon; a UTF-8 sequence cut
        # at the end waits for the next read, so only truly bad bytes fail to decode.
        fresh = self._fh.read(want)
        if fresh and not fresh.endswith(b"\n"):
            fresh += self._fh.readline(_CHUNK)
        if fresh:
            data, self._carry = _split_incomplete(self._carry + fresh)
        else:
            self._eof = True
            data, self._carry = self._carry, b""
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            lines = data.split(b"\n")
            for offset, line_bytes in enumerate(lines):
                try:
                    line_bytes.decode("utf-8")
                except UnicodeDecodeError:
                    self._bad_lines.append(self._lines_read + offset + 1)
            text = data.decode("utf-8", "replace")
        if not self._started:
            text = text.lstrip("\ufeff")
            self._started = True
        self._lines_read += data.count(b"\n")
        self._buf = self._buf[self._pos:] + text
        self._pos = 0
        self._bad_lines = [n for n in self._bad_lines if n >= self._pos_line]

    def _rest_invalid(self, reason: str, *, code: str = codes.INVALID_JSON) -> RawRecord:
        """The input cannot be resynchronised after this point: one problem for the rest."""
        line = self._pos_line
        while not self._eof:
            self._refill(_CHUNK)  # enough of the rest to show; never the whole file
            if len(self._buf) > 2 * _CHUNK:
                self._buf = self._buf[: 2 * _CHUNK]
                break
        raw = self._buf[self._pos:][:2 * _CHUNK]
        return RawRecord(line, raw, issue=Issue(
            code, None,
            f"{reason} (from line {line}); the records after this point could not be read"), last=True)


def _split_incomplete(data: bytes) -> tuple[bytes, bytes]:
    """(whole characters, the start of a UTF-8 sequence cut off at the end)."""
    i = len(data) - 1
    while i >= max(0, len(data) - 4) and data[i] & 0xC0 == 0x80:
        i -= 1
    if i < 0 or data[i] < 0xC0:
        return data, b""
    needed = 2 if data[i] < 0xE0 else 3 if data[i] < 0xF0 else 4
    if i + needed > len(data):
        return data[:i], data[i:]
    return data, b""
