"""Agreement statistics: hand-worked cases, published worked examples, established packages."""

from __future__ import annotations

import math
import warnings

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from curator.audit.agreement import (
    ABSENT,
    PRESENT,
    agreement_report,
    cohen_kappa,
    confusion,
    decision_agreement,
    fleiss_kappa,
    krippendorff_alpha,
    pairwise_cohen,
    percent_agreement,
    rule_ratings,
    verdict_ratings,
)
from curator.errors import InvalidInputError
from curator.models import Decision, Verdict

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: 4 observers,
# 12 units, nominal data with missing values ("." = not coded).
KRIPPENDORFF_2011 = {
    "A": "1 2 3 3 2 1 4 1 2 . . .",
    "B": "1 2 3 3 2 2 4 1 2 5 . 3",
    "C": ". 3 3 3 2 3 4 2 2 5 1 .",
    "D": "1 2 3 3 2 4 4 1 2 5 1 .",
}

# Wikipedia, "Fleiss' kappa", worked example: 10 subjects x 14 raters x 5 categories (counts).
FLEISS_WIKIPEDIA = [
    [0, 0, 0, 0, 14],
    [0, 2, 6, 4, 2],
    [0, 0, 3, 5, 6],
    [0, 3, 9, 2, 0],
    [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0],
    [3, 2, 6, 3, 0],
    [2, 5, 3, 2, 2],
    [6, 5, 2, 1, 0],
    [0, 2, 2, 3, 7],
]


def wide(columns: dict[str, str]) -> list[tuple[str, str, str]]:
    """Long ratings from rater -> space-separated labels ('.' = missing)."""
    return [
        (f"u{i}", rater, label)
        for rater, line in columns.items()
        for i, label in enumerate(line.split(), start=1)
        if label != "."
    ]


def from_counts(table: list[list[int]]) -> list[tuple[str, str, str]]:
    """Long ratings from an items x categories count table (raters numbered per item)."""
    out = []
    for i, row in enumerate(table):
        rater = 0
        for category, n in enumerate(row):
            for _ in range(n):
                out.append((f"i{i}", f"r{rater}", f"c{category}"))
                rater += 1
    return out


def two_raters(cells: dict[tuple[str, str], int]) -> list[tuple[str, str, str]]:
    """Long ratings of raters A and B from a 2x2 (or larger) table of (a_label, b_label) counts."""
    out = []
    for (a, b), n in cells.items():
        for _ in range(n):
            item = f"x{len(out)}"
            out += [(item, "A", a), (item, "B", b)]
    return out


# --- published worked examples -------------------------------------------------------------


def test_fleiss_kappa_on_the_wikipedia_worked_example() -> None:
    score = fleiss_kappa(from_counts(FLEISS_WIKIPEDIA))
    assert score.n_items == 10
    assert round(score.value, 3) == 0.210


@pytest.mark.parametrize(
    ("level", "expected"),
    [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849), ("ratio", 0.797)],
)
def test_krippendorff_alpha_on_the_2011_worked_example(level: str, expected: float) -> None:
    score = krippendorff_alpha(wide(KRIPPENDORFF_2011), level=level)
    # unit 12 has one value only, so 11 units are pairable
    assert score.n_items == 11
    assert round(score.value, 3) == expected


def test_krippendorff_2011_coincidence_matrix() -> None:
    # the paper's coincidence matrix: n_c = 9, 13, 10, 5, 3 (sum 40 pairable values)
    result = confusion(wide(KRIPPENDORFF_2011))
    assert result.labels == ["1", "2", "3", "4", "5"]
    assert [round(t, 9) for t in result.totals] == [9, 13, 10, 5, 3]
    assert result.n_values == pytest.approx(40)
    assert result.matrix[0][0] == pytest.approx(7)
    assert result.matrix[0][1] == pytest.approx(4 / 3)
    assert result.matrix[2][2] == pytest.approx(8)
    assert all(
        result.matrix[i][j] == pytest.approx(result.matrix[j][i]) for i in range(5) for j in range(5)
    )


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        # Wikipedia "Cohen's kappa": 50 grant proposals, p_o = 0.7, p_e = 0.5
        ({("yes", "yes"): 20, ("yes", "no"): 5, ("no", "yes"): 10, ("no", "no"): 15}, 0.4),
        # same p_o = 0.6, different marginals: 0.1304 and 0.2593
        ({("yes", "yes"): 45, ("yes", "no"): 15, ("no", "yes"): 25, ("no", "no"): 15}, 0.1304),
        ({("yes", "yes"): 25, ("yes", "no"): 35, ("no", "yes"): 5, ("no", "no"): 35}, 0.2593),
    ],
)
def test_cohen_kappa_on_textbook_tables(cells: dict, expected: float) -> None:
    result = cohen_kappa(two_raters(cells), "A", "B")
    assert result.n_items == sum(cells.values())
    assert round(result.kappa, 4) == expected


