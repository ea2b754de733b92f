"""Bulk decisions as JSONL: import from another tool (by id or by source and line), export all."""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from curator.digests import file_sha256
from curator.errors import CuratorError, InvalidInputError, NotFoundError, path_error
from curator.models import Correction, Decision, DecisionKind, User, UserRole, Verdict
from curator.services.atomic import atomic_file
from curator.services.decisions import append_in, resolve_reviewer
from curator.services.outcomes import live_decisions
from curator.services.users import require
from curator.services.write_batches import write_in_batches
from curator.store import Connection, Store, decision_lines
from curator.store import decisions as decisions_repo
from curator.store import examples as examples_repo
from curator.store import suggestions as suggestions_repo

# "id", "target_id", "via_cluster" and "suggestion_id" come with an exported log; they name rows
# of the other database, so their values are read past. Provenance travels by what a database
# can find instead: "via_cluster_source" (the example, reviewer and kind of the decision it was
# propagated from) and "suggestion_model" (whose suggestion on this example was accepted).
_KEYS = {"id", "target_id", "via_cluster", "suggestion_id", "via_cluster_source", "suggestion_model", "example_id", "source",
         "line", "reviewer", "verdict", "rules", "note", "correction", "guideline_version", "created_at", "kind"}


@dataclass
class LineError:
    line: int
    field: str | None
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "field": self.field, "message": self.message}

    @classmethod
    def of(cls, line: int, exc: CuratorError | ValueError) -> LineError:
        """What a line's failure says: not JSON, a bad field, or the refusal's own words."""
        if isinstance(exc, (json.JSONDecodeError, UnicodeDecodeError)):
            return cls(line, None, f"not JSON: {exc}")
        if isinstance(exc, InvalidInputError):
            return cls(line, exc.field, exc.reason)
        return cls(line, None, str(exc))


@dataclass
class DecisionImport:
    file: str
    lines: int = 0
    applied: int = 0
    unchanged: int = 0
    already_applied: int = 0  # of the unchanged: lines an earlier run of the same file applied
    skipped: int = 0  # retractions and reopens from an exported log: history, not decisions
    undone: int = 0  # decisions the same log retracts or reopens later: history, not applied
    errors: list[LineError] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file, "lines": self.lines, "applied": self.applied, "unchanged": self.unchanged,
            "already_applied": self.already_applied, "skipped": self.skipped, "undone": self.undone,
            "errors": [e.as_dict() for e in self.errors],
        }


def _field_error(exc: ValidationError) -> tuple[str | None, str]:
    first = exc.errors()[0]
    loc = ".".join(str(p) for p in first["loc"]) or None
    return loc, first["msg"]


def example_named(conn: Connection, obj: dict[str, Any]) -> str:
    """The id of the example a JSONL line names: by ``example_id``, or by ``source`` and ``line`` as imported."""
    if "example_id" in obj:
        example_id = str(obj["example_id"])
        examples_repo.get_row(conn, example_id)
        return example_id
    if "source" in obj and "line" in obj:
        line = obj["line"]
        if isinstance(line, str) and line.strip().isdigit():
            line = int(line)
        if not isinstance(line, int) or isinstance(line, bool):
            raise InvalidInputError("line must be a whole number", field="line")
        ids = examples_repo.find_by_place(conn, str(obj["source"]), line)
        if not ids:
            raise NotFoundError(f"no example imported from {obj['source']!r} line {line}")
        if len(ids) > 1:
            raise InvalidInputError(f"{obj['source']!r} line {line} names {len(ids)} examples; use example_id", field="line")
        return ids[0]
    raise InvalidInputError("name the example: 'example_id', or 'source' and 'line'", field="example_id")


