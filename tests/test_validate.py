"""The validator: every error code from a precise minimal record, with its field path; every warning."""

from __future__ import annotations

import pytest

from curator.formats import codes, validate_messages
from curator.formats.validate import normalize_message, validate_reply, validate_tools
from curator.models import Message

U = {"role": "user", "content": "hi"}
A = {"role": "assistant", "content": "hello"}
S = {"role": "system", "content": "be brief"}


def call(call_id: str = "c1", **function: object) -> dict[str, object]:
    return {"id": call_id, "type": "function",
            "function": {"name": "f", "arguments": "{}", **function}}


def asks(*calls: object) -> dict[str, object]:
    return {"role": "assistant", "content": None, "tool_calls": list(calls)}


ERROR_CASES = [
    ("not a list", codes.MESSAGES_NOT_LIST, "messages"),
    ([], codes.EMPTY_MESSAGES, "messages"),
    ([U, "hello", A], codes.MESSAGE_NOT_OBJECT, "messages[1]"),
    ([U, {"content": "x"}, A], codes.MISSING_ROLE, "messages[1].role"),
    ([U, {"role": "assistant"}], codes.MISSING_CONTENT, "messages[1].content"),
    ([U, {"role": "assistant", "content": None}], codes.MISSING_CONTENT, "messages[1].content"),
    ([{"role": "bot", "content": "x"}, A], codes.UNKNOWN_ROLE, "messages[0].role"),
    ([{"role": 3, "content": "x"}, A], codes.UNKNOWN_ROLE, "messages[0].role"),
    ([U, {**A, "logprobs": None}], codes.UNKNOWN_KEY, "messages[1].logprobs"),
    ([{"role": "user", "content": 5}, A], codes.CONTENT_TYPE, "messages[0].content"),
    ([{"role": "user", "content": ["x"]}, A], codes.CONTENT_TYPE, "messages[0].content[0]"),
    ([{"role": "user", "content": [{"text": "x"}]}, A], codes.CONTENT_TYPE,
     "messages[0].content[0].type"),
    ([{"role": "user", "content": [{"type": "text"}]}, A], codes.CONTENT_TYPE,
     "messages[0].content[0].text"),
    ([S, U], codes.NO_ASSISTANT, "messages"),
    ([U, {**A, "weight": 2}], codes.BAD_WEIGHT, "messages[1].weight"),
    ([U, {**A, "weight": True}], codes.BAD_WEIGHT, "messages[1].weight"),
    ([{**U, "weight": 1}, A], codes.BAD_WEIGHT, "messages[0].weight"),
    ([U, {"role": "assistant", "tool_calls": {"id": "c1"}}], codes.TOOL_CALLS_MALFORMED,
     "messages[1].tool_calls"),
    ([U, asks("c1")], codes.TOOL_CALLS_MALFORMED, "messages[1].tool_calls[0]"),
    ([U, asks({"type": "function", "function": {"name": "f", "arguments": "{}"}})],
     codes.TOOL_CALLS_MALFORMED, "messages[1].tool_calls[0].id"),
    ([U, asks({**call(), "type": "code"})], codes.TOOL_CALLS_MALFORMED,
     "messages[1].tool_calls[0].type"),
    ([U, asks({"id": "c1", "type": "function"})], codes.TOOL_CALLS_MALFORMED,
     "messages[1].tool_calls[0].function"),
    ([U, asks(call(name=7))], codes.TOOL_CALLS_MALFORMED,
     "messages[1].tool_calls[0].function.name"),
    ([U, asks(call(strict=True))], codes.TOOL_CALLS_MALFORMED,
     "messages[1].tool_calls[0].function.strict"),
    ([U, asks({**call(), "index": 0})], codes.TOOL_CALLS_MALFORMED,
     "messages[1].tool_calls[0].index"),
    ([{**U, "tool_calls": [call()]}, A], codes.TOOL_CALLS_MALFORMED, "messages[0].tool_calls"),
    ([U, {**A, "function_call": "f()"}], codes.TOOL_CALLS_MALFORMED, "messages[1].function_call"),
    ([U, asks(call(arguments={"city": "Paris"}))], codes.TOOL_ARGUMENTS_NOT_JSON,
     "messages[1].tool_calls[0].function.arguments"),
    ([U, asks(call(arguments="{city: Paris"))], codes.TOOL_ARGUMENTS_NOT_JSON,
     "messages[1].tool_calls[0].function.arguments"),
    ([U, asks(call("c1")), {"role": "tool", "tool_call_id": "c2", "content": "x"}, A],
     codes.TOOL_CALL_ID_UNMATCHED, "messages[2].tool_call_id"),
    ([U, {"role": "tool", "tool_call_id": "c1", "content": "x"}, asks(call("c1")), A],
     codes.TOOL_CALL_ID_UNMATCHED, "messages[1].tool_call_id"),
    ([U, asks(call("c1")), {"role": "tool", "content": "x"}, A],
     codes.TOOL_CALL_ID_UNMATCHED, "messages[2].tool_call_id"),
    ([{**U, "name": 5}, A], codes.WRONG_TYPE, "messages[0].name"),
]


