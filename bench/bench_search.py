"""Rare-string text search at 10,000 and 1,000,000 examples, SQLite and PostgreSQL, in one run.

For each database and size: the median time of `curator search` (services.browse.search: the
first 20 hits in import order, with their snippets) and of the browse page's first page with
the text filter (services.browse.browse, counted up to its cap), over queries for strings
planted in 1-3 examples each; and, as the baseline, the text filter the browse page had
before the index (a case-insensitive LIKE scan of the messages, first page of 51 rows). A
common word (in every example) is timed too, for the other end.

Usage: python bench/bench_search.py [--sizes 10000,1000000] [--dbs sqlite,postgres]
       [--pg-url postgresql://postgres@127.0.0.1:5432/postgres] [--workdir DIR] [--queries 15]
Synthetic examples go straight into the examples table of a database at the revision before
the index, not through the importer; the upgrade then builds the index (timed); a database already holding the right examples is reused
(SQLite: a file in --workdir; PostgreSQL: a database named curator_bench_search_<size>).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

from curator.errors import NotFoundError
from curator.models import UserRole, canonical_json, utcnow
from curator.services.browse import browse, make_filter, search
from curator.services.importing import import_file
from curator.services.users import add_user
from curator.store import Store, migrate
from curator.store import search as search_repo
from curator.store import users as users_repo
from curator.store.schema import examples

SEED = 13
BATCH = 5_000
N_RARE = 40  # planted strings; each in 1-3 examples
COMMON = "account"  # a word every example has


def _vocabulary(rng: random.Random, n: int = 8_000) -> list[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    return ["".join(rng.choice(letters) for _ in range(rng.randint(3, 10))) for _ in range(n)]


def rare_strings() -> list[str]:
    """The planted strings (the same in every run): digits and capitals no generated word has."""
    return [f"Zq{k:02d}-rare-{(k * 7919) % 10_000:04d}" for k in range(N_RARE)]


def plan(n: int) -> dict[int, str]:
    """Which example (by number) carries which planted string."""
    rng = random.Random(SEED + n)
    where: dict[int, str] = {}
    for s in rare_strings():
        for _ in range(rng.randint(1, 3)):
            where[rng.randrange(n)] = s
    return where


def _conversation(i: int, rng: random.Random, vocab: list[str], planted: str | None) -> list[dict[str, str]]:
    def sentence(k: int) -> str:
        return " ".join(rng.choice(vocab) for _ in range(k)).capitalize() + "."

    user = f"My {COMMON} number {i} has a problem: {sentence(rng.randint(8, 30))}"
    reply = " ".join(sentence(rng.randint(6, 20)) for _ in range(rng.randint(2, 6)))
    if planted:
        reply += f" Reference {planted}."
    return [
        {"content": "You are a helpful support assistant.", "role": "system"},
        {"content": user, "role": "user"},
        {"content": reply, "role": "assistant"},
    ]


def _batch(start: int, stop: int, rng: random.Random, vocab: list[str], planted: dict[int, str], now):  # type: ignore[no-untyped-def]
    """Example rows as the store writes them."""
    rows = []
    for i in range(start, stop):
        msgs = _conversation(i, rng, vocab, planted.get(i))
        rows.append({
            "id": f"bench{i:035d}", "messages": canonical_json(msgs), "tools": None, "rejected": None, "metadata": "{}",
            "source_name": f"bench-{i % 4}.jsonl", "source_file": None, "source_line": i + 1, "source_format": "openai",
            "n_messages": 3, "tokens": 100, "warnings": "[]", "created_at": now,
        })
    return rows


def build(url: str, n: int) -> Store:
    """A database of ``n`` synthetic examples, reused when it already holds them.

    Rows go straight into the examples table of a database at the revision before the index
    (0010); then the upgrade to head builds the index from them, as it does for a team's
    existing database, and its time is printed.
    """
    probe = Store(url, upgrade=False)
    at = migrate.current_revision(probe.engine)
    if at == migrate.head_revision():
        with probe.read() as conn:
            have = int(conn.scalar(sa.select(sa.func.count()).select_from(examples)) or 0)
        if have == n:
            probe.close()
            return Store(url)
    if at is not None:
        raise SystemExit(f"{url} is not a complete benchmark database of {n:,} examples: remove it first")
    migrate.upgrade(probe.engine, "0010")
    rng = random.Random(SEED)
    vocab = _vocabulary(rng)
    planted = plan(n)
    now = utcnow()
    t0 = time.perf_counter()
    for start in range(0, n, BATCH):
        rows = _batch(start, min(n, start + BATCH), rng, vocab, planted, now)
        with probe.engine.begin() as conn:
            conn.execute(examples.insert(), rows)
        if start and start % 100_000 == 0:
            print(f"  {start:,} examples in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    print(f"  stored {n:,} examples in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    t0 = time.perf_counter()
    migrate.upgrade(probe.engine)
    print(f"  upgraded to {migrate.head_revision()} (search index built) in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    probe.close()
    return Store(url)


def _lead(store: Store):  # type: ignore[no-untyped-def]
    try:
        with store.read() as conn:
            return users_repo.get_by_name(conn, "bench-lead")
    except NotFoundError:
        return add_user(store, "bench-lead", UserRole.LEAD)


def old_like_scan(store: Store, text: str) -> list[str]:
    """The browse page's text filter before the index: LIKE over the messages' JSON, first page."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    stmt = (sa.select(examples.c.id).where(examples.c.messages.ilike(f"%{escaped}%", escape="\\"))
            .order_by(examples.c.seq).limit(51))
    with store.read() as conn:
        return list(conn.scalars(stmt))


