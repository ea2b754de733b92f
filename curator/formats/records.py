"""open_records: stream a file's records as examples or problems, in any supported format."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from curator.errors import InvalidInputError
from curator.formats import codes, hf
from curator.formats.conversation import Conversation, Converted
from curator.formats.detect import CONVERTERS, FORMATS, detect_record
from curator.formats.limits import MAX_RECORD_BYTES
from curator.formats.opening import require_regular
from curator.formats.reading import RawRecord, decoded, iter_json_records
from curator.formats.validate import (
    Issue,
    dropped_response_keys,
    is_empty_reply,
    normalize_message,
    validate_messages,
    validate_reply,
    validate_tools,
)
from curator.models import Example, Problem, Source, canonical_json, example_id

RAW_LIMIT = 100_000  # characters of raw text kept on a problem
_SNIFF_RECORDS = 50  # how many records auto-detection may look at


@dataclass
class Parsed:
    """One input record: an example, or the problems that kept it from being one."""

    line: int | None
    raw: str
    example: Example | None
    problems: list[Problem]


@dataclass(slots=True)
class HfRow:
    """One row of a Hugging Face dataset as read: its number, its JSON text, its split."""

    line: int | None
    raw: str
    split: str | None
    too_large: bool = False


class RecordReader:
    """An iterable over a file's records; reading starts afresh on every iteration."""

    def __init__(self, path: Path, *, format: str, reason: str, source: str,
                 label: str | None = None) -> None:
        self.path = label or str(path)  # as recorded on examples and problems, and in messages
        self.format = format
        self.reason = reason
        self.source = source
        self._path = path
        self._hf_rows = format == "hf" or hf.is_hf_path(path)

    def __repr__(self) -> str:
        return f"RecordReader({self.path!r}, format={self.format!r})"

    def __iter__(self) -> Iterator[Parsed]:
        return map(self.parse, self.records())

    def records(self) -> Iterator[RawRecord | HfRow]:
        """The file's records as read, not yet parsed: cheap to make, and picklable.

        ``parse`` turns each into a Parsed; the import does that in worker processes.
        """
        if self._hf_rows:
            return self._hf_records()
        return iter_json_records(self._path, decode=False)

    def parse(self, record: RawRecord | HfRow) -> Parsed:
        """One record, as ``records`` gave it, made into an example or problems."""
        if isinstance(record, HfRow):
            if record.too_large:
                return self._failed(record.line, record.raw, [Issue(
                    codes.RECORD_TOO_LARGE, None,
                    f"the row is over the limit of {MAX_RECORD_BYTES:,} bytes per record; split or shorten it")])
            value = json.loads(record.raw)  # plain JSON values (dates become strings) for metadata
            convert = CONVERTERS.get(self.format) or _converter_for(value)
            converted = convert(value) if convert else [_unknown(value)]
            return self._parse(record.line, record.raw, converted, record.split)
        record = decoded(record)
        if record.issue is not None:
            return self._failed(record.line, record.raw, [record.issue])
        return self._parse(record.line, record.raw, CONVERTERS[self.format](record.value), None)

    def _hf_records(self) -> Iterator[HfRow]:
        for row in hf.iter_rows(self._path):
            raw = json.dumps(row.value, ensure_ascii=False, default=str)
            too_large = len(raw) > MAX_RECORD_BYTES // 4 and len(raw.encode("utf-8", "replace")) > MAX_RECORD_BYTES
            yield HfRow(row.number, raw, row.split, too_large)

    def _parse(self, line: int | None, raw: str, converted: Converted,
               split: str | None) -> Parsed:
        if not isinstance(converted, Conversation):
            return self._failed(line, raw, converted)
        errors, warnings = validate_messages(converted.messages)
        if converted.tools is not None:
            errors += validate_tools(converted.tools)
        if converted.rejected is not None:
            errors += validate_reply(converted.rejected)
        if errors:
            return self._failed(line, raw, errors)
        metadata = converted.metadata
        if split is not None:
            metadata = {**metadata, "split": split}
        if converted.rejected is not None and is_empty_reply(converted.rejected) and (
                codes.EMPTY_REPLY not in warnings):
            warnings.append(codes.EMPTY_REPLY)
        if codes.RESPONSE_KEYS_DROPPED in warnings or converted.rejected is not None:
            every = [*converted.messages, converted.rejected]
            names = dropped_response_keys(every)
            if names:
                metadata = {**metadata, "dropped_response_keys": names}
                if codes.RESPONSE_KEYS_DROPPED not in warnings:
                    warnings.append(codes.RESPONSE_KEYS_DROPPED)
        try:
            example = build_example(converted, warnings=warnings, metadata=metadata,
                                    source={"name": self.source, "file": self.path,
                                            "line": line, "format": self.format})
        except ValidationError as exc:  # a gap in validate.py: still a problem, never a crash
            first = exc.errors()[0]
            field = ".".join(str(p) for p in first["loc"])
            return self._failed(line, raw, [Issue(codes.WRONG_TYPE, field, first["msg"])])
        return Parsed(line, raw, example, [])

    def _failed(self, line: int | None, raw: str, issues: list[Issue]) -> Parsed:
        return Parsed(line, raw, None, problems_for(issues, source=self.source, file=self.path,
                                                    line=line, raw=raw))


