"""Guideline versions from content, per-rule hashes and snapshots for the database.

The version changes when anything a reviewer or a check relies on changes: a rule's title,
severity, text, examples or check, the guideline's language, target model, negatives policy
or Markdown body. It does not change for re-wrapped prose (runs of whitespace count as one
space), YAML formatting, key order or rule order, so reformatting a file never marks every
decision stale.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from curator.guidelines.model import Guideline, GuidelineSet, Rule
from curator.models import canonical_json

SNAPSHOT_FORMAT = 1


def normalize_text(text: str | None) -> str | None:
    """Text with every run of whitespace made one space and the ends stripped."""
    return None if text is None else " ".join(text.split())


def _sha(value: Any, length: int) -> str:
    return hashlib.sha256(canonical_json(value).encode("utf-8")).hexdigest()[:length]


def _canonical_rule(rule: Mapping[str, Any]) -> dict[str, Any]:
    """The parts of a rule (as a snapshot dict) that its hash covers, whitespace-normalized."""
    return {
        "id": rule["id"],
        "title": normalize_text(rule["title"]),
        "severity": rule["severity"],
        "text": normalize_text(rule["text"]),
        "good": normalize_text(rule.get("good")),
        "bad": normalize_text(rule.get("bad")),
        "check": rule.get("check"),
    }


def rule_dict(rule: Rule) -> dict[str, Any]:
    """A rule as plain JSON-ready data (check params as written in the file)."""
    check = None if rule.check is None else {"name": rule.check.name, "params": rule.check.params}
    return {
        "id": rule.id,
        "title": rule.title,
        "severity": rule.severity.value,
        "text": rule.text,
        "good": rule.good,
        "bad": rule.bad,
        "check": check,
        "guideline": rule.guideline,
    }


def rule_hash(rule: Rule | Mapping[str, Any]) -> str:
    """A 12-hex-digit hash of a rule's content: equal hashes, same rule for reviewers and checks."""
    data = rule_dict(rule) if isinstance(rule, Rule) else rule
    return _sha(_canonical_rule(data), 12)


def _negatives_dict(guideline: Guideline) -> dict[str, float]:
    policy = guideline.negatives
    values = {"min_fraction": policy.min_fraction, "max_fraction": policy.max_fraction}
    return {k: v for k, v in values.items() if v is not None}


def content_hash(guideline: Guideline) -> str:
    """An 8-hex-digit hash of a guideline's content (its stored content_hash is ignored)."""
    body = {
        "name": guideline.name,
        "language": guideline.language,
        "target_model": guideline.target_model,
        "negatives": _negatives_dict(guideline),
        "rules": sorted((_canonical_rule(rule_dict(r)) for r in guideline.rules), key=lambda r: r["id"]),
        "body": normalize_text(guideline.body),
    }
    return _sha(body, 8)


def snapshot(guideline_set: GuidelineSet) -> dict[str, Any]:
    """The guideline set as JSON-ready data, for storing beside the decisions made under it."""
    guidelines = []
    for g in guideline_set.guidelines:
        rules = [{**rule_dict(r), "hash": rule_hash(r)} for r in g.rules]
        guidelines.append({
            "name": g.name,
            "version_label": g.version_label,
            "version": g.version,
            "content_hash": g.content_hash,
            "language": g.language,
            "target_model": g.target_model,
            "negatives": _negatives_dict(g),
            "path": g.path,
            "body": g.body,
            "rules": rules,
        })
    return {"format": SNAPSHOT_FORMAT, "version": guideline_set.version, "guidelines": guidelines}


def snapshot_json(guideline_set: GuidelineSet) -> str:
    """The snapshot as canonical JSON text (sorted keys): equal sets, equal text."""
    return canonical_json(snapshot(guideline_set))
