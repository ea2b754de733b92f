"""Inter-rater agreement on a long table of ratings: percent, Cohen, Fleiss, Krippendorff.

A rating is ``(item_id, rater, label)``. Items may be rated by any subset of raters (missing
data) and by one or many raters. Every statistic says how many items entered it and, when it is
undefined, returns ``value=None`` with a ``reason`` instead of raising or returning NaN.

Conventions, made explicit because the literature differs:

- Only items with two or more ratings carry information about agreement ("pairable" items).
- A rater may rate an item once; a second rating by the same rater raises InvalidInputError
  (pass the rater's latest decision).
- Percent agreement pools all rater pairs: agreeing pairs / pairs, so an item with more
  raters weighs more.
- Fleiss' kappa on unequal numbers of raters per item uses the usual generalisation: each
  item's agreement P_i = sum_j n_ij (n_ij - 1) / (n_i (n_i - 1)) with its own n_i, P-bar is the
  mean of P_i over pairable items, p_j the share of all their ratings in category j, and
  P_e = sum_j p_j^2. With the same number of raters on every item this is Fleiss (1971)
  exactly. For missing data Krippendorff's alpha is the better-founded figure.
- Kappa is undefined (None) when chance agreement is 1, i.e. only one label occurs.
- Krippendorff's alpha is 1 - D_o / D_e; with one value only D_e = 0 and alpha = 0/0. We return
  None ("undefined") rather than 1.0: data without variation cannot show that raters can tell
  categories apart (the ``krippendorff`` package likewise refuses such data).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from enum import Enum
from itertools import combinations
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from curator.errors import InvalidInputError
from curator.models import Verdict

Rating = tuple[str, str, str]
Level = Literal["nominal", "ordinal", "interval", "ratio"]

PRESENT = "present"
ABSENT = "absent"
_NO_PAIRS = "no item has two or more ratings"
_EPS = 1e-12
_FROZEN = ConfigDict(extra="forbid", frozen=True)


class Score(BaseModel):
    """One agreement figure: its value (None when undefined), the items it used, why undefined."""

    model_config = _FROZEN
    value: float | None
    n_items: int
    reason: str | None = None


class PairAgreement(BaseModel):
    """Cohen's kappa and percent agreement of two raters on the items both rated."""

    model_config = _FROZEN
    rater_a: str
    rater_b: str
    n_items: int
    kappa: float | None
    percent: float | None
    reason: str | None = None


class Confusion(BaseModel):
    """Krippendorff's coincidence matrix: symmetric, each pairable value counted once in total."""

    model_config = _FROZEN
    labels: list[str]
    matrix: list[list[float]]  # matrix[i][j]: coincidences of labels[i] with labels[j]
    totals: list[float]  # row sums: how often each label occurs among pairable values
    n_values: float  # sum of totals: the number of pairable values


class AgreementReport(BaseModel):
    """All agreement figures for one label set (the verdict, or one rule present/absent)."""

    model_config = _FROZEN
    labels: list[str]
    n_ratings: int
    n_items: int
    n_raters: int
    n_pairable_items: int
    percent: Score
    fleiss_kappa: Score
    krippendorff_alpha: Score
    pairwise: list[PairAgreement]
    confusion: Confusion


class AgreementSection(BaseModel):
    """Agreement on the verdict and on each cited rule (present/absent per decision)."""

    model_config = _FROZEN
    verdict: AgreementReport
    rules: dict[str, AgreementReport]


def _text(value: Any) -> str:
    if type(value) is str:  # the common case, checked first: audits pass 10^5 ratings
        return value
    return str(value.value) if isinstance(value, Enum) else str(value)


def _table(ratings: Iterable[Sequence[Any]]) -> dict[str, dict[str, str]]:
    """Item -> rater -> label; None labels are missing data, a repeated rater is an error."""
    units: dict[str, dict[str, str]] = {}
    for row, rating in enumerate(ratings, start=1):
        try:
            item, rater, label = rating
        except (TypeError, ValueError) as exc:
            raise InvalidInputError(
                f"rating {row} is not an (item_id, rater, label) triple", field="ratings"
            ) from exc
        if label is None:
            continue
        unit = units.setdefault(_text(item), {})
        name = _text(rater)
        if name in unit:
            raise InvalidInputError(
                f"rater {name!r} rated item {_text(item)!r} twice; pass one rating per rater "
                "and item (the latest decision)",
                field="ratings",
            )
        unit[name] = _text(label)
    return units


