"""The shapes of a loaded guideline: rules with a severity and an optional automated check."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from pydantic import BaseModel

from curator.errors import NotFoundError


class Severity(StrEnum):
    """How bad a violation is; blockers are never exported as they stand."""

    BLOCKER = "blocker"
    MAJOR = "major"
    MINOR = "minor"

    @property
    def rank(self) -> int:
        """0 for blocker, 1 for major, 2 for minor: sorts the worst first."""
        return _RANKS[self]


_RANKS = {Severity.BLOCKER: 0, Severity.MAJOR: 1, Severity.MINOR: 2}


@dataclass(frozen=True, slots=True)
class CheckSpec:
    """A rule's automated check: its registered name, params as written, params validated."""

    name: str
    params: dict[str, Any]
    # The validated params (a pydantic model of the check), with the guideline's language and
    # target model filled in where the check takes them; this is what the check function gets.
    config: BaseModel


@dataclass(frozen=True, slots=True)
class Rule:
    """One guideline rule: a fixed id, a severity, prose, examples and maybe a check."""

    id: str
    title: str
    severity: Severity
    text: str
    good: str | None = None
    bad: str | None = None
    check: CheckSpec | None = None
    guideline: str = ""  # name of the guideline the rule belongs to


@dataclass(frozen=True, slots=True)
class NegativesPolicy:
    """How many negative examples the guideline asks for (the audit's balance warning)."""

    min_fraction: float | None = None
    max_fraction: float | None = None


@dataclass(frozen=True, slots=True)
class Guideline:
    """One guideline file: metadata from its front matter, its rules and its Markdown body."""

    name: str
    version_label: str
    language: str
    target_model: str
    rules: tuple[Rule, ...]
    body: str
    path: str
    content_hash: str  # short hash of the canonical content (see curator.guidelines.versions)
    negatives: NegativesPolicy = field(default_factory=NegativesPolicy)

    @property
    def version(self) -> str:
        """The version recorded on decisions, e.g. ``general@1.0+3fa2c1d9``."""
        return f"{self.name}@{self.version_label}+{self.content_hash}"


@dataclass(frozen=True, slots=True)
class GuidelineSet:
    """All guidelines in force together: rule ids are unique across them."""

    guidelines: tuple[Guideline, ...]

    @property
    def rules(self) -> tuple[Rule, ...]:
        """Every rule, in file order then rule order."""
        return tuple(r for g in self.guidelines for r in g.rules)

    @property
    def ids(self) -> tuple[str, ...]:
        """Every rule id, in file order then rule order."""
        return tuple(r.id for r in self.rules)

    @property
    def version(self) -> str:
        """The combined version, e.g. ``general@1.0+3fa2c1d9;tallybook@1.0+0b5e77a1``."""
        return ";".join(g.version for g in self.guidelines)

    @property
    def negatives_min_fraction(self) -> float | None:
        """The strictest minimum share of negatives any guideline asks for, if any does."""
        values = [g.negatives.min_fraction for g in self.guidelines if g.negatives.min_fraction is not None]
        return max(values) if values else None

    def get(self, rule_id: str) -> Rule | None:
        """The rule with this id, or None."""
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        return None

    def rule(self, rule_id: str) -> Rule:
        """The rule with this id; NotFoundError names the known ids otherwise."""
        found = self.get(rule_id)
        if found is None:
            raise NotFoundError(f"no guideline rule {rule_id!r}; known rules: {', '.join(self.ids)}")
        return found

    def guideline(self, name: str) -> Guideline:
        """The guideline with this name."""
        for g in self.guidelines:
            if g.name == name:
                return g
        known = ", ".join(g.name for g in self.guidelines)
        raise NotFoundError(f"no guideline {name!r}; known guidelines: {known}")

    def __contains__(self, rule_id: object) -> bool:
        return isinstance(rule_id, str) and self.get(rule_id) is not None

    def __iter__(self) -> Iterator[Rule]:
        return iter(self.rules)

    def __len__(self) -> int:
        return len(self.rules)
