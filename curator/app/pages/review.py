"""Review: one example at a time, decided with the keyboard against the guidelines beside it."""

from __future__ import annotations

from typing import Any

import streamlit as st

from curator.app import chat, deps, state
from curator.errors import CuratorError
from curator.models import Correction, Decision, Example, Message, Role, User, UserRole, Verdict
from curator.services import queue
from curator.store import Store
from curator.store import examples as examples_repo
from curator.store.claims import QueueFilter

TITLE = "Review"
ICON = ":material/rate_review:"
MIN_ROLE = UserRole.REVIEWER

SHORTCUTS = {"approve": "A", "negative": "N", "reject": "X", "edit": "E", "skip": "S", "undo": "U", "save": "Ctrl+Enter", "cancel": "Esc"}


# --- cached read-mostly figures (they would cost a scan per click at a million examples) ----
def _count(url: str, flt: QueueFilter) -> tuple[int, int]:
    from curator.store import claims as claims_repo

    with deps.get_store().read() as conn:
        return claims_repo.progress(conn, flt)


_cached_count = st.cache_data(ttl=10, show_spinner=False)(_count)
EXACT_BELOW = 100_000  # below this many examples the count is cheap: always exact


def _progress(url: str, flt: QueueFilter) -> tuple[int, int]:
    total, decided = _cached_count(url, flt)
    return _count(url, flt) if total < EXACT_BELOW else (total, decided)


@st.cache_data(ttl=300, show_spinner=False)
def _sources(url: str) -> list[str]:
    with deps.get_store().read() as conn:
        return sorted(examples_repo.counts_by(conn, "source_name"))


# --- actions (button callbacks: they run before the rerun renders the next example) ---------
def _record(store: Store, user: User, verdict: Verdict, *, rules: list[str] | None = None, correction: Correction | None = None) -> None:
    claim = state.claim()
    if claim is None:
        return
    gs = deps.guideline_set()
    decision = Decision(
        example_id=claim.example.id,
        reviewer=user.name,
        verdict=verdict,
        rules=rules or [],
        note=(state.get(state.K_NOTE) or "").strip(),
        correction=correction,
        guideline_version=gs.version if gs is not None else None,
    )
    try:
        queue.decide(store, user, decision, known_rules=set(gs.ids) if gs is not None else None)
    except CuratorError as exc:
        state.put(state.FLASH, ("error", str(exc)))
        return
    done = {Verdict.APPROVE: "Approved", Verdict.NEGATIVE: "Marked negative", Verdict.REJECT: "Rejected"}[verdict]
    state.put(state.FLASH, ("ok", f"{done} example {claim.seq}"))
    state.clear_decision_widgets(claim.example.id, len(claim.example.messages))
    state.set_claim(None)


def _approve(store: Store, user: User) -> None:
    _record(store, user, Verdict.APPROVE)


def _save_negative(store: Store, user: User) -> None:
    reply = (state.get(state.K_REPLY) or "").strip()
    _record(store, user, Verdict.NEGATIVE, correction=Correction(reply=reply) if reply else None)


def _save_reject(store: Store, user: User) -> None:
    _record(store, user, Verdict.REJECT, rules=list(state.get(state.K_RULES) or []))


def _save_edit(store: Store, user: User) -> None:
    claim = state.claim()
    if claim is None:
        return
    edited = _edited_messages(claim.example)
    _record(store, user, Verdict.APPROVE, correction=Correction(messages=edited))


def _skip(store: Store, user: User) -> None:
    claim = state.claim()
    if claim is None:
        return
    queue.skip(store, user, claim.example.id)
    state.put(state.FLASH, ("ok", f"Skipped example {claim.seq}"))
    state.clear_decision_widgets(claim.example.id, len(claim.example.messages))
    state.set_claim(None)


def _undo(store: Store, user: User) -> None:
    old = state.claim()
    undone = queue.undo(store, user)
    if undone is None:
        state.put(state.FLASH, ("info", "Nothing to undo."))
        return
    if old is not None and old.example.id != undone.example_id:
        queue.release(store, user, old.example.id)
        state.clear_decision_widgets(old.example.id, len(old.example.messages))
    state.set_claim(queue.claim_example(store, user, undone.example_id))
    state.put(state.FLASH, ("ok", f"Undid your {undone.verdict.value if undone.verdict else ''} decision"))


