"""The dashboard's numbers: distributions, balance, token histogram, throughput, agreement."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from curator.audit.agreement import agreement_report
from curator.models import Outcome, User, UserRole, Verdict, utcnow
from curator.services import blind
from curator.services.outcomes import live_decisions
from curator.services.users import require
from curator.store import Store
from curator.store import decisions as decisions_repo
from curator.store import examples as examples_repo
from curator.store import reports as reports_repo

# Above this many examples with a token count, the histogram is drawn from a sample picked by
# primary key instead of a full-table GROUP BY (which reads every row of a 1M table).
EXACT_HISTOGRAM_LIMIT = 200_000
SAMPLE_SIZE = 10_000
BINS = 30
CLIP_QUANTILE = 0.99
CLIP_SAMPLE = 5_000  # examples read to estimate where the long tail starts
AGREEMENT_LIMIT = 20_000  # examples with >= 2 live decisions read for the agreement summary


@dataclass(frozen=True)
class Histogram:
    """Token-length bins: ``counts[i]`` examples have ``starts[i] <= tokens < starts[i] + width``."""

    starts: list[int]
    counts: list[int]
    width: int
    sampled: bool  # True when drawn from a sample; counts are then sample counts
    n: int  # examples the counts cover
    clipped_at: int | None = None  # the last bin also holds every example above this many tokens

    def rows(self) -> list[dict[str, int]]:
        return [{"start": s, "end": s + self.width, "examples": c} for s, c in zip(self.starts, self.counts, strict=True)]


@dataclass(frozen=True)
class Balance:
    """Settled examples by verdict: what training will see."""

    approve: int
    negative: int
    reject: int

    @property
    def settled(self) -> int:
        return self.approve + self.negative + self.reject

    @property
    def negative_share(self) -> float | None:
        """Negatives among the trainable (approved + negative) examples."""
        trainable = self.approve + self.negative
        return self.negative / trainable if trainable else None


@dataclass(frozen=True)
class AgreementSummary:
    """Agreement among reviewers on examples with two or more live decisions."""

    n_items: int
    n_ratings: int
    percent: float | None
    fleiss_kappa: float | None
    krippendorff_alpha: float | None
    reason: str | None = None
    pairs: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class Dashboard:
    examples: int
    outcomes: dict[str, int]
    verdicts: dict[str, int]
    balance: Balance
    histogram: Histogram
    throughput: list[dict[str, Any]]  # {"day", "reviewer", "decisions"}
    agreement: AgreementSummary


def outcome_counts(store: Store, viewer: User) -> dict[str, int]:
    """Examples per outcome, every outcome the viewer may see listed (zero included), in a
    fixed order; to a reviewer, conflicts count as pending (blind review)."""
    require(viewer, UserRole.REVIEWER)
    with store.read() as conn:
        found = examples_repo.counts_by(conn, "outcome")
    counts = {o.value: 0 for o in blind.outcomes_visible(viewer)}
    for outcome, n in found.items():
        counts[blind.outcome_shown(Outcome(outcome), viewer).value] += int(n)
    return counts


def verdict_counts(store: Store, viewer: User) -> dict[str, int]:
    """Judgements (unretracted decisions and adjudications) per verdict, every verdict listed;
    a reviewer's count takes in others' judgements on settled examples only."""
    hidden_from = blind.blind_to(viewer)
    with store.read() as conn:
        found = reports_repo.verdict_counts(conn, blind_to=hidden_from)
    return {v.value: int(found.get(v.value, 0)) for v in Verdict}


def balance(outcomes: dict[str, int]) -> Balance:
    """Positive/negative balance from outcome counts."""
    return Balance(
        approve=outcomes.get(Outcome.APPROVE.value, 0),
        negative=outcomes.get(Outcome.NEGATIVE.value, 0),
        reject=outcomes.get(Outcome.REJECT.value, 0),
    )


def _width(low: int, high: int, bins: int) -> int:
    return max(1, -(-(high - low + 1) // bins))


def _clip(values: list[int]) -> int:
    """The CLIP_QUANTILE-th token count of ``values``: longer examples share the last bin."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(CLIP_QUANTILE * len(ordered)) - 1)]


