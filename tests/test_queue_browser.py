"""A lead switches the queue strategy in the browser; a reviewer working meanwhile sees it."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from browser_kit import App, choose, demo_database, ready, serve, settled, sign_in
from curator.cli import main

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    template = demo_database(tmp_path_factory.mktemp("demo"), reviewers=1)
    yield from serve(template, tmp_path_factory.mktemp("served"))


def _page(browser: Any) -> Any:
    return browser.new_context(viewport={"width": 1440, "height": 1000}).new_page()


def _wait_for_strategy(app: App, strategy: str, timeout: float = 30) -> None:
    """Until the database holds the strategy (the lead's click has been carried out)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = CliRunner().invoke(main, ["--db", app.url, "queue", "show", "--json"])
        if result.exit_code == 0 and json.loads(result.stdout)["everyone"]["strategy"] == strategy:
            return
        time.sleep(0.3)
    raise AssertionError(f"the strategy never became {strategy}")


def test_a_strategy_switch_by_a_lead_is_visible_to_a_reviewer(app: App, browser: Any, tmp_path: Path) -> None:
    reviewer, lead = _page(browser), _page(browser)
    try:
        sign_in(reviewer, app.base, "r1")
        ready(reviewer)
        reviewer.get_by_text("Queue order: fixed: import order").wait_for(timeout=30_000)

        sign_in(lead, app.base, "lead")
        lead.get_by_role("link", name="Lead").click()
        lead.get_by_role("tab", name="Queue").click()
        choose(lead, lead.get_by_test_id("stSelectbox").filter(has_text="Strategy"), "random: a seeded random order")
        lead.get_by_role("spinbutton", name="Seed (random order)").fill("5")
        lead.get_by_role("button", name="Set strategy").click()
        _wait_for_strategy(app, "random")

        # The reviewer's next action (here: approving the example on the card) runs the page
        # again: the card is followed by the new order, and the page says so.
        first = ready(reviewer)
        reviewer.keyboard.press("a")
        ready(reviewer, other_than=first)
        settled(reviewer)
        reviewer.get_by_text("Queue order: random (seed 5): a seeded random order").wait_for(timeout=30_000)
    finally:
        reviewer.screenshot(path=str(tmp_path / "reviewer.png"), full_page=True)
        lead.screenshot(path=str(tmp_path / "lead.png"), full_page=True)
        reviewer.context.close()
        lead.context.close()
