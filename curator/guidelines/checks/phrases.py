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

from curator.guidelines.checks.prefilter import Clause, fast, lowered, required_literals
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


@lru_cache(maxsize=64)
def _needs(phrases: tuple[str, ...], patterns: tuple[str, ...]) -> tuple[tuple[Clause, ...], ...]:
    """For each compiled regex, the literal clauses a text must satisfy for it to match."""
    return tuple(_literals(source) for _kind, source in _sources(phrases, patterns))


def _literals(source: str) -> tuple[Clause, ...]:
    """Literals any RE2 match of ``source`` holds, found with Python's parser where both read it alike.

    Python reads "[[:digit:]]" (an RE2 class) as a set followed by "]", which would demand a "]"
    no match holds: such a pattern, or one Python cannot parse, gets no pre-filter at all.
    """
    if "[:" in source:
        return ()
    try:
        return required_literals(re.compile(source, re.IGNORECASE))
    except (re.error, RecursionError, OverflowError):
        return ()


@lru_cache(maxsize=256)
def _presence(low: str) -> dict[str, bool]:
    """Which literals occur in a lower-cased text, filled in as they are asked for."""
    return {}


def _active(params: ForbiddenPhrasesParams, text: str) -> tuple[tuple[str, Any], ...] | list[tuple[str, Any]]:
    """The regexes that may match the (folded) text, in rule order; the others cannot match at all."""
    compiled = _compiled(params.phrases, params.patterns)
    low = lowered(text) if fast() else None
    if low is None:
        return compiled
    found = _presence(low)  # shared by every rule that checks the same text
    active = []
    for entry, clauses in zip(compiled, _needs(params.phrases, params.patterns)):
        for clause in clauses:
            for literal in clause:
                present = found.get(literal)
                if present is None:
                    present = found[literal] = literal in low
                if present:
                    break
            else:
                break  # no literal of this clause occurs: the regex cannot match
        else:
            active.append(entry)
    return active


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
