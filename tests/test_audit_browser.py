"""The HTML audit report opens in the real browser, draws its charts and fetches nothing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from conftest import ROOT, SAMPLE, make_user
from curator.audit import render_html
from curator.models import Decision, Verdict
from curator.services import audit as audit_service
from curator.services import decisions as decisions_service
from curator.services import guideline_sync
from curator.services.atomic import atomic_file
from curator.services.importing import import_file
from curator.store import Store

CHROMIUM = Path("/usr/bin/chromium")
HEADINGS = ["Rules", "Agreement", "Reviewers", "Coverage", "Stale decisions", "Gold"]


def _need_chromium() -> None:
    why = None
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        why = "playwright is not installed"
    if why is None and not CHROMIUM.exists():
        why = f"{CHROMIUM} is missing"
    if why is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"the browser test must run in CI: {why}")
    pytest.skip(why)


def _report_page(tmp_path: Path) -> Path:
    """An audit of the sample chat file with two reviewers' decisions, written as HTML."""
    store = Store(f"sqlite:///{tmp_path / 'audit.db'}")
    guideline_sync.load_into_store(store, ROOT / "guidelines")
    summary = import_file(store, SAMPLE / "tallybook_chat.jsonl")
    guideline_sync.flag_examples(store, summary.example_ids)
    version = guideline_sync.current_version(store)
    ana, ben = make_user(store, "ana"), make_user(store, "ben")
    for i, eid in enumerate(summary.example_ids[:30]):
        for reviewer in (ana, ben):
            verdict = Verdict.REJECT if reviewer is ben and i % 7 == 0 else Verdict.APPROVE
            decisions_service.record(store, reviewer, Decision(example_id=eid, reviewer=reviewer.name, verdict=verdict,
                                                               guideline_version=version))
    report = audit_service.run_audit(store)
    store.close()
    page = tmp_path / "audit.html"
    with atomic_file(page) as fh:
        fh.write(render_html(report))
    return page


@pytest.mark.browser
def test_report_opens_offline_in_chromium(tmp_path: Path) -> None:
    _need_chromium()
    from playwright.sync_api import sync_playwright

    page_file = _report_page(tmp_path)
    requests: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM),
                                     args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        try:
            page = browser.new_page()
            page.on("request", lambda r: requests.append(r.url))
            page.goto(page_file.as_uri())
            assert page.title() == "curator audit"
            assert page.locator("h1").inner_text() == "curator audit"
            headings = page.locator("h2").all_inner_texts()
            assert all(h in headings for h in HEADINGS), headings
            charts = page.locator("svg.chart")
            assert charts.count() >= 3
            for i in range(charts.count()):  # drawn, not just present in the markup
                box = charts.nth(i).bounding_box()
                assert box is not None and box["width"] > 100 and box["height"] > 20
            assert page.locator("svg rect").count() > 0
        finally:
            browser.close()
    assert requests and all(u.startswith(("file:", "data:")) for u in requests), requests
