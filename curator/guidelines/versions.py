"""Guideline versions from content, per-rule hashes, snapshots for the database, and diffs.

The version changes when anything a reviewer or a check relies on changes: a rule's title,
severity, text, examples or check, the guideline's language, target model, negatives policy
or Markdown body. It does not change for re-wrapped prose (runs of whitespace count as one
space), YAML formatting, key order or rule order, so reformatting a file never marks every
decision stale.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from curator.guidelines.model import Guideline, GuidelineSet, Rule
from curator.models import canonical_json

SNAPSHOT_FORMAT = 1
RULE_FIELDS = ("title", "severity", "text", "good", "bad", "check", "guideline")
GUIDELINE_FIELDS = ("version_label", "language", "target_model", "negatives", "body")


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


@dataclass(frozen=True, slots=True)
class RuleChange:
    """A rule present in both versions whose content differs, and which fields differ."""

    id: str
    fields: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class GuidelineChange:
    """A guideline present in both versions whose own metadata or body differs."""

    name: str
    fields: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class GuidelineDiff:
    """What changed between two guideline versions."""

    old_version: str
    new_version: str
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    changed: tuple[RuleChange, ...] = ()
    guidelines_added: tuple[str, ...] = ()
    guidelines_removed: tuple[str, ...] = ()
    guidelines_changed: tuple[GuidelineChange, ...] = ()

    @property
    def changed_ids(self) -> tuple[str, ...]:
        """Ids of the rules whose content changed."""
        return tuple(c.id for c in self.changed)

    @property
    def is_empty(self) -> bool:
        """True when the two versions have the same content."""
        return not (self.added or self.removed or self.changed or self.guidelines_added
                    or self.guidelines_removed or self.guidelines_changed)

    def to_dict(self) -> dict[str, Any]:
        """The diff as JSON-ready data."""
        return {
            "old_version": self.old_version,
            "new_version": self.new_version,
            "added": list(self.added),
            "removed": list(self.removed),
            "changed": [{"id": c.id, "fields": list(c.fields)} for c in self.changed],
            "guidelines_added": list(self.guidelines_added),
            "guidelines_removed": list(self.guidelines_removed),
            "guidelines_changed": [{"name": c.name, "fields": list(c.fields)} for c in self.guidelines_changed],
        }


GuidelineSource = GuidelineSet | Mapping[str, Any] | str | Path


def _as_snapshot(source: GuidelineSource) -> Mapping[str, Any]:
    if isinstance(source, GuidelineSet):
        return snapshot(source)
    if isinstance(source, (str, Path)):
        from curator.guidelines.loader import (
            load_guidelines,  # the loader imports this module
        )

        return snapshot(load_guidelines(source))
    return source


def _field_value(record: Mapping[str, Any], name: str) -> Any:
    value = record.get(name)
    return normalize_text(value) if name in ("title", "text", "good", "bad", "body") else value


def _changed_fields(old: Mapping[str, Any], new: Mapping[str, Any], names: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(n for n in names if canonical_json(_field_value(old, n)) != canonical_json(_field_value(new, n)))


def diff(old: GuidelineSource, new: GuidelineSource) -> GuidelineDiff:
    """Rules added, removed and changed (with the fields that changed) from ``old`` to ``new``.

    Each side is a GuidelineSet, a snapshot (as stored), or a guidelines folder or file.
    """
    a, b = _as_snapshot(old), _as_snapshot(new)
    old_rules = {r["id"]: r for g in a["guidelines"] for r in g["rules"]}
    new_rules = {r["id"]: r for g in b["guidelines"] for r in g["rules"]}
    old_gs = {g["name"]: g for g in a["guidelines"]}
    new_gs = {g["name"]: g for g in b["guidelines"]}
    changed = []
    for rule_id, rule in new_rules.items():
        if rule_id in old_rules:
            fields = _changed_fields(old_rules[rule_id], rule, RULE_FIELDS)
            if fields:
                changed.append(RuleChange(id=rule_id, fields=fields))
    guideline_changes = []
    for name, g in new_gs.items():
        if name in old_gs:
            fields = _changed_fields(old_gs[name], g, GUIDELINE_FIELDS)
            if fields:
                guideline_changes.append(GuidelineChange(name=name, fields=fields))
    return GuidelineDiff(
        old_version=a["version"],
        new_version=b["version"],
        added=tuple(i for i in new_rules if i not in old_rules),
        removed=tuple(i for i in old_rules if i not in new_rules),
        changed=tuple(changed),
        guidelines_added=tuple(n for n in new_gs if n not in old_gs),
        guidelines_removed=tuple(n for n in old_gs if n not in new_gs),
        guidelines_changed=tuple(guideline_changes),
    )
