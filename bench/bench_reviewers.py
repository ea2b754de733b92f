"""Many reviewers at once: claim and decide as fast as they can, then check the decision log.

Each reviewer runs the review page's loop through the service layer: ``queue.deal`` (the
page run that tops up and renews their claims and reports claims lost), then one intent
through ``review.apply`` answering the current claim by its token: mostly approve, some
rejects (with a rule) and negatives, now and then a skip or an undo. Every decision carries
a unique note, so the log can be checked against what each reviewer was told.

Every reviewer has its own engine (its own connection). ``--workers processes`` (the default)
runs them in OS processes: one per reviewer, or spread as threads over ``--processes N``, the
way app processes serve their sessions on threads. Processes give true parallelism and no
shared Python state, so the only thing keeping reviewers apart is the database; a few of them
rather than one per reviewer keep 50 interpreters from spending two cores switching between
themselves. ``--workers threads`` runs them all in this process (what the short test in tests/
uses: quick to start; the GIL then serialises their Python, not their database work).
A monitor reads every live claim in one snapshot a few times a second while they work.

Afterwards, against the decision log:
- lost: a decision the reviewer was told succeeded is not in the log (or not as told);
- duplicated: one reviewer has two decisions on one example without a retraction between;
- double-claimed: more reviewers held an example at once than the overlap allows (monitor),
  or a decision was recorded while ``overlap`` other reviewers' decisions already counted;
- wrong undo: an undo took back something other than the reviewer's last action, or a
  decision was retracted that no undo reported;
- outcomes: each example's stored outcome and decision count equal settling its history again.

Usage:
  python bench/bench_reviewers.py --db postgres --reviewers 50 --seconds 60 --processes 2
  python bench/bench_reviewers.py --db sqlite --reviewers 8 --seconds 60
(``--pg-url`` names the server: a scratch database is created on it and dropped afterwards.)
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import random
import re
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from curator.models import DecisionKind, User, UserRole, canonical_json, utcnow
from curator.services import decisions as decisions_service
from curator.services import queue, review
from curator.services.outcomes import settle
from curator.services.users import add_user
from curator.store import Store
from curator.store import decisions as decisions_repo
from curator.store import users as users_repo
from curator.store.claims import FIRST_RANK
from curator.store.schema import claims, examples

PG_URL = os.environ.get("CURATOR_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
DECIDE = ("approve", "reject", "negative")
_UNDID = re.compile(r"Undid your (\w+) of example (\d+)")


@dataclass
class Mix:
    """How often a reviewer does what, per card (the rest are approves)."""

    skip: float = 0.04
    undo: float = 0.04
    reject: float = 0.08
    negative: float = 0.06
    think: float = 0.0  # seconds a reviewer reads each card before acting (0: as fast as it can)
    # Past ``seconds``, keep working until this many decisions are made (at most 20x longer): the
    # tests' short form checks races, not speed, so a loaded machine must not leave it idle.
    min_decisions: int = 0


@dataclass
class ReviewerLog:
    """What one reviewer did and was told."""

    name: str
    decided: list[dict[str, Any]] = field(default_factory=list)  # note, example_id, verdict, told ok
    undone_notes: list[str] = field(default_factory=list)  # decisions an undo reported taking back
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))  # seconds
    refused: Counter = field(default_factory=Counter)  # notices of kind "error", by action
    lost_claims: list[str] = field(default_factory=list)  # claims the page would report lost
    wrong_undo: list[str] = field(default_factory=list)
    empty: int = 0  # page runs that found the queue empty
    errors: list[str] = field(default_factory=list)  # exceptions (StorageError, deadlocks...)


# --- the data -------------------------------------------------------------------------------
def _rows(n: int) -> Iterator[list[dict[str, Any]]]:
    now = utcnow()
    for start in range(0, n, 5000):
        batch = []
        for i in range(start, min(n, start + 5000)):
            msgs = [
                {"content": "You are Tally, Tallybook's support assistant.", "role": "system"},
                {"content": f"Question {i}: how do I export invoice {i} as a PDF?", "role": "user"},
                {"content": f"Open invoice {i}, choose Export, then PDF.", "role": "assistant"},
            ]
            batch.append({
                "id": f"load{i:016d}", "messages": canonical_json(msgs), "tools": None, "rejected": None, "metadata": "{}",
                "source_name": "load.jsonl", "source_file": "load.jsonl", "source_line": i + 1, "source_format": "openai",
                "n_messages": 3, "tokens": 40, "warnings": "[]", "created_at": now,
            })
        yield batch


def populate(store: Store, *, examples_n: int, reviewers: int, overlap: int) -> list[str]:
    """``examples_n`` pending examples, the reviewers r00.., a lead who set the overlap."""
    with store.write() as conn:
        for batch in _rows(examples_n):
            conn.execute(examples.insert(), batch)
        conn.execute(examples.update().values(queue_rank=examples.c.seq))  # the import's order, as an import ranks them
    lead = add_user(store, "lead", UserRole.LEAD)
    decisions_service.set_overlap(store, lead, overlap)
    names = [f"r{i:02d}" for i in range(reviewers)]
    for name in names:
        add_user(store, name, UserRole.REVIEWER)
    return names


@contextmanager
def scratch_database(kind: str, *, pg_url: str = PG_URL, folder: Path | None = None) -> Iterator[str]:
    """A fresh database URL: a SQLite file in ``folder``, or a PostgreSQL database dropped afterwards."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(dir=folder) as tmp:
            yield f"sqlite:///{Path(tmp) / 'load.db'}"
        return
    name = f"curator_load_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield pg_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


