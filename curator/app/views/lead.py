"""Lead page: overlap, the queue strategy, the conflict queue with side-by-side adjudication, cluster decisions, gold examples, stale decisions."""

from __future__ import annotations

from collections.abc import Collection

import pandas as pd
import streamlit as st

from curator.app import components, deps
from curator.app.chat import cluster_data, conversation, plain
from curator.app.notices import show_error
from curator.errors import CuratorError
from curator.models import Correction, Decision, Message, Role, User, UserRole, Verdict
from curator.ordering import DESCRIPTIONS, Strategy
from curator.services import adjudication, cluster_decisions, gold, queue_order
from curator.services import decisions as decisions_service
from curator.services.database import Store
from curator.services.guideline_sync import known_rule_ids

TITLE = "Lead"
ICON = ":material/gavel:"
MIN_ROLE = UserRole.LEAD
QUEUE_PAGE = 20
VERDICTS = [v.value for v in Verdict]


def _known_rules(store: Store) -> Collection[str] | None:
    return known_rule_ids(store)


def _rules(text: str) -> list[str]:
    return adjudication.parse_ids(text)


def _done(message: str) -> None:
    # A toast outlives the rerun that redraws the queue without the settled example.
    st.toast(plain(message))
    st.rerun()


def _overlap(store: Store, lead: User) -> None:
    st.caption("How many agreeing decisions settle an example. Changing it settles every decided example again.")
    current = decisions_service.get_overlap(store)
    wanted = int(st.number_input("Decisions required per example", min_value=1, max_value=10, value=current, key="lead_overlap"))
    if st.button("Save overlap", key="lead_overlap_save", disabled=wanted == current):
        try:
            decisions_service.set_overlap(store, lead, wanted)
        except CuratorError as exc:
            show_error(exc)
            return
        _done(f"Overlap set to {wanted}")


def _queue(store: Store, lead: User) -> None:
    st.caption("The order reviewers are served in, for everyone or for one source. Examples a reviewer "
               "holds stay theirs; the next ones follow the new order.")
    s = queue_order.get(store)
    rows = [{"for": "everyone", "strategy": queue_order.describe(s.everyone)}]
    rows += [{"for": name, "strategy": queue_order.describe(c)} for name, c in sorted(s.sources.items())]
    st.dataframe(pd.DataFrame(rows), hide_index=True, key="lead_queue_table")
    with st.form("lead_queue_form"):
        names = [st_.value for st_ in Strategy]
        strategy = st.selectbox("Strategy", names, key="lead_queue_strategy",
                                format_func=lambda n: f"{n}: {DESCRIPTIONS[Strategy(n)]}")
        scope = st.selectbox("For", ["everyone", *queue_order.source_names(store)], key="lead_queue_scope")
        seed = int(st.number_input("Seed (random order)", min_value=0, value=0, step=1, key="lead_queue_seed"))
        submitted = st.form_submit_button("Set strategy", key="lead_queue_set", type="primary")
    if s.sources:
        back = st.selectbox("Source to follow the strategy for everyone again", ["", *sorted(s.sources)], key="lead_queue_default_pick")
        if st.button("Follow everyone's strategy", key="lead_queue_default", disabled=not back):
            queue_order.set_strategy(store, lead, queue_order.DEFAULT, source=back)
            _done(f"{back} follows the strategy for everyone")
    if submitted:
        try:
            done = queue_order.set_strategy(store, lead, strategy, source=None if scope == "everyone" else scope, seed=seed)
        except CuratorError as exc:
            st.error(plain(str(exc)))
            return
        _done(f"{scope}: {strategy} ({done.changed:,} examples moved in the queue)")


def _side_by_side(decisions: list[Decision]) -> None:
    cols = st.columns(max(1, len(decisions)))
    for col, d in zip(cols, decisions, strict=False):
        with col, st.container(border=True):
            st.markdown(f"**{d.verdict.value if d.verdict else '?'}**")
            st.text(f"{d.reviewer} · {d.created_at:%Y-%m-%d %H:%M}")
            st.text("rules: " + (", ".join(d.rules) or "none"))
            if d.note:
                st.caption("note")
                st.text(d.note)
            if d.correction is not None:
                st.caption("correction")
                if d.correction.reply is not None:
                    st.text(d.correction.reply.text)
                else:
                    st.text("\n\n".join(f"[{m.role.value}] {m.text}" for m in d.correction.messages or []))


