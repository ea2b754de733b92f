"""The audit report as one self-contained HTML page: inline CSS and SVG, no scripts, no fetches.

The page is meant to be mailed and opened offline. Everything that comes from data (rule
titles, reviewer names, notes, example ids, source names) is conversation-adjacent and
untrusted, so it passes through ``esc``; a strict Content-Security-Policy backs that up.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from curator.audit.agreement import AgreementReport, Score
from curator.audit.report import AuditReport
from curator.audit.svg import bar_chart, esc, grouped_bars, heatmap

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
VERDICT_COLORS = {"approve": "#2f855a", "negative": "#c05621", "reject": "#c53030",
                  "pending": "#a0aec0", "conflict": "#6b46c1"}

_STYLE = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1a202c;margin:0;background:#f7fafc}
main{max-width:1060px;margin:0 auto;padding:24px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #cbd5e0}
h3{font-size:14px;margin:16px 0 6px}
.meta{color:#4a5568}.cards{display:flex;flex-wrap:wrap;gap:10px;margin:14px 0}
.card{background:#fff;border:1px solid #e2e8f0;border-radius:6px;padding:8px 14px}
.card b{display:block;font-size:20px}
table{border-collapse:collapse;background:#fff;margin:6px 0 10px}
th,td{border:1px solid #e2e8f0;padding:3px 8px;text-align:left;vertical-align:top}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
code{font:12px ui-monospace,monospace;word-break:break-all}
.warn{color:#9c4221}.flag{color:#9b2c2c}.none{color:#718096}
.charts{display:flex;flex-wrap:wrap;gap:24px}
svg.chart{font:12px system-ui,sans-serif;background:#fff;border:1px solid #e2e8f0;max-width:100%}
svg .small{font-size:10px}
figure{margin:6px 0}figcaption{font-size:12px;color:#4a5568;margin:0 0 2px}
"""


def _pct(value: float | None) -> str:
    return "\u2013" if value is None else f"{value:.0%}"


def _num(value: float | None, digits: int = 3) -> str:
    return "\u2013" if value is None else f"{value:.{digits}f}"


