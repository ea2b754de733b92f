"""The review card's intents: what a reviewer asked for in the browser, checked and carried out.

An intent is untrusted JSON from the page: ``{"seq": 7, "action": "approve", "example_id": ...,
"token": ..., "note": ..., "rules": [...], "reply": ..., "messages": [{"index": 2, "content":
...}], "decision_id": ..., "ref": ..., "verdict": ..., "members": [...], "suggestion_id": ...}``. Each field is checked here; the queue then checks the
claim the intent answers, so a stale or replayed intent records nothing.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from curator.errors import CuratorError, InvalidInputError
from curator.models import Correction, Decision, Message, Role, User, UserRole, Verdict
from curator.services import cluster_decisions, queue
from curator.services import suggestions as suggestions_service
from curator.services.users import require
from curator.store import Store
from curator.store import examples as examples_repo

ACTIONS = ("approve", "negative", "reject", "edit", "skip", "undo", "undo_decision", "reopen", "jump", "cluster", "accept")
MAX_TEXT = 1_000_000  # characters in one field: a corrected message may be long, not unbounded
_READS = ("negative", "edit", "cluster")  # intents that read the example before deciding
_DONE = {"approve": "Approved", "negative": "Marked negative", "reject": "Rejected", "edit": "Saved edit of"}


@dataclass(frozen=True)
class Notice:
    """What the page tells the reviewer after an intent: ``kind`` is ok, info or error."""

    kind: str
    text: str


def _text(intent: dict[str, Any], name: str) -> str:
    value = intent.get(name) or ""
    if not isinstance(value, str) or len(value) > MAX_TEXT:
        raise InvalidInputError(f"{name} must be text of at most {MAX_TEXT:,} characters", field=name)
    return value


def _int(intent: dict[str, Any], name: str) -> int:
    value = intent.get(name)
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidInputError(f"{name} must be a number", field=name)
    return value


def apply(
    store: Store,
    actor: User,
    intent: dict[str, Any],
    *,
    known_rules: Collection[str] | None = None,
    guideline_version: str | None = None,
) -> Notice:
    """Carry out one intent; a refusal (stale claim, missing reason, bad input) is an error notice.

    Someone without the right to review at all is refused with PermissionDeniedError, not a notice.
    """
    require(actor, UserRole.REVIEWER)
    try:
        return _apply(store, actor, intent, known_rules=known_rules, guideline_version=guideline_version)
    except CuratorError as exc:
        return Notice("error", str(exc))


def _apply(store: Store, actor: User, intent: dict[str, Any], *, known_rules: Collection[str] | None, guideline_version: str | None) -> Notice:
    action = intent.get("action")
    if action not in ACTIONS:
        raise InvalidInputError(f"unknown action {action!r}", field="action")
    if action == "undo":
        undone = queue.undo(store, actor)
        if undone is None:
            return Notice("info", "Nothing to undo.")
        what = "skip" if undone.kind == "skip" else str(undone.verdict.value if undone.verdict else "decision")
        return Notice("ok", _undid(what, undone))
    if action == "undo_decision":
        undone = queue.undo_decision(store, actor, _int(intent, "decision_id"))
        return Notice("ok", _undid(undone.verdict.value if undone.verdict else "decision", undone))
    if action == "reopen":
        claim = queue.reopen(store, actor, _int(intent, "decision_id"))
        return Notice("info", f"Example {claim.seq} reopened: your decision counts until you decide again")
    if action == "jump":
        claim = queue.jump(store, actor, _text(intent, "ref"))
        return Notice("info", f"Example {claim.seq}" + (": you decided it before; deciding again changes it" if claim.replaces else ""))
    example_id, token = _text(intent, "example_id"), _text(intent, "token")
    if action == "skip":
        return Notice("ok", f"Skipped example {queue.skip(store, actor, example_id, token=token)}")
    note = _text(intent, "note").strip()
    known = set(known_rules) if known_rules is not None else None
    example, seq = None, 0
    if action in _READS:  # the rest learn the example's number from the decision itself
        with store.read() as conn:
            row = examples_repo.get_row(conn, example_id)
            example, seq = examples_repo.row_to_example(row), int(row["seq"])
    if action == "cluster":
        return _cluster(store, actor, intent, example_id, token, seq, note, known, guideline_version)
    if action == "accept":
        return _accept(store, actor, intent, example_id, token, note, known, guideline_version)
    rules: list[str] = []
    correction: Correction | None = None
    verdict = Verdict.APPROVE
    if action == "reject":
        verdict = Verdict.REJECT
        rules = _rules(intent)
    elif action == "negative":
        verdict = Verdict.NEGATIVE
        reply = _text(intent, "reply")
        final = example.final_reply if example else None
        if reply.strip() and not (final is not None and reply == final.text):
            correction = Correction(reply=Message(role=Role.ASSISTANT, content=reply))
    elif action == "edit":
        correction = Correction(messages=_edited(example, intent.get("messages")))
    decision = Decision(example_id=example_id, reviewer=actor.name, verdict=verdict, rules=rules, note=note,
                        correction=correction, guideline_version=guideline_version)
    recorded = queue.decide(store, actor, decision, token=token, known_rules=known)
    extra = " with a desired reply" if action == "negative" and correction else ""
    return Notice("ok", f"{_DONE[action]} example {recorded.seq}{extra}")


def _undid(what: str, undone: queue.Undone) -> str:
    why = undone.why_not_held
    return f"Undid your {what} of example {undone.seq}" + (f"; {why}" if why else "")


def _rules(intent: dict[str, Any]) -> list[str]:
    raw = intent.get("rules") or []
    if not isinstance(raw, list) or not all(isinstance(r, str) for r in raw):
        raise InvalidInputError("rules must be a list of rule ids", field="rules")
    return list(dict.fromkeys(raw))


def _cluster(store: Store, actor: User, intent: dict[str, Any], example_id: str, token: str, seq: int, note: str,
             known: set[str] | None, guideline_version: str | None) -> Notice:
    """A decision on a cluster's representative and the members the reviewer confirmed."""
    try:
        verdict = Verdict(str(intent.get("verdict")))
    except ValueError as exc:
        raise InvalidInputError("verdict must be approve, negative or reject", field="verdict") from exc
    members = intent.get("members")
    if not isinstance(members, list) or not members or not all(isinstance(m, str) and len(m) <= 64 for m in members) \
            or len(members) > cluster_decisions.MAX_MEMBERS:
        raise InvalidInputError("members must list the cluster members confirmed", field="members")
    rules = _rules(intent) if verdict == Verdict.REJECT else []
    decision = Decision(example_id=example_id, reviewer=actor.name, verdict=verdict, rules=rules, note=note, guideline_version=guideline_version)
    result = cluster_decisions.decide_cluster(store, actor, decision, token=token, members=members, known_rules=known)
    text = f"{_DONE[verdict.value]} example {seq} and {len(result.decided)} of its cluster"
    if result.decided:
        text += " (" + ", ".join(f"example {s}" for s in result.decided) + ")"
    if result.left:
        text += "; left alone: " + "; ".join(result.left)
    return Notice("ok", text)


