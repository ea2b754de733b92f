"""Cheap exact pre-filters for the checks: literals a regex cannot match without, per-text caches.

A pre-filter only ever says "cannot match here" when that is certain, so a check that skips a
regex on its word gives exactly the flags it gave before, only sooner. ``fast_paths(False)``
turns every pre-filter off: the tests compare both ways on the sample data.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import lru_cache

# Python 3.11+ (all curator supports) names the regex parser re._parser.
from re import _constants as _sre_constants  # type: ignore[attr-defined]
from re import _parser as _sre_parser  # type: ignore[attr-defined]
from typing import Any

import re2  # google-re2; no stubs (ignore_missing_imports in pyproject.toml)

Clause = frozenset[str]  # one of these lower-case literals must occur in the text

# Characters that make lower-case substring tests unsafe stand-ins for case-insensitive regex
# matching: they match an ASCII letter under re.IGNORECASE (Kelvin sign, long s, dotless i,
# dotted capital I, whose lower case is two characters) or lower-case by context (capital
# sigma). A text holding one takes the slow path. tests/test_checks.py checks this set by
# brute force over every code point.
CASE_HAZARDS = frozenset("\u0130\u0131\u017f\u212a\u03a3")

_state = {"fast": True}
_MAX_CLAUSE = 64  # literals one clause may hold before it is too costly to test


def fast() -> bool:
    """True unless the pre-filters have been turned off (see ``fast_paths``)."""
    return _state["fast"]


@contextmanager
def fast_paths(enabled: bool) -> Iterator[None]:
    """Turn the checks' pre-filters on or off within a block (off: the plain reference path)."""
    before = _state["fast"]
    _state["fast"] = enabled
    try:
        yield
    finally:
        _state["fast"] = before


@lru_cache(maxsize=1024)
def lowered(text: str) -> str | None:
    """``text.lower()`` when substring tests on it are exact stand-ins for re.IGNORECASE, else None.

    Keyed by the text itself (not by example or message), so equal texts share one entry and
    different texts can never be confused.
    """
    if not text.isascii() and any(c in text for c in CASE_HAZARDS):
        return None
    return text.lower()


def _flush(run: set[str], clauses: list[Clause]) -> None:
    if run and all(run):
        clauses.append(frozenset(run))


def _expand(run: set[str], chars: Iterable[int]) -> set[str] | None:
    grown = {s + chr(c).lower() for s in run for c in chars}
    return grown if len(grown) <= _MAX_CLAUSE else None


def _small_set(items: list[tuple[Any, Any]]) -> list[int] | None:
    """The characters of a character class made only of a few ASCII literals, else None."""
    if len(items) > 8 or any(op is not _sre_constants.LITERAL or av >= 128 for op, av in items):
        return None
    return [av for _op, av in items]


def _sequence_clauses(items: Any) -> list[Clause]:
    c = _sre_constants
    clauses: list[Clause] = []
    run: set[str] = {""}
    for op, av in items:
        if op is c.LITERAL and av < 128:
            grown = _expand(run, [av])
        elif op is c.IN and _small_set(av) is not None:
            grown = _expand(run, _small_set(av) or [])
        elif op in (c.AT, c.ASSERT, c.ASSERT_NOT):
            continue  # zero width: the literals either side are still adjacent in the text
        else:
            grown = None
        if grown is not None:
            run = grown
            continue
        if op is c.BRANCH:
            joined = _join_branch(run, av[1])
            if joined is not None and joined[1]:
                run = joined[0]  # every alternative is all literal: the run goes on after it
                continue
            _flush(joined[0] if joined is not None else run, clauses)
        else:
            _flush(run, clauses)
        run = {""}
        if op is c.SUBPATTERN:
            clauses += _sequence_clauses(av[-1])
        elif op is getattr(c, "ATOMIC_GROUP", None):
            clauses += _sequence_clauses(av)
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT, getattr(c, "POSSESSIVE_REPEAT", None)) and av[0] >= 1:
            clauses += _sequence_clauses(av[2])
        elif op is c.BRANCH:
            clauses += _branch_clause(av[1])
    _flush(run, clauses)
    return clauses


def _leading(items: Any) -> tuple[set[str], bool]:
    """The literal strings an alternative starts with, and whether it is nothing but them."""
    c = _sre_constants
    run: set[str] = {""}
    for op, av in items:
        chars = [av] if op is c.LITERAL and av < 128 else _small_set(av) if op is c.IN else None
        if op in (c.AT, c.ASSERT, c.ASSERT_NOT):
            continue
        grown = _expand(run, chars) if chars is not None else None
        if grown is None:
            return run, False
        run = grown
    return run, True