def _table(headers: Sequence[str], rows: Iterable[Sequence[str]], *, numeric: Sequence[int] = ()) -> str:
    """A table whose cells are already-escaped HTML; headers are escaped here."""
    head = "".join(f'<th{" class=n" if i in numeric else ""}>{esc(h)}</th>' for i, h in enumerate(headers))
    body = "".join(
        "<tr>" + "".join(f'<td{" class=n" if i in numeric else ""}>{c}</td>' for i, c in enumerate(row)) + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _score(score: Score) -> str:
    if score.value is not None:
        return esc(f"{score.value:.3f}")
    return f'<span class="none" title="{esc(score.reason or "")}">undefined</span>'


def _summary(report: AuditReport) -> str:
    s = report.summary
    cards = [("examples", s.examples), ("decisions", s.decisions), ("reviewers", s.reviewers),
             ("stale decisions", len(report.stale)), ("blocker misses", len(report.misses))]
    html = '<div class="cards">' + "".join(
        f'<div class="card"><b>{esc(v)}</b>{esc(k)}</div>' for k, v in cards) + "</div>"
    charts = []
    if s.verdicts:
        charts.append(bar_chart(list(s.verdicts.items()), title="Decisions by verdict",
                                colors=[VERDICT_COLORS.get(k, "#4c72b0") for k in s.verdicts]))
    if s.outcomes:
        charts.append(bar_chart(list(s.outcomes.items()), title="Examples by outcome",
                                colors=[VERDICT_COLORS.get(k, "#4c72b0") for k in s.outcomes]))
    if s.provenance.get("propagated") or s.provenance.get("suggested"):
        html += (f"<p class=meta>Decisions in force: {esc(s.provenance.get('read', 0))} read, "
                 f"{esc(s.provenance.get('suggested', 0))} accepting a model's suggestion, "
                 f"{esc(s.provenance.get('propagated', 0))} propagated from a cluster's representative "
                 "(not read; left out of reviewer figures and agreement).</p>")
    if charts:
        html += "<h3>Verdicts and outcomes</h3><div class=charts>" + "".join(charts) + "</div>"
    return html


def _rules(report: AuditReport) -> str:
    if not report.rules:
        return "<p class=none>No rules in the report.</p>"
    rows = [[f"<code>{esc(r.id)}</code>", esc(r.title), esc(r.severity), esc(r.flagged), esc(r.cited),
             esc(r.approved_anyway), esc(len(r.misses))] for r in report.rules]
    html = _table(["rule", "title", "severity", "flagged", "cited", "approved anyway", "misses"], rows,
                  numeric=(3, 4, 5, 6))
    html += grouped_bars(
        [r.id for r in report.rules],
        [("flagged by check", "#dd6b20", [r.flagged for r in report.rules]),
         ("approved anyway", "#2f855a", [r.approved_anyway for r in report.rules])],
        title="Per rule: examples flagged by its check and approved anyway",
    )
    misses = report.misses
    html += "<h3>Misses: blocker-flagged examples that were approved</h3>"
    if misses:
        html += _table(["rule", "example"], [[f"<code>{esc(r)}</code>", f"<code>{esc(e)}</code>"] for r, e in misses])
    else:
        html += "<p class=none>None.</p>"
    return html


def _agreement_row(name: str, a: AgreementReport) -> list[str]:
    percent = esc(_pct(a.percent.value)) if a.percent.value is not None else _score(a.percent)
    return [esc(name), esc(a.n_ratings), esc(a.n_raters), esc(a.n_pairable_items), percent,
            _score(a.fleiss_kappa), _score(a.krippendorff_alpha)]


def _agreement(report: AuditReport) -> str:
    section = report.agreement
    if section is None:
        return "<p class=none>Not computed.</p>"
    rows = [_agreement_row("verdict", section.verdict)]
    rows += [_agreement_row(f"rule {rule}", a) for rule, a in section.rules.items()]
    html = _table(["on", "ratings", "raters", "items with \u2265 2 ratings", "percent agreement",
                   "Fleiss' kappa", "Krippendorff's alpha"], rows, numeric=(1, 2, 3, 4, 5, 6))
    html += ("<p class=meta>Rule agreement compares, per decision, whether the rule was cited "
             "(present/absent). Undefined: no item has two ratings, or only one label occurs.</p>")
    verdict = section.verdict
    if verdict.confusion.n_values:
        html += "<h3>Verdict coincidences</h3>"
        html += heatmap(verdict.confusion.labels, verdict.confusion.matrix,
                        title="Verdict coincidence matrix: how often two reviewers' verdicts on one example pair up")
    if verdict.pairwise:
        html += "<h3>Pairs of reviewers (Cohen's kappa on shared examples)</h3>"
        html += _table(["reviewer A", "reviewer B", "shared", "percent", "Cohen's kappa"],
                       [[esc(p.rater_a), esc(p.rater_b), esc(p.n_items), esc(_pct(p.percent)),
                         esc(_num(p.kappa)) if p.kappa is not None
                         else f'<span class="none" title="{esc(p.reason or "")}">undefined</span>']
                        for p in verdict.pairwise], numeric=(2, 3, 4))
    return html


def _reviewers(report: AuditReport) -> str:
    section = report.reviewers
    if section is None or not section.reviewers:
        return "<p class=none>No reviewer decisions.</p>"
    people = section.reviewers
    rows = [[esc(r.reviewer), esc(r.decisions), esc(_num(r.median_seconds, 0)), esc(_pct(r.approval_rate)),
             esc(_pct(r.outcome_agreement)), esc(_pct(r.gold_accuracy)),
             "<br>".join(f'<span class="flag">{esc(f.message)}</span>' for f in r.flags)] for r in people]
    html = _table(["reviewer", "decisions", "median s between decisions", "approval rate",
                   "agreement with outcome", "gold accuracy", "flags"], rows, numeric=(1, 2, 3, 4, 5))
    charts = []
    agreeing = [(r.reviewer, r.outcome_agreement) for r in people if r.outcome_agreement is not None]
    if agreeing:
        charts.append(bar_chart(agreeing, title="Agreement with the settled outcome", scale_max=1.0, percent=True))
    approving = [(r.reviewer, r.approval_rate) for r in people if r.approval_rate is not None]
    if approving:
        charts.append(bar_chart(approving, title="Approval rate", scale_max=1.0, percent=True,
                                colors=[VERDICT_COLORS["approve"]]))
    if charts:
        html += "<div class=charts>" + "".join(charts) + "</div>"
    return html


def _coverage(report: AuditReport) -> str:
    c = report.coverage
    html = ""
    if c.sources:
        html += _table(["source", "examples", "decided", "pending", "conflict", "approve", "negative", "reject"],
                       [[esc(s.source), esc(s.examples), esc(s.decided), esc(s.pending), esc(s.conflict),
                         esc(s.approve), esc(s.negative), esc(s.reject)] for s in c.sources],
                       numeric=range(1, 8))
    html += (f"<p>Positives (approved) {esc(c.positives)}, negatives {esc(c.negatives)}, "
             f"negative share {esc(_pct(c.negative_share))}.</p>")
    if c.warnings:
        html += "<ul>" + "".join(f'<li class="warn">{esc(w)}</li>' for w in c.warnings) + "</ul>"
    return html


def _stale(report: AuditReport) -> str:
    if not report.stale:
        return "<p class=none>None.</p>"
    return _table(["decision", "example", "reviewer", "guideline", "reason", "note"],
                  [[esc(s.decision_id if s.decision_id is not None else "\u2013"), f"<code>{esc(s.example_id)}</code>",
                    esc(s.reviewer or "\u2013"), esc(s.guideline_version or "\u2013"), esc(s.reason), esc(s.note)]
                   for s in report.stale])


def _gold(report: AuditReport) -> str:
    g = report.gold
    if g is None:
        return "<p class=none>No gold answers.</p>"
    html = (f"<p>{esc(g.n_gold)} gold examples, {esc(g.n_settled)} settled, "
            f"outcome accuracy {esc(_pct(g.accuracy))}.</p>")
    if g.mismatches:
        html += _table(["example", "gold", "outcome"],
                       [[f"<code>{esc(m.example_id)}</code>", esc(m.gold), esc(m.outcome)] for m in g.mismatches])
    return html


def _predictions(report: AuditReport) -> str:
    p = report.predictions
    if p is None:
        return ""
    html = f"<h2>Predictions</h2><p>{esc(p.predictions)} predictions"
    html += f" from <code>{esc(p.file)}</code>.</p>" if p.file else ".</p>"
    if p.rules:
        html += _table(["rule", "title", "checked", "passed", "pass rate"],
                       [[f"<code>{esc(r.rule_id)}</code>", esc(r.title), esc(r.checked), esc(r.passed),
                         esc(_pct(r.pass_rate))] for r in p.rules], numeric=(2, 3, 4))
        html += bar_chart([(r.rule_id, r.pass_rate) for r in p.rules if r.pass_rate is not None],
                          title="Pass rate of the model's outputs per rule", scale_max=1.0, percent=True)
    if p.negatives:
        html += bar_chart([("closer to undesired", p.closer_to_undesired), ("closer to desired", p.closer_to_desired),
                           ("ties", p.ties)], title=f"Predictions on {p.negatives} negative examples",
                          colors=[VERDICT_COLORS["reject"], VERDICT_COLORS["approve"], VERDICT_COLORS["pending"]])
    return html


def _judges(report: AuditReport) -> str:
    if not report.judges:
        return ""
    html = ("<h2>Model judges</h2><p class=meta>Each model's suggestions against the reviewers' decisions made by "
            "reading (decisions that accepted a suggestion, or were propagated, are left out).</p>")
    html += _table(["model", "judged", "compared", "accepted", "percent agreement", "Cohen's kappa"],
                   [[esc(j.model), esc(j.suggestions), esc(j.compared), esc(j.accepted), esc(_pct(j.percent)),
                     esc(_num(j.kappa)) + (f" <span class=meta>{esc(j.reason)}</span>" if j.reason else "")] for j in report.judges],
                   numeric=(1, 2, 3, 4))
    rows = [[esc(j.model), f"<code>{esc(r.rule)}</code>", esc(r.true_positives), esc(r.false_positives), esc(r.false_negatives),
             esc(_pct(r.precision)), esc(_pct(r.recall))] for j in report.judges for r in j.rules]
    if rows:
        html += _table(["model", "rule", "both cited", "judge only", "reviewer only", "precision", "recall"], rows, numeric=(2, 3, 4, 5, 6))
    return html


def _benchmarks(report: AuditReport) -> str:
    b = report.benchmarks
    if b is None:
        return ""
    html = f"<h2>Benchmark overlap</h2><p>{esc(b.examples)} example(s) ask what a benchmark asks.</p>"
    html += _table(["benchmark", "items", "matched", "SHA-256"],
                   [[esc(f.file), esc(f.items), esc(f.matched_items), f"<code>{esc(f.sha256)}</code>"] for f in b.benchmarks],
                   numeric=(1, 2))
    if b.hits:
        html += _table(["example", "outcome", "benchmark", "item", "signals", "score"],
                       [[f"<code>{esc(h.example)}</code>", esc(h.outcome or "\u2013"), esc(h.benchmark), esc(h.item),
                         esc(", ".join(h.kinds)), esc(_num(h.score))] for h in b.hits], numeric=(5,))
    return html


def _sample(report: AuditReport) -> str:
    e = report.sample
    if e is None:
        return ""
    html = (f"<h2>Sample estimate</h2><p>Batch {esc(e.batch)}: {esc(e.size)} examples drawn {esc(e.strategy)} by "
            f"{esc(e.by)}; approval rate per stratum, {esc(e.method)}.</p>")
    html += _table(["stratum", "population", "sampled", "settled", "approved", "rate", "95% interval"],
                   [[esc(x.stratum), esc(x.population), esc(x.sampled), esc(x.settled), esc(x.approved), esc(_pct(x.rate)),
                     esc(f"{_pct(x.low)} – {_pct(x.high)}" if x.low is not None else "–")] for x in e.strata],
                   numeric=range(1, 6))
    if not e.complete:
        html += '<p class="warn">The sample is not fully reviewed yet: rates count the settled examples only.</p>'
    return html


def render_html(report: AuditReport) -> str:
    """The whole report as one offline HTML document."""
    when = report.generated_at.isoformat(timespec="seconds") if report.generated_at else ""
    guideline = report.summary.guideline_version
    meta = " \u00b7 ".join(x for x in (esc(when), f"guideline {esc(guideline)}" if guideline else "") if x)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="referrer" content="no-referrer">',
        f"<title>{esc(report.title)}</title><style>{_STYLE}</style></head><body><main>",
        f"<h1>{esc(report.title)}</h1><div class=meta>{meta}</div>",
        _summary(report),
        "<h2>Rules</h2>", _rules(report),
        "<h2>Agreement</h2>", _agreement(report),
        "<h2>Reviewers</h2>", _reviewers(report),
        "<h2>Coverage</h2>", _coverage(report),
        "<h2>Stale decisions</h2>", _stale(report),
        "<h2>Gold</h2>", _gold(report),
        _predictions(report),
        _judges(report),
        _benchmarks(report),
        _sample(report),
        "</main></body></html>",
    ]
    return "\n".join(parts) + "\n"
