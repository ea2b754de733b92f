"""Stream JSON records out of a file (plain or gzip): JSONL, a JSON array, or concatenated objects.

Memory stays flat whatever the file size: JSONL is read line by line, and a JSON array is
decoded element by element from a buffer that only ever holds about one record plus a chunk.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from curator.formats import codes
from curator.formats.validate import Issue

GZIP_MAGIC = b"\x1f\x8b"
_CHUNK = 1 << 20  # bytes read per refill of the JSON-array buffer
_MAX_RECORD = 64 << 20  # past this, an undecodable element is broken, not merely long
_WS = re.compile(r"[ \t\r\n]*")
_DECODER = json.JSONDecoder()


@dataclass(slots=True)
class RawRecord:
    """One record as read: its 1-based line, its text, and its JSON value or the reason it has none."""

    line: int | None
    raw: str
    value: Any = None
    issue: Issue | None = None


def open_binary(path: str | os.PathLike[str]) -> io.BufferedIOBase:
    """Open a file for reading bytes, gunzipping it if its first bytes say it is gzip."""
    with open(path, "rb") as probe:
        magic = probe.read(2)
    if magic == GZIP_MAGIC:
        return gzip.GzipFile(path, "rb")
    return open(path, "rb")


def iter_json_records(path: str | os.PathLike[str]) -> Iterator[RawRecord]:
    """Yield every record of a JSONL file, JSON array or stream of JSON objects."""
    layout = sniff_layout(path)
    with open_binary(path) as fh:
        if layout == "jsonl":
            yield from _iter_lines(fh)
        else:
            yield from _JsonStream(fh, array=layout == "array")


def sniff_layout(path: str | os.PathLike[str]) -> str:
    """'array' (starts with '['), 'stream' (pretty-printed objects) or 'jsonl'."""
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
            if line.startswith("{") and line_bytes.endswith(b"\n"):
                try:
                    json.loads(line)
                except ValueError:
                    return "stream"
            return "jsonl"


def _iter_lines(fh: io.BufferedIOBase) -> Iterator[RawRecord]:
    loads = json.loads
    for number, line_bytes in enumerate(fh, start=1):
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
        try:
            value = loads(raw)
        except ValueError as exc:
            yield RawRecord(number, raw, issue=Issue(codes.INVALID_JSON, None, f"not JSON: {exc}"))
            continue
        yield _record(number, raw, value)


def _record(line: int | None, raw: str, value: Any) -> RawRecord:
    if not isinstance(value, dict):
        kind = "a list" if isinstance(value, list) else type(value).__name__
        return RawRecord(line, raw, value, Issue(
            codes.NOT_OBJECT, None, f"a record must be a JSON object, not {kind}"))
    return RawRecord(line, raw, value)


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
            if record.issue is not None and record.issue.code == codes.INVALID_JSON:
                return
        if self._array:
            yield self._rest_invalid("the JSON array is not closed with ']'")

    def _decode_one(self) -> RawRecord:
        want = _CHUNK
        while True:
            try:
                value, end = _DECODER.raw_decode(self._buf, self._pos)
            except ValueError as exc:
                if self._eof or len(self._buf) - self._pos > _MAX_RECORD:
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

    def _rest_invalid(self, reason: str) -> RawRecord:
        """The input cannot be resynchronised after this point: one problem for the rest."""
        line = self._pos_line
        while not self._eof:
            self._refill(_CHUNK)  # enough of the rest to show; never the whole file
            if len(self._buf) > 2 * _CHUNK:
                self._buf = self._buf[: 2 * _CHUNK]
                break
        raw = self._buf[self._pos:]
        return RawRecord(line, raw, issue=Issue(
            codes.INVALID_JSON, None,
            f"{reason} (from line {line}); the records after this point could not be read"))


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