def _median_ms(fn, queries: list[str]) -> tuple[float, list]:  # type: ignore[no-untyped-def]
    times, results = [], []
    for q in queries:
        t0 = time.perf_counter()
        results.append(fn(q))
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), results


def measure(store: Store, n: int, n_queries: int) -> dict[str, float]:
    lead = _lead(store)
    if store.dialect == "postgresql":
        # What autovacuum does after a large import: without statistics the planner cannot
        # tell a common word from a rare string.
        with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE")
    planted = plan(n)
    expected = {s: sorted(i for i, p in planted.items() if p == s) for s in rare_strings()}
    queries = [s for s in rare_strings() if expected[s]][:n_queries]
    search(store, queries[0])  # warm the connection pool and caches once
    out: dict[str, float] = {}
    out["search_ms"], found = _median_ms(lambda q: search(store, q.lower()), queries)
    for q, res in zip(queries, found):
        lines = sorted(h["source_line"] - 1 for h in res.hits)
        assert lines == expected[q], (q, lines, expected[q])  # the index finds exactly the planted rows
    out["browse_ms"], _ = _median_ms(lambda q: browse(store, lead, make_filter(text=q)), queries)
    scans = queries[: max(3, n_queries // 5)] if n > 100_000 else queries  # a scan at 1M takes seconds
    out["like_scan_ms"], scanned = _median_ms(lambda q: old_like_scan(store, q.upper()), scans)
    assert all(len(r) == len(expected[q]) for q, r in zip(scans, scanned))
    out["common_search_ms"], _ = _median_ms(lambda q: search(store, q), [COMMON] * 5)
    out["common_browse_ms"], _ = _median_ms(lambda q: browse(store, lead, make_filter(text=q)), [COMMON] * 5)
    out["like_scan_speedup"] = out["like_scan_ms"] / out["search_ms"]
    return out


def import_cost(url_for, n: int, work: Path) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """What keeping the index in step costs an import: ``n`` conversations imported (without
    guidelines) into a database with the index and into one whose index was dropped, same run."""
    rng = random.Random(SEED)
    vocab = _vocabulary(rng)
    path = work / f"import-{n}.jsonl"
    with path.open("w", encoding="utf-8") as f:
        for i in range(n):
            f.write(json.dumps({"messages": _conversation(i, rng, vocab, None)}) + "\n")
    out: dict[str, float] = {}
    for label in ("without_index", "with_index"):
        store = Store(url_for(label))
        if label == "without_index":
            with store.write() as conn:
                search_repo.drop(conn)
        t0 = time.perf_counter()
        summary = import_file(store, path)
        out[f"{label}_s"] = time.perf_counter() - t0
        assert summary.examples == n
        store.close()
    out["ratio"] = out["with_index_s"] / out["without_index_s"]
    out["index_ms_per_example"] = (out["with_index_s"] - out["without_index_s"]) * 1000 / n
    return out


def _pg_database(admin_url: str, name: str) -> str:
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if conn.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}) is None:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return admin_url.rsplit("/", 1)[0] + f"/{name}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="10000,1000000")
    ap.add_argument("--dbs", default="sqlite,postgres")
    ap.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    ap.add_argument("--workdir", default=str(Path(tempfile.gettempdir()) / "curator-bench-search"))
    ap.add_argument("--queries", type=int, default=15)
    ap.add_argument("--import-cost", type=int, default=0, metavar="N",
                    help="Instead: time importing N conversations with and without the index.")
    args = ap.parse_args()
    work = Path(args.workdir)
    work.mkdir(parents=True, exist_ok=True)
    if args.import_cost:
        costs = {}
        for db in args.dbs.split(","):
            def url_for(label: str, db: str = db) -> str:
                name = f"curator_bench_import_{label}"
                if db == "sqlite":
                    target = work / f"{name}.db"
                    for suffix in ("", "-wal", "-shm"):
                        Path(f"{target}{suffix}").unlink(missing_ok=True)
                    return f"sqlite:///{target}"
                admin = sa.create_engine(args.pg_url, isolation_level="AUTOCOMMIT")
                with admin.connect() as conn:
                    conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                admin.dispose()
                return _pg_database(args.pg_url, name)
            costs[db] = import_cost(url_for, args.import_cost, work)
            print(f"{db}: {json.dumps(costs[db])}", file=sys.stderr)
        print(json.dumps(costs, indent=2))
        return
    sizes = [int(s) for s in args.sizes.split(",")]
    report: dict[str, dict[str, dict[str, float]]] = {}
    for db in args.dbs.split(","):
        report[db] = {}
        for n in sizes:
            url = (f"sqlite:///{work / f'search-{n}.db'}" if db == "sqlite"
                   else _pg_database(args.pg_url, f"curator_bench_search_{n}"))
            print(f"{db} {n:,}: building / checking", file=sys.stderr)
            store = build(url, n)
            report[db][str(n)] = measure(store, n, args.queries)
            store.close()
            print(f"{db} {n:,}: {json.dumps(report[db][str(n)])}", file=sys.stderr)
        if len(sizes) > 1:
            small, large = report[db][str(sizes[0])], report[db][str(sizes[-1])]
            report[db]["ratio_large_small"] = {"search": large["search_ms"] / small["search_ms"],
                                               "browse": large["browse_ms"] / small["browse_ms"]}
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
