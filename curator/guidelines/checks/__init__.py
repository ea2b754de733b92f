"""Automated checks: pure functions (example, params) -> flags, one module per family.

Importing this package registers every check; add one with ``@check("name", params=...)``.
"""

from curator.guidelines.checks import (
    language,
    limits,
    phrases,
    pii,
    repetition,
    secrets,
    structure,
)
from curator.guidelines.checks.language import detect_language
from curator.guidelines.checks.limits import training_token_limit
from curator.guidelines.checks.pii import find_pii, iban_valid, luhn_valid
from curator.guidelines.checks.registry import (
    CheckDef,
    CheckParams,
    Flag,
    NoParams,
    build_params,
    check,
    check_names,
    get_check,
)
from curator.guidelines.checks.repetition import compression_ratio, find_repetition
from curator.guidelines.checks.secrets import find_secrets

__all__ = [
    "CheckDef",
    "CheckParams",
    "Flag",
    "NoParams",
    "build_params",
    "check",
    "check_names",
    "compression_ratio",
    "detect_language",
    "find_pii",
    "find_repetition",
    "find_secrets",
    "get_check",
    "iban_valid",
    "language",
    "limits",
    "luhn_valid",
    "phrases",
    "pii",
    "repetition",
    "secrets",
    "structure",
    "training_token_limit",
]
