"""The audit report: reviewer figures, JSON round trip, offline HTML that escapes data, text."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

import pytest

from curator.audit.agreement import decision_agreement
from curator.audit.html import CSP, render_html
from curator.audit.report import (
    AuditReport,
    Coverage,
    PredictionAudit,
    RuleAudit,
    RulePassRate,
    SourceCoverage,
    StaleDecision,
    Summary,
    coverage_from,
)
from curator.audit.reviewers import gold_summary, reviewer_stats, robust_z
from curator.audit.text import clean, render_text
from curator.errors import InvalidInputError
from curator.models import Decision, DecisionKind, Outcome, Verdict

T0 = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
EVIL = "<img src=x onerror=alert(1)>"
NOTE = "fine </td><script>alert(1)</script> really"


def paced(reviewer: str, verdicts: list[str], seconds: float, *, start: datetime = T0) -> list[dict]:
    return [
        {"reviewer": reviewer, "example_id": f"e{i}", "verdict": v, "created_at": start + timedelta(seconds=seconds * i)}
        for i, v in enumerate(verdicts)
    ]


# --- reviewers ------------------------------------------------------------------------------

TRUTH = ["approve"] * 6 + ["reject"] * 4
OUTCOMES = {f"e{i}": v for i, v in enumerate(TRUTH)}


def team() -> list[dict]:
    return (
        paced("ana", TRUTH, 60)
        + paced("bo", TRUTH[:9] + ["approve"], 50)
        + paced("cy", ["reject"] + TRUTH[1:], 70)
        + paced("dee", TRUTH, 55)
        + paced(EVIL, ["approve"] * 10, 4)
    )


def test_reviewer_figures() -> None:
    section = reviewer_stats(team(), outcomes=OUTCOMES, gold={"e0": "approve", "e9": "reject"})
    by_name = {r.reviewer: r for r in section.reviewers}
    bo = by_name["bo"]
    assert (bo.decisions, bo.examples, bo.sessions, bo.timed_gaps) == (10, 10, 1, 9)
    assert bo.median_seconds == 50.0
    assert bo.approval_rate == 0.7
    assert (bo.n_settled, bo.outcome_agreement) == (10, 0.9)
    assert (bo.n_gold, bo.gold_accuracy) == (2, 0.5)
    assert bo.verdicts == {"approve": 7, "reject": 3}
    assert bo.flags == []
    assert section.group_median == {
        "approval_rate": 0.6, "outcome_agreement": 0.9, "gold_accuracy": None, "median_seconds": 55.0,
    }


def test_an_approve_everything_fast_reviewer_is_flagged() -> None:
    section = reviewer_stats(team(), outcomes=OUTCOMES)
    flagged = {r.reviewer: sorted(f.metric for f in r.flags) for r in section.reviewers if r.flags}
    # agreement 60% against 100, 90, 90, 100 is a robust z of -2.0: under the 2.5 threshold
    assert flagged == {EVIL: ["approval_rate", "speed"]}
    speed = next(f for f in section.reviewers[0].flags if f.metric == "speed")
    assert section.reviewers[0].reviewer == EVIL  # sorted by name: '<' sorts first
    assert speed.value == 4.0 and speed.group_median == 57.5


def test_sessions_split_on_long_gaps_and_zero_gaps_are_not_timings() -> None:
    rows = paced("ana", ["approve"] * 3, 20) + paced("ana", ["reject"] * 3, 40, start=T0 + timedelta(hours=2))
    rows += [{**rows[-1], "example_id": "bulk"}]  # same timestamp as the last: a bulk import
    (ana,) = reviewer_stats(rows).reviewers
    assert ana.sessions == 2
    assert ana.timed_gaps == 4
    assert ana.median_seconds == 30.0  # gaps 20, 20, 40, 40; the 2-hour gap and the zero gap ignored
    assert ana.examples == 4 and ana.decisions == 7
    assert ana.approval_rate == 0.0  # latest decision per example: e0..e2 were rejected later


def test_reviewer_inputs_may_be_decision_models_and_skip_other_kinds() -> None:
    rows = [
        Decision(example_id="e1", reviewer="ana", verdict=Verdict.APPROVE, created_at=T0),
        Decision(example_id="e1", reviewer="lea", kind=DecisionKind.ADJUDICATION, verdict=Verdict.REJECT, created_at=T0),
        Decision(example_id="e1", reviewer="ana", kind=DecisionKind.RETRACTION, target_id=1, created_at=T0),
    ]
    section = reviewer_stats(rows, outcomes={"e1": Outcome.APPROVE, "e2": Outcome.CONFLICT})
    assert [(r.reviewer, r.decisions, r.outcome_agreement, r.median_seconds) for r in section.reviewers] == [
        ("ana", 1, 1.0, None)
    ]


def test_reviewer_input_errors_name_the_field() -> None:
    with pytest.raises(InvalidInputError) as info:
        reviewer_stats([{"reviewer": "ana", "example_id": "e", "verdict": "approve"}])
    assert info.value.field == "created_at"
    naive = {"reviewer": "ana", "example_id": "e2", "verdict": "approve", "created_at": datetime(2025, 1, 6)}
    with pytest.raises(InvalidInputError, match="naive and timezone-aware"):
        reviewer_stats(paced("ana", ["approve"], 1) + [naive])


def test_robust_z() -> None:
    assert robust_z([1.0, 2.0]) == [None, None]  # too few to judge
    assert robust_z([0.5, 0.5, 0.5]) == [None, None, None]
    assert robust_z([1.0, 2.0, 3.0, 4.0, 100.0]) == pytest.approx([-1.349, -0.6745, 0.0, 0.6745, 65.4265])
    # MAD is zero: fall back on the mean absolute deviation (0.1 here)
    assert robust_z([0.5, 0.5, 0.5, 0.5, 1.0])[-1] == pytest.approx(0.5 / (1.253314 * 0.1))


def test_gold_summary_compares_settled_outcomes_only() -> None:
    summary = gold_summary({"a": "approve", "b": Outcome.REJECT, "c": "pending"},
                           {"a": "approve", "b": Verdict.NEGATIVE, "c": "approve"})
    assert (summary.n_gold, summary.n_settled, summary.accuracy) == (3, 2, 0.5)
    assert [(m.example_id, m.gold, m.outcome) for m in summary.mismatches] == [("b", "negative", "reject")]


# --- the report -----------------------------------------------------------------------------


def coverage() -> Coverage:
    return coverage_from([
        SourceCoverage(source="support.jsonl", examples=40, pending=3, conflict=2, approve=25, negative=6, reject=4),
        SourceCoverage(source="empty.jsonl", examples=5, pending=5),
    ])


def sample_report() -> AuditReport:
    decisions = [
        (f"e{i}", name, verdict, ["no-pii"] if verdict == "reject" else [])
        for i, row in enumerate([("approve", "approve"), ("reject", "approve"), ("negative", "negative")])
        for name, verdict in zip(("ana", EVIL), row)
    ]
    return AuditReport(
        generated_at=T0,
        summary=Summary(examples=45, decisions=6, reviewers=2, guideline_version="v3",
                        verdicts={"approve": 3, "negative": 2, "reject": 1},
                        outcomes={"pending": 8, "approve": 25, "negative": 6, "reject": 4, "conflict": 2}),
        rules=[
            RuleAudit(id="no-pii", title="No personal data", severity="blocker", flagged=6, cited=1,
                      approved_anyway=2, misses=["e-miss-1", "<e-miss-2>"]),
            RuleAudit(id="tb-tone", title="Tone </td><b>bold</b>", severity="minor", flagged=12, approved_anyway=9),
        ],
        stale=[StaleDecision(example_id="e4", reason="guideline v2 -> v3", decision_id=17, reviewer=EVIL,
                             guideline_version="v2", note=NOTE)],
        coverage=coverage(),
        agreement=decision_agreement(decisions),
        reviewers=reviewer_stats(team(), outcomes=OUTCOMES),
        gold=gold_summary(OUTCOMES, {"e0": "approve", "e9": "approve"}),
        predictions=PredictionAudit(file="preds.jsonl", predictions=50,
                                    rules=[RulePassRate(rule_id="no-pii", checked=50, passed=48)],
                                    negatives=10, closer_to_undesired=3, closer_to_desired=6, ties=1),
    )


def test_coverage_totals_and_warnings() -> None:
    c = coverage()
    assert (c.positives, c.negatives) == (25, 6)
    assert c.sources[0].decided == 35
    assert c.warnings == [
        "source 'support.jsonl': 2 examples wait for a lead to settle a conflict",
        "source 'empty.jsonl': none of its 5 examples is settled",
        "8 examples are still pending review",
    ]
    skewed = coverage_from([SourceCoverage(source="s", examples=100, approve=99, negative=1)])
    assert skewed.warnings == [
        "negatives are 1% of settled training examples (under 5%): the model sees few examples of what not to do"
    ]


def test_json_round_trip() -> None:
    report = sample_report()
    text = report.to_json()
    data = json.loads(text)
    assert data["version"] == 1
    assert data["rules"][0]["misses"] == ["e-miss-1", "<e-miss-2>"]
    assert data["agreement"]["verdict"]["percent"] == {"value": 2 / 3, "n_items": 3, "reason": None}
    assert data["reviewers"]["reviewers"][0]["reviewer"] == EVIL
    again = AuditReport.from_json(text)
    assert again == report
    assert again.to_json() == text
    assert AuditReport().to_json(indent=None).startswith('{"version":1,"title":"curator audit"')


def test_a_misspelt_field_or_foreign_json_is_refused() -> None:
    with pytest.raises(ValueError, match="aproved_anyway"):
        RuleAudit(id="x", aproved_anyway=1)  # type: ignore[call-arg]
    with pytest.raises(InvalidInputError, match="not an audit report"):
        AuditReport.from_json('{"rules": 3}')


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []
        self.data: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs += attrs

    def handle_data(self, data: str) -> None:
        self.data.append(data)


def test_html_is_one_offline_document_that_escapes_data() -> None:
    page = render_html(sample_report())
    assert page.startswith("<!DOCTYPE html>")
    assert page.count("<html") == 1 and page.rstrip().endswith("</html>")
    assert "<script" not in page.lower()
    assert "http://" not in page and "https://" not in page
    assert f'<meta http-equiv="Content-Security-Policy" content="{CSP}">' in page
    assert CSP == "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
    assert EVIL not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "</td><script>" not in page and "fine &lt;/td&gt;&lt;script&gt;" in page
    assert "Tone &lt;/td&gt;&lt;b&gt;bold&lt;/b&gt;" in page
    parser = _Collect()
    parser.feed(page)
    assert "img" not in parser.tags and "script" not in parser.tags
    assert not any(name.startswith("on") for name, _ in parser.attrs)
    assert not any(name in ("src", "href") for name, _ in parser.attrs)
    text = "".join(parser.data)
    assert EVIL in text and NOTE in text and "Tone </td><b>bold</b>" in text  # shown to the reader as text, intact
    assert parser.tags.count("svg") == 8  # verdicts, outcomes, rules, heatmap, 2 reviewer, 2 predictions


def test_html_draws_the_figures() -> None:
    page = render_html(sample_report())
    assert '<figcaption>Verdict coincidence matrix: how often' in page
    assert "<code>&lt;e-miss-2&gt;</code>" in page
    assert re.search(r"<td class=n>0\.667</td>", page) is None  # percent is shown as a percentage
    assert "<td class=n>67%</td>" in page


def test_html_of_an_empty_report() -> None:
    page = render_html(AuditReport())
    assert "No rules in the report." in page and "Not computed." in page
    assert "<svg" not in page


def test_text_summary_contains_the_figures() -> None:
    text = render_text(sample_report())
    lines = text.splitlines()
    assert lines[0] == "curator audit  2025-01-06 09:00 UTC  (guideline v3)"
    assert lines[1] == "examples 45  decisions 6  reviewers 2"
    assert "verdicts  approve 3  negative 2  reject 1" in lines
    assert "  rule     severity  flagged  cited  approved anyway  misses" in lines
    assert "  no-pii    blocker        6      1                2       2" in lines
    assert "  verdict          3      67%          0.45                0.55" in lines
    assert "Blocker misses: 2" in lines and "Stale decisions: 1" in lines
    assert "  - 8 examples are still pending review" in lines
    assert "Gold: 2 gold examples, 2 settled, accuracy 50%, 1 mismatches" in lines
    assert any(line.startswith("  ! <img src=x onerror=alert(1)>: approval rate 100%") for line in lines)


def test_text_neutralises_terminal_escapes() -> None:
    assert clean("ana\x1b[2J\nbo") == "ana?[2J?bo"
    assert clean("x" * 50) == "x" * 37 + "..."
