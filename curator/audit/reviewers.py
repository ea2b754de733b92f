"""Per-reviewer figures (pace, approval rate, agreement with outcomes and gold) and outliers.

Inputs are plain data: decisions as mappings or objects with ``reviewer``, ``example_id``,
``verdict`` and ``created_at``; outcomes and gold answers as ``{example_id: verdict}``.
Outliers are judged against the group with a robust z-score (Iglewicz and Hoaglin's modified
z, 0.6745 (x - median) / MAD), because a handful of reviewers is too few for a mean and a
standard deviation: with n values a plain z-score can never exceed (n - 1) / sqrt(n).
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from enum import Enum
from itertools import pairwise
from typing import Any, Literal, cast

from pydantic import BaseModel, ConfigDict

from curator.errors import InvalidInputError

SETTLED = ("approve", "negative", "reject")
SESSION_GAP = timedelta(minutes=30)
_FROZEN = ConfigDict(extra="forbid", frozen=True)

Metric = Literal["approval_rate", "outcome_agreement", "gold_accuracy", "speed"]


class ReviewerFlag(BaseModel):
    """Why a reviewer stands out from the group on one metric."""

    model_config = _FROZEN
    metric: Metric
    value: float
    group_median: float
    robust_z: float | None = None
    message: str


class ReviewerStats(BaseModel):
    """One reviewer's figures; rates are None where there is nothing to divide by."""

    model_config = _FROZEN
    reviewer: str
    decisions: int
    examples: int
    verdicts: dict[str, int]
    sessions: int
    timed_gaps: int
    median_seconds: float | None
    approval_rate: float | None
    n_settled: int
    outcome_agreement: float | None
    n_gold: int
    gold_accuracy: float | None
    flags: list[ReviewerFlag]


class ReviewerSection(BaseModel):
    """Every reviewer's figures and the group medians they were compared with."""

    model_config = _FROZEN
    reviewers: list[ReviewerStats]
    group_median: dict[str, float | None]


class GoldMismatch(BaseModel):
    model_config = _FROZEN
    example_id: str
    gold: str
    outcome: str


class GoldSummary(BaseModel):
    """How the settled outcomes compare with the gold answers."""

    model_config = _FROZEN
    n_gold: int
    n_settled: int
    accuracy: float | None
    mismatches: list[GoldMismatch]


def _text(value: Any) -> str:
    return str(value.value) if isinstance(value, Enum) else str(value)


def _get(decision: Any, name: str) -> Any:
    try:
        return decision[name] if isinstance(decision, Mapping) else getattr(decision, name)
    except (KeyError, AttributeError) as exc:
        raise InvalidInputError(f"a decision has no {name!r}", field=name) from exc