def _parse(conn: Any, obj: Any, known_rules: Collection[str] | None) -> tuple[Decision, User]:
    if not isinstance(obj, dict):
        raise InvalidInputError("a decision line must be a JSON object")
    extra = sorted(set(obj) - _KEYS)
    if extra:
        raise InvalidInputError(f"unknown key {extra[0]!r}", field=extra[0])
    example_id = example_named(conn, obj)
    if "reviewer" not in obj:
        raise InvalidInputError("missing reviewer", field="reviewer")
    reviewer = resolve_reviewer(conn, str(obj["reviewer"]))
    payload = {k: v for k, v in obj.items() if k in ("verdict", "rules", "note", "guideline_version", "created_at", "kind")}
    try:
        correction = Correction.model_validate(obj["correction"]) if obj.get("correction") else None
        decision = Decision(example_id=example_id, reviewer=reviewer.name, correction=correction, **payload)
    except ValidationError as exc:
        loc, msg = _field_error(exc)
        raise InvalidInputError(msg, field=loc) from exc
    if decision.kind not in (DecisionKind.DECISION, DecisionKind.ADJUDICATION):
        raise InvalidInputError("only decisions and adjudications can be imported", field="kind")
    if decision.kind == DecisionKind.ADJUDICATION and not reviewer.role.at_least(UserRole.LEAD):
        raise InvalidInputError(f"{reviewer.name} is not a lead and cannot adjudicate", field="kind")
    provenance: dict[str, Any] = {}
    if obj.get("via_cluster") is not None:
        provenance["via_cluster"] = _propagated_from(conn, obj.get("via_cluster_source"))
    if obj.get("suggestion_id") is not None:
        provenance["suggestion_id"] = _accepted_suggestion(conn, example_id, obj.get("suggestion_model"))
    return decision.model_copy(update=provenance), reviewer


def _propagated_from(conn: Connection, named: Any) -> int:
    """This database's id of the decision a propagated one copies, found by example, reviewer and kind."""
    if not isinstance(named, dict) or not all(isinstance(named.get(k), str) for k in ("example_id", "reviewer", "kind")):
        raise InvalidInputError("a propagated decision needs via_cluster_source (the example_id, reviewer and kind of the "
                                "representative's decision), as a decisions export writes it", field="via_cluster")
    live, adjudication = live_decisions(decisions_repo.for_example(conn, named["example_id"]))
    found = next((d for d in [*live, *([adjudication] if adjudication else [])]
                  if d.reviewer == named["reviewer"] and d.kind.value == named["kind"] and d.via_cluster is None), None)
    if found is None or found.id is None:
        raise InvalidInputError(f"propagated from {named['reviewer']}'s {named['kind']} on the representative {named['example_id']}, "
                                "which this database does not hold: import the representative's line first", field="via_cluster")
    return found.id


def _accepted_suggestion(conn: Connection, example_id: str, model: Any) -> int:
    """This database's id of the suggestion by ``model`` on the example that the decision accepted."""
    if not isinstance(model, str) or not model:
        raise InvalidInputError("a decision that accepted a suggestion needs suggestion_model, as a decisions export writes it",
                                field="suggestion_id")
    found = next((s for s in suggestions_repo.for_example(conn, example_id) if s.model == model), None)
    if found is None or found.id is None:
        raise InvalidInputError(f"accepted a suggestion by {model}, which this database does not hold for this example: "
                                "import that judge's suggestions first", field="suggestion_id")
    return found.id


def _same(a: Decision, b: Decision) -> bool:
    keys = ("kind", "verdict", "rules", "note", "correction")
    return all(getattr(a, k) == getattr(b, k) for k in keys)


@dataclass
class _LaterUndone:
    """What an exported log itself undoes later: the decisions it retracts, and each example's
    last reopen (nothing before it counts). Its decision lines are applied only if they still
    count at the log's end, so an import reproduces the outcomes the log ends with."""

    retracted: set[int] = field(default_factory=set)
    reopened: dict[str, int] = field(default_factory=dict)

    def add(self, obj: Any) -> None:
        if not isinstance(obj, dict) or not isinstance(obj.get("id"), int):
            return
        if obj.get("kind") == DecisionKind.RETRACTION.value and isinstance(obj.get("target_id"), int):
            self.retracted.add(obj["target_id"])
        elif obj.get("kind") == DecisionKind.REOPEN.value and isinstance(obj.get("example_id"), str):
            self.reopened[obj["example_id"]] = max(obj["id"], self.reopened.get(obj["example_id"], 0))

    def covers(self, obj: dict[str, Any]) -> bool:
        """Whether the log undoes this decision line later (retracted, or its example reopened)."""
        own = obj.get("id")
        if not isinstance(own, int) or isinstance(own, bool):
            return False
        reopen = self.reopened.get(obj["example_id"]) if isinstance(obj.get("example_id"), str) else None
        return own in self.retracted or (reopen is not None and own < reopen)


def _later_undone(path: Path) -> _LaterUndone:
    """The first pass over a decisions file: what it retracts and reopens (lines read, not kept)."""
    found = _LaterUndone()
    with path.open("rb") as fh:
        for raw in fh:
            if b"retraction" in raw or b"reopen" in raw:  # only such a line can be one
                try:
                    found.add(json.loads(raw))
                except ValueError:
                    pass  # reported by the second pass
    return found


