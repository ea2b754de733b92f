"""Checks on the conversation's shape: turns, system prompt, last turn, empty content, tool args."""

from __future__ import annotations

import json
from typing import Literal

from pydantic import Field, model_validator

from curator.guidelines.checks.registry import CheckParams, Flag, NoParams, check
from curator.models import SYSTEM_ROLES, Example, Message, Role


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


class TurnCountParams(CheckParams):
    min: int = Field(default=2, ge=1)
    max: int | None = Field(default=40, ge=1)

    @model_validator(mode="after")
    def _ordered(self) -> TurnCountParams:
        if self.max is not None and self.max < self.min:
            raise ValueError(f"max ({self.max}) is below min ({self.min})")
        return self


@check("turn_count", params=TurnCountParams)
def turn_count(example: Example, params: TurnCountParams) -> list[Flag]:
    """The conversation has between min and max messages (every role counts)."""
    n = len(example.messages)
    if n < params.min:
        return [Flag(check="turn_count", message=f"conversation has {_plural(n, 'message')}; the guideline asks for at least {params.min}")]
    if params.max is not None and n > params.max:
        return [Flag(check="turn_count", message=f"conversation has {n} messages; the guideline allows at most {params.max}")]
    return []


class SystemPromptParams(CheckParams):
    mode: Literal["required", "forbidden"] = "required"


@check("system_prompt", params=SystemPromptParams)
def system_prompt(example: Example, params: SystemPromptParams) -> list[Flag]:
    """A system (or developer) prompt is present, or absent when the guideline forbids one."""
    indexes = [i for i, m in enumerate(example.messages) if m.role in SYSTEM_ROLES]
    if params.mode == "required" and not indexes:
        return [Flag(check="system_prompt", message="no system prompt")]
    if params.mode == "forbidden":
        return [
            Flag(check="system_prompt", message=f"system prompt in message {i + 1}; the guideline forbids one", message_index=i)
            for i in indexes
        ]
    return []


class LastTurnParams(CheckParams):
    role: Role = Role.ASSISTANT


@check("last_turn", params=LastTurnParams)
def last_turn(example: Example, params: LastTurnParams) -> list[Flag]:
    """The conversation ends with a message from the given role (the assistant by default)."""
    last = len(example.messages) - 1
    role = example.messages[last].role
    if role == params.role:
        return []
    return [Flag(check="last_turn", message=f"last message ({last + 1}) is from the {role.value}, not the {params.role.value}", message_index=last)]


class EmptyContentParams(CheckParams):
    roles: list[Role] | None = None  # None: every role


def _is_empty(message: Message) -> bool:
    if message.tool_calls or message.function_call:
        return False  # a tool call carries the turn; content may rightly be null
    if isinstance(message.content, list) and any(p.type != "text" for p in message.content):
        return False  # an image or audio part is content
    return not message.text.strip()


@check("empty_content", params=EmptyContentParams)
def empty_content(example: Example, params: EmptyContentParams) -> list[Flag]:
    """No message is empty or whitespace-only (tool calls and non-text parts count as content)."""
    flags = []
    for i, m in enumerate(example.messages):
        if params.roles is not None and m.role not in params.roles:
            continue
        if _is_empty(m):
            what = "whitespace-only" if m.text else "empty"
            flags.append(Flag(check="empty_content", message=f"message {i + 1} ({m.role.value}) is {what}", message_index=i))
    return flags


def _arguments_problem(arguments: object) -> str | None:
    if not isinstance(arguments, str):
        return f"arguments are a {type(arguments).__name__}, not a JSON string"
    try:
        value = json.loads(arguments)
    except json.JSONDecodeError as exc:
        return f"arguments are not valid JSON ({exc.msg} at character {exc.pos})"
    except RecursionError:
        return "arguments nest objects or lists too deeply to be read"
    if not isinstance(value, dict):
        return f"arguments are JSON but not an object ({type(value).__name__})"
    return None


@check("tool_arguments_json", params=NoParams)
def tool_arguments_json(example: Example, params: NoParams) -> list[Flag]:
    """Every tool call's (and legacy function call's) arguments are a JSON object."""
    flags = []
    for i, m in enumerate(example.messages):
        calls: list[tuple[str, object]] = [(c.function.name, c.function.arguments) for c in m.tool_calls or []]
        if m.function_call is not None:
            calls.append((str(m.function_call.get("name", "?")), m.function_call.get("arguments", "")))
        for name, arguments in calls:
            problem = _arguments_problem(arguments)
            if problem:
                flags.append(Flag(check="tool_arguments_json", message=f"tool call {name!r} in message {i + 1}: {problem}", message_index=i))
    return flags
