"""Review card in the real browser: keypress to the next example painted, 10k vs 1M examples.

Chromium (Playwright) drives a real `curator app` on SQLite databases of 10,000 and 1,000,000
synthetic examples (bench_review.build), and on a database of conversations of ~50,000 tokens
each. For each keypress (A, approve) it measures, inside the page:

- painted: the keydown event to the first frame after the card shows another example
  (a requestAnimationFrame after the change, then a task: the frame has been painted);
- answered: the keydown to the server's answer arriving (the decision written, the claims
  dealt again and the page's rerun drawn): what the next-but-one example waits for.

The reviewer's pace is a key once the previous answer is in (a person reads each example);
the databases are measured alternately, one key each, so machine load hits each alike.

Usage: python bench/bench_review_browser.py [--sizes 10000,1000000] [--keys 60] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_review import build  # noqa: E402

from curator.models import Example, Source  # noqa: E402
from curator.services.users import add_user  # noqa: E402
from curator.store import Store  # noqa: E402
from curator.store import examples as examples_repo  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
PASSWORD = "bench-password"
CARD = "[data-testid=review-card]"
SENTENCE = "The invoice total includes tax and the discount you agreed with the client last month"

# Installed in the page before the app's own scripts: time each keydown and each new example.
PROBE = """
window.__marks = [];
window.addEventListener('keydown', (e) => { window.__down = performance.now(); }, true);
const findCard = () => {
  for (const h of document.querySelectorAll('[data-testid=stBidiComponentIsolated]')) {
    const c = h.shadowRoot && h.shadowRoot.querySelector('.card');
    if (c) return c;
  }
  return null;
};
window.__watch = () => {
  const card = findCard();
  if (!card || card.__watched) return !!card;
  card.__watched = true;
  let shown = card.dataset.example, acked = card.dataset.acked;
  new MutationObserver(() => {
    if (window.__down === undefined) return;
    const t0 = window.__down;
    if (card.dataset.example !== shown && card.dataset.state === 'ready') {
      shown = card.dataset.example;
      requestAnimationFrame(() => setTimeout(() => window.__marks.push(['painted', performance.now() - t0]), 0));
    }
    if (card.dataset.acked !== acked && card.dataset.pending === '0') {
      acked = card.dataset.acked;
      requestAnimationFrame(() => setTimeout(() => window.__marks.push(['answered', performance.now() - t0]), 0));
    }
  }).observe(card, {attributes: true});
  return true;
};
"""


def huge_database(path: Path, n: int = 12) -> tuple[Store, int]:
    """``n`` conversations of ~50,000 tokens (20 turns of ~2,500 tokens); their token count."""
    store = Store(f"sqlite:///{path}")
    with store.read() as conn:
        have = examples_repo.count(conn)
    if not have:
        words = (SENTENCE + ". ") * 160  # ~2,500 tokens
        exs = []
        for i in range(n):
            msgs = []
            for turn in range(10):
                msgs += [{"role": "user", "content": f"Example {i}, question {turn}: {words}"},
                         {"role": "assistant", "content": f"Answer {turn}: {words}"}]
            exs.append(Example.create(msgs, source=Source(name="huge.jsonl", line=i + 1)))
        with store.write() as conn:
            examples_repo.insert_many(conn, exs)
    with store.read() as conn:
        first = examples_repo.get(conn, str(examples_repo.page(conn, limit=1)[0]["id"]))
    from curator.tokens.counting import count_messages

    return store, int(count_messages([m.dump() for m in first.messages], model="gpt-4o"))


def serve(url: str, port: int, log: Path) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen([sys.executable, "-m", "curator", "--db", url, "app", "--host", "127.0.0.1", "--port", str(port)],
                            stdout=open(log, "wb"), stderr=subprocess.STDOUT, start_new_session=True)
    for _ in range(200):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2):
                return proc
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"curator app on {url} did not come up")


def open_card(browser: Any, base: str, name: str) -> Any:
    page = browser.new_context(viewport={"width": 1440, "height": 1000}).new_page()
    page.add_init_script(PROBE)
    page.goto(base)
    page.get_by_role("textbox", name="Name").click()
    page.keyboard.type(name)
    page.get_by_role("textbox", name="Password").click()
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.locator(CARD).wait_for(timeout=60_000)
    page.wait_for_function("() => window.__watch()", timeout=60_000)
    for _ in range(3):  # warm up: engine, caches, the component's module
        press(page)
    return page


def press(page: Any) -> dict[str, float]:
    """One A; waits for the answer; the painted and answered times of that key (ms)."""
    page.wait_for_function("() => { const c = document.querySelector('.stBidiComponent [data-testid=stBidiComponentIsolated]')"
                           ".shadowRoot.querySelector('.card'); return c.dataset.state === 'ready' && c.dataset.pending === '0'; }", timeout=60_000)
    page.evaluate("() => { window.__marks = []; }")
    page.keyboard.press("a")
    page.wait_for_function("() => window.__marks.some(m => m[0] === 'answered') && window.__marks.some(m => m[0] === 'painted')", timeout=60_000)
    marks = page.evaluate("() => window.__marks")
    return {kind: min(v for k, v in marks if k == kind) for kind in ("painted", "answered")}


def summary(times: list[float]) -> dict[str, float]:
    q = statistics.quantiles(times, n=10)
    return {"median_ms": round(statistics.median(times), 1), "p90_ms": round(q[8], 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="10000,1000000")
    ap.add_argument("--keys", type=int, default=60)
    ap.add_argument("--workdir", default=os.path.join(tempfile.gettempdir(), "curator-bench-review-browser"))
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    work = Path(args.workdir)
    work.mkdir(parents=True, exist_ok=True)
    name = f"bench{int(time.time()) % 10**6}"
    targets: dict[str, str] = {}
    for n in [int(s) for s in args.sizes.split(",")]:
        store = build(work / f"review-{n}.db", n)
        add_user(store, name, "reviewer", password=PASSWORD)
        targets[f"{n:,} examples"] = store.url
        store.close()
    store, huge_tokens = huge_database(work / "huge.db")
    add_user(store, name, "reviewer", password=PASSWORD)
    targets[f"{huge_tokens:,}-token conversations"] = store.url
    store.close()
    procs, pages = [], {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        try:
            for i, (label, url) in enumerate(targets.items()):
                port = 8700 + os.getpid() % 200 + i
                procs.append(serve(url, port, work / f"server-{i}.log"))
                pages[label] = open_card(browser, f"http://127.0.0.1:{port}/", name)
            times: dict[str, dict[str, list[float]]] = {label: {"painted": [], "answered": []} for label in pages}
            huge_label = list(pages)[-1]
            for k in range(args.keys):
                for label, page in pages.items():
                    if label == huge_label and k >= 8:  # 12 huge conversations: a few keys suffice
                        continue
                    got = press(page)
                    for kind, value in got.items():
                        times[label][kind].append(value)
        finally:
            browser.close()
            for proc in procs:
                os.killpg(proc.pid, 15)
    report: dict[str, Any] = {"results": {label: {kind: summary(v) for kind, v in t.items()} for label, t in times.items()}}
    sizes = [label for label in pages if label.endswith("examples")]
    if len(sizes) >= 2:
        small, big = report["results"][sizes[0]], report["results"][sizes[-1]]
        report["ratio_largest_to_smallest"] = {
            f"{kind} {stat}": round(big[kind][stat] / small[kind][stat], 2) for kind in ("painted", "answered") for stat in ("median_ms", "p90_ms")
        }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