def bin_values(values: list[int], *, bins: int = BINS) -> Histogram:
    """A histogram of ``values`` in ``bins`` equal integer-width bins (for samples)."""
    if not values:
        return Histogram(starts=[], counts=[], width=1, sampled=True, n=0)
    low, high = min(values), _clip(values)
    width = _width(low, high, bins)
    counts: dict[int, int] = {}
    for v in values:
        start = low + (min(v, high) - low) // width * width
        counts[start] = counts.get(start, 0) + 1
    return _dense(counts, low, high, width, sampled=True, n=len(values), clipped=high < max(values))


def _dense(counts: dict[int, int], low: int, high: int, width: int, *, sampled: bool, n: int, clipped: bool) -> Histogram:
    starts = list(range(low, high + 1, width))
    return Histogram(
        starts=starts, counts=[counts.get(s, 0) for s in starts], width=width, sampled=sampled, n=n,
        clipped_at=high if clipped else None,
    )


def token_histogram(store: Store, *, bins: int = BINS, exact_limit: int = EXACT_HISTOGRAM_LIMIT, sample_size: int = SAMPLE_SIZE) -> Histogram:
    """Token lengths binned in SQL, or from a bounded sample when the table is large.

    One 150,000-token outlier would squeeze every other example into the first bar, so the
    range ends at the 99th percentile (estimated from a sample picked by primary key) and the
    last bar holds the longer tail. Above ``exact_limit`` rows, the bars come from the sample.
    """
    with store.read() as conn:
        # The highest seq bounds the table size without counting it (a count reads every row).
        if reports_repo.max_seq(conn) > exact_limit:
            return bin_values(reports_repo.token_sample(conn, size=sample_size), bins=bins)
        n, low, high = reports_repo.token_range(conn)
        if n == 0:
            return Histogram(starts=[], counts=[], width=1, sampled=False, n=0)
        sample = reports_repo.token_sample(conn, size=CLIP_SAMPLE)
        top = min(high, max(_clip(sample), low)) if sample else high
        width = _width(low, top, bins)
        counts = reports_repo.token_bins(conn, width=width, low=low, high=top)
    return _dense(counts, low, top, width, sampled=False, n=n, clipped=top < high)


def throughput(store: Store, *, days: int | None = 30, now: datetime | None = None) -> list[dict[str, Any]]:
    """Decisions per day per reviewer over the last ``days`` days (None: all time)."""
    since = None
    if days is not None:
        since = (now or utcnow()).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=days - 1)
    with store.read() as conn:
        rows = reports_repo.decisions_per_day(conn, since=since)
    return [{"day": d, "reviewer": r, "decisions": n} for d, r, n in rows]


def agreement(store: Store, viewer: User, *, limit: int = AGREEMENT_LIMIT) -> AgreementSummary:
    """Percent agreement (and kappa, alpha) on the verdicts of examples with >= 2 live decisions;
    for a reviewer, of settled examples only (agreement on an open one would reveal it)."""
    outcomes = None if blind.blind_to(viewer) is None else examples_repo.SETTLED
    with store.read() as conn:
        ids = reports_repo.multi_decided_ids(conn, minimum=2, limit=limit, outcomes=outcomes)
        histories = decisions_repo.for_examples(conn, ids)
    ratings: list[tuple[str, str, str]] = []
    for eid, history in histories.items():
        live, _ = live_decisions(history)
        ratings.extend((eid, d.reviewer, d.verdict.value) for d in live if d.verdict is not None)
    report = agreement_report(ratings, labels=[v.value for v in Verdict])
    pairs = [
        {"reviewers": f"{p.rater_a} / {p.rater_b}", "examples": p.n_items, "percent": p.percent, "kappa": p.kappa}
        for p in report.pairwise
    ]
    return AgreementSummary(
        n_items=report.n_pairable_items,
        n_ratings=report.n_ratings,
        percent=report.percent.value,
        fleiss_kappa=report.fleiss_kappa.value,
        krippendorff_alpha=report.krippendorff_alpha.value,
        reason=report.percent.reason,
        pairs=pairs,
    )


def dashboard(store: Store, viewer: User, *, days: int | None = 30) -> Dashboard:
    """Every figure the dashboard shows, as ``viewer`` may see them (blind review)."""
    outcomes = outcome_counts(store, viewer)
    return Dashboard(
        examples=sum(outcomes.values()),
        outcomes=outcomes,
        verdicts=verdict_counts(store, viewer),
        balance=balance(outcomes),
        histogram=token_histogram(store),
        throughput=throughput(store, days=days),
        agreement=agreement(store, viewer),
    )
