"""Validation codes: errors quarantine a record as a problem, warnings ride on the example.

A superset of what OpenAI's fine-tuning validator and its cookbook data-prep notebook check.
Codes are part of the public contract (`curator problems --json`); never rename one.
"""

from __future__ import annotations

# --- errors: the record cannot become an example ----------------------------------------
INVALID_JSON = "invalid_json"  # the line / file is not JSON
NOT_UTF8 = "not_utf8"  # bytes that do not decode as UTF-8
NOT_OBJECT = "not_object"  # a record that is not a JSON object
MISSING_MESSAGES = "missing_messages"  # no messages list (or the format's own fields)
MESSAGES_NOT_LIST = "messages_not_list"
EMPTY_MESSAGES = "empty_messages"
MESSAGE_NOT_OBJECT = "message_not_object"
MISSING_ROLE = "missing_role"
MISSING_CONTENT = "missing_content"  # no content and no tool_calls / function_call
UNKNOWN_ROLE = "unknown_role"
UNKNOWN_KEY = "unknown_key"  # a message key OpenAI does not accept
CONTENT_TYPE = "content_type"  # content neither string, list of parts, nor null
NO_ASSISTANT = "no_assistant"  # no assistant message to learn from
BAD_WEIGHT = "bad_weight"  # weight not 0/1, or on a non-assistant message
TOOL_CALLS_MALFORMED = "tool_calls_malformed"  # not a list of {id, type, function{name, arguments}}
TOOL_ARGUMENTS_NOT_JSON = "tool_arguments_not_json"  # function.arguments is not a JSON string
TOOL_CALL_ID_UNMATCHED = "tool_call_id_unmatched"  # a tool message answering no earlier call
MISSING_FIELD = "missing_field"  # a format's required field (instruction, chosen, ...) is absent
WRONG_TYPE = "wrong_type"  # a format's field has the wrong type
UNKNOWN_FORMAT = "unknown_format"  # auto-detection found no format for this record
RECORD_TOO_LARGE = "record_too_large"  # a line or record over limits.MAX_RECORD_BYTES
TOO_DEEP = "too_deep"  # nested deeper than limits.MAX_DEPTH
LONE_SURROGATE = "lone_surrogate"  # a \ud800-style escape that is half of a UTF-16 pair
INPUT_TOO_LARGE = "input_too_large"  # a gzip file decompressing past its limit: the rest is unread
PAIR_PROMPT_MISMATCH = "pair_prompt_mismatch"  # a preference pair's two sides answer different prompts

ERRORS = (
    INVALID_JSON, NOT_UTF8, NOT_OBJECT, MISSING_MESSAGES, MESSAGES_NOT_LIST, EMPTY_MESSAGES,
    MESSAGE_NOT_OBJECT, MISSING_ROLE, MISSING_CONTENT, UNKNOWN_ROLE, UNKNOWN_KEY, CONTENT_TYPE,
    NO_ASSISTANT, BAD_WEIGHT, TOOL_CALLS_MALFORMED, TOOL_ARGUMENTS_NOT_JSON,
    TOOL_CALL_ID_UNMATCHED, MISSING_FIELD, WRONG_TYPE, UNKNOWN_FORMAT, RECORD_TOO_LARGE,
    TOO_DEEP, LONE_SURROGATE, INPUT_TOO_LARGE, PAIR_PROMPT_MISMATCH,
)

# --- warnings: the example is kept, the reviewer sees the warning -----------------------
NO_SYSTEM_MESSAGE = "no_system_message"
NO_USER_MESSAGE = "no_user_message"
LAST_NOT_ASSISTANT = "last_not_assistant"
ROLES_NOT_ALTERNATING = "roles_not_alternating"
OVER_TOKEN_LIMIT = "over_token_limit"  # over the target model's per-example limit
EMPTY_REPLY = "empty_reply"  # an assistant reply with no text and no tool call: nothing to train on
# null/empty keys the OpenAI SDK adds to logged replies (refusal, annotations, audio): dropped;
# the example's metadata names them under "dropped_response_keys"
RESPONSE_KEYS_DROPPED = "response_keys_dropped"

WARNINGS = (
    NO_SYSTEM_MESSAGE, NO_USER_MESSAGE, LAST_NOT_ASSISTANT, ROLES_NOT_ALTERNATING,
    OVER_TOKEN_LIMIT, EMPTY_REPLY, RESPONSE_KEYS_DROPPED,
)
