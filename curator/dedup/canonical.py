"""Canonical text of a conversation, its exact key, and its shingles (the sets dedup compares)."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any, cast

from curator.errors import InvalidInputError
from curator.models import canonical_json

WORD_SHINGLE = 3  # words per shingle
CHAR_SHINGLE = 5  # characters per shingle, for scripts written without spaces

# Zero-width space, non-joiner, joiner, word joiner, byte-order mark: invisible, so never a
# difference a reader could see between two conversations.
_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))

# Scripts written without spaces between words: CJK ideographs and punctuation, kana, Hangul,
# Thai, Lao, Myanmar, Khmer. A word n-gram of such text is a whole sentence, so we use characters.
_UNSPACED = re.compile(
    "[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff"
    "\uff00-\uffef\U00020000-\U0002fa1f]"
)
_UNSPACED_SHARE = 0.3  # of the non-space characters
_LONG_TOKEN = 25.0  # mean characters per token above which text counts as unspaced (base64, minified JSON)

_ROLES = {r: r for r in ("system", "developer", "user", "assistant", "tool", "function")}

Messages = Sequence[Mapping[str, Any]]


def normalize_text(text: str, *, casefold: bool = False) -> str:
    """NFKC, zero-width characters removed, whitespace collapsed, optionally case-folded."""
    if text.isascii():  # the common case: NFKC is the identity and folding is lower()
        return " ".join((text.lower() if casefold else text).split())
    text = unicodedata.normalize("NFKC", text)
    if not text.isascii():
        text = text.translate(_ZERO_WIDTH)
    if casefold:
        # Case folding can leave text that is no longer NFKC (e.g. U+1E9E -> "ss" is fine, but
        # some folds produce compatibility characters); normalising again keeps the key stable.
        text = unicodedata.normalize("NFKC", text.casefold())
    return " ".join(text.split())


def role_of(message: Any) -> Any:
    """The role of a message given as a dict or as a model (None when it has none)."""
    return message.get("role") if isinstance(message, Mapping) else getattr(message, "role", None)


def as_mapping(message: Any, index: int = 0) -> Mapping[str, Any]:
    """A message given as a dict or as a model, as a dict (JSON values, no None); ``index``
    names it in the error for anything else."""
    if isinstance(message, Mapping):
        return message
    dump = getattr(message, "model_dump", None)
    if callable(dump):
        return cast("Mapping[str, Any]", dump(mode="json", exclude_none=True))
    raise InvalidInputError(
        f"message {index} is a {type(message).__name__}, not an object with 'role' and 'content'",
        field="messages",
    )


def _part_text(part: Any, index: int) -> str:
    if isinstance(part, str):
        return part
    if isinstance(part, Mapping):
        if part.get("type", "text") == "text":
            return str(part.get("text") or "")
        # An image or audio part: its digest tells different attachments apart without
        # shingling kilobytes of base64.
        digest = hashlib.blake2b(canonical_json(dict(part)).encode("utf-8"), digest_size=8)
        return f"[{part.get('type')}:{digest.hexdigest()}]"
    raise InvalidInputError(
        f"message {index} has a content part of type {type(part).__name__}; "
        "expected an object like {'type': 'text', 'text': ...}",
        field="content",
    )


def message_text(message: Mapping[str, Any], *, index: int = 0) -> str:
    """The text of one message's content: the string, or its parts joined."""
    content = message.get("content")
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(_part_text(p, index) for p in content)
    raise InvalidInputError(
        f"message {index} has content of type {type(content).__name__}; "
        "expected a string, a list of parts or null",
        field="content",
    )


def _tool_lines(role: str, message: Mapping[str, Any], casefold: bool) -> list[str]:
    calls: list[Any] = list(message.get("tool_calls") or [])
    if message.get("function_call"):
        calls.append({"function": message["function_call"]})
    lines = []
    for call in calls:
        function = call.get("function", {}) if isinstance(call, Mapping) else {}
        name = str(function.get("name", ""))
        arguments = str(function.get("arguments", ""))
        body = normalize_text(f"{name} {arguments}", casefold=casefold)
        lines.append(f"{role}.tool_call: {body}")
    return lines


