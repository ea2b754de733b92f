"""Held-out split and contamination check (pure logic: no database, no UI)."""

from curator.split.contamination import (
    Contamination,
    ContaminationReport,
    check_contamination,
)
from curator.split.features import SplitFeatures
from curator.split.grouping import GROUP_BY, prompt_messages
from curator.split.split import (
    SplitItem,
    SplitResult,
    SplitStats,
    resolve_test_size,
    split,
)

__all__ = [
    "GROUP_BY",
    "Contamination",
    "ContaminationReport",
    "SplitFeatures",
    "SplitItem",
    "SplitResult",
    "SplitStats",
    "check_contamination",
    "prompt_messages",
    "resolve_test_size",
    "split",
]
