"""Deciding a near-duplicate cluster once and accepting a model's suggestion, in the real browser (issue 15).

A real `curator app` on a copy of the demo database with a near-duplicate cluster (found by
`curator dedup`) and a judge's suggestions (`curator suggestions import`); the decision log
is read back through `curator decisions export`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from click.testing import CliRunner
from playwright.sync_api import expect

from browser_kit import App, card, demo_database, notice, ready, serve, settled, sign_in
from curator.cli import main

pytestmark = pytest.mark.browser

BASE = ("Our team exported the quarterly invoices to a spreadsheet last week, and every total in the "
        "summary column now shows a rounding difference of a few cents against the ledger; the customer "
        "asked whether the tax lines are rounded per line or per invoice, and which setting controls it.")
VARIANTS = [BASE, BASE.replace("last week", "last month"), BASE.replace("a few cents", "several cents"),
            BASE.replace("the customer", "our accountant")]
REPLY = "Rounding is per line by default; switch Settings > Taxes > Rounding to per invoice to match the ledger."


def _extra() -> list[Any]:
    from curator.models import Example, Source

    near = [Example.create([{"role": "user", "content": text}, {"role": "assistant", "content": REPLY}],
                           source=Source(name="near.jsonl", line=i + 1)) for i, text in enumerate(VARIANTS)]
    judged = Example.create([{"role": "user", "content": "Can I delete a paid invoice?"},
                             {"role": "assistant", "content": "Yes, just delete it; nobody will notice."}],
                            source=Source(name="judged.jsonl", line=1))
    # The judged example comes first: the look-ahead of the reviewers who decide the cluster
    # moves on after it and never holds it.
    return [judged, *near]


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[App, dict[str, Any]]]:
    from curator.store import Store, cluster_store
    from curator.store import examples as examples_repo

    folder = tmp_path_factory.mktemp("demo")
    extra = _extra()
    template = demo_database(folder, reviewers=3, extra=extra)
    url = f"sqlite:///{template}"
    result = CliRunner().invoke(main, ["--db", url, "dedup"])
    assert result.exit_code == 0, result.output
    judge = folder / "judge.jsonl"
    judge.write_text(json.dumps({"source": "judged.jsonl", "line": 1, "model": "judge-7b", "verdict": "reject",
                                 "rules": [], "rationale": "Tells the customer to destroy accounting records."}) + "\n")
    result = CliRunner().invoke(main, ["--db", url, "suggestions", "import", str(judge)])
    assert result.exit_code == 0, result.output
    store = Store(url)
    with store.read() as conn:
        cluster = cluster_store.cluster_of(conn, extra[1].id)
        seqs = {e.id: int(examples_repo.get_row(conn, e.id)["seq"]) for e in extra}
    store.close()
    assert cluster is not None and {m["example_id"] for m in cluster["members"]} == {e.id for e in extra[1:]}
    rep = next(m["example_id"] for m in cluster["members"] if m["is_representative"])
    info = {"rep": rep, "members": sorted(e.id for e in extra[1:] if e.id != rep), "judged": extra[0].id, "seqs": seqs}
    for app in serve(template, tmp_path_factory.mktemp("served")):
        yield app, info


def _page(browser: Any) -> Any:
    return browser.new_context(viewport={"width": 1440, "height": 1000}).new_page()


def _jump(page: Any, example_id: str) -> None:
    """G, the example's id, Enter: the card shows that example."""
    shown = ready(page)
    if shown == example_id:
        return
    page.keyboard.press("g")
    page.keyboard.type(example_id)
    page.keyboard.press("Enter")
    ready(page, other_than=shown)
    assert card(page).get_attribute("data-example") == example_id


def test_a_cluster_decided_once_with_confirmation_then_undone_by_a_lead_in_one_action(setup: tuple[App, dict[str, Any]], browser: Any) -> None:
    app, info = setup
    rep, members = info["rep"], info["members"]
    # r2 decides one member first: the cluster decision must leave it alone, and say so.
    other = _page(browser)
    sign_in(other, app.base, "r2")
    _jump(other, members[0])
    other.keyboard.press("a")
    ready(other, other_than=members[0])
    other.context.close()

    page = _page(browser)
    sign_in(page, app.base, "r1")
    _jump(page, rep)
    assert "near-duplicate cluster of 4" in page.locator("[data-testid=cluster-line]").inner_text()
    page.keyboard.press("?")
    assert "cluster: decide this example and its near duplicates" in page.locator("[data-testid=help]").inner_text()
    page.keyboard.press("Escape")
    page.keyboard.press("c")  # the confirmation: nothing is recorded yet
    panel = page.locator("[data-testid=cluster]")
    panel.wait_for(timeout=10_000)
    diffs = panel.locator("[data-testid=member-diff]")
    assert diffs.count() == 2  # the two open members, each as its word diff against the representative
    changed = " ".join(diffs.nth(i).locator("ins").all_inner_texts()[0] for i in range(2))
    assert any(word in changed for word in ("month", "several", "accountant"))
    assert "already decided by someone; left as it is" in panel.locator("[data-testid=cluster-left]").inner_text()
    assert app.decisions("r1") == []
    page.keyboard.press("a")  # approve the representative and the open members
    settled(page)
    seqs = sorted(info["seqs"][m] for m in members[1:])
    assert f"and 2 of its cluster (example {seqs[0]}, example {seqs[1]})" in notice(page)
    log = app.decisions("r1")
    (read,) = [d for d in log if d["example_id"] == rep]
    assert "via_cluster" not in read
    copies = {d["example_id"]: d for d in log if d.get("via_cluster") == read["id"]}
    assert sorted(copies) == members[1:] and {d["verdict"] for d in copies.values()} == {"approve"}
    assert app.live("r2")[members[0]].get("via_cluster") is None  # r2's own decision stands
    page.context.close()

    lead = _page(browser)
    sign_in(lead, app.base, "lead")
    lead.get_by_role("link", name="Lead").click()
    lead.get_by_role("tab", name="Clusters").click()
    expect(lead.get_by_role("combobox", name="Propagation")).to_have_value(
        f"decision {read['id']} · example {info['seqs'][rep]} · approve by r1 · 2 members", timeout=30_000)
    lead.get_by_role("button", name="Undo propagation").click()
    lead.get_by_text("No decision propagated to a cluster stands.").wait_for(timeout=30_000)
    lead.context.close()
    log = app.decisions()
    retracted = {d["target_id"] for d in log if d.get("kind") == "retraction" and d["reviewer"] == "lead"}
    assert retracted == {d["id"] for d in copies.values()}  # every propagated decision, in one action
    assert rep in app.live("r1")  # the representative keeps the decision that was read


def test_accepting_a_models_suggestion_with_one_key(setup: tuple[App, dict[str, Any]], browser: Any) -> None:
    app, info = setup
    page = _page(browser)
    sign_in(page, app.base, "r3")
    _jump(page, info["judged"])
    shown = page.locator("[data-testid=suggestion]")
    assert "judge-7b" in shown.inner_text() and "destroy accounting records" in shown.inner_text()
    assert app.decisions("r3") == []
    page.keyboard.press("j")
    ready(page, other_than=info["judged"])
    settled(page)
    (d,) = app.decisions("r3")
    assert (d["example_id"], d["verdict"]) == (info["judged"], "reject")
    assert isinstance(d["suggestion_id"], int) and "via_cluster" not in d
    assert "judge-7b" in d["note"]  # a reject says why: the judge's rationale, as accepted
    page.context.close()