def _join_branch(run: set[str], alternatives: list[Any]) -> tuple[set[str], bool] | None:
    """The run so far followed by each alternative's leading literals (None if one has none)."""
    joined: set[str] = set()
    complete = True
    for alternative in alternatives:
        lead, whole = _leading(alternative)
        if not all(lead):
            return None
        joined |= {s + tail for s in run for tail in lead}
        complete = complete and whole
        if len(joined) > _MAX_CLAUSE:
            return None
    return joined, complete


def _best(clauses: list[Clause]) -> Clause:
    """The clause least likely to hold by chance: the one whose shortest literal is longest."""
    return max(clauses, key=lambda cl: (min(map(len, cl)), -len(cl)))


def _branch_clause(alternatives: list[Any]) -> list[Clause]:
    chosen: set[str] = set()
    for alternative in alternatives:
        found = _sequence_clauses(alternative)
        if not found:
            return []  # this alternative needs no literal, so the branch needs none either
        chosen |= _best(found)
    return [frozenset(chosen)] if len(chosen) <= _MAX_CLAUSE else []


@lru_cache(maxsize=256)
def required_literals(pattern: re.Pattern[str]) -> tuple[Clause, ...]:
    """Clauses every match of ``pattern`` satisfies, as lower-case literals (at most two, the rarest).

    Each clause is a set of literals of which at least one occurs, lower-cased, in any text the
    pattern matches (case-insensitively or not). An empty tuple means nothing is known.
    """
    try:
        parsed = _sre_parser.parse(pattern.pattern, pattern.flags)
    except Exception:  # noqa: BLE001  # an internal parser may change; then no pre-filter
        return ()
    clauses = _sequence_clauses(list(parsed))
    ranked = sorted(set(clauses), key=lambda cl: (min(map(len, cl)), -len(cl)), reverse=True)
    return tuple(ranked[:2])


def may_match(clauses: tuple[Clause, ...], low: str | None) -> bool:
    """False only when the lower-cased text lacks every literal of some clause (so no match)."""
    if low is None:
        return True
    return all(any(lit in low for lit in clause) for clause in clauses)


class Gates:
    """Which of several patterns may match a text, from one scan for all their required literals.

    The same answers as ``may_match`` on each pattern's ``required_literals``, but the text is
    read once, by an RE2 set of the literals (an automaton no bigger than the literals
    themselves, so it cannot run out of memory), instead of once per literal.
    """

    def __init__(self, patterns: list[re.Pattern[str]]) -> None:
        self._needs = [required_literals(p) for p in patterns]
        literals = sorted({lit for clauses in self._needs for clause in clauses for lit in clause})
        self._ids = {lit: i for i, lit in enumerate(literals)}
        options = re2.Options()
        options.literal = True
        options.log_errors = False
        self._set = re2.Set.SearchSet(options)
        for lit in literals:
            self._set.Add(lit)
        if literals:
            self._set.Compile()
        self._all = [True] * len(patterns)

    def open(self, low: str | None) -> list[bool]:
        """For each pattern, False only when it cannot match the text whose ``lowered`` is ``low``."""
        if low is None or not self._ids:
            return self._all
        try:
            present = frozenset(self._set.Match(low) or ())
        except UnicodeEncodeError:  # a lone surrogate
            return [may_match(needs, low) for needs in self._needs]
        return self._answer(present)

    @lru_cache(maxsize=1024)  # noqa: B019 - few sets of literals occur; the gates live as long as the module
    def _answer(self, present: frozenset[int]) -> list[bool]:
        ids = self._ids
        return [all(any(ids[lit] in present for lit in clause) for clause in needs) for needs in self._needs]


# Bytes of a text's UTF-8 with digits (and every non-ASCII byte, which may be part of a
# Unicode digit) made "0", capitals "A", phone separators dropped and all else "|".
_SHAPE_TABLE = bytes(
    ord("0") if (48 <= b <= 57 or b >= 128) else ord("A") if 65 <= b <= 90 else ord("|")
    for b in range(256)
)
_SHAPE_DROP = b" \t().-"


@lru_cache(maxsize=1024)
def digit_shape(text: str) -> bytes:
    """The text's shape for number pre-filters: a run of n "0"s means n+ digits near each other."""
    return text.encode("utf-8", "surrogatepass").translate(_SHAPE_TABLE, _SHAPE_DROP)
