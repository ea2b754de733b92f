"""`curator audit`: where the data and the reviewers stand against the guideline in force.

One pass over the decision log (streamed one example at a time) collects the live decisions;
everything else is an aggregate query. Pure statistics live in curator.audit.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from curator.audit import (
    AuditReport,
    BenchmarkFile,
    BenchmarkHit,
    BenchmarkOverlap,
    Judged,
    Reviewed,
    RuleAudit,
    SourceCoverage,
    StaleDecision,
    Summary,
    coverage_from,
    decision_agreement,
    gold_summary,
    judge_agreement,
    reviewer_stats,
)
from curator.errors import InvalidInputError, NotFoundError
from curator.guidelines import GuidelineSet, rule_hash
from curator.models import Decision, User, utcnow
from curator.services import decisions as decisions_service
from curator.services import guideline_sync
from curator.services.audit_predictions import OnError, audit_predictions
from curator.services.decontamination import find_overlap, load_benchmarks
from curator.services.dedup import load_corpus
from curator.services.outcomes import live_decisions
from curator.services.sampling import latest_estimate
from curator.store import Store, audit_queries, guideline_store
from curator.store import gold_examples as gold_repo
from curator.store import suggestions as suggestions_repo

REOPEN_NOTE = "stale: the guideline changed since this decision"
MAX_COMMAND_IDS = 50  # beyond this a command line gets unwieldy; point at --reopen-stale


class LiveDecision(NamedTuple):
    """The few fields of a live decision the audit keeps in memory (a tuple, not a model)."""

    example_id: str
    reviewer: str
    kind: str
    verdict: str
    rules: tuple[str, ...]
    created_at: Any
    provenance: str = "read"  # "read", "suggested" (accepted a suggestion) or "propagated"
    suggestion_id: int | None = None


def _provenance(d: Decision) -> str:
    if d.via_cluster is not None:
        return "propagated"
    return "suggested" if d.suggestion_id is not None else "read"


def _fingerprints(snapshot: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
    """{rule_id: what a decision under this rule relied on}: its hash, and for a check the
    guideline's language and target model, which the check's config is filled in from."""
    out: dict[str, tuple[str, ...]] = {}
    for g in snapshot.get("guidelines", []):
        for r in g.get("rules", []):
            fp: tuple[str, ...] = (rule_hash(r),)
            if r.get("check"):
                fp += (str(g.get("language")), str(g.get("target_model")))
            out[r["id"]] = fp
    return out


def changed_rules(old: Mapping[str, Any], new: Mapping[str, Any]) -> set[str]:
    """Rule ids whose content differs between two snapshots; removed and added rules count too."""
    a, b = _fingerprints(old), _fingerprints(new)
    return {rid for rid in a.keys() | b.keys() if a.get(rid) != b.get(rid)}


@dataclass
class _Pass:
    """What one streamed pass over the decision log collects."""

    current: str | None
    changed: dict[str, set[str] | None]  # per decision version; None: snapshot unknown here
    flagged: dict[str, set[str]]  # example -> changed rules whose check flags it (current flags)
    live: list[LiveDecision] = field(default_factory=list)  # read and suggested: the reviewers' work
    all_live: list[LiveDecision] = field(default_factory=list)  # propagated too
    provenance: Counter[str] = field(default_factory=Counter)
    overlapping: list[LiveDecision] = field(default_factory=list)
    cited: Counter[str] = field(default_factory=Counter)
    verdicts: Counter[str] = field(default_factory=Counter)
    in_force: int = 0
    stale: list[StaleDecision] = field(default_factory=list)

    def add(self, example_id: str, history: list[Decision]) -> None:
        live, adjudication = live_decisions(history)
        counted = live + ([adjudication] if adjudication is not None else [])
        kept = [
            LiveDecision(d.example_id, d.reviewer, d.kind.value, d.verdict.value if d.verdict else "",
                         tuple(d.rules), d.created_at, _provenance(d), d.suggestion_id)
            for d in live
        ]
        self.provenance.update(k.provenance for k in kept)
        self.all_live.extend(kept)
        # A propagated decision was not read: it is no reviewer's work (pace, agreement).
        self.live.extend(k for k in kept if k.provenance != "propagated")
        # Agreement measures reviewers reading independently: an accepted suggestion agrees
        # with whoever else accepted it by construction.
        independent = [k for k in kept if k.provenance == "read"]
        if len(independent) > 1:
            self.overlapping.extend(independent)
        for d in counted:
            self.in_force += 1
            self.verdicts[d.verdict.value if d.verdict else ""] += 1
            self.cited.update(set(d.rules))
            reason = self._stale_reason(example_id, d)
            if reason:
                self.stale.append(StaleDecision(example_id=example_id, reason=reason, decision_id=d.id,
                                                reviewer=d.reviewer, guideline_version=d.guideline_version))

    def _stale_reason(self, example_id: str, d: Decision) -> str | None:
        version = d.guideline_version
        if not version or self.current is None or version == self.current:
            return None
        changed = self.changed.get(version)
        if changed is None:
            return f"made under guideline {version}, which this database never loaded: cannot tell what changed"
        cited = sorted(changed.intersection(d.rules))
        flagging = sorted((self.flagged.get(example_id, set()) & changed) - set(cited))
        parts = [f"cites changed rule {r}" for r in cited] + [f"changed rule {r} flags the example" for r in flagging]
        return "; ".join(parts) or None


def _snapshot(store: Store, version: str) -> dict[str, Any] | None:
    with store.read() as conn:
        text = guideline_store.snapshot_of(conn, version)
    return json.loads(text) if text else None


def _rule_audits(store: Store, gs: GuidelineSet | None, version: str | None, cited: Counter[str]) -> list[RuleAudit]:
    """Per rule in force (then any other cited rule): flagged, cited, approved anyway, misses."""
    rules = list(gs.rules) if gs else []
    blockers = [r.id for r in rules if r.severity.value == "blocker"]
    with store.read() as conn:
        counts = audit_queries.flag_counts(conn, version) if version else {}
        misses = audit_queries.approved_flagged(conn, version, blockers) if version else {}
    out = []
    for r in rules:
        flagged, approved = counts.get(r.id, (0, 0))
        out.append(RuleAudit(id=r.id, title=r.title, severity=r.severity.value, flagged=flagged, cited=cited[r.id],
                             approved_anyway=approved, misses=misses.get(r.id, [])))
    known = {r.id for r in rules}
    out += [RuleAudit(id=rid, cited=n) for rid, n in sorted(cited.items()) if rid not in known]
    return out


def _coverage(store: Store, gs: GuidelineSet | None) -> tuple[Any, dict[str, int]]:
    """Coverage by source with the guideline's balance asks, and examples per outcome."""
    with store.read() as conn:
        rows = audit_queries.source_outcomes(conn)
    by_source: dict[str, SourceCoverage] = {}
    outcomes: Counter[str] = Counter()
    for source, outcome, n in rows:
        sc = by_source.setdefault(source, SourceCoverage(source=source))
        sc.examples += n
        outcomes[outcome] += n
        if outcome in ("pending", "conflict", "approve", "negative", "reject"):
            setattr(sc, outcome, getattr(sc, outcome) + n)
    limits: dict[str, float] = {}
    if gs is not None:
        if gs.negatives_min_fraction is not None:
            limits["min_negative_share"] = gs.negatives_min_fraction
        maxima = [g.negatives.max_fraction for g in gs.guidelines if g.negatives.max_fraction is not None]
        if maxima:
            limits["max_negative_share"] = min(maxima)
    return coverage_from(list(by_source.values()), **limits), dict(sorted(outcomes.items()))