def _apply_line(conn: Connection, raw: bytes, report: DecisionImport, known_rules: Collection[str] | None,
                undone: _LaterUndone) -> int | None:
    """Apply one line (raising what is wrong with it); the id of the decision it appended, if any."""
    obj = json.loads(raw)
    if isinstance(obj, dict) and obj.get("kind") in (DecisionKind.RETRACTION.value, DecisionKind.REOPEN.value):
        report.skipped += 1
        return None
    if isinstance(obj, dict) and undone.covers(obj):
        report.undone += 1
        return None
    decision, reviewer = _parse(conn, obj, known_rules)
    live, adjudication = live_decisions(decisions_repo.for_example(conn, decision.example_id))
    current = adjudication if decision.kind == DecisionKind.ADJUDICATION else next((d for d in live if d.reviewer == reviewer.name), None)
    if current is not None and _same(current, decision):
        report.unchanged += 1
        return None
    with conn.begin_nested():
        decision_id, _ = append_in(conn, decision, reviewer, known_rules=known_rules)
    report.applied += 1
    return decision_id


class _Batches:
    """What each batch of a decisions file applies, and its record of applied lines."""

    def __init__(self, done: set[int], digest: str, report: DecisionImport, known_rules: Collection[str] | None,
                 undone: _LaterUndone) -> None:
        self.done, self.digest, self.report, self.known_rules, self.undone = done, digest, report, known_rules, undone
        self.applied: list[tuple[int, int | None]] = []

    def apply(self, conn: Connection, line: tuple[int, bytes]) -> bool:
        lineno, raw = line
        self.report.lines += 1
        if lineno in self.done:
            self.report.unchanged += 1
            self.report.already_applied += 1
            return False
        try:
            self.applied.append((lineno, _apply_line(conn, raw, self.report, self.known_rules, self.undone)))
        except (CuratorError, ValueError) as exc:  # not JSON (a ValueError), a bad field, a refusal
            self.report.errors.append(LineError.of(lineno, exc))
        return True

    def end(self, conn: Connection) -> None:
        decision_lines.mark(conn, self.digest, self.applied)
        self.applied = []


def import_decisions(store: Store, actor: User, path: str | Path, *, known_rules: Collection[str] | None = None) -> DecisionImport:
    """Apply every valid line of a decisions file; the others are reported, not applied.

    A line equal to the reviewer's decision already in force is counted as unchanged. A
    decision line the file itself retracts or reopens later is not applied (an exported log
    imported elsewhere ends with the outcomes it ends with): a first pass reads those. Lines
    commit in batches (services.write_batches), so a long file never holds SQLite's write lock
    for long and a writer waiting on it (a sign-in) gets in. Each applied line is recorded with the
    file's SHA-256 in the batch's transaction, so a re-run of the same file, after a kill or
    a complete run, skips those lines: one decision per line, whatever happened.
    """
    require(actor, UserRole.LEAD)
    path = Path(path)
    if not path.is_file():
        raise InvalidInputError(f"{path}: no such file")
    report = DecisionImport(file=str(path))
    try:
        digest = file_sha256(path)
        with store.read() as conn:
            done = decision_lines.applied(conn, digest)
        undone = _later_undone(path)
        batches = _Batches(done, digest, report, known_rules, undone)
        with path.open("rb") as fh:
            lines = ((n, raw) for n, raw in enumerate(fh, start=1) if raw.strip())
            write_in_batches(store, lines, batches.apply, batches.end)
    except OSError as exc:
        raise path_error(exc, path) from exc
    return report


def export_decisions(store: Store, path: str | Path) -> int:
    """Write the whole decision log as JSONL (atomically); returns the number of lines."""
    n = 0
    with store.read() as conn, atomic_file(Path(path)) as fh:
        for d, source, line, via_source, suggestion_model in decisions_repo.iter_with_place(conn):
            row = d.model_dump(mode="json", exclude_none=True)
            row["source"] = source
            if line is not None:
                row["line"] = line
            if via_source is not None:
                row["via_cluster_source"] = dict(zip(("example_id", "reviewer", "kind"), via_source, strict=True))
            if suggestion_model is not None:
                row["suggestion_model"] = suggestion_model
            fh.write(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n")
            n += 1
    return n


__all__ = ["DecisionImport", "LineError", "Verdict", "example_named", "export_decisions", "import_decisions"]