def _patterns(counts: list[Counter[str]]) -> list[tuple[Counter[str], int]]:
    """Distinct label counts per item, with how many items share each.

    An audit's 10^5 items fall into a handful of patterns (two raters, three verdicts), so the
    per-item sums are computed once per pattern.
    """
    seen: Counter[tuple[tuple[str, int], ...]] = Counter(tuple(sorted(c.items())) for c in counts)
    return [(Counter(dict(key)), times) for key, times in seen.items()]


def _pairable(units: Mapping[str, Mapping[str, str]]) -> list[Counter[str]]:
    return [Counter(unit.values()) for unit in units.values() if len(unit) >= 2]


def _only_label(counts: Iterable[Counter[str]]) -> str:
    labels = sorted(set().union(*counts))
    return f"only one label occurs ({labels[0]!r}); agreement beyond chance is undefined"


def _percent(counts: list[Counter[str]]) -> Score:
    pairs = sum(sum(c.values()) * (sum(c.values()) - 1) // 2 for c in counts)
    if not pairs:
        return Score(value=None, n_items=0, reason=_NO_PAIRS)
    agreeing = sum(n * (n - 1) // 2 for c in counts for n in c.values())
    return Score(value=agreeing / pairs, n_items=len(counts))


def percent_agreement(ratings: Iterable[Sequence[Any]]) -> Score:
    """Share of agreeing rater pairs, pooled over all pairs within items with >= 2 ratings."""
    return _percent(_pairable(_table(ratings)))


def _cohen(rater_a: str, a: Mapping[str, str], rater_b: str, b: Mapping[str, str]) -> PairAgreement:
    """Cohen's kappa from each rater's item -> label mapping."""
    both = [(a[item], b[item]) for item in (a.keys() & b.keys())]
    n = len(both)
    if n == 0:
        return PairAgreement(
            rater_a=rater_a, rater_b=rater_b, n_items=0, kappa=None, percent=None,
            reason=f"no item rated by both {rater_a!r} and {rater_b!r}",
        )
    p_o = sum(x == y for x, y in both) / n
    count_a = Counter(x for x, _ in both)
    count_b = Counter(y for _, y in both)
    p_e = sum(count_a[c] * count_b[c] for c in count_a) / (n * n)
    if 1.0 - p_e < _EPS:
        return PairAgreement(
            rater_a=rater_a, rater_b=rater_b, n_items=n, kappa=None, percent=p_o,
            reason=f"both raters used only the label {both[0][0]!r}; kappa is undefined",
        )
    kappa = (p_o - p_e) / (1.0 - p_e)
    return PairAgreement(rater_a=rater_a, rater_b=rater_b, n_items=n, kappa=kappa, percent=p_o)


def _by_rater(units: Mapping[str, Mapping[str, str]]) -> dict[str, dict[str, str]]:
    wide: dict[str, dict[str, str]] = {}
    for item, unit in units.items():
        for rater, label in unit.items():
            wide.setdefault(rater, {})[item] = label
    return wide


def cohen_kappa(ratings: Iterable[Sequence[Any]], rater_a: str, rater_b: str) -> PairAgreement:
    """Cohen's kappa of two raters on the items both rated."""
    wide = _by_rater(_table(ratings))
    return _cohen(rater_a, wide.get(rater_a, {}), rater_b, wide.get(rater_b, {}))


def _pairwise(units: Mapping[str, Mapping[str, str]]) -> list[PairAgreement]:
    wide = _by_rater(units)
    return [
        _cohen(a, wide[a], b, wide[b])
        for a, b in combinations(sorted(wide), 2)
        if not wide[a].keys().isdisjoint(wide[b].keys())
    ]


def pairwise_cohen(ratings: Iterable[Sequence[Any]]) -> list[PairAgreement]:
    """Cohen's kappa for every pair of raters that shares at least one item, sorted by names."""
    return _pairwise(_table(ratings))


def _fleiss(counts: list[Counter[str]]) -> Score:
    if not counts:
        return Score(value=None, n_items=0, reason=_NO_PAIRS)
    agreement_sum = 0.0
    category_totals: Counter[str] = Counter()
    for c, times in _patterns(counts):
        n_i = sum(c.values())
        agreement_sum += times * sum(n * (n - 1) for n in c.values()) / (n_i * (n_i - 1))
        for label, n in c.items():
            category_totals[label] += n * times
    total = sum(category_totals.values())
    p_bar = agreement_sum / len(counts)
    p_e = sum((n / total) ** 2 for n in category_totals.values())
    if 1.0 - p_e < _EPS:
        return Score(value=None, n_items=len(counts), reason=_only_label(counts))
    return Score(value=(p_bar - p_e) / (1.0 - p_e), n_items=len(counts))


def fleiss_kappa(ratings: Iterable[Sequence[Any]]) -> Score:
    """Fleiss' kappa over items with >= 2 ratings (generalised to unequal rater counts)."""
    return _fleiss(_pairable(_table(ratings)))


def _coincidences(counts: list[Counter[str]], labels: Sequence[str]) -> list[list[float]]:
    index = {label: i for i, label in enumerate(labels)}
    matrix = [[0.0] * len(labels) for _ in labels]
    for c, times in _patterns(counts):
        m_u = sum(c.values())
        for a, n_a in c.items():
            for b, n_b in c.items():
                pairs = n_a * (n_b - 1) if a == b else n_a * n_b
                matrix[index[a]][index[b]] += times * pairs / (m_u - 1)
    return matrix


def _numeric(labels: Sequence[str], level: str) -> list[float]:
    try:
        return [float(label) for label in labels]
    except ValueError as exc:
        raise InvalidInputError(
            f"{level} alpha needs numeric labels, got {list(labels)!r}; use level='nominal'",
            field="level",
        ) from exc


def _distances(labels: Sequence[str], totals: Sequence[float], level: str) -> list[list[float]]:
    """Squared difference delta^2(c, k) of each pair of labels at the given level."""
    size = len(labels)
    if level == "nominal":
        return [[float(i != j) for j in range(size)] for i in range(size)]
    values = _numeric(labels, level)
    if level == "interval":
        return [[(values[i] - values[j]) ** 2 for j in range(size)] for i in range(size)]
    if level == "ratio":
        return [
            [((values[i] - values[j]) / (values[i] + values[j])) ** 2 if values[i] + values[j] else 0.0
             for j in range(size)]
            for i in range(size)
        ]
    if level == "ordinal":
        rank = sorted(range(size), key=lambda i: values[i])
        position = {i: p for p, i in enumerate(rank)}
        out = [[0.0] * size for _ in range(size)]
        for i in range(size):
            for j in range(size):
                lo, hi = sorted((position[i], position[j]))
                between = sum(totals[rank[p]] for p in range(lo, hi + 1))
                out[i][j] = (between - (totals[i] + totals[j]) / 2) ** 2
        return out
    raise InvalidInputError(
        f"unknown level {level!r}; use nominal, ordinal, interval or ratio", field="level"
    )


def _alpha(counts: list[Counter[str]], level: str) -> Score:
    labels = sorted(set().union(*counts)) if counts else []
    matrix = _coincidences(counts, labels)
    totals = [sum(row) for row in matrix]
    n = sum(totals)
    delta = _distances(labels, totals, level)  # validates level even when there is no data
    if n <= 1:
        return Score(value=None, n_items=0, reason=_NO_PAIRS)
    size = len(labels)
    observed = sum(matrix[i][j] * delta[i][j] for i in range(size) for j in range(size))
    expected = sum(totals[i] * totals[j] * delta[i][j] for i in range(size) for j in range(size))
    if expected < _EPS:
        reason = _only_label(counts) if size == 1 else "pairable values show no variation"
        return Score(value=None, n_items=len(counts), reason=reason)
    return Score(value=1.0 - (n - 1) * observed / expected, n_items=len(counts))


def krippendorff_alpha(ratings: Iterable[Sequence[Any]], *, level: Level = "nominal") -> Score:
    """Krippendorff's alpha by the coincidence-matrix method; missing ratings are allowed."""
    return _alpha(_pairable(_table(ratings)), level)


def _confusion(counts: list[Counter[str]], labels: Sequence[str]) -> Confusion:
    matrix = _coincidences(counts, labels)
    totals = [sum(row) for row in matrix]
    return Confusion(labels=list(labels), matrix=matrix, totals=totals, n_values=sum(totals))


def confusion(
    ratings: Iterable[Sequence[Any]], *, labels: Sequence[str] | None = None
) -> Confusion:
    """Coincidences between labels over pairable values (symmetric), in the order of ``labels``."""
    units = _table(ratings)
    return _confusion(_pairable(units), _label_set(units, labels))


def _label_set(units: Mapping[str, Mapping[str, str]], labels: Sequence[str] | None) -> list[str]:
    seen = {label for unit in units.values() for label in unit.values()}
    if labels is None:
        return sorted(seen)
    unknown = sorted(seen - set(labels))
    if unknown:
        raise InvalidInputError(
            f"labels {unknown!r} are not in the label set {list(labels)!r}", field="labels"
        )
    return [_text(label) for label in labels]


def agreement_report(
    ratings: Iterable[Sequence[Any]],
    *,
    labels: Sequence[str] | None = None,
    level: Level = "nominal",
) -> AgreementReport:
    """Every agreement figure for one label set; ``labels`` fixes the order (default: sorted)."""
    units = _table(ratings)
    counts = _pairable(units)
    label_set = _label_set(units, labels)
    return AgreementReport(
        labels=label_set,
        n_ratings=sum(len(unit) for unit in units.values()),
        n_items=len(units),
        n_raters=len({r for unit in units.values() for r in unit}),
        n_pairable_items=len(counts),
        percent=_percent(counts),
        fleiss_kappa=_fleiss(counts),
        krippendorff_alpha=_alpha(counts, level),
        pairwise=_pairwise(units),
        confusion=_confusion(counts, label_set),
    )


def _decision(decision: Any) -> tuple[str, str, Any, list[str]]:
    """(item_id, rater, verdict, rules) from a 4-tuple, a mapping or a Decision-like object."""
    try:
        if isinstance(decision, Mapping):
            return (decision["example_id"], decision["reviewer"], decision["verdict"],
                    list(decision.get("rules") or []))
        if hasattr(decision, "example_id"):
            return decision.example_id, decision.reviewer, decision.verdict, list(decision.rules or [])
        item, rater, verdict, rules = decision
    except (KeyError, AttributeError, TypeError, ValueError) as exc:
        raise InvalidInputError(
            "a decision is (item_id, rater, verdict, rules) or has example_id, reviewer, "
            "verdict and rules",
            field="decisions",
        ) from exc
    return item, rater, verdict, list(rules or [])


def verdict_ratings(decisions: Iterable[Any]) -> list[Rating]:
    """Ratings whose label is each decision's verdict."""
    out = []
    for decision in decisions:
        item, rater, verdict, _ = _decision(decision)
        out.append((_text(item), _text(rater), _text(verdict)))
    return out


def rule_ratings(decisions: Iterable[Any], rule_id: str) -> list[Rating]:
    """Ratings labelled 'present' where a decision cites ``rule_id`` and 'absent' otherwise."""
    out = []
    for decision in decisions:
        item, rater, _, rules = _decision(decision)
        label = PRESENT if rule_id in {_text(r) for r in rules} else ABSENT
        out.append((_text(item), _text(rater), label))
    return out


def decision_agreement(
    decisions: Iterable[Any], *, rule_ids: Sequence[str] | None = None
) -> AgreementSection:
    """Agreement on the verdict and, per rule (default: every cited rule), on present/absent."""
    # Normalise every decision once; each rule's present/absent table reuses it.
    rows = []
    for d in decisions:
        item, rater, verdict, rules = _decision(d)
        rows.append((_text(item), _text(rater), _text(verdict), frozenset(_text(r) for r in rules)))
    if rule_ids is None:
        rule_ids = sorted({r for *_, rules in rows for r in rules})
    verdicts = [(item, rater, verdict) for item, rater, verdict, _ in rows]
    known = [v.value for v in Verdict]
    labels = known if {label for _, _, label in verdicts} <= set(known) else None
    return AgreementSection(
        verdict=agreement_report(verdicts, labels=labels),
        rules={
            rule: agreement_report(
                [(item, rater, PRESENT if rule in cited else ABSENT) for item, rater, _, cited in rows],
                labels=[PRESENT, ABSENT],
            )
            for rule in rule_ids
        },
    )

