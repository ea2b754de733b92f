"""Load guideline files (Markdown with YAML front matter) into Guideline and GuidelineSet.

Every load error is a GuidelineError (an InvalidInputError) naming the file, the line where
known, the rule (by id, or ``#n`` by position) and the field, with a reason a lead can act on.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from curator.guidelines.checks import build_params, check_names, get_check
from curator.guidelines.errors import GuidelineError
from curator.guidelines.model import (
    CheckSpec,
    Guideline,
    GuidelineSet,
    NegativesPolicy,
    Rule,
    Severity,
)
from curator.guidelines.versions import content_hash

_ID = r"^[a-z0-9][a-z0-9-]*$"
_NAME = r"^[a-z0-9][a-z0-9_-]*$"
_FENCE = re.compile(r"^(?:---|\.\.\.)[ \t]*$", re.MULTILINE)
SKIPPED_FILES = frozenset({"readme.md"})
_YamlLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when built with it


class _CheckYaml(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    params: dict[str, Any] = Field(default_factory=dict)


class _RuleYaml(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=_ID)
    title: str = Field(min_length=1)
    severity: Severity
    text: str = Field(min_length=1)
    good: str | None = None
    bad: str | None = None
    check: _CheckYaml | None = None


class _NegativesYaml(BaseModel):
    model_config = ConfigDict(extra="forbid")
    min_fraction: float | None = Field(default=None, ge=0, le=1)
    max_fraction: float | None = Field(default=None, ge=0, le=1)


class _FrontMatter(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(pattern=_NAME)
    version: str = Field(min_length=1)
    language: str = Field(pattern=r"^[a-z]{2}$")
    target_model: str = Field(min_length=1)
    negatives: _NegativesYaml = Field(default_factory=_NegativesYaml)
    rules: list[Any] = Field(min_length=1)


_PATTERN_HINTS = {
    "id": "must be lower-case letters, digits and hyphens, e.g. 'no-pii'",
    "name": "must be lower-case letters, digits, '-' and '_', e.g. 'general'",
    "language": "must be a two-letter lower-case language code, e.g. 'en'",
}


def _reason(error: Mapping[str, Any], model: type[BaseModel]) -> str:
    """A lead-readable reason for one pydantic error."""
    kind, value = error["type"], error.get("input")
    field = str(error["loc"][-1]) if error["loc"] else ""
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        return f"is not a known field (known: {', '.join(model.model_fields)})"
    if kind == "enum":
        return f"{value!r} is not one of {', '.join(s.value for s in Severity)}"
    if kind == "string_pattern_mismatch":
        return f"{value!r} {_PATTERN_HINTS.get(field, 'has the wrong form')}"
    if kind == "string_type" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"must be text, got the number {value!r}; quote it: {field}: \"{value}\""
    if kind == "literal_error":
        return f"{value!r} is not one of {error.get('ctx', {}).get('expected', '')}"
    message = str(error["msg"])
    return message.removeprefix("Value error, ").removeprefix("Assertion failed, ")


def _first_error(exc: ValidationError) -> Mapping[str, Any]:
    """The error to report: a misspelt key explains a "missing" one, so unknown keys come first."""
    errors = exc.errors()
    return next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])


def _loc(parts: tuple[Any, ...]) -> str:
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


class _Source:
    """One file being loaded: its label for messages and a way to find the line of a YAML path."""

    def __init__(self, label: str, front: str | None = None, first_line: int = 1) -> None:
        self.label = label
        self.first_line = first_line
        self.front = front

    def line(self, *path: Any) -> int | None:
        """1-based file line of the deepest node reachable along ``path`` (None if unknown)."""
        if self.front is None:
            return None
        try:
            # Composed only when there is an error to locate: a second parse costs time.
            node = yaml.compose(self.front, Loader=_YamlLoader)
        except yaml.YAMLError:
            return None
        if node is None:
            return None
        found = node.start_mark.line
        for step in path:
            child = None
            if isinstance(node, yaml.MappingNode):
                for key, value in node.value:
                    if key.value == step:
                        found, child = key.start_mark.line, value
                        break
            elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
                child = node.value[step]
                found = child.start_mark.line
            if child is None:
                break
            node = child
        return int(found) + self.first_line

    def error(self, reason: str, *, path: tuple[Any, ...] = (), rule: str | None = None,
              field: str | None = None) -> GuidelineError:
        return GuidelineError(reason, file=self.label, rule=rule, field=field, line=self.line(*path))


def _split(text: str, label: str) -> tuple[str, str, int]:
    """(front matter, body, file line where the front matter starts)."""
    text = text.removeprefix("\ufeff")
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        raise GuidelineError("does not start with YAML front matter: put the rules between two '---' lines at the top", file=label, line=1)
    for i in range(1, len(lines)):
        if _FENCE.match(lines[i].rstrip("\r\n")):
            return "".join(lines[1:i]), "".join(lines[i + 1 :]), 2
    raise GuidelineError("front matter is not closed: end it with a '---' line", file=label)


def _build_rule(raw: Any, index: int, front: _FrontMatter, source: _Source) -> Rule:
    path = ("rules", index)
    if not isinstance(raw, dict):
        raise source.error(f"must be a mapping with id, title, severity and text, got {type(raw).__name__}", path=path, rule=f"#{index + 1}")
    label = raw["id"] if isinstance(raw.get("id"), str) and raw["id"] else f"#{index + 1}"
    try:
        spec = _RuleYaml.model_validate(raw)
    except ValidationError as exc:
        error = _first_error(exc)
        model = _CheckYaml if error["loc"][:1] == ("check",) and len(error["loc"]) > 1 else _RuleYaml
        raise source.error(_reason(error, model), path=(*path, *error["loc"]), rule=label, field=_loc(error["loc"])) from exc
    check = None
    if spec.check is not None:
        check = _build_check(spec.check, front, source, path=(*path, "check"), rule=spec.id)
    return Rule(id=spec.id, title=spec.title.strip(), severity=spec.severity, text=spec.text.strip(),
                good=spec.good, bad=spec.bad, check=check, guideline=front.name)


def _build_check(spec: _CheckYaml, front: _FrontMatter, source: _Source, *, path: tuple[Any, ...], rule: str) -> CheckSpec:
    try:
        get_check(spec.name)
    except KeyError:
        reason = f"unknown check {spec.name!r}; known checks: {', '.join(check_names())}"
        raise source.error(reason, path=(*path, "name"), rule=rule, field="check.name") from None
    try:
        config = build_params(spec.name, spec.params, context={"language": front.language, "model": front.target_model})
    except ValidationError as exc:
        error = _first_error(exc)
        loc = ("check", "params", *error["loc"])
        reason = _reason(error, get_check(spec.name).params)
        raise source.error(f"{reason} (check {spec.name!r})", path=(*path, "params", *error["loc"]), rule=rule, field=_loc(loc)) from exc
    return CheckSpec(name=spec.name, params=dict(spec.params), config=config)


def _build_guideline(data: Any, body: str, source: _Source) -> Guideline:
    if not isinstance(data, dict):
        raise source.error(f"front matter must be a mapping of name, version, language, target_model and rules, got {type(data).__name__}")
    try:
        front = _FrontMatter.model_validate(data)
    except ValidationError as exc:
        error = _first_error(exc)
        model = _NegativesYaml if error["loc"][:1] == ("negatives",) and len(error["loc"]) > 1 else _FrontMatter
        raise source.error(_reason(error, model), path=error["loc"], field=_loc(error["loc"])) from exc
    rules: list[Rule] = []
    first_index: dict[str, int] = {}
    for index, raw in enumerate(front.rules):
        rule = _build_rule(raw, index, front, source)
        if rule.id in first_index:
            reason = f"duplicate rule id (first defined as rule #{first_index[rule.id] + 1})"
            raise source.error(reason, path=("rules", index, "id"), rule=rule.id, field="id")
        first_index[rule.id] = index
        rules.append(rule)
    negatives = NegativesPolicy(min_fraction=front.negatives.min_fraction, max_fraction=front.negatives.max_fraction)
    guideline = Guideline(name=front.name, version_label=front.version, language=front.language,
                          target_model=front.target_model, rules=tuple(rules), body=body.strip(),
                          path=source.label, content_hash="", negatives=negatives)
    return dataclasses.replace(guideline, content_hash=content_hash(guideline))


def load_guideline(path: str | Path) -> Guideline:
    """Load one guideline file; GuidelineError (an InvalidInputError) says what to fix and where."""
    label = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise GuidelineError("is not UTF-8 text; save it as UTF-8", file=label) from exc
    except OSError as exc:
        raise GuidelineError(f"cannot be read: {exc.strerror or exc}", file=label) from exc
    front, body, first_line = _split(text, label)
    try:
        data = yaml.load(front, Loader=_YamlLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + first_line if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise GuidelineError(f"front matter is not valid YAML: {problem}", file=label, line=line) from exc
    return _build_guideline(data, body, _Source(label, front, first_line))


def guideline_set(guidelines: list[Guideline] | tuple[Guideline, ...]) -> GuidelineSet:
    """A set of loaded guidelines; rule ids and guideline names must be unique across them."""
    names: dict[str, Guideline] = {}
    owners: dict[str, Guideline] = {}
    for g in guidelines:
        if g.name in names:
            raise GuidelineError(f"guideline name {g.name!r} is also used by {names[g.name].path}", file=g.path, field="name")
        names[g.name] = g
        for rule in g.rules:
            if rule.id in owners:
                reason = f"duplicate rule id: also defined in {owners[rule.id].path}; rule ids are unique across guidelines"
                raise GuidelineError(reason, file=g.path, rule=rule.id, field="id")
            owners[rule.id] = g
    return GuidelineSet(guidelines=tuple(guidelines))


def load_guidelines(folder: str | Path) -> GuidelineSet:
    """Load every ``*.md`` guideline in a folder (README.md aside), by file name; or one file."""
    root = Path(folder)
    if root.is_file():
        return guideline_set([load_guideline(root)])
    if not root.is_dir():
        raise GuidelineError("no such guidelines folder or file", file=str(folder))
    files = sorted(p for p in root.glob("*.md") if p.name.lower() not in SKIPPED_FILES)
    if not files:
        raise GuidelineError("holds no guideline files (*.md with YAML front matter)", file=str(folder))
    return guideline_set([load_guideline(p) for p in files])


def guideline_set_from_snapshot(data: Mapping[str, Any]) -> GuidelineSet:
    """Rebuild a GuidelineSet from a stored snapshot (checks re-validated, stored versions kept)."""
    try:
        entries = list(data["guidelines"])
    except (KeyError, TypeError) as exc:
        raise GuidelineError("is not a guideline snapshot: no 'guidelines' list", file="snapshot") from exc
    loaded = []
    for entry in entries:
        label = f"snapshot:{entry.get('name', '?')}"
        rules = [{k: v for k, v in r.items() if k not in ("hash", "guideline") and v is not None} for r in entry.get("rules", [])]
        front = {"name": entry.get("name"), "version": entry.get("version_label"), "language": entry.get("language"),
                 "target_model": entry.get("target_model"), "negatives": entry.get("negatives") or {}, "rules": rules}
        g = _build_guideline(front, entry.get("body", ""), _Source(label))
        stored = entry.get("content_hash")
        loaded.append(dataclasses.replace(g, path=entry.get("path", label), content_hash=stored or g.content_hash))
    return guideline_set(loaded)
