"""Guidelines as data: rules with severities and automated checks, versions and diffs.

Pure logic: no UI, no database. Load a folder with ``load_guidelines``, run the checks on an
example with ``run_checks``, record ``GuidelineSet.version`` on decisions, store ``snapshot``.
"""

from curator.guidelines.changes import GuidelineChange, GuidelineDiff, RuleChange, diff
from curator.guidelines.checks import (
    CheckParams,
    Flag,
    check,
    check_names,
    detect_language,
    find_pii,
    find_repetition,
    find_secrets,
    get_check,
    iban_valid,
    luhn_valid,
    training_token_limit,
)
from curator.guidelines.errors import GuidelineError
from curator.guidelines.loader import (
    guideline_set,
    guideline_set_from_snapshot,
    load_guideline,
    load_guidelines,
)
from curator.guidelines.model import (
    CheckSpec,
    Guideline,
    GuidelineSet,
    NegativesPolicy,
    Rule,
    Severity,
)
from curator.guidelines.runner import check_prediction, run_checks, run_rule, with_reply
from curator.guidelines.similarity import (
    ReplyComparison,
    closer_to_undesired,
    compare_reply,
    similarity,
    token_jaccard,
    trigram_cosine,
)
from curator.guidelines.versions import (
    content_hash,
    normalize_text,
    rule_hash,
    snapshot,
    snapshot_json,
)

__all__ = [
    "CheckParams",
    "CheckSpec",
    "Flag",
    "Guideline",
    "GuidelineChange",
    "GuidelineDiff",
    "GuidelineError",
    "GuidelineSet",
    "NegativesPolicy",
    "ReplyComparison",
    "Rule",
    "RuleChange",
    "Severity",
    "check",
    "check_names",
    "check_prediction",
    "closer_to_undesired",
    "compare_reply",
    "content_hash",
    "detect_language",
    "diff",
    "find_pii",
    "find_repetition",
    "find_secrets",
    "get_check",
    "guideline_set",
    "guideline_set_from_snapshot",
    "iban_valid",
    "load_guideline",
    "load_guidelines",
    "luhn_valid",
    "normalize_text",
    "rule_hash",
    "run_checks",
    "run_rule",
    "similarity",
    "snapshot",
    "snapshot_json",
    "token_jaccard",
    "training_token_limit",
    "trigram_cosine",
    "with_reply",
]