def _time(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value
    try:
        return datetime.fromisoformat(str(value))
    except ValueError as exc:
        raise InvalidInputError(f"created_at {value!r} is not an ISO date-time", field="created_at") from exc


def _reviewing(decisions: Iterable[Any]) -> list[tuple[str, str, str, datetime]]:
    """(reviewer, example_id, verdict, time) of reviewers' decisions; others are skipped."""
    rows = []
    for decision in decisions:
        kind = decision.get("kind") if isinstance(decision, Mapping) else getattr(decision, "kind", None)
        verdict = _get(decision, "verdict")
        # adjudications are a lead settling, retractions and reopenings carry no judgement
        if verdict is None or (kind is not None and _text(kind) != "decision"):
            continue
        rows.append((_text(_get(decision, "reviewer")), _text(_get(decision, "example_id")),
                     _text(verdict), _time(_get(decision, "created_at"))))
    return rows


def _pace(times: list[datetime], gap: timedelta) -> tuple[int, list[float]]:
    """Number of sessions and the seconds between consecutive decisions within them."""
    try:
        ordered = sorted(times)
        deltas = [later - earlier for earlier, later in pairwise(ordered)]
    except TypeError as exc:
        raise InvalidInputError(
            "created_at mixes naive and timezone-aware date-times; use aware (UTC) times",
            field="created_at",
        ) from exc
    sessions = 1 + sum(d > gap for d in deltas) if ordered else 0
    # a zero gap is not a pace: bulk-imported decisions share one timestamp
    seconds = [d.total_seconds() for d in deltas if timedelta(0) < d <= gap]
    return sessions, seconds


def _rate(hits: int, total: int) -> float | None:
    return hits / total if total else None


def robust_z(values: list[float]) -> list[float | None]:
    """Modified z-score of each value; None for all when the spread is zero."""
    if len(values) < 3:
        return [None] * len(values)
    med = statistics.median(values)
    mad = statistics.median(abs(v - med) for v in values)
    if mad > 0:
        return [0.6745 * (v - med) / mad for v in values]
    # more than half the group agrees exactly: fall back on the mean absolute deviation
    mean_ad = statistics.fmean(abs(v - med) for v in values)
    if mean_ad == 0:
        return [None] * len(values)
    return [(v - med) / (1.253314 * mean_ad) for v in values]


def reviewer_stats(
    decisions: Iterable[Any],
    *,
    outcomes: Mapping[str, Any] | None = None,
    gold: Mapping[str, Any] | None = None,
    session_gap: timedelta = SESSION_GAP,
    z_threshold: float = 2.5,
    fast_ratio: float = 1 / 3,
    min_seconds: float = 3.0,
    min_count: int = 10,
) -> ReviewerSection:
    """Figures per reviewer, with outliers flagged against the group.

    Rates use each reviewer's latest decision per example. A reviewer is compared on a rate
    only where it rests on at least ``min_count`` examples. Approval rate is flagged on both
    sides (|z| > z_threshold), agreement and gold accuracy when low, pace when the median gap is
    under ``fast_ratio`` times the other reviewers' median or under ``min_seconds``.
    Agreement with the outcome is inflated where the reviewer's own decision settled it.
    The default threshold 2.5 is lower than Iglewicz and Hoaglin's 3.5, which in a team of
    five misses a reviewer who approves everything; a flag asks a lead to look, no more.
    """
    outcomes = {k: _text(v) for k, v in (outcomes or {}).items()}
    gold = {k: _text(v) for k, v in (gold or {}).items()}
    rows = _reviewing(decisions)
    by_reviewer: dict[str, list[tuple[str, str, datetime]]] = {}
    for reviewer, example, verdict, when in rows:
        by_reviewer.setdefault(reviewer, []).append((example, verdict, when))

    raw: list[dict[str, Any]] = []
    for reviewer in sorted(by_reviewer):
        own = by_reviewer[reviewer]
        latest: dict[str, tuple[datetime, str]] = {}
        for example, verdict, when in own:
            if example not in latest or when >= latest[example][0]:
                latest[example] = (when, verdict)
        final = {example: verdict for example, (_, verdict) in latest.items()}
        settled = [e for e in final if outcomes.get(e) in SETTLED]
        graded = [e for e in final if gold.get(e) in SETTLED]
        sessions, seconds = _pace([when for _, _, when in own], session_gap)
        raw.append({
            "reviewer": reviewer,
            "decisions": len(own),
            "examples": len(final),
            "verdicts": dict(sorted(Counter(v for _, v, _ in own).items())),
            "sessions": sessions,
            "timed_gaps": len(seconds),
            "median_seconds": statistics.median(seconds) if seconds else None,
            "approval_rate": _rate(sum(v == "approve" for v in final.values()), len(final)),
            "n_settled": len(settled),
            "outcome_agreement": _rate(sum(final[e] == outcomes[e] for e in settled), len(settled)),
            "n_gold": len(graded),
            "gold_accuracy": _rate(sum(final[e] == gold[e] for e in graded), len(graded)),
            "flags": [],
        })

    medians = {
        "approval_rate": _flag_rate(raw, "approval_rate", "examples", "both", z_threshold, min_count),
        "outcome_agreement": _flag_rate(raw, "outcome_agreement", "n_settled", "low", z_threshold, min_count),
        "gold_accuracy": _flag_rate(raw, "gold_accuracy", "n_gold", "low", z_threshold, min_count),
        "median_seconds": _flag_speed(raw, fast_ratio, min_seconds),
    }
    return ReviewerSection(reviewers=[ReviewerStats(**r) for r in raw], group_median=medians)


_WORDS = {"approval_rate": "approval rate", "outcome_agreement": "agreement with outcomes",
          "gold_accuracy": "gold accuracy"}


def _flag_rate(
    raw: list[dict[str, Any]], metric: Metric, denominator: str, side: str, threshold: float, min_count: int
) -> float | None:
    """Flag reviewers far from the group on one rate; returns the group median."""
    judged = [r for r in raw if r[metric] is not None and r[denominator] >= min_count]
    if not judged:
        return None
    values = [r[metric] for r in judged]
    med = statistics.median(values)
    for r, z in zip(judged, robust_z(values)):
        if z is None or abs(z) <= threshold or (side == "low" and z > 0):
            continue
        direction = "above" if z > 0 else "below"
        r["flags"].append(ReviewerFlag(
            metric=metric, value=r[metric], group_median=med, robust_z=z,
            message=f"{_WORDS[metric]} {r[metric]:.0%} is far {direction} the group median "
                    f"{med:.0%} (robust z {z:+.1f})",
        ))
    return cast(float, med)


def _flag_speed(raw: list[dict[str, Any]], fast_ratio: float, min_seconds: float) -> float | None:
    """Flag reviewers much faster than the others; returns the group median pace."""
    timed = [r for r in raw if r["median_seconds"] is not None]
    if not timed:
        return None
    for r in timed:
        others = [o["median_seconds"] for o in timed if o is not r]
        reference = statistics.median(others) if others else None
        pace = r["median_seconds"]
        if reference is not None and pace < fast_ratio * reference:
            message = f"median {pace:.0f} s between decisions, under {fast_ratio:.2g} x the others' {reference:.0f} s"
        elif pace < min_seconds:
            message = f"median {pace:.1f} s between decisions, under {min_seconds:g} s"
        else:
            continue
        r["flags"].append(ReviewerFlag(
            metric="speed", value=pace, group_median=reference if reference is not None else pace,
            message=message,
        ))
    return cast(float, statistics.median(r["median_seconds"] for r in timed))


def gold_summary(outcomes: Mapping[str, Any], gold: Mapping[str, Any]) -> GoldSummary:
    """Compare settled outcomes with gold answers; unsettled gold examples are counted apart."""
    answers = {k: _text(v) for k, v in gold.items()}
    settled = {k: _text(v) for k, v in outcomes.items() if _text(v) in SETTLED and k in answers}
    mismatches = [
        GoldMismatch(example_id=k, gold=answers[k], outcome=v)
        for k, v in sorted(settled.items())
        if v != answers[k]
    ]
    return GoldSummary(
        n_gold=len(answers),
        n_settled=len(settled),
        accuracy=_rate(len(settled) - len(mismatches), len(settled)),
        mismatches=mismatches,
    )
