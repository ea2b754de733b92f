"""How far to trust a model judge: its agreement with the reviewers' own decisions.

A judge's suggestion on an example is compared with each reviewer's decision in force there
that the reviewer made by reading (not propagated from a cluster, not made by accepting a
suggestion: those agree by construction). Agreement on the verdict is Cohen's kappa between
the judge and "the reviewer", one item per (example, reviewer); per rule, the reviewers'
citations are the reference: precision is the share of the judge's citations a reviewer made
too, recall the share of the reviewers' citations the judge made.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import NamedTuple

from pydantic import BaseModel, ConfigDict, Field

from curator.audit.agreement import cohen_kappa

_STRICT = ConfigDict(extra="forbid")
JUDGE = "judge"
REVIEWER = "reviewer"


class Judged(NamedTuple):
    """A judge's (latest) suggestion on an example."""

    example_id: str
    model: str
    verdict: str
    rules: tuple[str, ...]


class Reviewed(NamedTuple):
    """A reviewer's decision in force; ``accepted``: the model whose suggestion it accepted, if any."""

    example_id: str
    reviewer: str
    verdict: str
    rules: tuple[str, ...]
    propagated: bool
    accepted: str | None


class RulePrecision(BaseModel):
    """One rule: the judge's citations against the reviewers' (true/false positives, misses)."""

    model_config = _STRICT
    rule: str
    true_positives: int = 0
    false_positives: int = 0  # the judge cited it, the reviewer did not
    false_negatives: int = 0  # the reviewer cited it, the judge did not
    precision: float | None = None
    recall: float | None = None


class JudgeAgreement(BaseModel):
    """One judge (model) against the reviewers' read decisions."""

    model_config = _STRICT
    model: str
    suggestions: int = 0  # examples it judged
    compared: int = 0  # (example, reviewer) pairs compared: read decisions on judged examples
    accepted: int = 0  # decisions that accepted its suggestion (left out: they agree by construction)
    percent: float | None = None
    kappa: float | None = None
    reason: str | None = None  # why kappa is undefined
    rules: list[RulePrecision] = Field(default_factory=list)


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def judge_agreement(judged: Iterable[Judged], reviewed: Iterable[Reviewed]) -> list[JudgeAgreement]:
    """Each judge's agreement with the reviewers, by model name."""
    by_example: dict[str, list[Judged]] = defaultdict(list)
    for j in judged:
        by_example[j.example_id].append(j)
    ratings: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    accepted: dict[str, int] = defaultdict(int)
    counts: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0, 0]))
    for d in reviewed:
        if d.accepted is not None:
            accepted[d.accepted] += 1
        if d.propagated or d.accepted is not None:
            continue
        for j in by_example.get(d.example_id, ()):
            item = f"{d.example_id}\t{d.reviewer}"
            ratings[j.model] += [(item, JUDGE, j.verdict), (item, REVIEWER, d.verdict)]
            mine, theirs = set(j.rules), set(d.rules)
            for rule in mine | theirs:
                c = counts[j.model][rule]
                c[0 if rule in mine and rule in theirs else 1 if rule in mine else 2] += 1
    models: dict[str, int] = defaultdict(int)
    for judgements in by_example.values():
        for j in judgements:
            models[j.model] += 1
    out = []
    for model in sorted(models):
        pair = cohen_kappa(ratings[model], JUDGE, REVIEWER) if ratings[model] else None
        rules = [
            RulePrecision(rule=rule, true_positives=tp, false_positives=fp, false_negatives=fn,
                          precision=_ratio(tp, tp + fp), recall=_ratio(tp, tp + fn))
            for rule, (tp, fp, fn) in sorted(counts[model].items())
        ]
        out.append(JudgeAgreement(
            model=model, suggestions=models[model], compared=pair.n_items if pair else 0, accepted=accepted[model],
            percent=pair.percent if pair else None, kappa=pair.kappa if pair else None,
            reason=(pair.reason if pair else "no reviewer read a judged example yet"), rules=rules,
        ))
    return out
