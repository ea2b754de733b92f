"""Review: one example at a time in the review card, decided with the keyboard, guidelines beside it."""

from __future__ import annotations

from typing import Any

import streamlit as st

from curator.app import chat, components, deps, figures, state
from curator.models import UserRole
from curator.services import browse as browse_service
from curator.services import cluster_decisions, queue, queue_order
from curator.services import review as review_service
from curator.services import suggestions as suggestions_service
from curator.services.queue import FIRST_RANK, QueueFilter

TITLE = "Review"
ICON = ":material/rate_review:"
MIN_ROLE = UserRole.REVIEWER
EMPTY = "Your queue is empty: every example here is decided or held by another reviewer."
SEVERITY_BADGE = {"blocker": "red", "major": "orange", "minor": "gray"}


@st.cache_data(ttl=300, show_spinner=False)
def _sources(url: str) -> list[str]:
    return browse_service.source_names(deps.get_store())


def _filters(gs: Any) -> QueueFilter:
    with st.sidebar.expander("Queue filters", icon=":material/filter_list:"):
        st.multiselect("Source", _sources(deps.get_store().url), key=state.K_SOURCES, placeholder="every source")
        st.selectbox("Flagged by rule", [""] + list(gs.ids if gs is not None else []), key=state.K_RULE, format_func=lambda r: r or "any")
        st.checkbox("Only pairs with a rejected alternative", key=state.K_REJECTED_ONLY)
        st.checkbox("Include conflicts", key=state.K_CONFLICTS)
    return state.queue_filter()


def _on_outbox() -> None:
    """Carry out the card's new intents in order (before the rerun draws the result)."""
    outbox = state.card_outbox()
    user = deps.current_user()
    if not outbox or user is None:
        return
    card_id, done = str(outbox.get("card", "")), state.acked(str(outbox.get("card", "")))
    items = sorted((i for i in outbox.get("items") or [] if isinstance(i, dict) and isinstance(i.get("seq"), int)), key=lambda i: i["seq"])
    gs = deps.guideline_set()
    for item in items:
        if item["seq"] <= done:
            continue  # sent again while its answer was on its way: carried out once only
        notice = review_service.apply(deps.get_store(), user, item, known_rules=set(gs.ids) if gs is not None else None,
                                      guideline_version=gs.version if gs is not None else None)
        state.put(state.NOTICE, notice)
        state.put(state.ACKED, (card_id, item["seq"]))
        if item.get("action") in ("undo", "undo_decision", "reopen", "jump", "cluster"):
            state.put(state.SHOWN, ())  # the reviewer moved on purpose: nothing shown was lost
        elif notice.kind == "ok":  # decided or skipped here: let go on purpose, not lost (and not asked about)
            state.put(state.SHOWN, tuple(s for s in state.get(state.SHOWN) or () if s[0] != item.get("example_id")))


def _card(claim: queue.Claim | None, gs: Any, flags_by_id: dict[str, list[dict[str, Any]]], store: Any, user: Any) -> dict[str, Any] | None:
    if claim is None:
        return None
    ex = claim.example
    where = ex.source.name if ex.source else "unknown source"  # as a decisions file names it, no server path
    line = f":{ex.source.line}" if ex.source and ex.source.line else ""
    tokens = f"{ex.tokens:,} tokens" if ex.tokens is not None else "tokens not counted"
    severity = {r.id: str(r.severity) for r in gs.rules} if gs is not None else {}
    flags = flags_by_id.get(ex.id, [])
    final = ex.final_reply
    editable = {str(i): m.content for i, m in enumerate(ex.messages) if isinstance(m.content, str)}
    replaces = None
    if claim.replaces is not None:
        earlier = next((r.decision for r in queue.recent(store, user, limit=200) if r.decision.id == claim.replaces), None)
        if earlier is not None:
            reply = earlier.correction.reply.text if earlier.correction and earlier.correction.reply else None
            replaces = {"verdict": earlier.verdict.value if earlier.verdict else "decision", "note": earlier.note, "rules": earlier.rules, "reply": reply}
    return {
        "example_id": ex.id,
        "token": claim.token,
        "seq": claim.seq,
        "gold": claim.gold,
        "header": f"Example {claim.seq} · {where}{line} · {tokens} · id {ex.id}",
        "warnings": list(ex.warnings),
        "flags": [{"rule_id": f.get("rule_id", "?"), "check": f.get("check_name", "check"), "message": f.get("message", ""),
                   "severity": severity.get(f.get("rule_id", ""), "minor")} for f in flags],
        "preselect": [r for r in dict.fromkeys(f.get("rule_id") for f in flags) if r in severity],
        "original_reply": final.text if final is not None else "",
        "editable": editable,
        "roles": {str(i): m.role.value for i, m in enumerate(ex.messages)},
        "last_editable": max((int(i) for i in editable), default=-1),
        "replaces": replaces,
        "conversation": chat.conversation_data(ex),
        "suggestions": [{"id": s.id, "model": s.model, "verdict": s.verdict.value, "rules": s.rules, "rationale": s.rationale}
                        for s in suggestions_service.shown_to(store, user, ex.id)],
        "cluster": _cluster(store, user, ex.id),
    }