def _conflicts(store: Store, lead: User) -> None:
    total = adjudication.conflict_count(store, lead)
    if not total:
        st.success("No conflicts: every decided example is settled or waiting for more decisions.")
        return
    queue = adjudication.conflicts(store, lead, limit=QUEUE_PAGE)
    st.caption(f"{total:,} examples in conflict; the first {len(queue)} are listed.")
    ids = [c.example.id for c in queue]
    picked = st.selectbox("Conflict", ids, key="lead_conflict_pick",
                          format_func=lambda i: f"{i} ({len(next(c for c in queue if c.example.id == i).decisions)} decisions)")
    item = next(c for c in queue if c.example.id == picked)
    st.markdown("**Decisions**")
    _side_by_side(item.decisions)
    with st.expander("Conversation", expanded=True):
        conversation(item.example, key="lead_conversation")
    with st.form("lead_adjudicate_form", clear_on_submit=True):
        st.markdown(f"**Adjudicate {item.example.id}**")
        verdict = st.radio("Verdict", VERDICTS, horizontal=True, key="lead_adj_verdict")
        rules = st.text_input("Violated rule ids (comma separated)", key="lead_adj_rules")
        note = st.text_input("Note", key="lead_adj_note")
        reply = st.text_area("Corrected final reply (optional; for a negative, the desired reply)", key="lead_adj_reply")
        submitted = st.form_submit_button("Adjudicate", key="lead_adj_submit", type="primary")
    if submitted:
        correction = Correction(reply=Message(role=Role.ASSISTANT, content=reply)) if reply.strip() else None
        try:
            outcome = adjudication.adjudicate(store, lead, item.example.id, verdict, rules=_rules(rules), note=note,
                                              correction=correction, known_rules=_known_rules(store),
                                              guideline_version=deps.guideline_version())
        except CuratorError as exc:
            show_error(exc)
            return
        _done(f"{item.example.id} settled: {outcome.value}")


def _propagations(store: Store, lead: User) -> None:
    shown = cluster_decisions.propagations(store, lead)
    if not shown:
        st.caption("No decision propagated to a cluster stands.")
        return
    st.caption("Decisions applied to every open member of a near-duplicate cluster. Undo takes back what was "
               "propagated from one of them, as one action; the representative keeps its own decision.")
    labels = {p.decision.id: f"decision {p.decision.id} · example {p.seq} · {p.decision.verdict.value if p.decision.verdict else '?'} "
                             f"by {p.decision.reviewer} · {p.standing} members" for p in shown}
    picked = st.selectbox("Propagation", list(labels), format_func=lambda i: labels[i], key="lead_propagation_pick")
    if st.button("Undo propagation", key="lead_propagation_undo"):
        try:
            n = cluster_decisions.undo_propagation(store, lead, int(picked or 0))
        except CuratorError as exc:
            st.error(plain(str(exc)))
            return
        _done(f"Undid decision {picked}'s propagation: {n} member decisions retracted")