def _set_mode(mode: str | None) -> None:
    state.set_mode(mode)


# --- pieces of the page ---------------------------------------------------------------------
def _edited_messages(example: Example) -> list[Message]:
    out: list[Message] = []
    for i, m in enumerate(example.messages):
        key = state.edit_key(example.id, i)
        if isinstance(m.content, str) and key in st.session_state:
            out.append(m.model_copy(update={"content": st.session_state[key]}))
        else:
            out.append(m)
    return out


def _filters(gs: Any) -> QueueFilter:
    with st.sidebar.expander("Queue filters", icon=":material/filter_list:"):
        st.multiselect("Source", _sources(deps.get_store().url), key=state.K_SOURCES, placeholder="every source")
        st.selectbox("Flagged by rule", [""] + list(gs.ids if gs is not None else []), key=state.K_RULE, format_func=lambda r: r or "any")
        st.checkbox("Only pairs with a rejected alternative", key=state.K_REJECTED_ONLY)
        st.checkbox("Include conflicts", key=state.K_CONFLICTS)
    return state.queue_filter()


def _progress_line(store: Store, user: User, flt: QueueFilter) -> None:
    total, decided = _progress(store.url, flt)
    today = queue.today_count(store, user)
    st.progress(decided / total if total else 1.0, text=f"{decided:,} / {total:,} decided in this queue · {today:,} by you today")


def _header(claim: queue.Claim) -> None:
    ex = claim.example
    # The source name is what a decisions file names (source + line), and no server path leaks.
    where = ex.source.name if ex.source else "unknown source"
    line = f":{ex.source.line}" if ex.source and ex.source.line else ""
    tokens = f"{ex.tokens:,} tokens" if ex.tokens is not None else "tokens not counted"
    st.caption(chat.plain(f"Example {claim.seq} · {where}{line} · {tokens} · id {ex.id}"))


def _warnings(example: Example, flags: list[dict[str, Any]]) -> None:
    for w in example.warnings:
        st.warning(chat.plain(w), icon=":material/warning:")
    for f in flags:
        st.error(chat.plain(f"{f.get('rule_id', '?')} ({f.get('check_name', 'check')}): {f.get('message', '')}"), icon=":material/flag:")


def _conversation(example: Example) -> None:
    system = [m for m in example.messages if m.role in (Role.SYSTEM, Role.DEVELOPER)]
    if system:
        with st.expander("System prompt", icon=":material/settings:"):
            for m in system:
                st.markdown(chat.plain(m.text))
    for m in example.prompt:
        if m.role not in (Role.SYSTEM, Role.DEVELOPER):
            chat.message(m)
    final = example.final_reply
    if final is None:
        return
    if example.rejected is None:
        chat.message(final, label="final reply")
        return
    chosen, rejected = st.columns(2)
    with chosen:
        chat.message(final, label="final reply")
    with rejected:
        chat.message(example.rejected, label="rejected alternative")


def _buttons(store: Store, user: User, claim: queue.Claim | None) -> None:
    none = claim is None
    row = st.container(horizontal=True, gap="small")
    specs = [
        ("approve", "Approve", ":material/check:", "primary", _approve, (store, user)),
        ("negative", "Negative", ":material/thumb_down:", "secondary", _set_mode, ("negative",)),
        ("reject", "Reject", ":material/block:", "secondary", _set_mode, ("reject",)),
        ("edit", "Edit", ":material/edit:", "secondary", _set_mode, ("edit",)),
        ("skip", "Skip", ":material/skip_next:", "tertiary", _skip, (store, user)),
        ("undo", "Undo", ":material/undo:", "tertiary", _undo, (store, user)),
    ]
    for name, label, icon, kind, action, args in specs:
        row.button(label, key=f"btn_{name}", icon=icon, type=kind, shortcut=SHORTCUTS[name], on_click=action, args=args,
                   disabled=none and name != "undo", width="content")