def _cluster(store: Any, user: Any, example_id: str) -> dict[str, Any] | None:
    """The near-duplicate cluster this example represents, for the card's confirmation panel."""
    found = cluster_decisions.preview(store, user, example_id)
    return chat.cluster_data(found) if found is not None else None


def _recent(store: Any, user: Any) -> list[dict[str, Any]]:
    rows = []
    for r in queue.recent(store, user):
        d = r.decision
        bits = [f"example {r.seq}", f"{d.created_at:%H:%M}"]
        if d.rules:
            bits.append(", ".join(d.rules))
        if d.correction is not None:
            bits.append("edited" if d.correction.messages else "with desired reply")
        if d.note:
            bits.append(f"note: {d.note[:60]}")
        rows.append({"decision_id": d.id, "verdict": d.verdict.value if d.verdict else "?", "label": " · ".join(bits), "live": r.live})
    return rows


def _progress(store: Any, user: Any, flt: QueueFilter) -> None:
    counted = figures.queue_progress(store, flt)
    today = queue.today_count(store, user)
    if counted is None:  # the same element either way, so the card below keeps its place
        st.progress(0.0, text=f"counting the queue… · {today:,} decided by you today")
        return
    total, decided = counted
    st.progress(decided / total if total else 1.0, text=f"{decided:,} / {total:,} decided in this queue · {today:,} by you today")


def _guidelines(gs: Any) -> None:
    st.subheader("Guidelines", divider="gray", anchor=False)
    if gs is None:
        st.info("No guidelines loaded yet (a lead loads them with `curator guidelines load`).")
        return
    # Two elements however many rules; severities apart by colour (blocker red, major orange).
    lines = [f":{SEVERITY_BADGE.get(str(r.severity), 'gray')}-badge[{r.severity}] **{chat.plain(r.id)}** · {chat.plain(r.title)}" for r in gs.rules]
    st.markdown("  \n".join(lines))
    with st.expander("Full text of every rule", icon=":material/menu_book:"):
        parts = []
        for rule in gs.rules:
            part = f":{SEVERITY_BADGE.get(str(rule.severity), 'gray')}-badge[{rule.severity}] **{chat.plain(rule.id)} · {chat.plain(rule.title)}**  \n{chat.plain(rule.text)}"
            if rule.good:
                part += f"  \n_Good:_ {chat.plain(rule.good)}"
            if rule.bad:
                part += f"  \n_Bad:_ {chat.plain(rule.bad)}"
            parts.append(part)
        st.markdown("\n\n".join(parts))
    st.caption(chat.plain(f"version {gs.version}"))


def render() -> None:
    """The review page: deal the reviewer's claims, show the card, carry out what it sends."""
    user = deps.require_role(MIN_ROLE)
    store = deps.get_store()
    gs = deps.guideline_set()
    flt = _filters(gs)
    if state.get(state.LAST_FILTER) != flt:
        # Held examples the new filter excludes go back to the queue (deal does it); the
        # others keep their claim, so a key pressed while the filter applies still counts.
        state.put(state.LAST_FILTER, flt)
        state.put(state.SHOWN, ())
    if state.get(state.QUEUE_REVISION) != queue_order.get(store).revision:
        state.put(state.CURSOR, FIRST_RANK)  # a lead changed the order: start again at its head
    hand = queue.deal(store, user, flt=flt, after_rank=state.cursor(), shown=tuple(state.get(state.SHOWN) or ()))
    held = [c for c in (hand.current, hand.next) if c is not None]
    order = queue_order.serving(store, hand.current.example.id if hand.current else None)
    state.put(state.QUEUE_REVISION, order.revision)
    state.put(state.SHOWN, tuple((c.example.id, c.token, c.seq) for c in held))
    if held:
        state.put(state.CURSOR, held[-1].rank)
    flags = {c.example.id: deps.flags_for(c.example.id) for c in held}
    notice = state.get(state.NOTICE)
    ack = state.get(state.ACKED)
    _progress(store, user, flt)
    st.caption(chat.plain(order.text))
    with st.sidebar:
        _guidelines(gs)  # beside the card at any width; the card takes the page
    components.review(
        {
            "ack": {"card": ack[0], "seq": ack[1]} if ack else None,
            "current": _card(hand.current, gs, flags, store, user),
            "next": _card(hand.next, gs, flags, store, user),
            "rules": [{"id": r.id, "title": r.title, "severity": str(r.severity)} for r in gs.rules] if gs is not None else [],
            "recent": _recent(store, user),
            "notice": {"kind": notice.kind, "text": notice.text} if notice else None,
            "lost": hand.lost,
            "empty": EMPTY,
        },
        key=state.K_CARD,
        on_outbox=_on_outbox,
    )
