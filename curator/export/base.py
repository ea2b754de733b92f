"""What every format writer shares: the split names, deterministic JSON lines, and the JSONL writer."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import IO, Any, ClassVar

from curator.export.cards import TOOLS, messages, write_card
from curator.export.records import ExportRecord

SPLITS = ("train", "test")


def json_line(row: dict[str, Any]) -> str:
    """One JSONL line: sorted keys, no insignificant space, UTF-8 kept (equal rows, equal bytes)."""
    return json.dumps(row, sort_keys=True, ensure_ascii=False, separators=(",", ":")) + "\n"


class FormatWriter:
    """Writes one format into its own folder; ``add`` returns how many rows the record became."""

    name: ClassVar[str] = ""
    kind: ClassVar[str] = ""  # "sft", "preference" or "unpaired" (DESIGN.md's table)
    description: ClassVar[str] = ""

    def __init__(self, folder: Path, *, card: dict[str, Any] | None = None) -> None:
        self.folder = folder
        self.card = card or {}  # the dataset card's facts, for formats that write one (hf)
        self.rows = {split: 0 for split in SPLITS}
        self.left_out: Counter[str] = Counter()  # rows the format cannot hold, by reason
        self.not_carried: Counter[str] = Counter()  # record keys the format has no place for

    def add(self, split: str, record: ExportRecord) -> int:
        raise NotImplementedError

    def leave_out(self, reason: str) -> list[dict[str, Any]]:
        """Count a row left out for ``reason``; returns no rows."""
        self.left_out[reason] += 1
        return []

    def note_dropped_keys(self, record: ExportRecord, kept: tuple[str, ...] = ()) -> None:
        """Count the OpenAI row keys (parallel_tool_calls) this record has and the format drops."""
        from curator.export.messages import OPENAI_ROW_KEYS

        for key in OPENAI_ROW_KEYS:
            if key not in kept and key in record.metadata:
                self.not_carried[key] += 1

    def close(self) -> None:
        """Finish the files (called once, after the last record)."""

    def abort(self) -> None:
        """Release open files after an error (the temporary folder is removed anyway)."""


class JsonlWriter(FormatWriter):
    """train.jsonl and test.jsonl, one row per line; subclasses say what rows a record makes."""

    def __init__(self, folder: Path, *, card: dict[str, Any] | None = None) -> None:
        super().__init__(folder, card=card)
        folder.mkdir(parents=True, exist_ok=True)
        self._files: dict[str, IO[str]] = {
            # Held open across the whole export (one add() per record); closed by close() or abort().
            split: open(folder / f"{split}.jsonl", "w", encoding="utf-8", newline="\n")  # noqa: SIM115
            for split in SPLITS
        }

    def rows_for(self, record: ExportRecord) -> list[dict[str, Any]]:
        raise NotImplementedError

    def add(self, split: str, record: ExportRecord) -> int:
        rows = self.rows_for(record)
        if rows:
            self._files[split].write("".join(json_line(r) for r in rows))
            self.rows[split] += len(rows)
        return len(rows)

    def close(self) -> None:
        for fh in self._files.values():
            fh.close()
        features = self.card_features()
        if features is not None:
            write_card(self.folder, features, self.description, splits=SPLITS)

    def card_features(self) -> list[dict[str, Any]] | None:
        """The features a dataset card declares for these files (None: no card)."""
        return None

    def abort(self) -> None:
        for fh in self._files.values():
            fh.close()


class ConversationWriter(JsonlWriter):
    """SFT rows {"messages", "tools"?}: one per record that has training messages.

    ``plain`` gives text content without OpenAI-only keys, for trainers other than OpenAI's
    (``datasets`` needs one type per column); a row with image parts or a weight-0 turn, which
    such a file cannot hold, is left out and counted instead.
    """

    plain: ClassVar[bool] = True
    holds_weights: ClassVar[bool] = False  # the format can mark a weight-0 turn as not trained

    def rows_for(self, record: ExportRecord) -> list[dict[str, Any]]:
        if record.messages is None:
            return []
        from curator.export.messages import plain_messages, unsupported

        reason = unsupported(record.messages, parts=not self.plain, weights=self.holds_weights or not self.plain)
        if reason:
            return self.leave_out(reason)
        row: dict[str, Any] = {"messages": plain_messages(record.messages) if self.plain else record.messages}
        if record.tools or self.plain:
            # Trainers load train and test with datasets, which needs one schema in both: a
            # plain row always has the column (null without tools). OpenAI's rows hold only
            # what its API takes.
            row["tools"] = record.tools or None
        return [self.finish_row(row, record)]

    def finish_row(self, row: dict[str, Any], record: ExportRecord) -> dict[str, Any]:
        """The row's format-specific additions; by default, note the OpenAI keys it drops."""
        self.note_dropped_keys(record)
        return row

    def card_features(self) -> list[dict[str, Any]] | None:
        if not self.plain:
            return None
        return [messages("messages"), TOOLS]
