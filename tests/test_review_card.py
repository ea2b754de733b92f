"""The review card in the real browser (issue 10): every recorded decision is the one meant.

Each test names the fault it guards against. They drive a real `curator app` on a copy of the
demo database with Debian's chromium, and check the decision log through the CLI.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from browser_kit import App, card, choose, demo_database, focused, notice, ready, serve, settled, sign_in

pytestmark = pytest.mark.browser


REVIEWERS = 16  # one fresh reviewer per test: the tests share one server and database
WORDS = " ".join(f"word{i}" for i in range(2500))
HOSTILE = "<img src=http://tracker.invalid/p.png onerror=window.pwned=1> ![t](http://tracker.invalid/q.png) <script>window.pwned=2</script> **bold**"


def _extra() -> list[Any]:
    from curator.models import Example, Source

    huge = []  # ~50,000 tokens over 40 messages
    for i in range(20):
        huge += [{"role": "user", "content": f"part {i}: {WORDS}"}, {"role": "assistant", "content": f"answer {i}: {WORDS}"}]
    return [
        Example.create(huge, source=Source(name="huge.jsonl", line=1)),
        Example.create([{"role": "user", "content": "hi"}, {"role": "assistant", "content": HOSTILE}], source=Source(name="evil.jsonl", line=1)),
    ]


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    template = demo_database(tmp_path_factory.mktemp("demo"), reviewers=REVIEWERS, extra=_extra())
    yield from serve(template, tmp_path_factory.mktemp("served"))


_used: list[str] = []


def fresh() -> str:
    """A reviewer no other test in this module signs in as."""
    _used.append(f"r{len(_used) + 1}")
    assert len(_used) <= REVIEWERS, "add reviewers to REVIEWERS"
    return _used[-1]


@pytest.fixture
def name() -> str:
    return fresh()


@pytest.fixture
def page(browser: Any, tmp_path: Path) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    page = context.new_page()
    yield page
    page.screenshot(path=str(tmp_path / "last.png"), full_page=True)  # what the page showed at the end
    context.close()


def signed_in(page: Any, app: App, name: str) -> str:
    sign_in(page, app.base, name)
    return ready(page)


def decide_approve(page: Any) -> str:
    """Press A on the example shown; the id it answered."""
    shown = ready(page)
    page.keyboard.press("a")
    ready(page, settled=False, other_than=shown)
    return shown


# --- fault 1: a note carried over to the next decisions ---------------------------------------
def test_a_note_belongs_to_one_decision_only(app: App, page: Any, name: str) -> None:
    first = signed_in(page, app, name)
    note = page.get_by_label("Note")
    note.click()
    page.keyboard.type("reply invents a refund policy")
    page.keyboard.press("Escape")  # leave the field; the keys act again
    page.keyboard.press("a")
    second = ready(page, other_than=first)
    assert page.get_by_label("Note").input_value() == ""
    page.keyboard.press("a")
    ready(page, other_than=second)
    live = app.live(name)
    assert live[first]["note"] == "reply invents a refund policy"
    assert live[second].get("note", "") == ""


# --- fault 2: shortcuts fire while typing; dead after touching a sidebar filter -----------------
def test_keys_never_act_while_a_text_field_has_focus_and_act_from_anywhere_else(app: App, page: Any, name: str) -> None:
    first = signed_in(page, app, name)
    page.keyboard.press("x")  # reject: the rule picker takes the focus
    assert focused(page)["label"] == "Filter rules"
    page.keyboard.type("tb-no-tax-advice")  # n, a, x, a, e ... are letters here, not keys
    page.get_by_label("Note").click()
    page.keyboard.type("an aside; nothing to approve")
    time.sleep(0.5)
    assert app.decisions(name) == []
    assert card(page).get_attribute("data-example") == first
    # A click in the sidebar (a filter checkbox), then a key: it acts, no click in the card first.
    page.keyboard.press("Escape")
    page.get_by_text("Queue filters").click()
    page.get_by_text("Include conflicts").click()  # the focus stays on a checkbox: not a text field
    page.keyboard.press("a")  # at once, while the filter change may still be running
    ready(page, other_than=first)
    assert [r["example_id"] for r in app.decisions(name)] == [first]
    # Right after a reload, without any click.
    page.reload()
    second = ready(page)
    page.keyboard.press("a")
    ready(page, other_than=second)
    assert [r["example_id"] for r in app.decisions(name)] == [first, second]


# --- fault 3: reject finishable by keyboard, with a reason -------------------------------------
def test_reject_by_keyboard_alone_and_never_without_a_reason(app: App, page: Any, name: str) -> None:
    first = signed_in(page, app, name)
    page.keyboard.press("x")
    assert focused(page)["label"] == "Filter rules"
    chosen = page.locator("[data-testid=chosen-rules]")
    while chosen.get_by_role("button").count():  # drop the rules the checks preselected
        chosen.get_by_role("button").first.click()
    page.get_by_label("Filter rules").focus()
    page.keyboard.press("Control+Enter")  # no rule, no note: refused on the page
    assert "at least one violated rule" in page.locator("[data-testid=review-card] [role=alert]").inner_text()
    page.keyboard.type("no-tax")
    page.keyboard.press("Enter")  # adds the highlighted rule
    assert chosen.inner_text().startswith("tb-no-tax-advice")
    page.keyboard.press("Escape")  # closes the panel ...
    assert card(page).get_attribute("data-panel") == ""
    page.keyboard.press("x")  # ... and the chosen rule is still there
    assert "tb-no-tax-advice" in page.locator("[data-testid=chosen-rules]").inner_text()
    page.keyboard.press("Control+Enter")
    ready(page, other_than=first)
    (row,) = app.decisions(name)
    assert (row["example_id"], row["verdict"], row["rules"]) == (first, "reject", ["tb-no-tax-advice"])


# --- fault 4: undo after skip ------------------------------------------------------------------
def test_undo_takes_back_the_skip_not_the_decision_before_it(app: App, page: Any, name: str) -> None:
    first = signed_in(page, app, name)
    decide_approve(page)
    second = ready(page)
    page.keyboard.press("s")
    third = ready(page, other_than=second)
    assert third not in (first, second)
    page.keyboard.press("u")
    assert ready(page, other_than=third) == second  # the skipped example, at once
    assert "Undid your skip" in notice(page)
    assert list(app.live(name)) == [first]  # the approve before the skip stands


# --- fault 5: a stale tab ----------------------------------------------------------------------
def test_a_stale_tab_cannot_record_a_second_decision(app: App, page: Any, name: str) -> None:
    first = signed_in(page, app, name)
    other = page.context.new_page()
    other.goto(app.base)
    assert ready(other) == first  # both tabs show the same claim
    other.keyboard.press("a")
    ready(other, other_than=first)
    page.keyboard.press("x")
    page.get_by_label("Note").click()
    page.keyboard.type("off-topic")
    page.keyboard.press("Control+Enter")
    settled(page)
    assert "already decided example" in notice(page)
    rows = app.decisions(name)
    assert [(r["example_id"], r["verdict"]) for r in rows] == [(first, "approve")]


# --- fault 6: leads and admins claim by landing on Review ---------------------------------------
@pytest.mark.parametrize("who,landing", [("lead", "Lead"), ("admin", "Admin")])
def test_leads_and_admins_land_elsewhere_and_claim_nothing(app: App, page: Any, who: str, landing: str) -> None:
    sign_in(page, app.base, who)
    page.get_by_role("heading", name=landing).wait_for(timeout=30_000)
    time.sleep(1)
    with sqlite3.connect(app.folder / "curator.db") as db:
        held = db.execute("SELECT count(*) FROM claims JOIN users ON users.id = claims.user_id WHERE users.name = ?", (who,)).fetchone()
    assert held == (0,)


# --- fault 7: over-long conversations ----------------------------------------------------------
def test_a_huge_conversation_is_folded_and_decided_by_keyboard(app: App, page: Any, name: str) -> None:
    big = _extra()[0]
    sign_in(page, app.base, name)
    before = ready(page)
    page.get_by_text("Queue filters").click()
    choose(page, page.get_by_label("Source"), "huge.jsonl")
    page.keyboard.press("Escape")
    page.keyboard.press("Escape")
    assert ready(page, other_than=before) == big.id
    height = page.evaluate("document.querySelector('[data-testid=stMain]').scrollHeight")
    assert height < 12_000, height  # folded: not the 140,000 px page of before
    assert page.get_by_role("button", name="Show all", exact=False).count() > 0
    page.keyboard.press("a")  # folded, the card no longer re-renders 140,000 px per key (9-16 s each)
    settled(page)
    assert card(page).get_attribute("data-example") != big.id
    assert app.live(name)[big.id]["verdict"] == "approve"


# --- fault 8: the edit diff --------------------------------------------------------------------
def test_edit_shows_a_live_wrapped_word_diff_and_says_it_saved_an_edit(app: App, page: Any, name: str) -> None:
    from playwright.sync_api import expect

    first = signed_in(page, app, name)
    page.keyboard.press("e")
    assert (focused(page)["label"] or "").startswith("Message ")
    page.keyboard.press("Control+End")
    page.keyboard.type(" Anything else I can help with?")
    diff = page.locator("[data-testid=diff]:visible")
    added = diff.locator("ins")
    expect(added).to_have_text(" Anything else I can help with?")  # live, before any save, word by word
    assert diff.evaluate("d => getComputedStyle(d).whiteSpace") == "pre-wrap"
    assert app.decisions(name) == []
    page.keyboard.press("Control+Enter")
    ready(page, other_than=first)
    assert notice(page).startswith("Saved edit of example")
    (row,) = app.decisions(name)
    assert row["verdict"] == "approve" and row["correction"]["messages"][-1]["content"].endswith(" Anything else I can help with?")


# --- fault 9: no host but the app's own --------------------------------------------------------
def test_a_whole_session_requests_nothing_from_any_other_host(app: App, browser: Any) -> None:
    from urllib.parse import urlparse

    own = urlparse(app.base).netloc
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    seen: list[str] = []
    context.on("request", lambda r: seen.append(r.url))
    page = context.new_page()

    def foreign() -> list[str]:
        return sorted({u for u in seen if urlparse(u).scheme not in ("data", "blob") and urlparse(u).netloc != own})

    sign_in(page, app.base, "admin")
    for path in ("review", "browse", "dashboard", "lead", "admin"):  # every page, as loaded
        page.goto(app.base + path)
        page.wait_for_load_state("networkidle")
        page.get_by_role("button", name="Sign out").wait_for(timeout=30_000)
    assert seen and foreign() == []
    page.goto(app.base + "review")  # and used: a decision, the keys overlay, an opened example
    shown = ready(page)
    page.keyboard.press("a")
    ready(page, other_than=shown)
    page.keyboard.press("?")
    page.goto(app.base + "browse")
    page.get_by_label("Open an example by id").fill(shown)
    page.keyboard.press("Enter")
    page.locator(".view").first.wait_for(timeout=30_000)
    page.wait_for_load_state("networkidle")
    context.close()
    assert foreign() == []


# --- done when: a 30-decision keyboard session ends with exactly the decisions intended --------
def test_thirty_decisions_by_keyboard_end_as_intended(app: App, page: Any, name: str) -> None:
    import json
    import subprocess
    import sys

    intended: dict[str, tuple[Any, ...]] = {}
    done: list[tuple[str, str]] = []  # (kind, example) in order, for undo

    def shown(p: Any = page) -> str:
        return ready(p, settled=False)

    def approve(p: Any = page, note: str = "") -> None:
        ex = shown(p)
        if note:
            p.get_by_label("Note").click()
            p.keyboard.type(note)
            p.keyboard.press("Enter")
        p.keyboard.press("a")
        intended[ex] = ("approve", note)
        done.append(("decision", ex))
        ready(p, settled=False, other_than=ex)

    def negative(reply: str) -> None:
        ex = shown()
        page.keyboard.press("n")
        page.keyboard.type(reply)  # replaces the prefilled original reply
        page.keyboard.press("Control+Enter")
        intended[ex] = ("negative", reply)
        done.append(("decision", ex))
        ready(page, settled=False, other_than=ex)

    def reject() -> None:
        ex = shown()
        page.keyboard.press("x")
        page.keyboard.type("no-tax")
        page.keyboard.press("Enter")
        rules = [c.replace(" ✕", "") for c in page.locator("[data-testid=chosen-rules]").get_by_role("button").all_inner_texts()]
        page.keyboard.press("Control+Enter")
        intended[ex] = ("reject", sorted(rules))
        done.append(("decision", ex))
        ready(page, settled=False, other_than=ex)

    def edit(tail: str) -> None:
        ex = shown()
        page.keyboard.press("e")
        page.keyboard.press("Control+End")
        page.keyboard.type(tail)
        page.keyboard.press("Control+Enter")
        intended[ex] = ("edit", tail)
        done.append(("decision", ex))
        ready(page, settled=False, other_than=ex)

    def skip() -> None:
        ex = shown()
        page.keyboard.press("s")
        done.append(("skip", ex))
        ready(page, settled=False, other_than=ex)

    def undo() -> None:
        kind, ex = done.pop()
        page.keyboard.press("u")
        assert ready(page) == ex
        if kind == "decision":
            del intended[ex]

    sign_in(page, app.base, name)
    for _ in range(5):
        approve()
    negative("Sorry, I can't promise that refund; I've passed your case to our billing team.")
    reject()
    edit(" Anything else I can help with?")
    skip()
    approve()
    undo()  # takes back that approve: the same example is shown again
    approve(note="checked twice")
    skip()
    undo()  # takes back the skip: the skipped example comes back at once
    reject()
    for _ in range(4):
        approve()  # each key as soon as the next example is painted, answers still on their way
    settled(page)
    page.reload()
    approve()
    negative("Please contact our billing team about this charge.")
    edit(" Thanks for asking!")
    settled(page)
    other = page.context.new_page()  # a second tab: it shows the same claim
    other.goto(app.base)
    stale = ready(other)
    assert stale == ready(page)
    approve(other)
    approve(other)
    settled(other)
    other.close()
    page.keyboard.press("a")  # the first tab still shows the example decided in the other one
    settled(page)
    assert "already decided example" in notice(page)
    while len(intended) < 30:
        approve()
    settled(page)
    assert len(intended) == 30

    log = app.folder / "decisions.jsonl"
    subprocess.run([sys.executable, "-m", "curator", "--db", app.url, "decisions", "export", str(log)], check=True)
    rows = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    gone = {r["target_id"] for r in rows if r.get("kind") == "retraction"}
    rows = [r for r in rows if r["reviewer"] == name]
    live = [r for r in rows if r.get("kind", "decision") == "decision" and r["id"] not in gone]
    assert len(live) == 30 and len({r["example_id"] for r in live}) == 30
    assert all(r["guideline_version"].startswith("general@") for r in live)
    got: dict[str, tuple[Any, ...]] = {}
    for r in live:
        correction = r.get("correction") or {}
        if r["verdict"] == "negative":
            got[r["example_id"]] = ("negative", correction["reply"]["content"])
        elif r["verdict"] == "reject":
            got[r["example_id"]] = ("reject", sorted(r["rules"]))
        elif correction.get("messages"):
            content = correction["messages"][-1]["content"]
            got[r["example_id"]] = ("edit", next(t for t in (" Anything else I can help with?", " Thanks for asking!") if content.endswith(t)))
        else:
            got[r["example_id"]] = ("approve", r.get("note", ""))
    assert got == intended
    assert len(rows) - len(live) == 2  # exactly the two undone decisions, as retractions


# --- the rest of the card: keys overlay, recent decisions, jump, lost claims, hostile text -----
def test_keys_overlay_recent_decisions_and_jump(app: App, page: Any, name: str) -> None:
    first = signed_in(page, app, name)
    place = page.locator("[data-testid=review-card] .where").inner_text().split(" · ")[1]  # source:line
    page.keyboard.press("?")
    help_box = page.locator("[data-testid=help]")
    for key in ("A", "N", "X", "E", "S", "U", "H", "G", "Ctrl+Enter", "Esc"):
        assert help_box.get_by_role("cell", name=key, exact=True).count() == 1, key
    page.keyboard.press("Escape")
    assert help_box.count() == 0
    decide_approve(page)
    second = decide_approve(page)
    settled(page)
    page.keyboard.press("h")
    recent = page.locator("[data-testid=recent]")
    assert recent.locator(".recent-row").count() == 2
    assert focused(page)["tag"] == "BUTTON"  # the first row's Reopen: Enter uses it
    page.keyboard.press("Enter")
    assert ready(page) == second
    assert "Changing your approve" in card(page).inner_text()
    page.get_by_label("Note").click()
    page.keyboard.type("not an invoice question")
    page.keyboard.press("Escape")
    page.keyboard.press("x")
    page.keyboard.press("Control+Enter")
    ready(page, other_than=second)
    live = app.live(name)
    assert (live[first]["verdict"], live[second]["verdict"]) == ("approve", "reject")  # changed, never two
    page.keyboard.press("g")
    page.keyboard.type(place)
    page.keyboard.press("Enter")
    assert ready(page) == first
    page.keyboard.press("h")
    page.locator("[data-testid=recent]").get_by_role("button", name="Undo").first.click()
    settled(page)
    assert "Undid your" in notice(page)
    assert len(app.live(name)) == 1


def test_the_page_says_when_a_claim_was_lost(app: App, page: Any, name: str) -> None:
    from datetime import timedelta

    from curator.models import utcnow
    from curator.services import queue
    from curator.store import Store
    from curator.store import users as users_repo
    from curator.store.schema import claims

    held = signed_in(page, app, name)
    store = Store(app.url)
    other = fresh()
    with store.write() as conn:  # ana went away for 31 minutes ...
        conn.execute(claims.update().where(claims.c.user_id == users_repo.get_by_name(conn, name).id).values(expires_at=utcnow() - timedelta(minutes=1)))
    with store.read() as conn:
        taker = users_repo.get_by_name(conn, other)
    assert queue.deal(store, taker, gold_rate=0).current.example.id == held  # ... and someone else took it
    store.close()
    page.keyboard.press("a")
    settled(page)
    text = card(page).inner_text()
    assert f"expired and {other} has it now" in text
    assert app.decisions(name) == []


def test_conversation_text_is_shown_as_text_and_loads_nothing(app: App, page: Any, name: str) -> None:
    evil = _extra()[1]
    seen: list[str] = []
    page.on("request", lambda r: seen.append(r.url))
    sign_in(page, app.base, name)
    page.goto(app.base + "browse")
    page.get_by_label("Open an example by id").fill(evil.id)
    page.keyboard.press("Enter")
    shown = page.locator(".view").get_by_text(HOSTILE, exact=True)
    shown.wait_for(timeout=30_000)
    assert page.evaluate("window.pwned") is None
    assert not [u for u in seen if "tracker.invalid" in u]


def test_a_reviewer_sent_to_a_lead_page_is_told_why(app: App, page: Any, name: str) -> None:
    signed_in(page, app, name)
    page.goto(app.base + "lead")
    page.get_by_text("The Lead page needs a lead or above", exact=False).wait_for(timeout=30_000)
