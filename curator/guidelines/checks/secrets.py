"""The secrets check: API keys, access tokens, private keys and passwords written in clear."""

from __future__ import annotations

import math
import re
from collections import Counter

from pydantic import Field

from curator.guidelines.checks.prefilter import Gates, fast, lowered
from curator.guidelines.checks.registry import (
    CheckParams,
    Flag,
    check,
    messages_with_roles,
    partly_read,
    scanned,
)
from curator.models import Example, Role

# (what it is, pattern): formats with a fixed, recognisable prefix.
_KNOWN: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("private key", re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----")),
    ("Stripe-style secret key", re.compile(r"\b[rs]k_(?:live|test)_[0-9A-Za-z]{10,}")),
    ("OpenAI-style API key", re.compile(r"\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}")),
    ("AWS access key id", re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")),
    ("GitHub token", re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})")),
    ("Slack token", re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}")),
    ("Google API key", re.compile(r"\bAIza[0-9A-Za-z_-]{35}")),
)
# A password given in clear: "password: hunter2", "my password is S3cret!".
_PASSWORD = re.compile(
    r"\b(?:password|passwd|passphrase|pwd|passcode|pin)\b\s*(?:is\s*[:=]?|[:=])\s*[\"'`]?([^\s\"'`]{4,})",
    re.IGNORECASE,
)
# A long opaque token shortly after a word that names a credential.
_NEAR_KEYWORD = re.compile(
    r"\b(?:api[ _-]?key|key|token|secret|bearer|access[ _-]?key|auth(?:orization)?|credentials?)\b"
    r"[^\n]{0,24}?[\"'`:= ]([A-Za-z0-9_\-+/=.]{20,})",
    re.IGNORECASE,
)


_GATES = Gates([*(p for _what, p in _KNOWN), _PASSWORD, _NEAR_KEYWORD])


class SecretsParams(CheckParams):
    roles: tuple[Role, ...] | None = None  # None: every role
    min_entropy: float = Field(default=3.5, gt=0)  # bits per character of an opaque token
    passwords: bool = True


def shannon_entropy(text: str) -> float:
    """Bits per character of a string's character distribution."""
    if not text:
        return 0.0
    counts = Counter(text)
    n = len(text)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


def _looks_like_password(value: str) -> bool:
    if set(value) <= set("*\u2022x.X#"):
        return False  # masked: "********"
    if value.startswith(("<", "[", "{")) or value.lower() in {"reset", "incorrect", "wrong", "required", "expired"}:
        return False  # a placeholder or a word, not a value
    # Words ("case-sensitive", "Tallybook") are prose; digits, symbols or inner capitals are not.
    has_digit = any(c.isdigit() for c in value)
    has_symbol = any(c in "!@#$%^&*_+=?~|\\" for c in value)
    inner_capital = any(c.isupper() for c in value[1:]) and any(c.islower() for c in value)
    return has_digit or has_symbol or inner_capital


def _looks_random(token: str, min_entropy: float) -> bool:
    kinds = sum((any(c.isdigit() for c in token), any(c.isupper() for c in token), any(c.islower() for c in token)))
    if kinds < 2 or "/" in token and token.count("/") > 2:
        return False  # words, or a URL path
    return shannon_entropy(token) >= min_entropy


def _mask(secret: str) -> str:
    return repr(secret[:4] + "\u2026") if len(secret) > 8 else "'\u2026'"


def find_secrets(text: str, params: SecretsParams | None = None) -> list[tuple[int, int, str]]:
    """Secrets in a text: (start, end, description), in order of position; values masked."""
    params = params or SecretsParams()
    hits: list[tuple[int, int, str]] = []

    def add(start: int, end: int, description: str) -> None:
        if not any(start < e and s < end for s, e, _ in hits):
            hits.append((start, end, description))

    # A pattern skipped here has no match at all, so `hits` (and overlaps) stay the same.
    *known, password, near_keyword = _GATES.open(lowered(text) if fast() else None)
    for (what, pattern), may in zip(_KNOWN, known):
        if not may:
            continue
        for m in pattern.finditer(text):
            add(m.start(), m.end(), what if what == "private key" else f"{what} {_mask(m.group())}")
    if params.passwords and password:
        for m in _PASSWORD.finditer(text):
            if _looks_like_password(m.group(1)):
                add(m.start(1), m.end(1), "password in clear")
    for m in _NEAR_KEYWORD.finditer(text) if near_keyword else ():
        token = m.group(1)
        if _looks_random(token, params.min_entropy):
            add(m.start(1), m.end(1), f"key-like token {_mask(token)}")
    return sorted(hits)


@check("secrets", params=SecretsParams)
def secrets(example: Example, params: SecretsParams) -> list[Flag]:
    """No message contains an API key, access token, private key or password in clear."""
    flags = []
    for i, m in messages_with_roles(example, params.roles):
        flags += partly_read("secrets", i, m.text)
        for start, end, description in find_secrets(scanned(m.text), params):
            flags.append(Flag(check="secrets", message=f"{description} in message {i + 1}", message_index=i, span=(start, end)))
    return flags