# --- hand-worked small cases ----------------------------------------------------------------

SMALL = [("x", "ana", "a"), ("x", "bo", "a"), ("x", "cy", "b"), ("y", "ana", "a"), ("y", "bo", "a"),
         ("z", "cy", "b")]  # z has a single rating: not pairable


def test_percent_agreement_pools_rater_pairs() -> None:
    # x: 3 pairs, 1 agrees; y: 1 pair, agrees -> 2 / 4
    assert percent_agreement(SMALL).value == 0.5
    assert percent_agreement(SMALL).n_items == 2


def test_fleiss_kappa_with_unequal_rater_counts_uses_the_generalisation() -> None:
    # P_x = 1/3, P_y = 1, P-bar = 2/3; p_a = 4/5, p_b = 1/5, P_e = 17/25 -> kappa = -1/24
    assert fleiss_kappa(SMALL).value == pytest.approx(-1 / 24)


def test_krippendorff_alpha_by_hand() -> None:
    # o_aa = 3, o_ab = o_ba = 1, n_a = 4, n_b = 1, n = 5: alpha = 1 - 4 * 2 / (2 * 4 * 1) = 0
    assert krippendorff_alpha(SMALL).value == pytest.approx(0.0)
    assert confusion(SMALL).matrix == [[3.0, 1.0], [1.0, 0.0]]


def test_pairwise_cohen_lists_pairs_that_share_items() -> None:
    pairs = pairwise_cohen(SMALL + [("w", "dee", "a")])  # dee shares nothing
    assert [(p.rater_a, p.rater_b, p.n_items) for p in pairs] == [
        ("ana", "bo", 2), ("ana", "cy", 1), ("bo", "cy", 1),
    ]
    ana_bo = pairs[0]
    assert ana_bo.percent == 1.0 and ana_bo.kappa is None  # both used only 'a'
    assert pairs[1].kappa == 0.0 and pairs[1].percent == 0.0  # p_o = 0, p_e = 0


def test_perfect_agreement_on_two_labels_is_one() -> None:
    ratings = [("x", "a", "yes"), ("x", "b", "yes"), ("y", "a", "no"), ("y", "b", "no")]
    assert cohen_kappa(ratings, "a", "b").kappa == 1.0
    assert fleiss_kappa(ratings).value == 1.0
    assert krippendorff_alpha(ratings).value == 1.0


# --- edge cases -----------------------------------------------------------------------------


def test_one_category_only_is_undefined_with_a_reason() -> None:
    ratings = [(i, r, "approve") for i in "xyz" for r in ("ana", "bo", "cy")]
    report = agreement_report(ratings)
    assert report.percent.value == 1.0
    assert report.fleiss_kappa.value is None
    assert "only one label" in report.fleiss_kappa.reason
    assert report.krippendorff_alpha.value is None
    assert "only one label" in report.krippendorff_alpha.reason
    assert report.krippendorff_alpha.n_items == 3
    assert all(p.kappa is None and p.percent == 1.0 and p.reason for p in report.pairwise)


@pytest.mark.parametrize(
    "ratings",
    [
        [],
        [("x", "ana", "a"), ("y", "ana", "b")],  # a single rater
        [("x", "ana", "a"), ("y", "bo", "b")],  # two raters, no shared item
    ],
)
def test_no_item_with_two_ratings(ratings: list) -> None:
    report = agreement_report(ratings)
    assert report.n_pairable_items == 0
    for score in (report.percent, report.fleiss_kappa, report.krippendorff_alpha):
        assert score.value is None
        assert score.n_items == 0
        assert score.reason == "no item has two or more ratings"
    assert report.pairwise == []
    assert report.confusion.n_values == 0
    assert cohen_kappa(ratings, "ana", "bo").reason.startswith("no item rated by both")