# --- one reviewer ---------------------------------------------------------------------------
def _intent(action: str, claim: queue.Claim, note: str) -> dict[str, Any]:
    intent: dict[str, Any] = {"action": action, "example_id": claim.example.id, "token": claim.token, "note": note}
    if action == "reject":
        intent["rules"] = ["R1"]
    elif action == "negative":
        intent["reply"] = f"A better answer ({note})"
    return intent


def review_loop(store: Store, user: User, *, seconds: float, mix: Mix, seed: int) -> ReviewerLog:
    """The review page's loop for one reviewer, for ``seconds``."""
    log = ReviewerLog(user.name)
    rng = random.Random(seed)
    shown: tuple[tuple[str, str, int], ...] = ()
    cursor = FIRST_RANK
    done: list[tuple[str, int, str | None]] = []  # own actions an undo may take back: (verb, seq, note)
    k = 0
    stop_at = time.perf_counter() + seconds
    give_up_at = time.perf_counter() + 20 * seconds
    while time.perf_counter() < stop_at or (len(log.decided) < mix.min_decisions and time.perf_counter() < give_up_at):
        try:
            t0, c0 = time.perf_counter(), time.thread_time()
            hand = queue.deal(store, user, after_rank=cursor, shown=shown)  # as the page calls it
            log.latencies["deal"].append(time.perf_counter() - t0)
            log.latencies["deal (client CPU)"].append(time.thread_time() - c0)
            log.lost_claims += hand.lost
            held = [c for c in (hand.current, hand.next) if c is not None]
            shown = tuple((c.example.id, c.token, c.seq) for c in held)
            if held:
                cursor = held[-1].rank
            roll = rng.random()
            if roll < mix.undo and done:
                t0 = time.perf_counter()
                notice = review.apply(store, user, {"action": "undo"})
                log.latencies["undo"].append(time.perf_counter() - t0)
                shown = ()  # as the page does: the reviewer moved on purpose
                verb, seq, note = done.pop()
                got = _UNDID.match(notice.text)
                if notice.kind != "ok" or got is None or (got.group(1) == "skip") != (verb == "skip") or int(got.group(2)) != seq:
                    log.wrong_undo.append(f"expected to undo {verb} of {seq}, told {notice.kind}: {notice.text}")
                elif note is not None:
                    log.undone_notes.append(note)
                continue
            claim = hand.current
            if claim is None:
                log.empty += 1
                time.sleep(0.05)
                continue
            if mix.think:
                time.sleep(rng.uniform(0.5, 1.5) * mix.think)
            if roll < mix.undo + mix.skip:
                action = "skip"
            elif roll < mix.undo + mix.skip + mix.reject:
                action = "reject"
            elif roll < mix.undo + mix.skip + mix.reject + mix.negative:
                action = "negative"
            else:
                action = "approve"
            k += 1
            note = f"{user.name}#{k}"
            t0, c0 = time.perf_counter(), time.thread_time()
            notice = review.apply(store, user, _intent(action, claim, note))
            kind = "decide" if action in DECIDE else action
            log.latencies[kind].append(time.perf_counter() - t0)
            log.latencies[f"{kind} (client CPU)"].append(time.thread_time() - c0)
            if notice.kind != "ok":
                log.refused[action] += 1
                log.errors.append(f"{action} of {claim.seq} refused: {notice.text}")
                continue
            shown = tuple(s for s in shown if s[0] != claim.example.id)  # as the page does: let go on purpose
            if action == "skip":
                done.append(("skip", claim.seq, None))
            else:
                log.decided.append({"note": note, "example_id": claim.example.id, "verdict": action})
                done.append((action, claim.seq, note))
        except Exception as exc:  # noqa: BLE001 - every failure is a finding, reported below
            log.errors.append(f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")
    return log


def _reviewer(url: str, name: str, seconds: float, mix: Mix, seed: int, barrier: Any, results: Any) -> None:
    """One reviewer with its own engine: wait for the others to be ready, work, report."""
    store = Store(url, upgrade=False)
    try:
        with store.read() as conn:
            user = users_repo.get_by_name(conn, name)
        queue.today_count(store, user)  # connect before the start: the run measures work, not connecting
        barrier.wait()
        log = review_loop(store, user, seconds=seconds, mix=mix, seed=seed)
    finally:
        store.close()
    results.put({**{f: getattr(log, f) for f in ("name", "decided", "undone_notes", "lost_claims", "wrong_undo", "empty", "errors")},
                 "latencies": dict(log.latencies), "refused": dict(log.refused)})


def _app_process(group: list[tuple[Any, ...]]) -> None:
    """One OS process serving some of the reviewers, each on a thread, as an app process serves its sessions."""
    if len(group) == 1:
        _reviewer(*group[0])
        return
    threads = [threading.Thread(target=_reviewer, args=args) for args in group]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


# --- the monitor: live claims in one snapshot -----------------------------------------------
def watch_claims(url: str, *, overlap: int, stop_at: float, every: float = 0.2) -> dict[str, Any]:
    """Read every live claim at once until ``stop_at``; report examples held beyond the overlap."""
    engine = sa.create_engine(Store(url, upgrade=False).engine.url)
    over: list[str] = []
    snapshots = 0
    held_max = 0
    try:
        while time.time() < stop_at:
            with engine.connect() as conn:
                if engine.dialect.name == "postgresql":
                    conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                now = utcnow()
                stmt = (
                    sa.select(claims.c.example_id, sa.func.count())
                    .where(claims.c.skipped.is_(False), claims.c.expires_at > now)
                    .group_by(claims.c.example_id)
                )
                counts = conn.execute(stmt).all()
                conn.rollback()
            snapshots += 1
            held_max = max([held_max, *(int(c) for _, c in counts)])
            over += [f"{eid} held by {c} reviewers at once" for eid, c in counts if c > overlap]
            time.sleep(every)
    finally:
        engine.dispose()
    return {"snapshots": snapshots, "held_max": held_max, "over": over}


# --- the run ---------------------------------------------------------------------------------
def run_load(url: str, *, reviewers: int, seconds: float, examples_n: int, overlap: int = 1,
             workers: str = "processes", processes: int | None = None, mix: Mix | None = None, seed: int = 13) -> dict[str, Any]:
    """Populate ``url``, let the reviewers work for ``seconds``, check the log; the report."""
    mix = mix or Mix()
    store = Store(url)
    names = populate(store, examples_n=examples_n, reviewers=reviewers, overlap=overlap)
    if workers == "processes":
        ctx: Any = mp.get_context("spawn")
        barrier, results = ctx.Barrier(len(names) + 1), ctx.Queue()
        p = min(processes or len(names), len(names))
        groups = [[(url, name, seconds, mix, seed * 1000 + i, barrier, results) for i, name in enumerate(names) if i % p == g] for g in range(p)]
        runners = [ctx.Process(target=_app_process, args=(group,)) for group in groups]
    else:
        barrier, results = threading.Barrier(len(names) + 1), _ListQueue()
        runners = [threading.Thread(target=_reviewer, args=(url, name, seconds, mix, seed * 1000 + i, barrier, results)) for i, name in enumerate(names)]
    for r in runners:
        r.start()
    barrier.wait(timeout=600)  # every reviewer connected: go
    monitor = watch_claims(url, overlap=overlap, stop_at=time.time() + seconds)
    logs = [results.get(timeout=600) for _ in names]
    for r in runners:
        r.join()
    anomalies = check(store, logs, overlap=overlap, monitor=monitor)
    store.close()
    return report(logs, anomalies, seconds=seconds, monitor=monitor, dialect=store.dialect, think=mix.think,
                  reviewers=reviewers, overlap=overlap, workers=workers, examples_n=examples_n,
                  processes=(min(processes or reviewers, reviewers) if workers == "processes" else 1))


class _ListQueue:
    """queue.Queue's put/get for threads (the name queue is the service here)."""

    def __init__(self) -> None:
        import queue as stdlib_queue

        self._q: Any = stdlib_queue.Queue()

    def put(self, item: Any) -> None:
        self._q.put(item)

    def get(self, timeout: float | None = None) -> Any:
        return self._q.get(timeout=timeout)


def check(store: Store, logs: list[dict[str, Any]], *, overlap: int, monitor: dict[str, Any]) -> dict[str, list[str]]:
    """Every anomaly found, by kind (all lists empty when the run was clean)."""
    found: dict[str, list[str]] = {k: [] for k in ("lost", "duplicated", "double_claimed", "wrong_undo", "outcome", "errors", "lost_claims")}
    with store.read() as conn:
        log = list(decisions_repo.iter_all(conn))
        stored = {r["id"]: (r["outcome"], int(r["n_decisions"])) for r in conn.execute(sa.select(examples.c.id, examples.c.outcome, examples.c.n_decisions)).mappings()}
    by_note = {d.note: d for d in log if d.kind == DecisionKind.DECISION}
    retracted = {d.target_id for d in log if d.kind == DecisionKind.RETRACTION}
    told_undone: set[str] = set()
    for rl in logs:
        told_undone.update(rl["undone_notes"])
        found["wrong_undo"] += [f"{rl['name']}: {w}" for w in rl["wrong_undo"]]
        found["errors"] += [f"{rl['name']}: {e}" for e in rl["errors"]]
        found["lost_claims"] += [f"{rl['name']}: {m}" for m in rl["lost_claims"]]
        for told in rl["decided"]:
            d = by_note.get(told["note"])
            if d is None or d.reviewer != rl["name"] or d.example_id != told["example_id"] or d.verdict is None or d.verdict.value != told["verdict"]:
                found["lost"].append(f"{rl['name']} was told {told['verdict']} of {told['example_id']} ({told['note']}) succeeded; the log has {d!r}")
    # Retractions answer undos: each one the reviewer was told about, and no other.
    for d in log:
        if d.kind != DecisionKind.DECISION:
            continue
        if (d.id in retracted) != (d.note in told_undone):
            found["wrong_undo"].append(f"decision {d.id} ({d.note}) is {'retracted' if d.id in retracted else 'live'}, "
                                       f"the reviewer was told {'it was undone' if d.note in told_undone else 'nothing undid it'}")
    # Replay the log per example: who has a counted decision as each one is appended.
    histories: dict[str, list[Any]] = defaultdict(list)
    for d in log:
        histories[d.example_id].append(d)
    for eid, history in histories.items():
        live: dict[int, str] = {}  # decision id -> reviewer
        for d in history:
            if d.kind == DecisionKind.RETRACTION:
                if live.pop(int(d.target_id or 0), None) is None:
                    found["duplicated"].append(f"retraction {d.id} of {d.target_id} on {eid}: not a counted decision")
            elif d.kind == DecisionKind.DECISION:
                if d.reviewer in live.values():
                    found["duplicated"].append(f"{d.reviewer} decided {eid} twice without a retraction (decision {d.id})")
                if len(set(live.values()) - {d.reviewer}) >= overlap:
                    found["double_claimed"].append(f"decision {d.id} by {d.reviewer} on {eid} while {sorted(set(live.values()))} already counted")
                live[int(d.id or 0)] = d.reviewer
        s = settle(history, required=overlap)
        if stored.get(eid) != (s.outcome.value, len(s.live)):
            found["outcome"].append(f"{eid}: stored {stored.get(eid)}, its history settles to {(s.outcome.value, len(s.live))}")
    found["double_claimed"] += monitor.get("over", [])
    return found


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] * 1000


