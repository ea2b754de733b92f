"""Export: settled examples -> dedup -> decontamination -> grouped, stratified split -> contamination check -> files + manifest.

Deterministic: the same database, arguments and seed give byte-identical files, manifest.json
included. No wall-clock time is written anywhere (when an export was made is its folder's
modification time; how long it took is not part of the data). Rows follow import order within
each split; JSON keys are sorted.

Nothing destroyed, whole or nothing: services.export_dest decides what OUT_DIR may hold (a new
or empty folder, or a previous export with ``replace``), writes into a staging folder and moves
the files into place at the end; an error at any step leaves OUT_DIR as it was.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from curator.dedup.engine import IN_PROCESS, Engine
from curator.dedup.engines import engine_named
from curator.errors import ConflictError, InvalidInputError
from curator.export import (
    SPLITS,
    ExportRecord,
    build_record,
    check_formats,
    open_writer,
    write_manifest,
)
from curator.export.base import FormatWriter
from curator.export.messages import REASONS as FORMAT_REASONS
from curator.export.records import build_from_messages
from curator.models import Correction, Verdict
from curator.services.decontamination import Overlap, find_overlap, load_benchmarks
from curator.services.dedup import (
    EXPORTABLE,
    Corpus,
    DedupReport,
    load_corpus,
    representative_among,
    run_dedup,
)
from curator.services.export_dest import ExportDestination
from curator.services.guideline_sync import current_version
from curator.split import (
    KINDS,
    ContaminationReport,
    SplitFeatures,
    SplitItem,
    SplitResult,
    check_contamination,
    split,
)
from curator.store import Connection, Store, cluster_store
from curator.store import examples as examples_repo
from curator.store.cluster_store import ExportRow
from curator.store.jsontext import loads
from curator.tokens import DEFAULT_MODEL, count_many, known_models, model_info
from curator.tokens.stats import distribution, estimate_cost

DEDUP_SEED = 0  # clusters are a property of the data, not of the split: one seed for all exports
CONTAMINATION_NGRAM = 8  # words per n-gram, as in Tülu 3's decontamination
LISTED_PAIRS = 20  # contaminated pairs named in the error message
REGROUP_ROUNDS = 4  # splits tried while the contamination check still finds pairs
WRITE_BATCH = 2000
UNSETTLED = ("pending", "conflict")


def _select(corpus: Corpus, dedup: DedupReport) -> tuple[list[str], Counter[str]]:
    """Ids offered to the split (import order) and how many were left out, by reason."""
    left_out: Counter[str] = Counter({"unsettled": 0, "rejected": 0, "duplicate": 0, "benchmark": 0})
    dropped: set[str] = set()
    for cluster in dedup.result.clusters:
        keep = representative_among(cluster, corpus.entries, EXPORTABLE)
        dropped.update(m for m in cluster.members if m != keep and corpus.entries[m].outcome in EXPORTABLE)
    chosen = []
    for eid in corpus.ids:
        outcome = corpus.entries[eid].outcome
        if outcome in UNSETTLED:
            left_out["unsettled"] += 1
        elif outcome not in EXPORTABLE:
            left_out["rejected"] += 1
        elif eid in dropped:
            left_out["duplicate"] += 1
        else:
            chosen.append(eid)
    return chosen, left_out


def _split(corpus: Corpus, chosen: list[str], linked: dict[str, str], *, test_size: float, seed: int, group_by: str, threshold: float, stratify_field: str | None,
           features: SplitFeatures | None = None) -> SplitResult:
    if len(chosen) < 2:
        raise InvalidInputError(
            f"only {len(chosen)} settled, non-duplicate example(s) to export; a train/test split needs "
            "at least 2 — review more examples first",
            field="test_size",
        )
    items = [
        SplitItem(
            id=eid,
            messages=corpus.stored(eid),
            verdict=corpus.entries[eid].outcome,
            metadata={stratify_field: corpus.entries[eid].stratum} if stratify_field else {},
            cluster_id=linked.get(eid),
        )
        for eid in chosen
    ]
    return split(items, test_size=test_size, seed=seed, group_by=group_by, stratify_field=stratify_field, threshold=threshold, features=features)


def _contamination(corpus: Corpus, parts: SplitResult, *, threshold: float, seed: int, features: SplitFeatures | None = None) -> ContaminationReport:
    train = [(eid, corpus.stored(eid)) for eid in parts.train]
    test = [(eid, corpus.stored(eid)) for eid in parts.test]
    return check_contamination(train, test, ngram=CONTAMINATION_NGRAM, threshold=threshold, seed=seed, features=features)


def _decontaminate(corpus: Corpus, chosen: list[str], paths: Sequence[str | os.PathLike[str]], field: str | None, *, threshold: float) -> tuple[list[str], Overlap | None]:
    """chosen without the examples whose prompt matches a benchmark item (and what matched)."""
    if not paths:
        return chosen, None
    benchmarks = load_benchmarks(paths, field=field)
    overlap = find_overlap(corpus.subset(chosen), benchmarks, threshold=threshold, seed=DEDUP_SEED)
    removed = overlap.example_ids
    return [eid for eid in chosen if eid not in removed], overlap


def _link(linked: dict[str, str], report: ContaminationReport) -> None:
    """Merge the groups of every contaminated pair (labels: the group's smallest id)."""
    members: dict[str, set[str]] = {}
    for eid, label in linked.items():
        members.setdefault(label, set()).add(eid)
    for p in report.pairs:
        if p.test_id == p.train_id:
            continue
        a, b = linked.get(p.test_id, p.test_id), linked.get(p.train_id, p.train_id)
        if a == b:
            continue
        merged = members.pop(a, {a}) | members.pop(b, {b})
        label = min(merged)
        members[label] = merged
        for eid in merged:
            linked[eid] = label


def _split_clean(corpus: Corpus, chosen: list[str], *, test_size: float, seed: int, group_by: str, threshold: float, stratify_field: str | None,
                 engine: Engine | None = None) -> tuple[SplitResult, ContaminationReport, int]:
    """Split and check; while the check still finds pairs, keep each pair together and split again.

    Grouping applies the check's signals before the split, so one round is the rule. With
    group_by "none" nothing is grouped: the split is taken as it is and the check reports.
    Returns the split, the final check and the number of splits made. Each example's text is
    normalised and hashed once (SplitFeatures) for every grouping rule and every check.
    """
    linked: dict[str, str] = {}
    features = SplitFeatures(corpus.subset(chosen), seed=seed, threshold=threshold, ngram=CONTAMINATION_NGRAM, engine=engine or IN_PROCESS)
    for rounds in range(1, REGROUP_ROUNDS + 1):
        parts = _split(corpus, chosen, linked, test_size=test_size, seed=seed, group_by=group_by, threshold=threshold, stratify_field=stratify_field, features=features)
        report = _contamination(corpus, parts, threshold=threshold, seed=seed, features=features)
        if not report.pairs or group_by == "none":
            break
        if rounds < REGROUP_ROUNDS:
            _link(linked, report)
    return parts, report, rounds


def _refuse(report: ContaminationReport) -> ConflictError:
    shown = report.pairs[:LISTED_PAIRS]
    lines = [f"test {p.test_id} ~ train {p.train_id} ({p.kind} {p.score:.3f})" for p in shown]
    more = f"; and {len(report.pairs) - len(shown)} more" if len(report.pairs) > len(shown) else ""
    return ConflictError(
        f"the test split is contaminated: {len(report.pairs)} test/train pair(s) share text: "
        + "; ".join(lines) + more
        + ". Nothing was written. Reject or correct one side of each pair",
        setting="allow_contamination",
    )


class _Tally:
    """Rows per format, split and verdict, and the SFT token counts per split."""

    def __init__(self, names: Sequence[str]) -> None:
        self.by_format = {n: {s: {"rows": 0, "approve": 0, "negative": 0} for s in SPLITS} for n in names}
        self.by_split = {s: {"approve": 0, "negative": 0} for s in SPLITS}
        self.tokens: dict[str, list[int]] = {s: [] for s in SPLITS}
        self.to_count: dict[str, list[list[dict[str, Any]]]] = {s: [] for s in SPLITS}
        self.to_count_tools: dict[str, list[Any]] = {s: [] for s in SPLITS}
        self.sft: dict[str, int] = {s: 0 for s in SPLITS}
        # Rows a format could not hold (by reason) and record keys it had no place for.
        self.format_left_out: dict[str, dict[str, int]] = {}
        self.not_carried: dict[str, dict[str, int]] = {}

    def flush_tokens(self, split: str, *, force: bool = False) -> None:
        pending = self.to_count[split]
        if pending and (force or len(pending) >= WRITE_BATCH):
            self.tokens[split].extend(count_many(pending, tools=self.to_count_tools[split]))
            self.to_count[split], self.to_count_tools[split] = [], []


def _record(conn: Connection, row: ExportRow, messages: list[dict[str, Any]], verdict: Verdict, correction: Correction | None) -> ExportRecord:
    """The record of an export_rows row; only corrected rows pay for building (and validating) an Example.

    messages: the conversation compared, as the corpus holds it (read back from its scratch file).
    """
    if correction is not None:
        full = cluster_store.full_rows(conn, [row.id])[row.id]
        return build_record(examples_repo.row_to_example(full), verdict, correction)
    return build_from_messages(row.id, messages, verdict, tools=loads(row.tools), rejected=loads(row.rejected), metadata=loads(row.metadata, {}))


def _write(store: Store, root: Path, corpus: Corpus, parts: SplitResult, names: list[str], card: dict[str, Any]) -> _Tally:
    """Stream the chosen rows into every writer (each conversation read back from the corpus)."""
    side = {eid: "train" for eid in parts.train} | {eid: "test" for eid in parts.test}
    tally = _Tally(names)
    writers: dict[str, FormatWriter] = {}
    try:
        for name in names:
            writers[name] = open_writer(name, root, card=card)
        with store.read() as conn:
            encoding = model_info(DEFAULT_MODEL).encoding  # the counts the manifest reports
            for row in cluster_store.export_rows(conn, EXPORTABLE, batch=WRITE_BATCH, tokens_in=(encoding, encoding)):
                eid = row.id
                where = side.get(eid)
                if where is None:
                    continue
                entry = corpus.entries[eid]
                verdict = Verdict(entry.outcome)
                record = _record(conn, row, corpus.messages(eid), verdict, corpus.corrections.get(eid))
                tally.by_split[where][verdict.value] += 1
                for name, writer in writers.items():
                    added = writer.add(where, record)
                    if added:
                        counts = tally.by_format[name][where]
                        counts["rows"] += added
                        counts[verdict.value] += 1
                if record.messages is not None:
                    tally.sft[where] += 1
                    if not record.corrected and row.tokens is not None:
                        tally.tokens[where].append(int(row.tokens))
                    else:
                        tally.to_count[where].append(record.messages)
                        tally.to_count_tools[where].append(record.tools)
                        tally.flush_tokens(where)
        for s in SPLITS:
            tally.flush_tokens(s, force=True)
        for name, writer in writers.items():
            writer.close()
            tally.format_left_out[name] = dict(sorted(writer.left_out.items()))
            tally.not_carried[name] = dict(sorted(writer.not_carried.items()))
    except BaseException:
        for writer in writers.values():
            writer.abort()
        raise
    return tally


def _token_report(tally: _Tally) -> tuple[dict[str, Any], dict[str, Any]]:
    """Token distribution per split, and the training cost of the train split per model."""
    default = model_info(DEFAULT_MODEL)
    tokens = {"model": default.name, "encoding": default.encoding, **{s: distribution(tally.tokens[s]) for s in SPLITS}}
    cost = {}
    for info in known_models():
        # Counts are in the default model's encoding; a model on another tokenizer would need
        # every conversation encoded again, so it is named but not estimated.
        if info.encoding != default.encoding:
            cost[info.name] = {"estimated": False, "reason": f"uses {info.encoding}; counts are {default.encoding}"}
            continue
        estimate = asdict(estimate_cost(tally.tokens["train"], model=info.name))
        if estimate["usd"] is not None:
            estimate["usd"] = round(estimate["usd"], 6)
        cost[info.name] = {"estimated": True, **estimate}
    return tokens, cost


def _pair_dict(p: Any) -> dict[str, Any]:
    return {"test": p.test_id, "train": p.train_id, "kind": p.kind, "score": round(p.score, 6), "shared": p.shared}


def export(
    store: Store,
    out_dir: str | Path,
    *,
    formats: Sequence[str] = ("openai",),
    test_size: float = 0.1,
    seed: int = 0,
    group_by: str = "prompt",
    threshold: float = 0.8,
    allow_contamination: bool = False,
    stratify_field: str | None = None,
    decontaminate: Sequence[str | os.PathLike[str]] = (),
    decontaminate_field: str | None = None,
    replace: bool = False,
    on_note: Callable[[str], None] | None = None,
    engine: str | Engine | None = None,
    ray_address: str | None = None,
) -> dict[str, Any]:
    """Write OUT_DIR/<format>/{train,test}.jsonl (hf: a saved DatasetDict) and manifest.json; return the manifest.

    OUT_DIR is new or empty, or with ``replace`` a previous export whose own files are replaced
    (anything else there is kept). ``on_note`` hears what the destination kept or cleaned up.
    decontaminate: benchmark files; every example whose prompt matches one of their items is
    left out of both splits (decontaminate_field names the items' prompt field when it is not
    detected). engine: where near-duplicate detection and the split's features run:
    "in-process" (the default), "ray" (on the cluster at ray_address, else $RAY_ADDRESS, else a
    local Ray) or an Engine. The files are the same on any engine, so the manifest does not
    name it.
    """
    names = check_formats(list(formats))
    destination = ExportDestination(out_dir, replace=replace, protect=store.files())
    destination.check()  # before the work: a refused folder costs nothing
    arguments = {
        "formats": names,
        "test_size": test_size,
        "seed": seed,
        "group_by": group_by,
        "threshold": threshold,
        "allow_contamination": allow_contamination,
        "stratify_field": stratify_field,
        "decontaminate": [str(p) for p in decontaminate],
        "decontaminate_field": decontaminate_field,
    }
    if decontaminate:
        load_benchmarks(decontaminate, field=decontaminate_field)  # a bad benchmark fails before any work
    with engine_named(engine, address=ray_address) as chosen:
        corpus = load_corpus(store, stratify_field=stratify_field)
        try:
            return _export_corpus(store, corpus, destination, names, arguments, test_size=test_size, seed=seed, group_by=group_by, threshold=threshold,
                                  allow_contamination=allow_contamination, stratify_field=stratify_field, decontaminate=decontaminate,
                                  decontaminate_field=decontaminate_field, engine=chosen, on_note=on_note)
        finally:
            corpus.close()  # its scratch file goes, whatever happened


def _export_corpus(store: Store, corpus: Corpus, destination: ExportDestination, names: list[str], arguments: dict[str, Any], *, test_size: float, seed: int,
                   group_by: str, threshold: float, allow_contamination: bool, stratify_field: str | None,
                   decontaminate: Sequence[str | os.PathLike[str]], decontaminate_field: str | None, engine: Engine,
                   on_note: Callable[[str], None] | None) -> dict[str, Any]:
    """export() once the corpus is read."""
    dedup = run_dedup(store, threshold=threshold, seed=DEDUP_SEED, corpus=corpus, engine=engine)
    chosen, left_out = _select(corpus, dedup)
    chosen, overlap = _decontaminate(corpus, chosen, decontaminate, decontaminate_field, threshold=threshold)
    left_out["benchmark"] = len(overlap.example_ids) if overlap else 0
    parts, report, rounds = _split_clean(corpus, chosen, test_size=test_size, seed=seed, group_by=group_by, threshold=threshold, stratify_field=stratify_field, engine=engine)
    if report.pairs and not allow_contamination:
        raise _refuse(report)
    version = current_version(store)
    card = {"seed": seed, "test_size": test_size, "group_by": group_by, "threshold": threshold, "guideline_version": version}
    with destination.writing() as root:
        tally = _write(store, root, corpus, parts, names, card)
        uncorrected = sum(1 for eid in chosen if corpus.entries[eid].outcome == "negative" and eid not in corpus.corrections)
        tokens, cost = _token_report(tally)
        s = parts.stats
        manifest = {
            "arguments": arguments,
            "seed": seed,
            "guideline_version": version,
            "counts": {
                "examples": len(corpus.entries),
                "exported": len(chosen),
                "train": len(parts.train),
                "test": len(parts.test),
                "by_split": tally.by_split,
                "by_format": tally.by_format,
                "sft": tally.sft,
            },
            "left_out": {**dict(sorted(left_out.items())), "uncorrected_negative": uncorrected},
            "left_out_notes": {
                "unsettled": "pending or in conflict: no settled verdict yet",
                "rejected": "settled as reject",
                "duplicate": "an exact or near duplicate of the example exported from its cluster",
                "benchmark": "its prompt matches an item of a benchmark named to decontaminate against",
                "uncorrected_negative": "negative without a correction: in KTO (as undesired), not in SFT files",
                **FORMAT_REASONS,
            },
            "left_out_by_format": tally.format_left_out,
            "not_carried_by_format": tally.not_carried,
            "dedup": dedup.stats(),
            "split": {
                "target_test": s.target_test,
                "test": s.test,
                "target_fraction": test_size if isinstance(test_size, float) else round(test_size / s.n, 6),
                "test_fraction": round(s.test_fraction, 6),
                "groups": s.groups,
                "grouped_items": s.grouped_items,
                "largest_group": s.largest_group,
                # "cluster": the pairs an earlier round's check found (the only cluster ids given)
                "pulled_together": {("contamination" if rule == "cluster" else rule): k for rule, k in s.pulled.items()},
                "first_turn": {
                    "limit": s.first_turn_limit,
                    "common": s.common_first_turns,
                    "common_examples": s.common_first_turn_examples,
                },
                "strata": s.strata,
                "warnings": list(s.warnings),
            },
            "contamination": {
                "ngram": CONTAMINATION_NGRAM,
                "threshold": threshold,
                "signals": list(KINDS),
                "pairs": len(report.pairs),
                "by_signal": report.stats.by_kind,
                "rounds": rounds,
                "allowed": allow_contamination,
                "common_limit": report.stats.common_limit,
                "coverage_limit": report.stats.coverage_limit,
                "common_ngrams": report.stats.common_ngrams,
                "short_test": report.stats.short_test,
                "contaminated_test": len(report.contaminated),
                "list": [_pair_dict(p) for p in report.pairs],
            },
            "decontamination": overlap.as_dict() if overlap else None,
            "tokens": tokens,
            "cost": cost,
        }
        written = write_manifest(root, manifest)
    if on_note is not None:
        _notes(destination, on_note)
    return written


def _notes(destination: ExportDestination, note: Callable[[str], None]) -> None:
    if destination.cleaned:
        note(f"removed {len(destination.cleaned)} temporary folder(s) left by an interrupted export")
    if destination.replaced:
        note(f"replaced the {destination.replaced} file(s) of the previous export")
    if destination.kept:
        shown = ", ".join(destination.kept[:10]) + (f" and {len(destination.kept) - 10} more" if len(destination.kept) > 10 else "")
        note(f"kept {len(destination.kept)} entr{'y' if len(destination.kept) == 1 else 'ies'} curator did not write: {shown}")
