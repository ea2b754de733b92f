"""Two `curator app` processes on one PostgreSQL database, as behind one load-balanced address.

No sign-in or session state lives in a process's memory: the browser signs in on one process
(its cookie ticket redeemed by the other), works on the other with the same cookie, and
signing out on either ends the session on both.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from conftest import make_user
from curator.store import Store
from curator.store.schema import decisions, sessions, sign_in_tickets
from helpers import add_examples
from served_app import CHROMIUM, CHROMIUM_ARGS, curator_app, require_chromium, session_cookie

pytestmark = [pytest.mark.browser, pytest.mark.postgres]


def test_sign_in_on_one_process_work_on_the_other_sign_out_on_either(pg_url: str, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    require_chromium()
    store = Store(pg_url)
    add_examples(store, 4)
    make_user(store, "ana", password="correct-horse")
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with curator_app(pg_url, tmp_path / "a") as one, curator_app(pg_url, tmp_path / "b") as other, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 1000})
        redeemed_by: list[str] = []

        def to_the_other_process(route, request) -> None:  # type: ignore[no-untyped-def]
            # The load balancer sends the cookie hand-off to the process that did not issue
            # the ticket (same origin, as behind one address). The answer's cookie lands in
            # the browser, whose cookies are per host, not per port: both processes get it.
            answer = route.fetch(url=other + "api/curator/session", headers={**request.headers, "origin": other.rstrip("/")})
            redeemed_by.append(f"{other} {answer.status}")
            route.fulfill(response=answer)

        page.route("**/api/curator/session", to_the_other_process)
        page.goto(one)
        page.get_by_role("textbox", name="Name").fill("ana")
        page.get_by_role("textbox", name="Password").fill("correct-horse")
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_text("Question number", exact=False).first).to_be_visible(timeout=30_000)
        cookie = session_cookie(page)
        assert redeemed_by == [f"{other} 204"]
        assert cookie is not None and cookie["httpOnly"]
        with store.read() as conn:
            assert conn.scalar(sa.select(sa.func.count()).select_from(sign_in_tickets)) == 0  # used up

        # Work on the other process with the same cookie: browse, then a decision.
        page.unroute("**/api/curator/session")
        page.goto(other)
        expect(page.get_by_role("button", name="Approve")).to_be_enabled(timeout=30_000)
        expect(page.get_by_role("textbox", name="Password")).to_have_count(0)
        page.goto(other + "browse")
        expect(page.get_by_role("heading", name="Browse")).to_be_visible(timeout=30_000)
        expect(page.get_by_text("4 examples match", exact=False)).to_be_visible(timeout=30_000)
        page.goto(other)
        expect(page.get_by_role("button", name="Approve")).to_be_enabled(timeout=30_000)
        page.get_by_role("button", name="Approve").click()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with store.read() as conn:
                decided = conn.execute(sa.select(decisions.c.verdict)).scalars().all()
            if decided:
                break
            time.sleep(0.3)
        assert decided == ["approve"]

        # Sign out on the first process: the session ends on both.
        page.goto(one)
        expect(page.get_by_role("button", name="Sign out")).to_be_visible(timeout=30_000)
        page.get_by_role("button", name="Sign out").click()
        expect(page.get_by_role("textbox", name="Password")).to_be_visible(timeout=30_000)
        with store.read() as conn:
            assert conn.scalar(sa.select(sa.func.count()).select_from(sessions)) == 0
        page.goto(other)
        expect(page.get_by_role("textbox", name="Password")).to_be_visible(timeout=30_000)
        page.goto(other + "browse")
        expect(page.get_by_role("textbox", name="Password")).to_be_visible(timeout=30_000)
        browser.close()
    store.close()
