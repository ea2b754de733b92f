"""Audit of a model's outputs: the guideline checks on its replies, and negatives' two replies compared.

The predictions file is JSONL keyed by example id. Each line is ``{"example_id": ..., "reply": ...}``
(``id`` is accepted for ``example_id``, ``output`` or ``completion`` for ``reply``), or an
OpenAI-style ``{"example_id": ..., "messages": [...]}`` whose last assistant message is the reply.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from curator.audit import PredictionAudit, RulePassRate
from curator.errors import InvalidInputError, NotFoundError
from curator.formats import codes
from curator.formats.reading import iter_json_records
from curator.guidelines import GuidelineSet, check_prediction, compare_reply
from curator.models import Example, Message, Outcome, Role
from curator.services.decisions import required_decisions
from curator.services.outcomes import settle, settled_decision
from curator.store import Connection, Store
from curator.store import decisions as decisions_repo
from curator.store import examples as examples_repo

ID_KEYS = ("example_id", "id")
REPLY_KEYS = ("reply", "output", "completion")

OnError = Callable[[InvalidInputError], None]


@dataclass(frozen=True, slots=True)
class Prediction:
    """One model reply to one example, with where it was read from."""

    example_id: str
    reply: str
    line: int


def _text(content: Any, *, file: str, line: int, field: str) -> str:
    if isinstance(content, str):
        return content
    try:
        return Message(role=Role.ASSISTANT, content=content).text
    except ValueError as exc:
        raise InvalidInputError("is neither text nor a list of content parts", file=file, line=line, field=field) from exc


def _reply_from_messages(messages: Any, *, file: str, line: int) -> str:
    if not isinstance(messages, list):
        raise InvalidInputError("must be a list of messages", file=file, line=line, field="messages")
    for i in range(len(messages) - 1, -1, -1):
        m = messages[i]
        if isinstance(m, dict) and m.get("role") == Role.ASSISTANT.value:
            return _text(m.get("content"), file=file, line=line, field=f"messages[{i}].content")
    raise InvalidInputError("has no assistant message to take the reply from", file=file, line=line, field="messages")


def parse_prediction(obj: Any, *, file: str, line: int) -> Prediction:
    """One predictions line (already JSON-decoded) as a Prediction; InvalidInputError names the field."""
    if not isinstance(obj, dict):
        raise InvalidInputError("a prediction line must be a JSON object", file=file, line=line)
    id_key = next((k for k in ID_KEYS if k in obj), None)
    if id_key is None:
        raise InvalidInputError("missing: name the example with 'example_id' (or 'id')", file=file, line=line, field="example_id")
    example_id = obj[id_key]
    if not isinstance(example_id, str) or not example_id:
        raise InvalidInputError("must be a non-empty string", file=file, line=line, field=id_key)
    reply_key = next((k for k in REPLY_KEYS if k in obj), None)
    if reply_key is not None:
        reply = _text(obj[reply_key], file=file, line=line, field=reply_key)
    elif "messages" in obj:
        reply = _reply_from_messages(obj["messages"], file=file, line=line)
    else:
        raise InvalidInputError("missing: give the model's reply as 'reply' (or 'output', 'completion', 'messages')",
                                file=file, line=line, field="reply")
    return Prediction(example_id=example_id, reply=reply, line=line)


def read_predictions(path: Path, *, on_error: OnError) -> Iterator[Prediction]:
    """Every valid prediction in the file; each bad line goes to ``on_error`` and reading goes on."""
    file = str(path)
    if not path.is_file():
        raise InvalidInputError(f"{file}: no such file (give the JSONL file of the model's replies)")
    # The import's reader: lines, nesting and gzip within their limits, whatever the file holds.
    for record in iter_json_records(path):
        line = record.line or 0
        try:
            if record.issue is not None and record.issue.code != codes.NOT_OBJECT:
                raise InvalidInputError(record.issue.message, file=file, line=line)
            yield parse_prediction(record.value, file=file, line=line)
        except InvalidInputError as exc:
            on_error(exc)


def _desired_reply(conn: Connection, example: Example, required: int) -> str | None:
    """The corrected reply of a settled negative example, or None when it has no correction."""
    decision = settled_decision(settle(decisions_repo.for_example(conn, example.id), required=required))
    if decision is None or decision.correction is None:
        return None
    fixed = decision.correction.apply(example)
    final = next((m for m in reversed(fixed) if m.role == Role.ASSISTANT), None)
    return final.text if final is not None else None


def audit_predictions(store: Store, path: Path, gs: GuidelineSet, *, on_error: OnError) -> PredictionAudit:
    """Run the guideline checks on each predicted reply and compare replies to negatives'."""
    checked = [r for r in gs.rules if r.check is not None]
    passed = {r.id: 0 for r in checked}
    audit = PredictionAudit(file=str(path))
    with store.read() as conn:
        required = required_decisions(conn)
        for p in read_predictions(path, on_error=on_error):
            try:
                row = examples_repo.get_row(conn, p.example_id)
            except NotFoundError:
                on_error(InvalidInputError(f"no example {p.example_id!r} in this database", file=str(path),
                                           line=p.line, field="example_id"))
                continue
            example = examples_repo.row_to_example(row)
            audit.predictions += 1
            flagged = {f.rule_id for f in check_prediction(example, p.reply, gs)}
            for rule in checked:
                passed[rule.id] += rule.id not in flagged
            if row["outcome"] != Outcome.NEGATIVE.value or example.final_reply is None:
                continue
            desired = _desired_reply(conn, example, required)
            if desired is None:
                continue
            closer = compare_reply(p.reply, desired=desired, undesired=example.final_reply.text).closer
            audit.negatives += 1
            audit.closer_to_undesired += closer == "undesired"
            audit.closer_to_desired += closer == "desired"
            audit.ties += closer == "tie"
    audit.rules = [RulePassRate(rule_id=r.id, title=r.title, checked=audit.predictions, passed=passed[r.id]) for r in checked]
    return audit
