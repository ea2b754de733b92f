"""services.review: the review card's intents, untrusted JSON checked and carried out once."""

from __future__ import annotations

import pytest

from conftest import make_user
from curator.services import decisions as decisions_service
from curator.services import queue
from curator.services.review import Notice, apply
from curator.store import Store
from helpers import add_examples


def hand(store: Store, user) -> queue.Hand:  # type: ignore[no-untyped-def]
    return queue.deal(store, user, gold_rate=0)


def intent(claim: queue.Claim, action: str, **extra) -> dict:  # type: ignore[no-untyped-def]
    return {"seq": 1, "action": action, "example_id": claim.example.id, "token": claim.token, **extra}


def test_each_action_records_what_it_says(store: Store) -> None:
    exs = add_examples(store, 6)
    ana = make_user(store, "ana")
    c = hand(store, ana).current
    assert apply(store, ana, intent(c, "approve", note=" fine "), guideline_version="g@1") == Notice("ok", "Approved example 1")
    c = hand(store, ana).current
    assert apply(store, ana, intent(c, "negative", reply="Open the invoice, then Export.")).text == "Marked negative example 2 with a desired reply"
    c = hand(store, ana).current
    # The prefilled original sent back unchanged is no correction: an uncorrected negative.
    assert apply(store, ana, intent(c, "negative", reply=c.example.final_reply.text)).text == "Marked negative example 3"
    c = hand(store, ana).current
    assert apply(store, ana, intent(c, "reject", rules=["R1", "R1"]), known_rules={"R1"}).text == "Rejected example 4"
    c = hand(store, ana).current
    edit = intent(c, "edit", messages=[{"index": 2, "content": "Open invoice 4 and choose Export."}])
    assert apply(store, ana, edit).text == "Saved edit of example 5"
    c = hand(store, ana).current
    assert apply(store, ana, intent(c, "skip")).text == "Skipped example 6"
    got = [decisions_service.history(store, e.id) for e in exs[:5]]
    first, neg, bare, rej, edited = (h[0] for h in got)
    assert (first.verdict, first.note, first.guideline_version) == ("approve", "fine", "g@1")
    assert neg.correction.reply.content == "Open the invoice, then Export."  # type: ignore[union-attr]
    assert bare.verdict == "negative" and bare.correction is None
    assert (rej.verdict, rej.rules) == ("reject", ["R1"])
    assert edited.correction.messages[2].content == "Open invoice 4 and choose Export."  # type: ignore[union-attr]
    assert edited.correction.messages[1].content == exs[4].messages[1].content  # type: ignore[union-attr]
    assert apply(store, ana, {"seq": 9, "action": "undo"}).text == "Undid your skip of example 6"
    assert apply(store, ana, {"seq": 10, "action": "undo"}).text == "Undid your approve of example 5"


@pytest.mark.parametrize(
    "bad,message",
    [
        ({"action": "delete"}, "unknown action"),
        ({"action": "reject"}, "rule or a note"),
        ({"action": "reject", "rules": "R1"}, "list of rule ids"),
        ({"action": "reject", "rules": ["nope"]}, "unknown rule id"),
        ({"action": "edit", "messages": []}, "nothing edited"),
        ({"action": "edit", "messages": [{"index": 2, "content": "Open invoice 0, then choose Export > PDF."}]}, "nothing edited"),
        ({"action": "edit", "messages": [{"index": 7, "content": "x"}]}, "message index"),
        ({"action": "approve", "note": 5}, "note must be text"),
        ({"action": "approve", "token": "forged"}, "nothing recorded"),
        ({"action": "jump", "ref": "nowhere.jsonl:3"}, "source:line"),
        ({"action": "reopen", "decision_id": "1"}, "must be a number"),
    ],
)
def test_bad_or_stale_intents_record_nothing_and_say_why(sqlite_store: Store, bad: dict, message: str) -> None:
    add_examples(sqlite_store, 2)
    ana = make_user(sqlite_store, "ana")
    c = hand(sqlite_store, ana).current
    notice = apply(sqlite_store, ana, {**intent(c, "approve"), **bad}, known_rules={"R1"})
    assert notice.kind == "error" and message in notice.text
    assert queue.recent(sqlite_store, ana) == []


def test_reopen_and_undo_from_the_recent_list(sqlite_store: Store) -> None:
    exs = add_examples(sqlite_store, 3)
    ana = make_user(sqlite_store, "ana")
    apply(sqlite_store, ana, intent(hand(sqlite_store, ana).current, "approve"))
    apply(sqlite_store, ana, intent(hand(sqlite_store, ana).current, "approve"))
    first, second = (r.decision.id for r in reversed(queue.recent(sqlite_store, ana)))
    assert apply(sqlite_store, ana, {"action": "reopen", "decision_id": first}).kind == "info"
    c = hand(sqlite_store, ana).current
    assert c.example.id == exs[0].id and c.replaces == first  # type: ignore[union-attr]
    assert apply(sqlite_store, ana, intent(c, "reject", note="changed my mind")).text == "Rejected example 1"
    assert apply(sqlite_store, ana, {"action": "undo_decision", "decision_id": second}).text == "Undid your approve of example 2"
    live = {r.decision.example_id: r.decision.verdict for r in queue.recent(sqlite_store, ana) if r.live}
    assert live == {exs[0].id: "reject"}