@pytest.mark.parametrize(("messages", "code", "field"), ERROR_CASES)
def test_each_error_has_its_code_and_field(messages: object, code: str, field: str) -> None:
    errors, _ = validate_messages(messages)
    assert [(e.code, e.field) for e in errors] == [(code, field)]
    assert errors[0].message


def test_field_prefix_is_the_callers() -> None:
    errors, _ = validate_messages([U, "x", A], field="input.messages")
    assert [(e.code, e.field) for e in errors] == [(codes.MESSAGE_NOT_OBJECT, "input.messages[1]")]


def test_several_errors_are_all_reported() -> None:
    errors, _ = validate_messages([{"role": "bot"}, {"role": "user", "content": 1, "x": 1}])
    assert sorted((e.code, e.field) for e in errors) == [
        (codes.CONTENT_TYPE, "messages[1].content"),
        (codes.MISSING_CONTENT, "messages[0].content"),
        (codes.NO_ASSISTANT, "messages"),
        (codes.UNKNOWN_KEY, "messages[1].x"),
        (codes.UNKNOWN_ROLE, "messages[0].role"),
    ]


@pytest.mark.parametrize(("messages", "warnings"), [
    ([S, U, A], []),
    ([U, A], [codes.NO_SYSTEM_MESSAGE]),
    ([{"role": "developer", "content": "rules"}, U, A], []),
    ([S, A], [codes.NO_USER_MESSAGE]),
    ([S, U, A, U], [codes.LAST_NOT_ASSISTANT]),
    ([S, U, U, A], [codes.ROLES_NOT_ALTERNATING]),
    ([S, U, A, A], [codes.ROLES_NOT_ALTERNATING]),
    ([A], [codes.NO_SYSTEM_MESSAGE, codes.NO_USER_MESSAGE]),
])
def test_warnings(messages: list[dict[str, object]], warnings: list[str]) -> None:
    errors, found = validate_messages(messages)
    assert errors == []
    assert found == warnings


def test_tool_round_trip_is_valid_and_alternates() -> None:
    messages = [S, U, asks(call("c1"), call("c2")),
                {"role": "tool", "tool_call_id": "c1", "content": "1"},
                {"role": "tool", "tool_call_id": "c2", "content": "2"}, A]
    assert validate_messages(messages) == ([], [])


def test_valid_content_parts_and_weight_zero() -> None:
    parts = [{"type": "text", "text": "look"}, {"type": "image_url", "image_url": {"url": "u"}}]
    assert validate_messages([S, {"role": "user", "content": parts}, {**A, "weight": 0}]) == ([], [])


def test_rejected_reply_must_be_an_assistant_message() -> None:
    assert validate_reply(A) == []
    assert [(e.code, e.field) for e in validate_reply(U)] == [(codes.UNKNOWN_ROLE, "rejected.role")]
    assert [(e.code, e.field) for e in validate_reply("no")] == [
        (codes.MESSAGE_NOT_OBJECT, "rejected")]


def test_tools_must_be_a_list_of_objects() -> None:
    assert validate_tools([{"type": "function"}]) == []
    assert [(e.code, e.field) for e in validate_tools({"type": "function"})] == [
        (codes.WRONG_TYPE, "tools")]
    assert [(e.code, e.field) for e in validate_tools([{}, "f"])] == [(codes.WRONG_TYPE, "tools[1]")]


@pytest.mark.parametrize("message", [
    A,
    {**A, "name": None, "weight": 1},
    asks({"id": "c1", "function": {"name": "f", "arguments": "{}"}}),
    {"role": "user", "content": [{"type": "text", "text": "x", "cache": None},
                                 {"type": "image_url", "text": None, "image_url": {"url": "u"}}]},
])
def test_normalized_message_equals_pydantic_dump(message: dict[str, object]) -> None:
    assert normalize_message(message) == Message.model_validate(message).dump()
