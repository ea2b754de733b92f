"""Held-out split and contamination check (pure logic: no database, no UI).

Modules, leaves first: text (the texts compared), ngrams (shared n-grams and coverage),
features (every example normalised and hashed once), signals and contamination (the check),
grouping and split (the split), decontamination (overlap with benchmark prompts).
"""

from curator.split.contamination import (
    KINDS,
    PROMPT_KINDS,
    Contamination,
    ContaminationReport,
    check_contamination,
)
from curator.split.features import SplitFeatures
from curator.split.grouping import GROUP_BY, RULES, Grouping, group_indices
from curator.split.split import (
    SplitItem,
    SplitResult,
    SplitStats,
    resolve_test_size,
    split,
)
from curator.split.text import prompt_text, prompt_turns

__all__ = [
    "GROUP_BY",
    "KINDS",
    "PROMPT_KINDS",
    "RULES",
    "Contamination",
    "ContaminationReport",
    "Grouping",
    "SplitFeatures",
    "SplitItem",
    "SplitResult",
    "SplitStats",
    "check_contamination",
    "group_indices",
    "prompt_text",
    "prompt_turns",
    "resolve_test_size",
    "split",
]
