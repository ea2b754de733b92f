"""The shapes of curator's data (pydantic v2), in the words of DESIGN.md."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Literal, overload

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator


class Role(StrEnum):
    SYSTEM = "system"
    DEVELOPER = "developer"
    USER = "user"
    ASSISTANT = "assistant"
    TOOL = "tool"
    FUNCTION = "function"  # legacy OpenAI function-calling role


# The roles that instruct the model rather than take a turn (a role's string value is in it too).
SYSTEM_ROLES: frozenset[Role] = frozenset({Role.SYSTEM, Role.DEVELOPER})


class Verdict(StrEnum):
    APPROVE = "approve"  # a good example to train on
    NEGATIVE = "negative"  # its final assistant reply is what the model must NOT do
    REJECT = "reject"  # exclude: broken, off-topic, unsafe, duplicate...


class Outcome(StrEnum):
    """An example's settled state, derived from its decisions."""

    PENDING = "pending"
    APPROVE = "approve"
    NEGATIVE = "negative"
    REJECT = "reject"
    CONFLICT = "conflict"

    @property
    def settled(self) -> bool:
        return self in (Outcome.APPROVE, Outcome.NEGATIVE, Outcome.REJECT)


class DecisionKind(StrEnum):
    DECISION = "decision"  # a reviewer's judgement
    ADJUDICATION = "adjudication"  # a lead settles a conflict; overrides decisions
    RETRACTION = "retraction"  # undo: cancels the decision named by target_id
    REOPEN = "reopen"  # sends the example back to the queue (stale after a guideline change)


class UserRole(StrEnum):
    REVIEWER = "reviewer"
    LEAD = "lead"
    ADMIN = "admin"

    def at_least(self, other: UserRole) -> bool:
        order = [UserRole.REVIEWER, UserRole.LEAD, UserRole.ADMIN]
        return order.index(self) >= order.index(other)


_STRICT = ConfigDict(extra="forbid")


class ToolFunction(BaseModel):
    model_config = _STRICT
    name: str
    arguments: str  # a JSON string, as the OpenAI API sends it


class ToolCall(BaseModel):
    model_config = _STRICT
    id: str
    type: Literal["function"] = "function"
    function: ToolFunction


class ContentPart(BaseModel):
    """One part of a multi-part content list (text, image_url, input_audio, ...)."""

    model_config = ConfigDict(extra="allow")
    type: str
    text: str | None = None


class Message(BaseModel):
    model_config = _STRICT
    role: Role
    content: str | list[ContentPart] | None = None
    name: str | None = None
    tool_calls: list[ToolCall] | None = None
    tool_call_id: str | None = None
    function_call: dict[str, Any] | None = None
    weight: Literal[0, 1] | None = None

    @property
    def text(self) -> str:
        """The message's text: the string content, or its text parts joined."""
        if self.content is None:
            return ""
        if isinstance(self.content, str):
            return self.content
        return "\n".join(p.text for p in self.content if p.text)

    def dump(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)


def canonical_json(value: Any) -> str:
    """JSON with sorted keys and no insignificant space: equal content, equal text."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def example_id(
    messages: list[dict[str, Any]],
    tools: list[dict[str, Any]] | None = None,
    rejected: dict[str, Any] | None = None,
    *,
    messages_json: str | None = None,
) -> str:
    """Stable id of an example: a hash of its canonical content (plain dicts, Nones dropped).

    ``messages_json`` (``canonical_json(messages)``, if the caller has it) saves encoding the
    messages twice; the hash is the same either way.
    """
    # The canonical JSON of {"messages", "rejected", "tools"} with sorted keys, assembled from
    # parts so the messages' JSON can be shared with the store.
    body = '{"messages":' + (messages_json if messages_json is not None else canonical_json(messages))
    if rejected:
        body += ',"rejected":' + canonical_json(rejected)
    if tools:
        body += ',"tools":' + canonical_json(tools)
    return hashlib.sha256((body + "}").encode("utf-8")).hexdigest()[:20]


class Source(BaseModel):
    """Where a record came from: the import's source name, the file, its 1-based line."""

    model_config = _STRICT
    name: str
    file: str | None = None
    line: int | None = None
    format: str | None = None


