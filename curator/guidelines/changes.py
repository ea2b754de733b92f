"""What changed between two guideline versions: rules and guidelines added, removed, changed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from curator.guidelines.loader import load_guidelines
from curator.guidelines.model import GuidelineSet
from curator.guidelines.versions import normalize_text, snapshot
from curator.models import canonical_json

RULE_FIELDS = ("title", "severity", "text", "good", "bad", "check", "guideline")
GUIDELINE_FIELDS = ("version_label", "language", "target_model", "negatives", "body")


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