def test_a_rater_rating_an_item_twice_is_an_input_error() -> None:
    with pytest.raises(InvalidInputError, match="rated item 'x' twice") as info:
        percent_agreement([("x", "ana", "a"), ("x", "ana", "b")])
    assert info.value.field == "ratings"


def test_missing_labels_are_skipped_and_bad_rows_rejected() -> None:
    assert percent_agreement([("x", "a", "p"), ("x", "b", None), ("x", "c", "p")]).value == 1.0
    with pytest.raises(InvalidInputError, match="rating 1 is not"):
        percent_agreement([("x", "a")])


def test_levels_are_validated() -> None:
    with pytest.raises(InvalidInputError, match="unknown level"):
        krippendorff_alpha([], level="cardinal")  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="numeric labels"):
        krippendorff_alpha([("x", "a", "yes"), ("x", "b", "no")], level="interval")


def test_label_set_fixes_the_order_and_rejects_unknown_labels() -> None:
    report = agreement_report(SMALL, labels=["b", "a", "c"])
    assert report.labels == ["b", "a", "c"]
    assert report.confusion.matrix == [[0.0, 1.0, 0.0], [1.0, 3.0, 0.0], [0.0, 0.0, 0.0]]
    with pytest.raises(InvalidInputError, match=r"labels \['b'\] are not"):
        agreement_report(SMALL, labels=["a"])


# --- decisions to ratings -------------------------------------------------------------------

DECISIONS = [
    ("e1", "ana", "approve", []),
    ("e1", "bo", "reject", ["no-pii"]),
    ("e2", "ana", "negative", ["no-pii", "tb-tone"]),
    ("e2", "bo", "negative", ["no-pii"]),
]


def test_rule_ratings_mark_presence_per_decision() -> None:
    assert rule_ratings(DECISIONS, "no-pii") == [
        ("e1", "ana", ABSENT), ("e1", "bo", PRESENT), ("e2", "ana", PRESENT), ("e2", "bo", PRESENT),
    ]
    assert [label for *_, label in rule_ratings(DECISIONS, "tb-tone")] == [ABSENT, ABSENT, PRESENT, ABSENT]


def test_decisions_may_be_models_or_mappings() -> None:
    model = Decision(example_id="e1", reviewer="ana", verdict=Verdict.APPROVE, rules=["no-pii"])
    mapping = {"example_id": "e1", "reviewer": "bo", "verdict": Verdict.REJECT}
    assert verdict_ratings([model, mapping]) == [("e1", "ana", "approve"), ("e1", "bo", "reject")]
    assert rule_ratings([model, mapping], "no-pii") == [("e1", "ana", PRESENT), ("e1", "bo", ABSENT)]
    with pytest.raises(InvalidInputError, match="a decision is"):
        verdict_ratings([("e1", "ana")])
    with pytest.raises(InvalidInputError, match="a decision is"):
        verdict_ratings([{"example_id": "e1", "verdict": "approve"}])


def test_decision_agreement_covers_the_verdict_and_every_cited_rule() -> None:
    section = decision_agreement(DECISIONS)
    assert section.verdict.labels == ["approve", "negative", "reject"]
    assert section.verdict.percent.value == 0.5
    assert sorted(section.rules) == ["no-pii", "tb-tone"]
    assert section.rules["no-pii"].labels == [PRESENT, ABSENT]
    assert section.rules["no-pii"].percent.value == 0.5
    assert section.rules["tb-tone"].percent.value == 0.5
    only = decision_agreement(DECISIONS, rule_ids=["no-secrets"])
    assert list(only.rules) == ["no-secrets"]
    assert only.rules["no-secrets"].krippendorff_alpha.value is None


# --- against established implementations ----------------------------------------------------

LABELS = st.sampled_from(["0", "1", "2"])
FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(st.lists(st.tuples(LABELS, LABELS), min_size=1, max_size=30))
def test_cohen_kappa_matches_scikit_learn(pairs: list[tuple[str, str]]) -> None:
    import sklearn.metrics as sklearn_metrics
    ratings = [r for i, (a, b) in enumerate(pairs) for r in ((i, "A", a), (i, "B", b))]
    mine = cohen_kappa(ratings, "A", "B")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scikit-learn warns where kappa is 0/0
        theirs = sklearn_metrics.cohen_kappa_score([a for a, _ in pairs], [b for _, b in pairs])
    if mine.kappa is None:
        assert math.isnan(theirs)
    else:
        assert mine.kappa == pytest.approx(theirs, abs=1e-9)


