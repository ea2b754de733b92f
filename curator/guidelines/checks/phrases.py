"""The forbidden phrases check: case-insensitive phrases and regex patterns a reply must not use.

Patterns come from guideline files, so from people: they are matched with RE2, whose time is
linear in the text whatever the pattern ("(a+)+$" included), and a pattern RE2 cannot take
(look-around, back-references) is refused when the guideline is loaded.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

import re2  # google-re2
from pydantic import field_validator, model_validator

from curator.guidelines.checks.prefilter import fast
from curator.guidelines.checks.registry import (
    CheckParams,
    Flag,
    check,
    messages_with_roles,
    partly_read,
    scanned,
)
from curator.models import Example, Role

_SURROGATE = re.compile("[\ud800-\udfff]")
_OPTIONS = re2.Options()
_OPTIONS.case_sensitive = False
_OPTIONS.log_errors = False  # a refused pattern is reported by the loader, not logged to stderr

# Typographic quotes map to ASCII one for one, so offsets in the folded text stay valid.
_FOLD = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u00a0": " "})


def fold(text: str) -> str:
    """Text with typographic quotes and non-breaking spaces made plain (same length)."""
    return text.translate(_FOLD)


class ForbiddenPhrasesParams(CheckParams):
    phrases: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()  # RE2 regular expressions, matched case-insensitively
    roles: tuple[Role, ...] = (Role.ASSISTANT,)

    @field_validator("phrases")
    @classmethod
    def _no_blank_phrase(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for i, phrase in enumerate(value):
            if not phrase.strip():
                raise ValueError(f"phrase {i + 1} is blank")
        return value

    @field_validator("patterns")
    @classmethod
    def _patterns_compile(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for i, pattern in enumerate(value):
            try:
                _re2(pattern)
            except re2.error as exc:
                reason = exc.args[0].decode("utf-8", "replace") if exc.args and isinstance(exc.args[0], bytes) else str(exc)
                raise ValueError(
                    f"pattern {i + 1} {pattern!r} is not a valid regular expression: {reason} "
                    "(patterns are matched with RE2, in time linear in the text: no look-ahead, "
                    "look-behind or back-references; write \\z for the end of the text)") from exc
        return value

    @model_validator(mode="after")
    def _something_to_find(self) -> ForbiddenPhrasesParams:
        if not self.phrases and not self.patterns:
            raise ValueError("give at least one of 'phrases' or 'patterns'")
        return self


def _phrase_regex(phrase: str) -> str:
    words = [re.escape(w) for w in fold(phrase).split()]
    body = r"\s+".join(words)
    # Word boundaries only where the phrase has word characters at its edge, so "-->" still matches.
    start = r"\b" if re.match(r"\w", words[0]) else ""
    end = r"\b" if re.search(r"\w$", phrase.strip()) else ""
    return f"{start}{body}{end}"


def _re2(pattern: str) -> Any:
    return re2.compile(pattern, _OPTIONS)


@lru_cache(maxsize=64)
def _sources(phrases: tuple[str, ...], patterns: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    return tuple([("phrase", _phrase_regex(p)) for p in phrases] + [("pattern", p) for p in patterns])


@lru_cache(maxsize=64)
def _compiled(phrases: tuple[str, ...], patterns: tuple[str, ...]) -> tuple[tuple[str, Any], ...]:
    return tuple((kind, _re2(source)) for kind, source in _sources(phrases, patterns))


# Texts up to this long are first scanned once by an RE2 set of all the rule's regexes, which says
# which of them match at all. The set's automaton is built as it reads, one state per character
# at most, so this bound keeps it far inside the memory it is given: it cannot fail and go quiet.
_SET_MAX_CHARS = 20_000
_SET_OPTIONS = re2.Options()
_SET_OPTIONS.case_sensitive = False
_SET_OPTIONS.log_errors = False
_SET_OPTIONS.max_mem = 64 << 20


@lru_cache(maxsize=64)
def _set(phrases: tuple[str, ...], patterns: tuple[str, ...]) -> Any | None:
    """One RE2 set of every regex of a rule (None if RE2 cannot build it: then each runs alone)."""
    try:
        regexes = re2.Set.SearchSet(_SET_OPTIONS)
        for _kind, source in _sources(phrases, patterns):
            regexes.Add(source)
        regexes.Compile()
    except re2.error:
        return None
    return regexes


def _active(params: ForbiddenPhrasesParams, text: str) -> tuple[tuple[str, Any], ...] | list[tuple[str, Any]]:
    """The regexes that match somewhere in the (folded) text, in rule order; the others find nothing."""
    compiled = _compiled(params.phrases, params.patterns)
    regexes = _set(params.phrases, params.patterns) if fast() and len(text) <= _SET_MAX_CHARS else None
    if regexes is None:
        return compiled
    try:
        found = regexes.Match(text)
    except UnicodeEncodeError:  # a lone surrogate: every regex, on the text _matches repairs
        return compiled
    if not found:
        return ()
    return [compiled[i] for i in sorted(found)]


def _quote(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return repr(text if len(text) <= limit else text[: limit - 1] + "\u2026")


@check("forbidden_phrases", params=ForbiddenPhrasesParams)
def forbidden_phrases(example: Example, params: ForbiddenPhrasesParams) -> list[Flag]:
    """No message of the given roles (the assistant's by default) uses a forbidden phrase or pattern."""
    flags = []
    for i, m in messages_with_roles(example, params.roles):
        flags += partly_read("forbidden_phrases", i, m.text)
        original = scanned(m.text)
        text = fold(original)
        seen: list[tuple[int, int]] = []
        # Skipping a regex that cannot match leaves `seen` as it was, so the flags are unchanged.
        for kind, regex in _active(params, text):
            for match in _matches(regex, text):
                span = match.span()
                if span[0] == span[1] or any(s <= span[0] < e for s, e in seen):
                    continue  # one flag per place, however many phrases overlap there
                seen.append(span)
                quoted = _quote(original[span[0] : span[1]])
                what = f"forbidden phrase {quoted}" if kind == "phrase" else f"{quoted} matches a forbidden pattern"
                flags.append(Flag(check="forbidden_phrases", message=f"{what} in message {i + 1}", message_index=i, span=span))
    return flags


def _matches(regex: Any, text: str) -> Iterator[Any]:
    """RE2 matches in the text; a lone surrogate (not UTF-8, so not RE2's) reads as U+FFFD."""
    try:
        yield from regex.finditer(text)
    except UnicodeEncodeError:
        yield from regex.finditer(_SURROGATE.sub("\ufffd", text))  # same length: spans hold