def _save_row(store: Store, user: User, action: Any, label: str, *, disabled: bool = False) -> None:
    row = st.container(horizontal=True, gap="small")
    row.button(label, key="btn_save", type="primary", icon=":material/save:", shortcut=SHORTCUTS["save"], on_click=action, args=(store, user), disabled=disabled)
    row.button("Cancel", key="btn_cancel", shortcut=SHORTCUTS["cancel"], on_click=_set_mode, args=(None,))


def _mode_panel(store: Store, user: User, claim: queue.Claim, gs: Any, flags: list[dict[str, Any]]) -> None:
    mode = state.mode()
    if mode == "negative":
        st.text_area("Desired reply (optional): what the assistant should have said", key=state.K_REPLY, height=150)
        _save_row(store, user, _save_negative, "Save negative")
    elif mode == "reject":
        options = list(gs.ids) if gs is not None else sorted({f["rule_id"] for f in flags})
        if state.K_RULES not in st.session_state:
            st.session_state[state.K_RULES] = [r for r in dict.fromkeys(f["rule_id"] for f in flags) if r in options]
        st.multiselect("Violated rules", options, key=state.K_RULES, placeholder="choose the rules this example breaks")
        _save_row(store, user, _save_reject, "Save reject")
    elif mode == "edit":
        ex = claim.example
        for i, m in enumerate(ex.messages):
            if isinstance(m.content, str):
                st.text_area(f"Message {i + 1} · {m.role.value}", value=m.content, key=state.edit_key(ex.id, i), height=100 if m.role == Role.SYSTEM else 140)
        diff = chat.unified_diff(ex.messages, _edited_messages(ex))
        if diff:
            st.caption("Changes against the original")
            st.code(diff, language="diff")
        else:
            st.caption("No changes yet: edit a message above (Ctrl+Enter applies a text box).")
        _save_row(store, user, _save_edit, "Save edit", disabled=not diff)


def _guidelines(gs: Any, flagged: set[str]) -> None:
    st.subheader("Guidelines", divider="gray")
    if gs is None:
        st.info("No guidelines loaded yet (a lead loads them with the guideline service).")
        return
    # Two elements however many rules: the page re-renders on every decision.
    lines = [
        f"{'⚑ ' if rule.id in flagged else ''}**{chat.plain(rule.id)}** · {chat.plain(rule.title)} · _{rule.severity}_"
        for rule in gs.rules
    ]
    st.markdown("  \n".join(lines))
    with st.expander("Full text of every rule", icon=":material/menu_book:"):
        parts = []
        for rule in gs.rules:
            part = f"**{chat.plain(rule.id)} · {chat.plain(rule.title)}** (_{rule.severity}_)  \n{chat.plain(rule.text)}"
            if rule.good:
                part += f"  \n_Good:_ {chat.plain(rule.good)}"
            if rule.bad:
                part += f"  \n_Bad:_ {chat.plain(rule.bad)}"
            parts.append(part)
        st.markdown("\n\n".join(parts))
    st.caption(chat.plain(f"version {gs.version}"))


def render() -> None:
    """The review page."""
    user = deps.require_role(MIN_ROLE)
    store = deps.get_store()
    gs = deps.guideline_set()
    flt = _filters(gs)
    if state.get(state.LAST_FILTER) != flt:
        state.put(state.LAST_FILTER, flt)
        state.set_claim(None)
    flash = state.get(state.FLASH)
    if flash:
        state.drop(state.FLASH)
        (st.error if flash[0] == "error" else st.toast)(chat.plain(flash[1]))
    claim = state.claim()
    if claim is None:
        claim = queue.claim_next(store, user, flt=flt, after_seq=state.cursor())
        state.set_claim(claim)
    _progress_line(store, user, flt)
    flags = deps.flags_for(claim.example.id) if claim is not None else []
    main, side = st.columns([5, 2], gap="large")
    with main:
        if claim is None:
            st.success("Your queue is empty: every example here is decided or held by another reviewer.", icon=":material/done_all:")
            _buttons(store, user, None)
        else:
            _header(claim)
            _warnings(claim.example, flags)
            _conversation(claim.example)
            st.divider()
            st.text_input("Note (optional)", key=state.K_NOTE, placeholder="why, for the lead and the audit")
            _buttons(store, user, claim)
            _mode_panel(store, user, claim, gs, flags)
    with side:
        _guidelines(gs, {f["rule_id"] for f in flags})
