"""A real `curator app` on a copy of the demo database, and helpers to drive the review card."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from curator.cli import main
from served_app import CHROMIUM, session_cookie
from served_app import CHROMIUM_ARGS as ARGS
from served_app import free_port as _free_port
from served_app import wait_up as _wait_up

CARD = "[data-testid=review-card]"


def need_chromium() -> None:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium")
        pytest.skip(f"{CHROMIUM} is missing")


@dataclass
class App:
    base: str
    url: str
    folder: Path

    def decisions(self, reviewer: str | None = None) -> list[dict[str, Any]]:
        """The decision log (one reviewer's part of it), through `curator decisions export`."""
        out = self.folder / f"log-{os.getpid()}.jsonl"
        result = CliRunner().invoke(main, ["--db", self.url, "decisions", "export", str(out)])
        assert result.exit_code == 0, result.output
        rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
        return [r for r in rows if reviewer is None or r["reviewer"] == reviewer]

    def live(self, reviewer: str | None = None) -> dict[str, dict[str, Any]]:
        """Each example's decisions that still count: {example_id: decision}."""
        rows = self.decisions(reviewer)
        gone = {r["target_id"] for r in rows if r.get("kind") == "retraction"}
        return {r["example_id"]: r for r in rows if r.get("kind", "decision") == "decision" and r["id"] not in gone}


def demo_database(folder: Path, *, reviewers: int = 0, extra: list[Any] = ()) -> Path:  # type: ignore[assignment]
    """The demo data (sample files, guidelines, users ana/ben/lead/admin) in a SQLite file,
    with ``reviewers`` more reviewers (r1, r2, ...; password curator-demo) and ``extra`` examples."""
    from curator.models import UserRole
    from curator.services.users import add_user
    from curator.store import Store
    from curator.store import examples as examples_repo

    db = folder / "demo.db"
    result = CliRunner().invoke(main, ["--db", f"sqlite:///{db}", "demo", "--no-app"])
    assert result.exit_code == 0, result.output
    store = Store(f"sqlite:///{db}")
    for i in range(1, reviewers + 1):
        add_user(store, f"r{i}", UserRole.REVIEWER, password="curator-demo")
    if extra:
        with store.write() as conn:
            examples_repo.insert_many(conn, list(extra))
    store.close()
    return db


def serve(template: Path, folder: Path) -> Iterator[App]:
    """`curator app` on a copy of ``template``, until the generator is closed."""
    need_chromium()
    db = folder / "curator.db"
    # The backup API, not a file copy: the template's last writes may still sit in its WAL.
    with sqlite3.connect(template) as src, sqlite3.connect(db) as dst:
        src.backup(dst)
    url = f"sqlite:///{db}"
    port = _free_port()
    log = open(folder / "server.log", "wb")
    proc = subprocess.Popen([sys.executable, "-m", "curator", "--db", url, "app", "--host", "127.0.0.1", "--port", str(port)],
                            stdout=log, stderr=subprocess.STDOUT, cwd=folder, start_new_session=True)
    base = f"http://127.0.0.1:{port}/"
    try:
        _wait_up(base, proc)
        yield App(base, url, folder)
    finally:
        os.killpg(proc.pid, 15)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
        log.close()


def launch(playwright: Any) -> Any:
    return playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)


def choose(page: Any, select: Any, option: str, tries: int = 3) -> None:
    """Pick ``option`` from the select box ``select`` (a locator). A select clicked while the
    section around it is still opening takes focus without opening its list, so a click that
    opened nothing is tried again, as a person would."""
    wanted = page.get_by_role("option", name=option, exact=True)
    for attempt in range(tries):
        select.click()
        try:
            wanted.wait_for(timeout=5_000)
            break
        except Exception:
            if attempt == tries - 1:
                raise
            page.keyboard.press("Escape")
    wanted.click()


def sign_in(page: Any, base: str, name: str, password: str = "curator-demo") -> None:
    page.goto(base)
    page.get_by_role("textbox", name="Name").click()
    page.keyboard.type(name)
    page.get_by_role("textbox", name="Password").click()
    page.keyboard.type(password)
    page.keyboard.press("Enter")  # submits the form with what was typed
    page.get_by_role("button", name="Sign out").wait_for(timeout=30_000)
    session_cookie(page)  # signed in for the next page load too, not only this one


def card(page: Any) -> Any:
    return page.locator(CARD)


def ready(page: Any, *, settled: bool = True, other_than: str | None = None, timeout: float = 30_000) -> str:
    """Wait until the card shows an example (every intent answered, if ``settled``); its id."""
    c = card(page)
    c.wait_for(timeout=timeout)
    page.wait_for_function(
        """([sel, settled, other]) => {
            const find = (root) => {
              for (const h of root.querySelectorAll('*')) {
                if (h.shadowRoot) { const c = h.shadowRoot.querySelector(sel) || find(h.shadowRoot); if (c) return c; }
              }
              return null;
            };
            const c = find(document);
            return c && c.dataset.state === 'ready' && (!settled || c.dataset.pending === '0') && (!other || c.dataset.example !== other);
        }""",
        arg=[CARD, settled, other_than],
        timeout=timeout,
    )
    return str(c.get_attribute("data-example"))


def settled(page: Any, timeout: float = 30_000) -> None:
    """Wait until every intent the card sent has been answered."""
    page.wait_for_function(
        """(sel) => {
            const find = (root) => {
              for (const h of root.querySelectorAll('*')) {
                if (h.shadowRoot) { const c = h.shadowRoot.querySelector(sel) || find(h.shadowRoot); if (c) return c; }
              }
              return null;
            };
            const c = find(document);
            return c && c.dataset.pending === '0' && c.dataset.state !== 'waiting';
        }""",
        arg=CARD,
        timeout=timeout,
    )


def focused(page: Any) -> dict[str, Any]:
    """The element that has focus, looking inside shadow roots: tag, aria-label, value."""
    return page.evaluate(
        """() => { let a = document.activeElement; while (a && a.shadowRoot && a.shadowRoot.activeElement) a = a.shadowRoot.activeElement;
                   return a ? {tag: a.tagName, label: a.getAttribute('aria-label'), value: a.value ?? null} : null; }"""
    )


def notice(page: Any) -> str:
    return str(page.locator(f"{CARD} [data-testid=notice]").inner_text(timeout=30_000))
