"""Validate an OpenAI-shaped message list with plain Python (the hot path of an import).

A superset of OpenAI's fine-tuning validator and its cookbook data-prep notebook. Whatever
passes here is guaranteed to pass ``curator.models.Message`` validation, and comes back
normalised (``None`` values dropped, tool calls typed) so that the example id can be
computed from it without a pydantic round trip.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from curator.formats import codes
from curator.models import SYSTEM_ROLES

ROLES = frozenset({"system", "developer", "user", "assistant", "tool", "function"})
MESSAGE_KEYS = frozenset(
    {"role", "content", "name", "tool_calls", "tool_call_id", "function_call", "weight"}
)
# Keys the OpenAI SDK adds to a logged reply (ChatCompletionMessage). Null or empty they say
# nothing and are dropped with a warning; with a value they are rejected like any unknown key.
RESPONSE_KEYS = frozenset({"refusal", "annotations", "audio"})
_TOOL_CALL_KEYS = frozenset({"id", "type", "function"})
_FUNCTION_KEYS = frozenset({"name", "arguments"})
_PLAIN_ROLES = frozenset({"system", "developer", "user", "assistant"})


@dataclass(frozen=True, slots=True)
class Issue:
    """One validation error: its code (see codes.py), where it is, and what to do about it."""

    code: str
    field: str | None
    message: str


def validate_messages(
    messages: object, *, field: str = "messages"
) -> tuple[list[Issue], list[str]]:
    """Check a message list; return its errors and its warning codes."""
    errors: list[Issue] = []
    if not isinstance(messages, list):
        errors.append(Issue(codes.MESSAGES_NOT_LIST, field,
                            f"'{field}' must be a list of messages, not {json_kind(messages)}"))
        return errors, []
    if not messages:
        errors.append(Issue(codes.EMPTY_MESSAGES, field, f"'{field}' is empty"))
        return errors, []
    call_ids: set[str] = set()
    roles: list[str | None] = []
    dropped: set[str] = set()
    empty_reply = False
    for i, message in enumerate(messages):
        # Fast path for the common {"role", "content": str} message: most of a large import.
        if type(message) is dict and len(message) == 2:
            content = message.get("content")
            role = message.get("role")
            if type(content) is str and type(role) is str and role in _PLAIN_ROLES:
                roles.append(role)
                if role == "assistant" and (not content or content.isspace()):
                    empty_reply = True
                continue
        _check_message(message, f"{field}[{i}]", errors, call_ids, dropped)
        if isinstance(message, dict):
            role = message.get("role")
            roles.append(role if isinstance(role, str) else None)
            empty_reply = empty_reply or (role == "assistant" and is_empty_reply(message))
    if "assistant" not in roles:
        errors.append(Issue(codes.NO_ASSISTANT, field,
                            "no assistant message: there is no reply to learn from"))
    warnings = _warnings(roles)
    if empty_reply:
        warnings.append(codes.EMPTY_REPLY)
    if dropped:
        warnings.append(codes.RESPONSE_KEYS_DROPPED)
    return errors, warnings


def is_empty_reply(message: dict[str, Any]) -> bool:
    """True for a message with no text, no other content part and no tool or function call."""
    if message.get("tool_calls") or message.get("function_call"):
        return False
    content = message.get("content")
    if content is None or isinstance(content, str):
        return not content or content.isspace()
    if not isinstance(content, list):
        return False
    for part in content:
        if not isinstance(part, dict) or part.get("type") != "text":
            return False  # an image or audio part is content
        text = part.get("text")
        if isinstance(text, str) and text and not text.isspace():
            return False
    return True


def dropped_response_keys(messages: list[Any]) -> list[str]:
    """The null/empty OpenAI SDK response keys found on these messages (what normalising drops)."""
    return sorted({k for m in messages if isinstance(m, dict) for k in m.keys() & RESPONSE_KEYS})


def validate_reply(message: object, *, field: str = "rejected") -> list[Issue]:
    """Check a single assistant reply (a preference pair's rejected message)."""
    errors: list[Issue] = []
    _check_message(message, field, errors, None, set())
    if not errors and isinstance(message, dict) and message.get("role") != "assistant":
        errors.append(Issue(codes.UNKNOWN_ROLE, f"{field}.role",
                            "a rejected reply must be an assistant message"))
    return errors


def validate_tools(tools: object, *, field: str = "tools") -> list[Issue]:
    """Check a tools list: a list of objects (function definitions)."""
    if not isinstance(tools, list):
        return [Issue(codes.WRONG_TYPE, field, f"'{field}' must be a list, not {json_kind(tools)}")]
    return [
        Issue(codes.WRONG_TYPE, f"{field}[{i}]", f"a tool must be an object, not {json_kind(t)}")
        for i, t in enumerate(tools)
        if not isinstance(t, dict)
    ]


def normalize_message(message: dict[str, Any]) -> dict[str, Any]:
    """The message as ``Message.dump()`` would give it (call only on a valid message).

    Null or empty OpenAI SDK response keys (``refusal``, ``annotations``, ``audio``) are dropped:
    validation lets them through only when they say nothing.
    """
    if type(message.get("content")) is str and "tool_calls" not in message and (
            None not in message.values()) and (len(message) == 2 or message.keys() <= MESSAGE_KEYS):
        return message
    out = {k: v for k, v in message.items() if v is not None and k not in RESPONSE_KEYS}
    content = out.get("content")
    if isinstance(content, list):
        out["content"] = [{k: v for k, v in p.items() if v is not None} for p in content]
    calls = out.get("tool_calls")
    if calls is not None:
        out["tool_calls"] = [c if "type" in c else {**c, "type": "function"} for c in calls]
    return out


def _check_message(
    message: object, where: str, errors: list[Issue], call_ids: set[str] | None,
    dropped: set[str],
) -> None:
    if not isinstance(message, dict):
        errors.append(Issue(codes.MESSAGE_NOT_OBJECT, where,
                            f"a message must be an object, not {json_kind(message)}"))
        return
    for key in message:
        if key in MESSAGE_KEYS:
            continue
        if key in RESPONSE_KEYS:
            if message[key] in (None, "", [], {}):
                dropped.add(key)
                continue
            errors.append(Issue(codes.UNKNOWN_KEY, f"{where}.{key}",
                                f"OpenAI SDK response key {key!r} has a value "
                                f"({json_kind(message[key])}); fine-tuning files take no such key: "
                                "remove it, or keep what it says in 'content'"))
            continue
        errors.append(Issue(codes.UNKNOWN_KEY, f"{where}.{key}",
                            f"unrecognised message key {key!r}; allowed: "
                            + ", ".join(sorted(MESSAGE_KEYS))))
    role = message.get("role")
    if role is None:
        errors.append(Issue(codes.MISSING_ROLE, f"{where}.role", "message has no role"))
    elif not isinstance(role, str) or role not in ROLES:
        errors.append(Issue(codes.UNKNOWN_ROLE, f"{where}.role",
                            f"unrecognised role {role!r}; use one of "
                            + ", ".join(sorted(ROLES))))
    content = message.get("content")
    calls = message.get("tool_calls")
    if content is None:
        if calls is None and message.get("function_call") is None:
            errors.append(Issue(codes.MISSING_CONTENT, f"{where}.content",
                                "message has no content (and no tool_calls or function_call)"))
    elif not isinstance(content, str):
        _check_content_parts(content, f"{where}.content", errors)
    for key in ("name", "tool_call_id"):
        value = message.get(key)
        if value is not None and not isinstance(value, str):
            errors.append(Issue(codes.WRONG_TYPE, f"{where}.{key}",
                                f"'{key}' must be a string, not {json_kind(value)}"))
    function_call = message.get("function_call")
    if function_call is not None and not isinstance(function_call, dict):
        errors.append(Issue(codes.TOOL_CALLS_MALFORMED, f"{where}.function_call",
                            f"'function_call' must be an object, not {json_kind(function_call)}"))
    if "weight" in message:
        weight = message["weight"]
        if weight is not None and (type(weight) is not int or weight not in (0, 1)):
            errors.append(Issue(codes.BAD_WEIGHT, f"{where}.weight",
                                f"weight must be 0 or 1, not {weight!r}"))
        elif weight is not None and role != "assistant":
            errors.append(Issue(codes.BAD_WEIGHT, f"{where}.weight",
                                "weight is only allowed on assistant messages"))
    if calls is not None:
        _check_tool_calls(calls, role, f"{where}.tool_calls", errors, call_ids)
    if role == "tool" and call_ids is not None:
        call_id = message.get("tool_call_id")
        if not isinstance(call_id, str):
            if call_id is None:
                errors.append(Issue(codes.TOOL_CALL_ID_UNMATCHED, f"{where}.tool_call_id",
                                    "tool message has no tool_call_id naming the call it answers"))
        elif call_id not in call_ids:
            errors.append(Issue(codes.TOOL_CALL_ID_UNMATCHED, f"{where}.tool_call_id",
                                f"tool_call_id {call_id!r} answers no earlier assistant tool call"))


def _check_content_parts(content: object, where: str, errors: list[Issue]) -> None:
    if not isinstance(content, list):
        errors.append(Issue(codes.CONTENT_TYPE, where,
                            f"content must be a string, a list of parts or null, not {json_kind(content)}"))
        return
    for j, part in enumerate(content):
        at = f"{where}[{j}]"
        if not isinstance(part, dict):
            errors.append(Issue(codes.CONTENT_TYPE, at,
                                f"a content part must be an object, not {json_kind(part)}"))
        elif not isinstance(part.get("type"), str):
            errors.append(Issue(codes.CONTENT_TYPE, f"{at}.type",
                                "a content part needs a string 'type' (e.g. 'text')"))
        elif not isinstance(part.get("text"), str) and (
            part.get("text") is not None or part["type"] == "text"
        ):
            errors.append(Issue(codes.CONTENT_TYPE, f"{at}.text",
                                "a text part needs a string 'text'"))


def _check_tool_calls(
    calls: object, role: object, where: str, errors: list[Issue], call_ids: set[str] | None
) -> None:
    if not isinstance(calls, list):
        errors.append(Issue(codes.TOOL_CALLS_MALFORMED, where,
                            f"'tool_calls' must be a list, not {json_kind(calls)}"))
        return
    if role != "assistant":
        errors.append(Issue(codes.TOOL_CALLS_MALFORMED, where,
                            "only assistant messages may have tool_calls"))
    for k, call in enumerate(calls):
        at = f"{where}[{k}]"
        if not isinstance(call, dict):
            errors.append(Issue(codes.TOOL_CALLS_MALFORMED, at,
                                f"a tool call must be an object, not {json_kind(call)}"))
            continue
        extra = sorted(set(call) - _TOOL_CALL_KEYS)
        if extra:
            errors.append(Issue(codes.TOOL_CALLS_MALFORMED, f"{at}.{extra[0]}",
                                f"unrecognised tool call key {extra[0]!r}; allowed: function, id, type"))
        call_id = call.get("id")
        if not isinstance(call_id, str):
            errors.append(Issue(codes.TOOL_CALLS_MALFORMED, f"{at}.id",
                                "a tool call needs a string 'id'"))
        elif call_ids is not None:
            call_ids.add(call_id)
        if "type" in call and call["type"] != "function":
            errors.append(Issue(codes.TOOL_CALLS_MALFORMED, f"{at}.type",
                                f"tool call type must be 'function', not {call['type']!r}"))
        _check_function(call.get("function"), f"{at}.function", errors)


def _check_function(function: object, where: str, errors: list[Issue]) -> None:
    if not isinstance(function, dict):
        errors.append(Issue(codes.TOOL_CALLS_MALFORMED, where,
                            "a tool call needs a 'function' object with 'name' and 'arguments'"))
        return
    extra = sorted(set(function) - _FUNCTION_KEYS)
    if extra:
        errors.append(Issue(codes.TOOL_CALLS_MALFORMED, f"{where}.{extra[0]}",
                            f"unrecognised function key {extra[0]!r}; allowed: arguments, name"))
    if not isinstance(function.get("name"), str):
        errors.append(Issue(codes.TOOL_CALLS_MALFORMED, f"{where}.name",
                            "the function needs a string 'name'"))
    arguments = function.get("arguments")
    if not isinstance(arguments, str):
        errors.append(Issue(codes.TOOL_ARGUMENTS_NOT_JSON, f"{where}.arguments",
                            f"arguments must be a JSON string, not {json_kind(arguments)} "
                            "(serialise it with json.dumps)"))
        return
    try:
        json.loads(arguments)
    except ValueError:
        errors.append(Issue(codes.TOOL_ARGUMENTS_NOT_JSON, f"{where}.arguments",
                            "arguments is a string but not valid JSON"))
    except RecursionError:
        errors.append(Issue(codes.TOO_DEEP, f"{where}.arguments",
                            "arguments nest objects or lists too deeply to be read; flatten them"))


def _warnings(roles: list[Any]) -> list[str]:
    found: list[str] = []
    if not any(r in SYSTEM_ROLES for r in roles):
        found.append(codes.NO_SYSTEM_MESSAGE)
    if "user" not in roles:
        found.append(codes.NO_USER_MESSAGE)
    if roles and roles[-1] != "assistant":
        found.append(codes.LAST_NOT_ASSISTANT)
    previous = None
    for role in roles:
        if role in SYSTEM_ROLES:
            continue
        if role == previous and role in ("user", "assistant"):
            found.append(codes.ROLES_NOT_ALTERNATING)
            break
        previous = role
    return found


def json_kind(value: object) -> str:
    """The JSON name of a value's type, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__
