"""Model suggestions: judgements from any LLM judge, imported from JSONL and shown beside the reviewer.

A suggestion line: ``{"example_id": "...", "model": "judge-1", "verdict": "reject", "rules":
["R3"], "rationale": "..."}`` (or ``"source"`` and ``"line"`` instead of ``example_id``).
A suggestion is never a decision: it settles nothing and is never exported. A reviewer may
accept it with one key, which records the reviewer's own decision referencing it.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from curator.digests import file_sha256
from curator.errors import CuratorError, InvalidInputError, path_error
from curator.models import Problem, Suggestion, User, UserRole
from curator.services import blind
from curator.services.decision_files import LineError, example_named
from curator.services.decisions import check_rules, required_decisions
from curator.services.users import require
from curator.services.write_batches import write_in_batches
from curator.store import Connection, Store
from curator.store import claims as claims_repo
from curator.store import imports as imports_repo
from curator.store import suggestions as suggestions_repo

PROBLEM_CODE = "bad_suggestion"
MAX_LINE = 1 << 20  # bytes in one suggestion line: a rationale may be long, not unbounded
_KEYS = {"example_id", "source", "line", "model", "verdict", "rules", "rationale"}


@dataclass
class SuggestionImport:
    """What `curator suggestions import` did with a file."""

    file: str
    lines: int = 0
    imported: int = 0
    already_imported: int = 0  # lines an earlier run of the same file stored
    errors: list[LineError] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "lines": self.lines, "imported": self.imported,
                "already_imported": self.already_imported, "errors": [e.as_dict() for e in self.errors]}


def _parse(conn: Connection, raw: bytes, known_rules: Collection[str] | None) -> Suggestion:
    if len(raw) > MAX_LINE:
        raise InvalidInputError(f"line longer than {MAX_LINE:,} bytes")
    obj = json.loads(raw)
    if not isinstance(obj, dict):
        raise InvalidInputError("a suggestion line must be a JSON object")
    extra = sorted(set(obj) - _KEYS)
    if extra:
        raise InvalidInputError(f"unknown key {extra[0]!r} (known: {', '.join(sorted(_KEYS))})", field=extra[0])
    for name in ("model", "verdict"):
        if name not in obj:
            raise InvalidInputError(f"missing {name}", field=name)
    example_id = example_named(conn, obj)
    try:
        suggestion = Suggestion(example_id=example_id, model=obj["model"], verdict=obj["verdict"],
                                rules=obj.get("rules") or [], rationale=obj.get("rationale") or "")
    except ValidationError as exc:
        first = exc.errors()[0]
        raise InvalidInputError(first["msg"], field=".".join(str(p) for p in first["loc"]) or None) from exc
    check_rules(suggestion.rules, known_rules)
    return suggestion.model_copy(update={"rules": list(dict.fromkeys(suggestion.rules))})


def import_suggestions(store: Store, actor: User, path: str | Path, *, known_rules: Collection[str] | None = None) -> SuggestionImport:
    """Store every valid line of a suggestions file; each bad line is reported and kept as a problem.

    Re-running the same file (same SHA-256) stores nothing twice. Lines commit in batches
    (services.write_batches), so a long file never holds SQLite's write lock for long and a
    writer waiting on it (a sign-in, a reviewer's decision) gets in.
    """
    require(actor, UserRole.LEAD)
    path = Path(path)
    if not path.is_file():
        raise InvalidInputError(f"{path}: no such file")
    report = SuggestionImport(file=str(path))
    try:
        digest = file_sha256(path)
        with store.read() as conn:
            done = suggestions_repo.imported_lines(conn, digest)
        batches = _Batches(done, path, digest, known_rules, report)
        with path.open("rb") as fh:  # a batch of lines at a time: memory stays flat in the file's size
            numbered = ((n, raw) for n, raw in enumerate(fh, start=1) if raw.strip())
            write_in_batches(store, numbered, batches.apply, batches.end)
    except OSError as exc:
        raise path_error(exc, path) from exc
    return report


class _Batches:
    """What each batch of a suggestions file gathers (good lines, bad ones as problems) and stores."""

    def __init__(self, done: Collection[int], path: Path, digest: str, known_rules: Collection[str] | None,
                 report: SuggestionImport) -> None:
        self.done, self.path, self.digest, self.known_rules, self.report = done, path, digest, known_rules, report
        self.good: list[tuple[int, Suggestion]] = []
        self.bad: list[Problem] = []

    def apply(self, conn: Connection, line: tuple[int, bytes]) -> bool:
        lineno, raw = line
        self.report.lines += 1
        if lineno in self.done:
            self.report.already_imported += 1
            return False
        try:
            self.good.append((lineno, _parse(conn, raw, self.known_rules)))
        except (CuratorError, ValueError) as exc:  # not JSON (a ValueError), a bad field, a refusal
            e = LineError.of(lineno, exc)
        else:
            return True
        self.report.errors.append(e)
        self.bad.append(Problem(source=self.path.name, file=str(self.path), line=lineno, code=PROBLEM_CODE, field=e.field,
                                message=e.message, raw=raw.decode("utf-8", "replace")[:10_000]))
        return True

    def end(self, conn: Connection) -> None:
        suggestions_repo.add(conn, self.good, file_name=self.path.name, file_sha256=self.digest)
        imports_repo.add_problems(conn, self.bad)
        self.report.imported += len(self.good)
        self.good, self.bad = [], []


def shown_to(store: Store, viewer: User, example_id: str) -> list[Suggestion]:
    """The suggestions the viewer may see on an example (none where blind review forbids them)."""
    require(viewer, UserRole.REVIEWER)
    with store.read() as conn:
        if not blind.suggestions_visible(viewer, required=required_decisions(conn), gold=claims_repo.is_gold(conn, example_id)):
            return []
        return suggestions_repo.for_example(conn, example_id)


def get_shown(store: Store, viewer: User, example_id: str, suggestion_id: int) -> Suggestion:
    """A suggestion the viewer may see on this example (InvalidInputError otherwise)."""
    found = next((s for s in shown_to(store, viewer, example_id) if s.id == suggestion_id), None)
    if found is None:
        raise InvalidInputError(f"no suggestion {suggestion_id} shown on this example", field="suggestion_id")
    return found


__all__ = ["PROBLEM_CODE", "SuggestionImport", "get_shown", "import_suggestions", "shown_to"]
