"""The real thing: `curator app` in a subprocess, driven by Debian's chromium through Playwright."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from conftest import make_user
from curator.store import Store
from curator.store.schema import decisions, sessions
from helpers import add_examples
from served_app import CHROMIUM, curator_app, require_chromium, session_cookie
from served_app import CHROMIUM_ARGS as ARGS

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.browser


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Store]]:
    require_chromium()
    url = f"sqlite:///{tmp_path / 'curator.db'}"
    store = Store(url)
    add_examples(store, 4)
    make_user(store, "ana", password="correct-horse")
    try:
        with curator_app(url, tmp_path) as base:
            yield base, store
    finally:
        store.close()


def test_sign_in_decide_with_a_shortcut_and_stay_signed_in_after_reload(served: tuple[str, Store], tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, store = served
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 1000})
        page.goto(base)
        page.get_by_role("textbox", name="Name").fill("ana")
        page.get_by_role("textbox", name="Password").fill("correct-horse")
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_text("Question number 0", exact=False)).to_be_visible(timeout=20_000)
        expect(page.get_by_role("button", name="Approve")).to_be_enabled()
        # The browser swapped its one-time ticket for the session cookie: HttpOnly, signed.
        cookie = session_cookie(page)
        assert cookie["httpOnly"] is True and cookie["sameSite"] == "Strict"
        assert page.evaluate("document.cookie").find("curator_session") == -1

        page.evaluate("document.activeElement && document.activeElement.blur()")  # keys go to the page, not a text box
        page.wait_for_timeout(1000)  # let the shortcut handlers attach after the first render
        page.keyboard.press("a")
        expect(page.get_by_text("Question number 1", exact=False)).to_be_visible(timeout=20_000)

        page.reload()
        expect(page.get_by_text("Question number 1", exact=False)).to_be_visible(timeout=20_000)
        expect(page.get_by_role("textbox", name="Password")).to_have_count(0)
        page.wait_for_timeout(500)
        for target in (tmp_path / "review.png", ROOT / "test-results" / "review.png"):
            target.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(target), full_page=True)

        page.get_by_role("button", name="Sign out").click()
        expect(page.get_by_role("textbox", name="Password")).to_be_visible(timeout=20_000)
        page.wait_for_timeout(500)
        page.reload()
        expect(page.get_by_role("textbox", name="Password")).to_be_visible(timeout=20_000)
        browser.close()

    with store.read() as conn:
        rows = conn.execute(sa.select(decisions.c.kind, decisions.c.verdict)).all()
        left = conn.scalar(sa.select(sa.func.count()).select_from(sessions))
    assert rows == [("decision", "approve")]
    assert left == 0  # sign-out deleted the session row
