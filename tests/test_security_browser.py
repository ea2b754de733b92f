"""Every page in a real browser with hostile data: no script runs, no markup is injected, and
the page asks no host but its own for anything (conversation text is data, never HTML)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest

from conftest import make_user
from curator.models import Decision, Example, Source, UserRole, Verdict
from curator.services import decisions as decisions_service
from curator.services import gold
from curator.store import Store
from curator.store import examples as examples_repo
from helpers import conversation
from served_app import CHROMIUM, CHROMIUM_ARGS, curator_app, require_chromium, session_cookie

pytestmark = pytest.mark.browser

HOSTILE_TEXT = (
    "<img src=x onerror=\"window.__xss='img'\"> <script>window.__xss='script'</script> "
    "![t](http://tracker.example/p.png) [click](javascript:window.__xss='link') <b>bold?</b>"
)
HOSTILE_NAME = "<img/src=x/onerror=window.__xss='name'>"
HOSTILE_NOTE = "<img src=x onerror=\"window.__xss='note'\"><iframe src=http://tracker.example/></iframe>"
PAGES = ["", "browse", "dashboard", "lead", "admin"]


def _hostile_store(url: str) -> tuple[Store, str]:
    store = Store(url)
    ex = Example.create(
        conversation(1, reply=HOSTILE_TEXT),
        source=Source(name="<script>window.__xss='source'</script>.jsonl", line=1),
        metadata={"note": HOSTILE_TEXT},
    )
    with store.write() as conn:
        examples_repo.insert_many(conn, [ex])
    root = make_user(store, "root", UserRole.ADMIN, password="correct-horse")
    lea = make_user(store, "lea", UserRole.LEAD)
    evil, ana = make_user(store, HOSTILE_NAME), make_user(store, "ana")
    decisions_service.set_overlap(store, lea, 2)
    decisions_service.record(store, evil, Decision(example_id=ex.id, reviewer=evil.name, verdict=Verdict.REJECT, note=HOSTILE_NOTE, rules=["<b>R1</b>"]))
    decisions_service.record(store, ana, Decision(example_id=ex.id, reviewer="ana", verdict=Verdict.APPROVE, note=HOSTILE_TEXT))
    gold.mark_gold(store, root, ex.id, Verdict.REJECT, note=HOSTILE_NOTE)
    return store, ex.id


def test_no_page_runs_injected_script_or_asks_another_host(tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    require_chromium()
    url = f"sqlite:///{tmp_path / 'curator.db'}"
    store, example_id = _hostile_store(url)
    with curator_app(url, tmp_path) as base, sync_playwright() as p:
        own = urlsplit(base).netloc
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 1000})
        dialogs: list[str] = []
        foreign: list[str] = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.on("request", lambda r: foreign.append(r.url) if urlsplit(r.url).scheme in ("http", "https", "ws", "wss") and urlsplit(r.url).netloc != own else None)
        page.goto(base)
        page.get_by_role("textbox", name="Name").fill("root")
        page.get_by_role("textbox", name="Password").fill("correct-horse")
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("button", name="Sign out")).to_be_visible(timeout=30_000)
        session_cookie(page)
        for name in PAGES:
            page.goto(base + name)
            expect(page.get_by_role("button", name="Sign out")).to_be_visible(timeout=30_000)
            if name == "browse":
                box = page.get_by_role("textbox", name="Open an example by id")
                box.fill(example_id)
                box.press("Enter")
                expect(page.get_by_text("Decision history")).to_be_visible(timeout=30_000)
            page.wait_for_timeout(1500)  # charts and tables finish drawing
            injected = page.evaluate(
                """() => ({
                    flag: window.__xss === undefined ? null : String(window.__xss),
                    imgs: document.querySelectorAll('img[src="x"], img[src*="tracker.example"]').length,
                    frames: document.querySelectorAll('iframe[src*="tracker.example"]').length,
                    bold: [...document.querySelectorAll('b')].filter(b => b.textContent.includes('bold?') || b.textContent === 'R1').length,
                })"""
            )
            assert injected == {"flag": None, "imgs": 0, "frames": 0, "bold": 0}, name
        browser.close()
    store.close()
    assert dialogs == []
    assert foreign == []  # not even a favicon from a font server