@FAST
@given(st.integers(2, 6).flatmap(
    lambda raters: st.lists(st.lists(LABELS, min_size=raters, max_size=raters), min_size=1, max_size=12)
))
def test_fleiss_kappa_matches_statsmodels_on_complete_tables(items: list[list[str]]) -> None:
    import numpy as np
    import statsmodels.stats.inter_rater as inter_rater

    ratings = [(i, f"r{j}", label) for i, row in enumerate(items) for j, label in enumerate(row)]
    mine = fleiss_kappa(ratings)
    table, _ = inter_rater.aggregate_raters(np.array(items, dtype=int))
    with np.errstate(divide="ignore", invalid="ignore"):
        theirs = inter_rater.fleiss_kappa(table)
    if mine.value is None:
        assert not np.isfinite(theirs)
    else:
        assert mine.value == pytest.approx(theirs, abs=1e-9)


MATRIX = st.integers(2, 5).flatmap(
    lambda raters: st.lists(
        st.lists(st.one_of(st.none(), st.sampled_from([0, 1, 2, 3])), min_size=raters, max_size=raters),
        min_size=1,
        max_size=15,
    )
)


@FAST
@given(MATRIX, st.sampled_from(["nominal", "ordinal", "interval", "ratio"]))
def test_krippendorff_alpha_matches_the_krippendorff_package(items: list[list[int | None]], level: str) -> None:
    import krippendorff
    import numpy as np

    ratings = [(i, f"r{j}", v) for i, row in enumerate(items) for j, v in enumerate(row) if v is not None]
    mine = krippendorff_alpha(ratings, level=level)
    pairable = [[v for v in row if v is not None] for row in items]
    pairable_values = {v for row in pairable if len(row) >= 2 for v in row}
    if len(pairable_values) < 2:
        assert mine.value is None and mine.reason
        return
    data = np.array([[np.nan if v is None else float(v) for v in row] for row in items]).T
    theirs = krippendorff.alpha(reliability_data=data, level_of_measurement=level)
    assert mine.value == pytest.approx(theirs, abs=1e-9)


# --- invariants that need no other package --------------------------------------------------


@FAST
@given(st.lists(st.tuples(LABELS, LABELS), min_size=1, max_size=30))
def test_two_complete_raters_tie_fleiss_to_alpha(pairs: list[tuple[str, str]]) -> None:
    # with two raters and no missing data Fleiss' kappa is Scott's pi, and alpha = pi + (1 - pi) / 2N
    ratings = [r for i, (a, b) in enumerate(pairs) for r in ((i, "A", a), (i, "B", b))]
    pi, alpha = fleiss_kappa(ratings).value, krippendorff_alpha(ratings).value
    if pi is None:
        assert alpha is None
    else:
        assert alpha == pytest.approx(pi + (1 - pi) / (2 * len(pairs)), abs=1e-9)


@FAST
@given(MATRIX)
def test_renaming_labels_changes_no_nominal_figure(items: list[list[int | None]]) -> None:
    ratings = [(i, f"r{j}", str(v)) for i, row in enumerate(items) for j, v in enumerate(row) if v is not None]
    renamed = [(i, r, f"label-{9 - int(v)}") for i, r, v in ratings]
    before, after = agreement_report(ratings), agreement_report(renamed)
    for field in ("percent", "fleiss_kappa", "krippendorff_alpha"):
        old, new = getattr(before, field), getattr(after, field)
        assert old.n_items == new.n_items
        assert (old.value is None) == (new.value is None)
        assert old.value is None or old.value == pytest.approx(new.value, abs=1e-12)
    matrix = after.confusion.matrix
    assert all(matrix[i][j] == pytest.approx(matrix[j][i]) for i in range(len(matrix)) for j in range(len(matrix)))
    assert after.confusion.n_values == pytest.approx(sum(len(u) for u in _pairable_rows(items)))


def _pairable_rows(items: list[list[int | None]]) -> list[list[int]]:
    rows = [[v for v in row if v is not None] for row in items]
    return [row for row in rows if len(row) >= 2]