def _decide_cluster(store: Store, lead: User) -> None:
    st.caption("Apply a decision standing on a cluster's representative to the members nobody decided yet.")
    ref = st.text_input("Representative (example id)", key="lead_cluster_rep").strip()
    if not ref:
        return
    try:
        found = cluster_decisions.preview(store, lead, ref)
        standing = cluster_decisions.standing_on(store, lead, ref)
    except CuratorError as exc:
        st.error(plain(str(exc)))
        return
    if found is None:
        st.info(plain(f"{ref} represents no near-duplicate cluster (run `curator dedup`)."))
        return
    if not standing:
        st.info("Nobody decided the representative yet: decide it first (review or adjudication).")
        return
    picked = st.radio("Decision to apply", [d.id for d in standing], key="lead_cluster_decision",
                      format_func=lambda i: next(f"{d.verdict.value if d.verdict else '?'} by {d.reviewer} ({', '.join(d.rules) or 'no rules'})"
                                                 for d in standing if d.id == i))
    open_ids = [m.example_id for m in found.open]
    left = [m.why for m in found.members if m.status != "open"]
    if left:
        st.warning(plain("Left as they are, not overwritten: " + "; ".join(left)))
    components.members(found.text, cluster_data(found)["members"], key="lead_cluster_members")
    if st.button(f"Apply to {len(open_ids)} open members", key="lead_cluster_apply", disabled=not open_ids, type="primary"):
        try:
            result = cluster_decisions.propagate(store, lead, int(picked or 0), open_ids)
        except CuratorError as exc:
            st.error(plain(str(exc)))
            return
        _done(f"Decision {picked} applied to {len(result.decided)} members" + (f"; {len(result.left)} left alone" if result.left else ""))


def _clusters(store: Store, lead: User) -> None:
    st.subheader("Propagations", anchor=False)
    _propagations(store, lead)
    st.subheader("Decide a cluster", anchor=False)
    _decide_cluster(store, lead)


def _gold(store: Store, lead: User) -> None:
    with st.form("lead_gold_form", clear_on_submit=True):
        example_id = st.text_input("Example id", key="lead_gold_id")
        verdict = st.radio("Known verdict", VERDICTS, horizontal=True, key="lead_gold_verdict")
        rules = st.text_input("Rule ids (comma separated)", key="lead_gold_rules")
        note = st.text_input("Note", key="lead_gold_note")
        submitted = st.form_submit_button("Mark as gold", key="lead_gold_submit")
    if submitted:
        try:
            gold.mark_gold(store, lead, example_id, verdict, rules=_rules(rules), note=note, known_rules=_known_rules(store))
        except CuratorError as exc:
            show_error(exc)
        else:
            st.success(plain(f"{example_id.strip()} is gold ({verdict})"))
    marked = gold.list_gold(store, lead)
    if marked:
        st.dataframe(
            pd.DataFrame(marked, columns=["example_id", "verdict", "rules", "note", "marked_by", "created_at"]),
            hide_index=True, key="lead_gold_table",
        )
        unmark = st.selectbox("Unmark", ["", *[g["example_id"] for g in marked]], key="lead_gold_unmark_pick")
        if st.button("Unmark gold", key="lead_gold_unmark", disabled=not unmark):
            gold.unmark_gold(store, lead, unmark)
            _done(f"{unmark} is no longer gold")
    else:
        st.caption("No gold examples yet.")


def _stale(store: Store, lead: User) -> None:
    st.caption("Paste the ids of examples whose decisions are stale (e.g. from `curator audit`); "
               "they go back to the queue and their earlier decisions stop counting.")
    text = st.text_area("Example ids", key="lead_stale_ids")
    note = st.text_input("Reason", key="lead_stale_note")
    if st.button("Send back to the queue", key="lead_stale_reopen", disabled=not text.strip()):
        try:
            result = adjudication.reopen_pasted(store, lead, text, note=note)
        except CuratorError as exc:
            show_error(exc)
            return
        st.success(f"{len(result.reopened)} examples sent back to the queue")
        if result.unknown:
            st.warning("Unknown ids (nothing done for them):")
            st.text("\n".join(result.unknown))


def render() -> None:
    """The lead page; every action is re-checked by its service."""
    lead = deps.require_role(MIN_ROLE)
    store = deps.get_store()
    st.title(TITLE)
    conflicts, clusters, overlap, queue_tab, gold_tab, stale = st.tabs(["Conflicts", "Clusters", "Overlap", "Queue", "Gold", "Stale decisions"])
    with conflicts:
        _conflicts(store, lead)
    with clusters:
        _clusters(store, lead)
    with overlap:
        _overlap(store, lead)
    with queue_tab:
        _queue(store, lead)
    with gold_tab:
        _gold(store, lead)
    with stale:
        _stale(store, lead)
