"""The forbidden phrases check: case-insensitive phrases and regex patterns a reply must not use."""

from __future__ import annotations

import re
from functools import lru_cache

from pydantic import field_validator, model_validator

from curator.guidelines.checks.prefilter import Clause, fast, lowered, required_literals
from curator.guidelines.checks.registry import (
    CheckParams,
    Flag,
    check,
    messages_with_roles,
)
from curator.models import Example, Role

# Typographic quotes map to ASCII one for one, so offsets in the folded text stay valid.
_FOLD = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u00a0": " "})


def fold(text: str) -> str:
    """Text with typographic quotes and non-breaking spaces made plain (same length)."""
    return text.translate(_FOLD)


class ForbiddenPhrasesParams(CheckParams):
    phrases: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()  # Python regular expressions, matched case-insensitively
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
                re.compile(pattern, re.IGNORECASE)
            except re.error as exc:
                raise ValueError(f"pattern {i + 1} {pattern!r} is not a valid regular expression: {exc}") from exc
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


@lru_cache(maxsize=64)
def _compiled(phrases: tuple[str, ...], patterns: tuple[str, ...]) -> tuple[tuple[str, re.Pattern[str]], ...]:
    found = [("phrase", re.compile(_phrase_regex(p), re.IGNORECASE)) for p in phrases]
    found += [("pattern", re.compile(p, re.IGNORECASE)) for p in patterns]
    return tuple(found)


@lru_cache(maxsize=64)
def _needs(phrases: tuple[str, ...], patterns: tuple[str, ...]) -> tuple[tuple[Clause, ...], ...]:
    """For each compiled regex, the literal clauses a text must satisfy for it to match."""
    return tuple(required_literals(regex) for _kind, regex in _compiled(phrases, patterns))


@lru_cache(maxsize=256)
def _presence(low: str) -> dict[str, bool]:
    """Which literals occur in a lower-cased text, filled in as they are asked for."""
    return {}


def _active(params: ForbiddenPhrasesParams, text: str) -> tuple[tuple[str, re.Pattern[str]], ...] | list[tuple[str, re.Pattern[str]]]:
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
        original = m.text
        text = fold(original)
        seen: list[tuple[int, int]] = []
        # Skipping a regex that cannot match leaves `seen` as it was, so the flags are unchanged.
        for kind, regex in _active(params, text):
            for match in regex.finditer(text):
                span = match.span()
                if span[0] == span[1] or any(s <= span[0] < e for s, e in seen):
                    continue  # one flag per place, however many phrases overlap there
                seen.append(span)
                quoted = _quote(original[span[0] : span[1]])
                what = f"forbidden phrase {quoted}" if kind == "phrase" else f"{quoted} matches a forbidden pattern"
                flags.append(Flag(check="forbidden_phrases", message=f"{what} in message {i + 1}", message_index=i, span=span))
    return flags