def build_example(conversation: Conversation, *, warnings: list[str], metadata: dict[str, Any],
                  source: Source | dict[str, Any] | None) -> Example:
    """An Example from an already-validated conversation, with the id Example.create would give."""
    messages = [normalize_message(m) for m in conversation.messages]
    rejected = normalize_message(conversation.rejected) if conversation.rejected else None
    tools = conversation.tools
    # One model_validate on checked dicts instead of Example.create's per-message round
    # trips: the same id (tests prove it), at a fraction of the cost on the import hot path.
    # The messages' canonical JSON is made once: for the id here, for the store later.
    messages_json = canonical_json(messages)
    example = Example.model_validate({
        "id": example_id(messages, tools, rejected, messages_json=messages_json),
        "messages": messages,
        "tools": tools,
        "rejected": rejected,
        "source": source,
        "metadata": metadata,
        "warnings": warnings,
    })
    example.remember_plain(messages, messages_json)
    return example


def problems_for(issues: list[Issue], *, source: str, file: str | None, line: int | None,
                 raw: str) -> list[Problem]:
    """One problem per error code; further errors of the same code are named in its message."""
    kept = truncate(raw)
    by_code: dict[str, list[Issue]] = {}
    for issue in issues:
        by_code.setdefault(issue.code, []).append(issue)
    problems = []
    for code, same in by_code.items():
        message = same[0].message
        if len(same) > 1:
            others = ", ".join(i.field or "?" for i in same[1:4])
            more = "..." if len(same) > 4 else ""
            message += f" (and {len(same) - 1} more: {others}{more})"
        problems.append(Problem(source=source, file=file, line=line, code=code,
                                field=same[0].field, message=message, raw=kept))
    return problems


def truncate(raw: str, *, limit: int = RAW_LIMIT) -> str:
    """The raw text, cut at ``limit`` characters with a note saying so."""
    if len(raw) <= limit:
        return raw
    return raw[:limit] + f"\n[... truncated: {len(raw) - limit} more characters not kept]"


def open_records(path: str | os.PathLike[str], *, format: str = "auto",
                 source: str | None = None, label: str | None = None) -> RecordReader:
    """A streaming reader of a file's (or dataset folder's) records in the given or detected format.

    ``label`` names the file in messages and on what is stored (default: its path), e.g. the
    name of an uploaded file rather than the temporary file holding it.
    """
    where = Path(path)
    shown = label or str(path)
    if format != "auto" and format not in FORMATS:
        raise InvalidInputError(f"unknown format {format!r}; use auto or one of: "
                                + ", ".join(FORMATS), file=shown)
    if not where.exists():
        raise InvalidInputError("no such file or folder", file=shown)
    try:
        require_regular(where)
    except InvalidInputError as exc:
        raise InvalidInputError(exc.reason, file=shown) from exc
    name = source or (Path(label).name if label else where.name)
    if format != "auto":
        return RecordReader(where, format=format, reason=f"{format} (given)", source=name, label=label)
    try:
        chosen, reason = _detect(where)
    except InvalidInputError as exc:
        if label is None or exc.file != str(path):
            raise
        raise InvalidInputError(exc.reason, file=label, line=exc.line, field=exc.field, code=exc.code) from exc
    return RecordReader(where, format=chosen, reason=reason, source=name, label=label)


def _detect(path: Path) -> tuple[str, str]:
    if hf.is_hf_path(path):
        what = "a folder" if path.is_dir() else f"a {path.suffix} file"
        for row in hf.iter_rows(path):
            found = detect_record(row.value)
            if found is None:
                raise InvalidInputError(
                    f"no known format in its first row (columns: {_keys(row.value)}); name the format",
                    file=str(path), setting="format")
            return "hf", f"hf ({what}, read with datasets; rows look like {found[0]}: {found[1]})"
        raise InvalidInputError("the dataset has no rows", file=str(path))
    seen: list[RawRecord] = []
    for record in iter_json_records(path):
        if record.issue is None:
            found = detect_record(record.value)
            if found is not None:
                which = "first record" if not seen else f"record at line {record.line}"
                return found[0], f"{found[0]} ({which} {found[1]})"
        seen.append(record)
        if len(seen) >= _SNIFF_RECORDS:
            break
    if not seen:
        raise InvalidInputError("the file holds no records", file=str(path))
    objects = [r.value for r in seen if r.issue is None]
    hint = f"keys of the first record: {_keys(objects[0])}" if objects else "no record is a JSON object"
    raise InvalidInputError(f"no known format in the first {len(seen)} records ({hint}); "
                            "name the format", file=str(path), setting="format")


def _converter_for(row: dict[str, Any]) -> Callable[[dict[str, Any]], Converted] | None:
    found = detect_record(row)
    return CONVERTERS[found[0]] if found else None


def _unknown(row: dict[str, Any]) -> Issue:
    return Issue(codes.UNKNOWN_FORMAT, None,
                 f"a row in no known shape (columns: {_keys(row)})")


def _keys(value: dict[str, Any]) -> str:
    return ", ".join(repr(k) for k in list(value)[:10]) or "none"