def _collect(store: Store, current: tuple[str, str] | None) -> _Pass:
    """Stream the decision log once: live decisions, citations, verdicts and stale decisions."""
    new = json.loads(current[1]) if current else None
    with store.read() as conn:
        used = audit_queries.guideline_versions_used(conn)
    changed: dict[str, set[str] | None] = {}
    for v in used:
        if current is None or v == current[0]:
            continue
        old = _snapshot(store, v)
        changed[v] = changed_rules(old, new) if old is not None and new is not None else None
    any_changed = set().union(*(c for c in changed.values() if c))
    with store.read() as conn:
        flagged = audit_queries.flags_by_example(conn, current[0], any_changed) if current and any_changed else {}
        state = _Pass(current=current[0] if current else None, changed=changed, flagged=flagged)
        for example_id, history in audit_queries.iter_histories(conn):
            state.add(example_id, history)
    return state


def benchmark_overlap(store: Store, paths: Sequence[str | os.PathLike[str]], *, field: str | None = None) -> BenchmarkOverlap:
    """Every example (any outcome, corrections applied) whose prompt matches an item of these
    benchmarks, by the checks `curator export --decontaminate` uses; nothing is removed."""
    benchmarks = load_benchmarks(paths, field=field)
    with load_corpus(store) as corpus:  # its scratch file goes when the overlap is found
        found = find_overlap(corpus.items, benchmarks).as_dict()
        hits = [BenchmarkHit(**hit, outcome=corpus.entries[hit["example"]].outcome) for hit in found.pop("list")]
    return BenchmarkOverlap(ngram=found["ngram"], benchmarks=[BenchmarkFile(**b) for b in found["benchmarks"]],
                            examples=found["examples"], hits=hits)


