"""Issue 3's acceptance, in the real browser: the demo data, twenty examples with the keyboard
alone (one negative with a corrected reply, one edit), then the dashboard and the decision log."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from test_browser import ARGS, CHROMIUM, _free_port, _wait_up

from curator.cli import main

pytestmark = pytest.mark.browser
DESIRED = "I can't promise that refund, but I've passed your case to our billing team."
EDITED = " Anything else I can help with?"


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[tuple[str, str]]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium")
        pytest.skip(f"{CHROMIUM} is missing")
    url = f"sqlite:///{tmp_path / 'curator.db'}"
    assert CliRunner().invoke(main, ["--db", url, "demo", "--no-app"]).exit_code == 0
    port = _free_port()
    log = open(tmp_path / "server.log", "wb")
    proc = subprocess.Popen([sys.executable, "-m", "curator", "--db", url, "app", "--port", str(port)],
                            stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path, start_new_session=True)
    base = f"http://127.0.0.1:{port}/"
    try:
        _wait_up(base, proc)
        yield base, url
    finally:
        os.killpg(proc.pid, 15)
        proc.wait(timeout=15)
        log.close()


def test_twenty_examples_with_the_keyboard_alone(demo: tuple[str, str], tmp_path: Path) -> None:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    base, url = demo
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(base)
        page.get_by_label("Name", exact=True).focus()
        page.keyboard.type("ana")
        page.keyboard.press("Tab")
        page.keyboard.type("curator-demo")
        page.keyboard.press("Enter")
        progress = page.get_by_text("decided in this queue")
        progress.wait_for(timeout=30_000)

        def decided(n: int) -> None:
            page.get_by_text(f"{n} / ", exact=False).first.wait_for(timeout=30_000)

        def press_until(key: str, target: Any) -> None:
            # A key pressed while the page is still re-running can be lost; press again then.
            for _ in range(3):
                page.locator("body").press(key)
                try:
                    target.wait_for(timeout=10_000)
                    return
                except PlaywrightTimeout:
                    continue
            target.wait_for(timeout=10_000)

        for n in range(1, 19):
            page.locator("body").press("a")
            decided(n)
        reply = page.get_by_label("Desired reply (optional): what the assistant should have said")
        press_until("n", reply)
        reply.focus()
        page.keyboard.type(DESIRED)
        page.keyboard.press("Control+Enter")
        decided(19)
        press_until("e", page.get_by_label("Message 1", exact=False).first)
        page.wait_for_timeout(500)  # every message's text area drawn
        areas = page.locator("textarea")
        areas.nth(areas.count() - 1).focus()
        page.keyboard.press("End")
        page.keyboard.type(EDITED)
        page.keyboard.press("Control+Enter")  # the diff first...
        page.get_by_text("Changes against the original").wait_for(timeout=30_000)
        press_until("Control+Enter", page.get_by_text("20 / ", exact=False).first)  # ...then save
        page.screenshot(path=str(tmp_path / "review.png"), full_page=True)
        page.goto(base + "dashboard")
        page.get_by_text("19 : 1").wait_for(timeout=30_000)  # approved : negative
        browser.close()

    log = tmp_path / "log.jsonl"
    assert CliRunner().invoke(main, ["--db", url, "decisions", "export", str(log)]).exit_code == 0
    rows = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 20 and {r["reviewer"] for r in rows} == {"ana"}
    verdicts = [r["verdict"] for r in rows]
    assert verdicts.count("approve") == 19 and verdicts.count("negative") == 1
    negative = next(r for r in rows if r["verdict"] == "negative")
    assert negative["correction"]["reply"]["content"] == DESIRED
    edited = [r for r in rows if r["verdict"] == "approve" and r.get("correction")]
    assert len(edited) == 1
    assert [m["content"] for m in edited[0]["correction"]["messages"] if str(m.get("content", "")).endswith(EDITED)]
    assert all(r["guideline_version"].startswith("general@") for r in rows)
