"""A compact plain-text summary of an audit report for the terminal (aligned columns, ASCII)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from curator.audit.agreement import AgreementReport
from curator.audit.report import AuditReport

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_MAX_CELL = 40


def clean(value: object, *, limit: int = _MAX_CELL) -> str:
    """Data as one safe line: control characters (terminal escapes) shown as '?', long text cut."""
    text = _CONTROL.sub("?", str(value))
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def _num(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], *, indent: str = "  ") -> list[str]:
    """Lines of a table: first column left-aligned, the others right-aligned."""
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows)]

    def line(cells: Sequence[str]) -> str:
        parts = [str(c).ljust(w) if i == 0 else str(c).rjust(w) for i, (c, w) in enumerate(zip(cells, widths))]
        return (indent + "  ".join(parts)).rstrip()

    return [line(headers), *(line(row) for row in rows)]


def _counts(counts: dict[str, int]) -> str:
    return "  ".join(f"{clean(k)} {v}" for k, v in counts.items()) or "-"


def _agreement_row(name: str, report: AgreementReport) -> list[str]:
    return [
        clean(name),
        str(report.n_pairable_items),
        _pct(report.percent.value),
        _num(report.fleiss_kappa.value),
        _num(report.krippendorff_alpha.value),
    ]


def render_text(report: AuditReport) -> str:
    """The report's figures in a few aligned blocks, ending with a newline."""
    s = report.summary
    when = report.generated_at.strftime("%Y-%m-%d %H:%M %Z").strip() if report.generated_at else ""
    head = clean(report.title, limit=80) + (f"  {when}" if when else "")
    if s.guideline_version:
        head += f"  (guideline {clean(s.guideline_version)})"
    out = [head, f"examples {s.examples}  decisions {s.decisions}  reviewers {s.reviewers}",
           f"verdicts  {_counts(s.verdicts)}", f"outcomes  {_counts(s.outcomes)}"]
    if s.provenance.get("propagated") or s.provenance.get("suggested"):
        out.append(f"decided by  {_counts(s.provenance)}  (agreement counts read decisions only)")

    if report.rules:
        out += ["", "Rules"]
        out += table(
            ["rule", "severity", "flagged", "cited", "approved anyway", "misses"],
            [[clean(r.id), clean(r.severity) or "-", str(r.flagged), str(r.cited),
              str(r.approved_anyway), str(len(r.misses))] for r in report.rules],
        )

    if report.agreement is not None:
        out += ["", "Agreement"]
        rows = [_agreement_row("verdict", report.agreement.verdict)]
        rows += [_agreement_row(f"rule {rule}", a) for rule, a in report.agreement.rules.items()]
        out += table(["on", "items", "percent", "Fleiss kappa", "Krippendorff alpha"], rows)
        undefined = report.agreement.verdict.krippendorff_alpha.reason
        if undefined:
            out.append(f"  verdict alpha undefined: {clean(undefined, limit=80)}")

    if report.reviewers is not None and report.reviewers.reviewers:
        out += ["", "Reviewers"]
        out += table(
            ["reviewer", "decisions", "s/decision", "approve", "agree", "gold", "flags"],
            [[clean(r.reviewer), str(r.decisions), _num(r.median_seconds, 0), _pct(r.approval_rate),
              _pct(r.outcome_agreement), _pct(r.gold_accuracy), str(len(r.flags))]
             for r in report.reviewers.reviewers],
        )
        for r in report.reviewers.reviewers:
            out += [f"  ! {clean(r.reviewer)}: {clean(f.message, limit=100)}" for f in r.flags]

    if report.judges:
        out += ["", "Model judges (against the reviewers' read decisions)"]
        out += table(["model", "judged", "compared", "accepted", "percent", "Cohen kappa"],
                     [[clean(j.model), str(j.suggestions), str(j.compared), str(j.accepted), _pct(j.percent), _num(j.kappa)]
                      for j in report.judges])
        for j in report.judges:
            out += [f"  {clean(j.model)} rule {clean(r.rule)}: precision {_pct(r.precision)}  recall {_pct(r.recall)}"
                    for r in j.rules]

    c = report.coverage
    if c.sources:
        out += ["", "Coverage"]
        out += table(
            ["source", "examples", "decided", "pending", "conflict", "approve", "negative", "reject"],
            [[clean(x.source), str(x.examples), str(x.decided), str(x.pending), str(x.conflict),
              str(x.approve), str(x.negative), str(x.reject)] for x in c.sources],
        )
        out.append(f"  positives {c.positives}  negatives {c.negatives}  negative share {_pct(c.negative_share)}")

    if report.gold is not None:
        g = report.gold
        gold = (f"Gold: {g.n_gold} gold examples, {g.n_settled} settled, accuracy {_pct(g.accuracy)}, "
                f"{len(g.mismatches)} mismatches")
        out += ["", gold]

    if report.predictions is not None:
        p = report.predictions
        out += ["", f"Predictions: {p.predictions}" + (f" from {clean(p.file)}" if p.file else "")]
        if p.rules:
            out += table(["rule", "checked", "passed", "pass rate"],
                         [[clean(r.rule_id), str(r.checked), str(r.passed), _pct(r.pass_rate)] for r in p.rules])
        if p.negatives:
            out.append(f"  on {p.negatives} negatives: closer to undesired {p.closer_to_undesired}, "
                       f"closer to desired {p.closer_to_desired}, ties {p.ties}")

    if report.benchmarks is not None:
        b = report.benchmarks
        out += ["", f"Benchmark overlap: {b.examples} example(s) ask what a benchmark asks"]
        out += table(["benchmark", "items", "matched", "sha256"],
                     [[clean(f.file), str(f.items), str(f.matched_items), f.sha256[:16]] for f in b.benchmarks])
        out += [f"  {clean(h.example)} ({clean(h.outcome or '-')}) ~ {clean(h.benchmark)} {clean(h.item)}: "
                f"{', '.join(h.kinds)} {h.score:.3f}" for h in b.hits[:50]]
        if len(b.hits) > 50:
            out.append(f"  ... and {len(b.hits) - 50} more (all of them: --json)")

    if report.sample is not None:
        e = report.sample
        out += ["", f"Sample estimate (batch {e.batch}, {clean(e.strategy)} by {clean(e.by)}, {e.size} examples; {clean(e.method)})"]
        out += table(["stratum", "population", "sampled", "settled", "approved", "rate", "95% interval"],
                     [[clean(x.stratum), str(x.population), str(x.sampled), str(x.settled), str(x.approved), _pct(x.rate),
                       f"{_pct(x.low)} - {_pct(x.high)}" if x.low is not None else "-"] for x in e.strata])
        if not e.complete:
            out.append("  the sample is not fully reviewed yet: rates count the settled examples only")

    out += ["", f"Stale decisions: {len(report.stale)}", f"Blocker misses: {len(report.misses)}"]
    if c.warnings:
        out += ["", "Warnings"] + [f"  - {clean(w, limit=120)}" for w in c.warnings]
    return "\n".join(out) + "\n"
