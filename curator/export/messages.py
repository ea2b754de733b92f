"""Message shapes the trainers other than OpenAI's expect, and what a format cannot hold.

A writer leaves out (and counts, by reason) a row whose content its format cannot carry,
rather than flattening it: the reasons below are the manifest's ``left_out`` keys per format.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from curator.formats.validate import is_empty_reply

_KEEP = ("role", "content", "name", "tool_calls", "tool_call_id")

# Why a row was left out of a format (manifest: counts.by_format[<format>].left_out).
EMPTY_REPLY = "empty_reply"  # an assistant reply with nothing in it: nothing to train on
NON_TEXT_CONTENT = "non_text_content"  # an image/audio/file part the format has no place for
WEIGHT_0 = "weight_0"  # an assistant turn marked weight 0 (not to be trained) the format cannot mark
TOOLS = "tools"  # tool definitions, calls or results the format cannot express
ROLES_NOT_ALTERNATING = "roles_not_alternating"  # the format needs strict user/assistant turns
SYSTEM_NOT_FIRST = "system_not_first"  # a system message after the first turn
NOTHING_TO_TRAIN = "nothing_to_train"  # every assistant reply is marked weight 0

REASONS = {
    EMPTY_REPLY: "an assistant reply with no text and no tool call (warning empty_reply): nothing to train on",
    NON_TEXT_CONTENT: "an image, audio or file content part the format cannot hold (never flattened to text)",
    WEIGHT_0: "an assistant turn with weight 0 (not to be trained) that the format cannot mark",
    TOOLS: "tool definitions, tool calls or tool results the format cannot express",
    ROLES_NOT_ALTERNATING: "turns that do not alternate user / assistant as the format requires",
    SYSTEM_NOT_FIRST: "a system message after the first turn, which the format cannot place",
    NOTHING_TO_TRAIN: "every assistant reply is marked weight 0: the row has nothing to train",
}
# Record-level keys only OpenAI's formats carry (manifest: counts.by_format[<format>].not_carried).
OPENAI_ROW_KEYS = ("parallel_tool_calls",)


def content_text(content: Any) -> str:
    """A message's content as one string: text parts joined by newlines; null becomes ""."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    return "\n".join(str(p.get("text") or "") for p in content if isinstance(p, dict) and p.get("text"))


def plain_message(message: dict[str, Any]) -> dict[str, Any]:
    """One message with string content and no OpenAI 'weight', every key present (null if unused).

    ``datasets`` loads a format's train and test files into one schema: a message struct with
    other keys in one split than in the other cannot be cast, so every message has them all.
    Call only on messages that ``unsupported`` passed with ``parts=False``: text parts are
    joined, and nothing else may be in the content.
    """
    out = {k: message.get(k) for k in _KEEP}
    out["content"] = content_text(message.get("content"))
    return out


def plain_messages(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [plain_message(m) for m in messages]


def has_non_text_parts(message: dict[str, Any]) -> bool:
    content = message.get("content")
    return isinstance(content, list) and any(not isinstance(p, dict) or p.get("type") != "text" for p in content)


def unsupported(messages: Iterable[dict[str, Any]], *, parts: bool = False, weights: bool = False) -> str | None:
    """Why a format cannot take these messages (a reason above), or None.

    ``parts``: the format holds non-text content parts; ``weights``: it can mark weight 0.
    Every training format refuses an empty assistant reply, and a conversation whose every
    reply is marked not to be trained.
    """
    messages = list(messages)
    replies = [m.get("weight") for m in messages if m.get("role") == "assistant"]
    if replies and all(w == 0 for w in replies):
        return NOTHING_TO_TRAIN
    for message in messages:
        if message.get("role") == "assistant":
            if is_empty_reply(message) and message.get("weight") != 0:
                return EMPTY_REPLY
            if not weights and message.get("weight") == 0:
                return WEIGHT_0
        if not parts and has_non_text_parts(message):
            return NON_TEXT_CONTENT
    return None
