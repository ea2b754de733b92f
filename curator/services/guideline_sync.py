"""Guidelines in the database: which rules are known, flags for examples (filled in by issue 4)."""

from __future__ import annotations

from curator.store import Store


def known_rule_ids(store: Store) -> set[str] | None:
    """Rule ids of the guideline in force; None while no guideline has been loaded."""
    return None


def flag_examples(store: Store, example_ids: list[str]) -> int:
    """Run the guideline's checks on these examples and store the flags; returns how many."""
    return 0