def canonical_lines(messages: Messages, *, casefold: bool = False) -> list[str]:
    """One line per message, "role: text", then one per tool call; each line normalised."""
    if type(messages) is not list and (isinstance(messages, (str, bytes)) or not isinstance(messages, Sequence)):
        raise InvalidInputError(
            f"messages must be a list of messages, not {type(messages).__name__}", field="messages"
        )
    lines = []
    for index, raw in enumerate(messages):
        if type(raw) is dict:
            # The common shape (stored JSON): a known role, string content, no tool calls.
            # The same line as the general path below, without its checks.
            role = raw.get("role")
            role = _ROLES.get(role) if type(role) is str else None
            content = raw.get("content")
            if role is not None and type(content) is str and not raw.get("tool_calls") and not raw.get("function_call"):
                text = normalize_text(content, casefold=casefold)
                lines.append(f"{role}: {text}" if text else f"{role}:")
                continue
        message = as_mapping(raw, index)
        role = message.get("role")
        if not isinstance(role, str) or not role:
            raise InvalidInputError(f"message {index} has no role", field="role")
        role = _ROLES.get(role) or normalize_text(role, casefold=True)
        text = normalize_text(message_text(message, index=index), casefold=casefold)
        lines.append(f"{role}: {text}" if text else f"{role}:")
        lines.extend(_tool_lines(role, message, casefold))
    return lines


def canonical_text(messages: Messages, *, casefold: bool = False) -> str:
    """The conversation as one normalised string: what exact and near dedup compare."""
    # Lines are joined by "\n": normalisation turns every newline inside a message into a
    # space, so a message can never fake the start of another one.
    return "\n".join(canonical_lines(messages, casefold=casefold))


def text_digest(text: str) -> bytes:
    """A 128-bit digest of a canonical text."""
    data = text.encode("utf-8", "surrogatepass")
    return hashlib.blake2b(data, digest_size=16).digest()


def exact_key(messages: Messages, *, casefold: bool = False) -> str:
    """Hash of the canonical text: equal for exact duplicates, different otherwise."""
    return text_digest(canonical_text(messages, casefold=casefold)).hex()


def uses_char_shingles(text: str) -> bool:
    """Whether text is mostly written without spaces (CJK, Thai...) and so gets character shingles."""
    spaces = text.count(" ") + text.count("\n")
    letters = len(text) - spaces
    if letters <= 0:
        return False
    if not text.isascii() and len(_UNSPACED.findall(text)) >= _UNSPACED_SHARE * letters:
        return True
    return letters / (spaces + 1) > _LONG_TOKEN


def shingle_set(
    text: str,
    *,
    word_n: int = WORD_SHINGLE,
    char_n: int = CHAR_SHINGLE,
    char_mode: bool | None = None,
) -> set[Any]:
    """The exact shingle set of a normalised text: word n-grams, or character n-grams.

    A text shorter than one shingle is one shingle; an empty text has none.
    """
    if char_mode is None:
        char_mode = uses_char_shingles(text)
    if char_mode:
        if len(text) <= char_n:
            return {text} if text else set()
        return {text[i : i + char_n] for i in range(len(text) - char_n + 1)}
    words = text.split()
    if len(words) <= word_n:
        return {tuple(words)} if words else set()
    if word_n == 3:  # the default, spelled out: about a third faster than the general zip
        return set(zip(words, words[1:], words[2:]))
    return set(zip(*(words[k:] for k in range(word_n))))


def jaccard(a: set[Any], b: set[Any]) -> float:
    """|a & b| / |a | b|; two empty sets are identical (1.0)."""
    if not a and not b:
        return 1.0
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter)
