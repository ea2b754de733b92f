"""Which member of a duplicate cluster is exported: the representative."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from curator.errors import InvalidInputError
from curator.models import as_utc


@dataclass(frozen=True)
class Member:
    """What the choice needs to know about one cluster member."""

    id: str
    outcome: str  # an Outcome value: "approve", "negative", "reject", "pending", "conflict"
    corrected: bool = False
    decided_at: datetime | None = None


def _recency(when: datetime | None) -> float:
    if when is None:
        return float("inf")  # never decided sorts after every decided member
    return -as_utc(when).timestamp()


def choose_representative(members: Sequence[Member]) -> str:
    """A settled approve first, then a corrected example, then the most recent, then the smallest id."""
    if not members:
        raise InvalidInputError("a cluster has at least one member", field="members")
    best = min(
        members,
        key=lambda m: (str(m.outcome) != "approve", not m.corrected, _recency(m.decided_at), m.id),
    )
    return best.id