def _accept(store: Store, actor: User, intent: dict[str, Any], example_id: str, token: str, note: str,
            known: set[str] | None, guideline_version: str | None) -> Notice:
    """The model's suggestion, recorded as the reviewer's own decision that references it."""
    suggestion = suggestions_service.get_shown(store, actor, example_id, _int(intent, "suggestion_id"))
    if suggestion.verdict == Verdict.REJECT and not suggestion.rules and not note:
        note = f"{suggestion.model}: {suggestion.rationale}".strip()[:2000]  # a reject says why
    decision = Decision(example_id=example_id, reviewer=actor.name, verdict=suggestion.verdict, rules=list(suggestion.rules),
                        note=note, guideline_version=guideline_version, suggestion_id=suggestion.id)
    recorded = queue.decide(store, actor, decision, token=token, known_rules=known)
    return Notice("ok", f"{_DONE[suggestion.verdict.value]} example {recorded.seq} as {suggestion.model} suggested")


def _edited(example: Any, raw: Any) -> list[Message]:
    """The example's messages with the edited ones replaced; refused when nothing changed."""
    if not isinstance(raw, list) or not raw:
        raise InvalidInputError("nothing edited", field="messages")
    messages = list(example.messages)
    changed = False
    for item in raw:
        if not isinstance(item, dict):
            raise InvalidInputError("each edit names a message index and its content", field="messages")
        index, content = item.get("index"), item.get("content")
        if not isinstance(index, int) or not 0 <= index < len(messages) or not isinstance(content, str) or len(content) > MAX_TEXT:
            raise InvalidInputError("each edit names a message index and its content", field="messages")
        if not isinstance(messages[index].content, str):
            raise InvalidInputError(f"message {index + 1} is not plain text and cannot be edited here", field="messages")
        if content != messages[index].content:
            messages[index] = messages[index].model_copy(update={"content": content})
            changed = True
    if not changed:
        raise InvalidInputError("nothing edited", field="messages")
    return messages