def report(logs: list[dict[str, Any]], anomalies: dict[str, list[str]], *, seconds: float, **about: Any) -> dict[str, Any]:
    lat: dict[str, list[float]] = defaultdict(list)
    for rl in logs:
        for kind, values in rl["latencies"].items():
            lat[kind] += values
    decisions = sum(len(rl["decided"]) for rl in logs)
    return {
        **about,
        "seconds": seconds,
        "decisions": decisions,
        "decisions_per_s": round(decisions / seconds, 1),
        "latency_ms": {
            kind: {"n": len(v), "p50": round(_pct(v, 0.5), 1), "p95": round(_pct(v, 0.95), 1), "p99": round(_pct(v, 0.99), 1),
                   "mean": round(statistics.fmean(v) * 1000, 1) if v else None}
            for kind, v in sorted(lat.items())
        },
        "refused": dict(sum((Counter(rl["refused"]) for rl in logs), Counter())),
        "empty_page_runs": sum(rl["empty"] for rl in logs),
        "monitor_snapshots": about.get("monitor", {}).get("snapshots"),
        "anomalies": {k: len(v) for k, v in anomalies.items()},
        "examples_of_anomalies": {k: v[:5] for k, v in anomalies.items() if v},
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", choices=["sqlite", "postgres"], default="postgres")
    ap.add_argument("--pg-url", default=PG_URL, help="the PostgreSQL server (a scratch database is made on it)")
    ap.add_argument("--reviewers", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--examples", type=int, default=60_000, help="pending examples to start with")
    ap.add_argument("--overlap", type=int, default=1, help="decisions required per example")
    ap.add_argument("--workers", choices=["processes", "threads"], default="processes")
    ap.add_argument("--processes", type=int, default=None,
                    help="OS processes the reviewers are spread over, as threads (default: one process per reviewer)")
    ap.add_argument("--think", type=float, default=0.0, help="mean seconds each reviewer reads a card before acting (default 0)")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--workdir", type=Path, default=None, help="where the SQLite file goes (default: a temporary folder)")
    args = ap.parse_args(argv)
    with scratch_database(args.db, pg_url=args.pg_url, folder=args.workdir) as url:
        out = run_load(url, reviewers=args.reviewers, seconds=args.seconds, examples_n=args.examples,
                       overlap=args.overlap, workers=args.workers, processes=args.processes, mix=Mix(think=args.think), seed=args.seed)
    out.pop("monitor", None)
    out["load_average"] = os.getloadavg()
    print(json.dumps(out, indent=2))
    return 0 if not any(out["anomalies"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