class Example(BaseModel):
    model_config = _STRICT
    id: str
    messages: list[Message] = Field(min_length=1)
    tools: list[dict[str, Any]] | None = None
    rejected: Message | None = None
    source: Source | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)
    tokens: int | None = None
    tokens_encoding: str | None = None  # the tiktoken encoding `tokens` was counted in
    warnings: list[str] = Field(default_factory=list)
    # Plain-dict messages and their canonical JSON, cached: an import computes them once for
    # the id and reuses them for token counts and storage.
    _plain: list[dict[str, Any]] | None = PrivateAttr()
    _messages_json: str | None = PrivateAttr()

    def __eq__(self, other: object) -> bool:
        # Equal content is equal examples, whichever caches either side has filled.
        return isinstance(other, Example) and self.__dict__ == other.__dict__

    __hash__ = None  # type: ignore[assignment]

    # The caches are read from __pydantic_private__ directly: pydantic's attribute hook costs
    # more than the lookup itself on the import's hot path.
    def plain_messages(self) -> list[dict[str, Any]]:
        """The messages as plain dicts (Nones dropped), as stored and counted."""
        private = self.__pydantic_private__
        plain = private.get("_plain")  # type: ignore[union-attr]
        if plain is None:
            plain = private["_plain"] = [m.dump() for m in self.messages]  # type: ignore[index]
        return plain

    def messages_json(self) -> str:
        """The messages' canonical JSON (what the id hashes and the store keeps)."""
        private = self.__pydantic_private__
        text = private.get("_messages_json")  # type: ignore[union-attr]
        if text is None:
            text = private["_messages_json"] = canonical_json(self.plain_messages())  # type: ignore[index]
        return text

    def remember_plain(self, plain: list[dict[str, Any]], messages_json: str) -> None:
        """Seed the caches from a reader that already built both (they must match the messages)."""
        self._plain = plain
        self._messages_json = messages_json

    @classmethod
    def create(
        cls,
        messages: list[Message] | list[dict[str, Any]],
        *,
        tools: list[dict[str, Any]] | None = None,
        rejected: Message | dict[str, Any] | None = None,
        source: Source | None = None,
        metadata: dict[str, Any] | None = None,
        tokens: int | None = None,
        warnings: list[str] | None = None,
    ) -> Example:
        """Build an example and derive its id from its content."""
        msgs = [m if isinstance(m, Message) else Message.model_validate(m) for m in messages]
        rej = rejected if rejected is None or isinstance(rejected, Message) else Message.model_validate(rejected)
        plain = [m.dump() for m in msgs]
        messages_json = canonical_json(plain)
        eid = example_id(plain, tools, rej.dump() if rej else None, messages_json=messages_json)
        example = cls(
            id=eid,
            messages=msgs,
            tools=tools,
            rejected=rej,
            source=source,
            metadata=metadata or {},
            tokens=tokens,
            warnings=warnings or [],
        )
        example.remember_plain(plain, messages_json)
        return example

    @property
    def final_reply(self) -> Message | None:
        """The last assistant message (the reply a decision judges), if any."""
        for m in reversed(self.messages):
            if m.role == Role.ASSISTANT:
                return m
        return None

    @property
    def prompt(self) -> list[Message]:
        """The turns before the final assistant reply."""
        for i in range(len(self.messages) - 1, -1, -1):
            if self.messages[i].role == Role.ASSISTANT:
                return self.messages[:i]
        return list(self.messages)


class Problem(BaseModel):
    """A record that could not become a valid example; quarantined, never dropped."""

    model_config = _STRICT
    source: str
    file: str | None = None
    line: int | None = None
    code: str
    field: str | None = None
    message: str
    raw: str = ""


class Correction(BaseModel):
    """A reviewer's edit: the full corrected message list, or the desired final reply."""

    model_config = _STRICT
    messages: list[Message] | None = None
    reply: Message | None = None

    @field_validator("reply", mode="before")
    @classmethod
    def _reply_from_text(cls, value: Any) -> Any:
        if isinstance(value, str):
            return {"role": "assistant", "content": value}
        return value

    @model_validator(mode="after")
    def _exactly_one(self) -> Correction:
        if (self.messages is None) == (self.reply is None):
            raise ValueError("a correction has either 'messages' or 'reply', not both or neither")
        if self.reply is not None and self.reply.role != Role.ASSISTANT:
            raise ValueError("a corrected reply must have role 'assistant'")
        if self.messages is not None and not self.messages:
            raise ValueError("corrected 'messages' must not be empty")
        return self

    def apply(self, example: Example) -> list[Message]:
        """The example's messages with this correction applied."""
        if self.messages is not None:
            return list(self.messages)
        prompt = example.prompt
        return [*prompt, self.reply] if self.reply else list(example.messages)


def utcnow() -> datetime:
    return datetime.now(UTC)


@overload
def as_utc(value: datetime) -> datetime: ...
@overload
def as_utc(value: None) -> None: ...
def as_utc(value: datetime | None) -> datetime | None:
    """A time read back from the database, made aware: SQLite hands back naive datetimes, and
    everything curator writes is UTC (local time would make results depend on the machine)."""
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


class Decision(BaseModel):
    """One reviewer's judgement of one example. Appended, never overwritten."""

    model_config = _STRICT
    id: int | None = None
    example_id: str
    reviewer: str
    kind: DecisionKind = DecisionKind.DECISION
    verdict: Verdict | None = None
    rules: list[str] = Field(default_factory=list)
    note: str = ""
    correction: Correction | None = None
    guideline_version: str | None = None
    target_id: int | None = None  # for a retraction: the decision it cancels
    created_at: datetime = Field(default_factory=utcnow)
    via_cluster: int | None = None  # propagated: the representative's decision it copies (not read)
    suggestion_id: int | None = None  # the model suggestion the reviewer accepted with it

    @model_validator(mode="after")
    def _shape(self) -> Decision:
        needs_verdict = self.kind in (DecisionKind.DECISION, DecisionKind.ADJUDICATION)
        if needs_verdict and self.verdict is None:
            raise ValueError(f"a {self.kind.value} needs a verdict")
        if self.kind == DecisionKind.RETRACTION and self.target_id is None:
            raise ValueError("a retraction names the decision it cancels (target_id)")
        return self


class Suggestion(BaseModel):
    """A model's judgement of an example (pre-annotation): shown beside the reviewer, never a decision."""

    model_config = _STRICT
    id: int | None = None
    example_id: str
    model: str = Field(min_length=1, max_length=128)
    verdict: Verdict
    rules: list[str] = Field(default_factory=list)
    rationale: str = ""


class User(BaseModel):
    model_config = _STRICT
    id: int
    name: str
    role: UserRole
    active: bool = True