def run_audit(store: Store, *, predictions: Path | None = None, on_error: OnError | None = None,
              benchmarks: Sequence[str | os.PathLike[str]] = (), benchmark_field: str | None = None) -> AuditReport:
    """Audit the database against the guideline in force (and a model's replies, if given).

    Stale decisions are live decisions (and adjudications in force) made under an older
    guideline version in which a rule they cite, or a rule whose check flags their example now,
    differs from the version in force (removed and added rules count as changed). Decisions that
    record no guideline version are never stale: there is nothing to compare them with. Bad
    lines of the predictions file go to ``on_error`` (default: raised) and the rest is audited.
    With benchmarks, the report also lists the examples whose prompt matches a benchmark item.
    """
    overlap = benchmark_overlap(store, benchmarks, field=benchmark_field) if benchmarks else None
    with store.read() as conn:
        current = guideline_store.current(conn)
        examples = audit_queries.example_count(conn)
        outcomes = audit_queries.settled_outcomes(conn)
        gold = gold_repo.answers(conn)
    gs = guideline_sync.current(store)
    version = current[0] if current else None
    state = _collect(store, current)
    coverage, per_outcome = _coverage(store, gs)
    report = AuditReport(
        generated_at=utcnow(),
        summary=Summary(examples=examples, decisions=state.in_force, reviewers=len({d.reviewer for d in state.live}),
                        guideline_version=version, verdicts=dict(sorted(state.verdicts.items())), outcomes=per_outcome),
        rules=_rule_audits(store, gs, version, state.cited),
        stale=state.stale,
        coverage=coverage,
        agreement=decision_agreement(state.overlapping) if state.overlapping else None,
        reviewers=reviewer_stats(state.live, outcomes=outcomes, gold=gold) if state.live else None,
        gold=gold_summary(outcomes, gold) if gold else None,
        judges=_judges(store, state.all_live),
    )
    report.summary.provenance = {k: state.provenance.get(k, 0) for k in ("read", "suggested", "propagated")}
    if predictions is not None:
        if gs is None:
            raise NotFoundError("no guideline loaded, so no checks to run on predictions: run `curator guidelines load`")
        errors: list[str] = []

        def collect(exc: InvalidInputError) -> None:
            errors.append(str(exc))
            (on_error or _raise)(exc)

        report.predictions = audit_predictions(store, Path(predictions), gs, on_error=collect)
        report.predictions.errors = errors
    report.reopen_command = reopen_command(report)
    report.benchmarks = overlap
    report.sample = latest_estimate(store)
    return report


def _judges(store: Store, live: list[LiveDecision]) -> list[Any]:
    """Each model judge's agreement with the reviewers' decisions in force."""
    latest: dict[tuple[str, str], Judged] = {}
    model_of: dict[int, str] = {}
    with store.read() as conn:
        for s in suggestions_repo.iter_latest(conn):
            latest[(s.example_id, s.model)] = Judged(s.example_id, s.model, s.verdict.value, tuple(s.rules))
            model_of[int(s.id or 0)] = s.model
    if not latest:
        return []
    reviewed = [Reviewed(d.example_id, d.reviewer, d.verdict, d.rules, d.provenance == "propagated",
                         model_of.get(d.suggestion_id) if d.suggestion_id is not None else None) for d in live]
    return judge_agreement(latest.values(), reviewed)


def _raise(exc: Exception) -> None:
    raise exc


def stale_example_ids(report: AuditReport) -> list[str]:
    """Ids of the examples with a stale decision, each once, in report order."""
    return list(dict.fromkeys(s.example_id for s in report.stale))


def reopen_command(report: AuditReport) -> str | None:
    """The shell command that sends the stale examples back to the queue (None when none are)."""
    ids = stale_example_ids(report)
    if not ids:
        return None
    if len(ids) > MAX_COMMAND_IDS:
        return "curator audit --reopen-stale"
    return "curator reopen " + " ".join(ids)


def reopen_stale(store: Store, actor: User, example_ids: Iterable[str]) -> int:
    """Send exactly these stale examples back to the queue (leads only); returns how many."""
    ids = list(dict.fromkeys(example_ids))
    if not ids:
        return 0
    return decisions_service.reopen(store, actor, ids, note=REOPEN_NOTE)


__all__ = ["LiveDecision", "benchmark_overlap", "changed_rules", "reopen_command", "reopen_stale", "run_audit",
           "stale_example_ids"]
