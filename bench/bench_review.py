"""Review-page figures at 10,000 and 1,000,000 examples (SQLite), in one run.

1. Server-side time from an Approve to the next example rendered: the review card's approve
   intent carried out (services.review.apply) and the page's rerun (AppTest), median and p90
   over N approves (the script runs in-process, so this is the server's work).
2. The browse page's first page with a filter (services.browse.browse, source + outcome filter).

Usage: python bench/bench_review.py [--sizes 10000,1000000] [--clicks 50] [--workdir DIR]
Synthetic rows are bulk-inserted through the store (not the importer); a database already
holding the right number of rows in --workdir is reused.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

from curator.models import canonical_json, utcnow
from curator.services import auth
from curator.services.users import add_user
from curator.store import Store
from curator.store.schema import examples

ROOT = Path(__file__).resolve().parent.parent
MAIN = ROOT / "curator" / "app" / "main.py"
SOURCES = ["support.jsonl", "billing.jsonl", "tools.jsonl", "chitchat.jsonl"]


def _rows(start: int, n: int, now) -> list[dict]:  # type: ignore[no-untyped-def]
    out = []
    for i in range(start, start + n):
        msgs = [
            {"content": "You are Tally, Tallybook's support assistant.", "role": "system"},
            {"content": f"Question {i}: how do I export invoice {i} as a PDF?", "role": "user"},
            {"content": f"Open invoice {i}, choose Export, then PDF. The file lands in Downloads.", "role": "assistant"},
        ]
        src = SOURCES[i % len(SOURCES)]
        out.append({
            "id": f"bench{i:015d}", "messages": canonical_json(msgs), "tools": None, "rejected": None, "metadata": "{}",
            "source_name": src, "source_file": src, "source_line": i + 1, "source_format": "openai",
            "n_messages": 3, "tokens": 40 + i % 200, "warnings": "[]", "created_at": now,
            "queue_rank": i + 1,  # the seq of a fresh table: import order, as the importer leaves it
        })
    return out


def build(path: Path, n: int) -> Store:
    """A database of ``n`` synthetic examples (reused if it already has them)."""
    store = Store(f"sqlite:///{path}")
    with store.read() as conn:
        have = int(conn.scalar(sa.select(sa.func.count()).select_from(examples)) or 0)
    if have != n:
        if have:
            store.close()
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            store = Store(f"sqlite:///{path}")
        now = utcnow()
        t0 = time.perf_counter()
        for start in range(0, n, 20_000):
            with store.write() as conn:
                conn.execute(examples.insert(), _rows(start, min(20_000, n - start), now))
        print(f"  built {n:,} examples in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return store


def review_app(store: Store):  # type: ignore[no-untyped-def]
    """A signed-in review page on ``store``, warmed up (engine, caches, guidelines)."""
    from streamlit.testing.v1 import AppTest

    os.environ["CURATOR_DB"] = store.url
    name = f"bench{int(time.time() * 1000) % 10**9}"
    user = add_user(store, name, "reviewer")
    at = AppTest.from_string(MAIN.read_text(encoding="utf-8"), default_timeout=60)
    at.session_state["curator.session_token"] = auth.create_session(store, user)
    at.run()
    at.curator_user = user  # type: ignore[attr-defined]
    for _ in range(3):
        approve(store, at)
    return at


def approve(store: Store, at) -> None:  # type: ignore[no-untyped-def]
    """What the review card's A does on the server: the approve intent, then the page's rerun."""
    from curator.services import review

    (card,) = [json.loads(e.proto.json) for e in at.get("bidi_component")]
    current = card["current"]
    intent = {"seq": 1, "action": "approve", "example_id": current["example_id"], "token": current["token"]}
    notice = review.apply(store, at.curator_user, intent)
    assert notice.kind == "ok", notice
    at.run()


def review_clicks(apps: dict[int, tuple[Store, object]], clicks: int) -> dict[int, list[float]]:
    """Approve clicks, alternating between the databases so machine load hits each alike."""
    times: dict[int, list[float]] = {n: [] for n in apps}
    for _ in range(clicks):
        for n, (store, at) in apps.items():
            os.environ["CURATOR_DB"] = store.url  # the app reads its database from here
            t0 = time.perf_counter()
            approve(store, at)
            times[n].append((time.perf_counter() - t0) * 1000)
            assert not at.exception, at.exception  # type: ignore[attr-defined]
    return times


def browse_first_page(store: Store, repeats: int) -> list[float]:
    from curator.services.browse import browse, make_filter
    from curator.services.users import shell_actor

    viewer = shell_actor(store)  # an admin: sees every decision
    flt = make_filter(sources=["tools.jsonl"], outcomes=["pending"])
    browse(store, viewer, flt)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        page = browse(store, viewer, flt)
        times.append((time.perf_counter() - t0) * 1000)
        assert len(page.rows) == 50
    return times


def summary(times: list[float]) -> dict[str, float]:
    q = statistics.quantiles(times, n=10)
    return {"median_ms": round(statistics.median(times), 1), "p90_ms": round(q[8], 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="10000,1000000")
    ap.add_argument("--clicks", type=int, default=50)
    ap.add_argument("--workdir", default=os.path.join(tempfile.gettempdir(), "curator-bench-review"))
    args = ap.parse_args()
    work = Path(args.workdir)
    work.mkdir(parents=True, exist_ok=True)
    results: dict[int, dict[str, dict[str, float]]] = {}
    apps: dict[int, tuple[Store, object]] = {}
    for n in [int(s) for s in args.sizes.split(",")]:
        print(f"{n:,} examples", file=sys.stderr)
        store = build(work / f"review-{n}.db", n)
        apps[n] = (store, review_app(store))
    clicks = review_clicks(apps, args.clicks)
    pages: dict[int, list[float]] = {n: [] for n in apps}
    for _ in range(30):  # alternating too
        for n, (store, _) in apps.items():
            pages[n] += browse_first_page(store, 1)
    for n, (store, _) in apps.items():
        results[n] = {"review_click": summary(clicks[n]), "browse_first_page": summary(pages[n])}
        store.close()
    sizes = sorted(results)
    report: dict[str, object] = {"results": {f"{n:,}": r for n, r in results.items()}}
    if len(sizes) >= 2:
        small, big = results[sizes[0]], results[sizes[-1]]
        report["ratio_largest_to_smallest"] = {k: round(big[k]["median_ms"] / small[k]["median_ms"], 2) for k in big}
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
