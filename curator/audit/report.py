"""The audit report: one serialisable model that the JSON, text and HTML outputs all render."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from curator.audit.agreement import AgreementSection
from curator.audit.estimate import SampleEstimate
from curator.audit.judges import JudgeAgreement
from curator.audit.reviewers import GoldSummary, ReviewerSection
from curator.errors import InvalidInputError

# strict: a misspelt field in the service that fills the report fails loudly, not silently
_STRICT = ConfigDict(extra="forbid")
REPORT_VERSION = 1


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


class Summary(BaseModel):
    """Headline counts: examples, decisions, and how verdicts and outcomes are distributed."""

    model_config = _STRICT
    examples: int = 0
    decisions: int = 0
    reviewers: int = 0
    guideline_version: str | None = None
    verdicts: dict[str, int] = Field(default_factory=dict)  # decisions per verdict
    outcomes: dict[str, int] = Field(default_factory=dict)  # examples per outcome, pending included
    # Reviewers' decisions in force by where they came from: "read" (the reviewer read the
    # example), "suggested" (read, and accepted a model's suggestion), "propagated" (copied from
    # a cluster representative's decision, not read). Only read and suggested decisions enter
    # reviewer figures; only read ones enter inter-annotator agreement.
    provenance: dict[str, int] = Field(default_factory=dict)


class RuleAudit(BaseModel):
    """How one guideline rule fared: checks that flagged, reviewers who cited, approvals anyway."""

    model_config = _STRICT
    id: str
    title: str = ""
    severity: str = ""
    flagged: int = 0  # examples its automated check flagged
    cited: int = 0  # decisions that name the rule as violated
    approved_anyway: int = 0  # flagged examples whose outcome is approve
    misses: list[str] = Field(default_factory=list)  # blocker-flagged examples approved anyway

    @property
    def approved_share(self) -> float | None:
        return _share(self.approved_anyway, self.flagged)


class StaleDecision(BaseModel):
    """A decision made under an older guideline (or otherwise outdated), with the reason."""

    model_config = _STRICT
    example_id: str
    reason: str
    decision_id: int | None = None
    reviewer: str | None = None
    guideline_version: str | None = None
    note: str = ""


class SourceCoverage(BaseModel):
    """Progress of one import source: settled, pending and conflicting examples."""

    model_config = _STRICT
    source: str
    examples: int = 0
    pending: int = 0
    conflict: int = 0
    approve: int = 0
    negative: int = 0
    reject: int = 0

    @property
    def decided(self) -> int:
        return self.approve + self.negative + self.reject


class Coverage(BaseModel):
    """Coverage by source and the balance of positive (approve) and negative examples."""

    model_config = _STRICT
    sources: list[SourceCoverage] = Field(default_factory=list)
    positives: int = 0
    negatives: int = 0
    warnings: list[str] = Field(default_factory=list)

    @property
    def negative_share(self) -> float | None:
        return _share(self.negatives, self.positives + self.negatives)


def coverage_from(
    sources: list[SourceCoverage],
    *,
    min_negative_share: float = 0.05,
    max_negative_share: float = 0.5,
) -> Coverage:
    """Totals and warnings (pending, conflicts, untouched sources, skewed balance) per source."""
    positives = sum(s.approve for s in sources)
    negatives = sum(s.negative for s in sources)
    warnings = []
    for s in sources:
        if s.examples and not s.decided:
            warnings.append(f"source {s.source!r}: none of its {s.examples} examples is settled")
        if s.conflict:
            warnings.append(f"source {s.source!r}: {s.conflict} examples wait for a lead to settle a conflict")
    pending = sum(s.pending for s in sources)
    if pending:
        warnings.append(f"{pending} examples are still pending review")
    share = _share(negatives, positives + negatives)
    if share is not None and share < min_negative_share and positives:
        warnings.append(
            f"negatives are {share:.0%} of settled training examples (under {min_negative_share:.0%}): "
            "the model sees few examples of what not to do"
        )
    if share is not None and share > max_negative_share:
        warnings.append(
            f"negatives are {share:.0%} of settled training examples (over {max_negative_share:.0%}): "
            "fewer approved examples than negatives"
        )
    return Coverage(sources=sources, positives=positives, negatives=negatives, warnings=warnings)


class RulePassRate(BaseModel):
    """How often a model's outputs pass one rule's automated check."""

    model_config = _STRICT
    rule_id: str
    title: str = ""
    checked: int = 0
    passed: int = 0

    @property
    def pass_rate(self) -> float | None:
        return _share(self.passed, self.checked)


class PredictionAudit(BaseModel):
    """A model's outputs checked against the rules and compared with negatives' two replies."""

    model_config = _STRICT
    file: str | None = None
    predictions: int = 0
    rules: list[RulePassRate] = Field(default_factory=list)
    negatives: int = 0  # predictions on negative examples with a desired (corrected) reply
    closer_to_undesired: int = 0
    closer_to_desired: int = 0
    ties: int = 0
    errors: list[str] = Field(default_factory=list)  # bad lines (file:line field: reason), skipped


class BenchmarkFile(BaseModel):
    """A benchmark the data was compared with."""

    model_config = _STRICT
    file: str
    path: str
    sha256: str
    field: str
    items: int = 0
    matched_items: int = 0


class BenchmarkHit(BaseModel):
    """An example whose prompt matches a benchmark item, and how (the contamination check's prompt signals)."""

    model_config = _STRICT
    example: str
    benchmark: str
    item: str
    kinds: list[str] = Field(default_factory=list)
    score: float = 0.0
    outcome: str | None = None  # the example's outcome: pending, approve, negative...


class BenchmarkOverlap(BaseModel):
    """Examples that ask what a benchmark asks; an export with --decontaminate leaves them out."""

    model_config = _STRICT
    ngram: int = 8
    benchmarks: list[BenchmarkFile] = Field(default_factory=list)
    examples: int = 0
    hits: list[BenchmarkHit] = Field(default_factory=list)


class AuditReport(BaseModel):
    """Everything `curator audit` found; `to_json()` is what `--json` prints."""

    model_config = _STRICT
    version: int = REPORT_VERSION
    title: str = "curator audit"
    generated_at: datetime | None = None
    summary: Summary = Field(default_factory=Summary)
    rules: list[RuleAudit] = Field(default_factory=list)
    stale: list[StaleDecision] = Field(default_factory=list)
    reopen_command: str | None = None  # the shell command that sends the stale examples back
    coverage: Coverage = Field(default_factory=Coverage)
    agreement: AgreementSection | None = None
    reviewers: ReviewerSection | None = None
    gold: GoldSummary | None = None
    predictions: PredictionAudit | None = None
    benchmarks: BenchmarkOverlap | None = None
    sample: SampleEstimate | None = None  # approval rate per source from the latest `curator sample`
    judges: list[JudgeAgreement] = Field(default_factory=list)  # model judges against the reviewers

    def to_json(self, *, indent: int | None = 2) -> str:
        """The report as JSON text."""
        return self.model_dump_json(indent=indent)

    @classmethod
    def from_json(cls, text: str | bytes) -> AuditReport:
        """Read a report written by `to_json`."""
        try:
            return cls.model_validate_json(text)
        except ValidationError as exc:
            raise InvalidInputError(f"not an audit report: {exc.errors()[0]['msg']}") from exc

    @property
    def misses(self) -> list[tuple[str, str]]:
        """(rule id, example id) of every blocker-flagged example that was approved anyway."""
        return [(rule.id, example) for rule in self.rules for example in rule.misses]
