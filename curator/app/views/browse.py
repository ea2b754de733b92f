"""Browse page: every example, filtered and sorted in SQL, 50 at a time; open one for its story."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from curator.app import deps
from curator.app.chat import conversation
from curator.app.notices import show_error
from curator.errors import CuratorError
from curator.models import User, UserRole, Verdict
from curator.services import browse as browse_service
from curator.services.browse import ExampleFilter
from curator.services.database import Store

TITLE = "Browse"
ICON = ":material/table_view:"
MIN_ROLE = UserRole.REVIEWER

SORT_LABELS = {"imported": "Import order", "tokens": "Tokens", "decided": "Decided time"}


def _filters(choices: dict[str, list[str]], user: User) -> tuple[ExampleFilter, str, bool]:
    with st.sidebar:
        st.subheader("Filters")
        outcomes = st.multiselect("Outcome", browse_service.outcome_choices(user), key="browse_outcomes")
        sources = st.multiselect("Source", choices["sources"], key="browse_sources")
        rule = st.selectbox("Flagged rule", ["", *choices["rules"]], key="browse_rule", format_func=lambda r: r or "any")
        verdict = st.selectbox("Verdict", ["", *[v.value for v in Verdict]], key="browse_verdict", format_func=lambda v: v or "any")
        reviewer = st.text_input("Reviewer", key="browse_reviewer")
        text = st.text_input("Text contains", key="browse_text", help="Any message, tool call or rejected reply; case-insensitive. Three or more characters search the index.")
        sort = st.selectbox("Sort by", list(SORT_LABELS), key="browse_sort", format_func=SORT_LABELS.__getitem__)
        descending = st.checkbox("Descending", key="browse_desc")
    flt = browse_service.make_filter(outcomes=outcomes, sources=sources, rule=rule, reviewer=reviewer, verdict=verdict, text=text)
    return flt, sort, descending


def _table(store: Store, user: User, flt: ExampleFilter, sort: str, descending: bool) -> str | None:
    """Show one page; returns the id of the selected row, if any."""
    page_no = int(st.columns([1, 5])[0].number_input("Page", min_value=1, value=1, step=1, key="browse_page"))
    result = browse_service.browse(store, user, flt, page=page_no - 1, sort=sort, descending=descending)
    if not result.rows and page_no > 1:
        st.info(f"Page {page_no} is past the end; {result.total_label} examples match.")  # no untrusted text
        return None
    if result.pages is not None:
        where = f"page {page_no} of {result.pages}"
    else:
        where = f"page {page_no}" + (" · more pages follow" if result.has_next else " · last page")
    st.caption(f"{result.total_label} examples match · {where} · {result.page_size} per page")
    # Only this page's rows ever become a DataFrame.
    frame = pd.DataFrame(result.rows, columns=browse_service.COLUMNS)
    event = st.dataframe(
        frame,
        key="browse_table",
        hide_index=True,
        on_select="rerun",
        selection_mode="single-row",
        column_config={
            "id": "example",
            "source_name": "source",
            "source_line": "line",
            "n_messages": "messages",
            "n_decisions": "live decisions",
            "decided_at": st.column_config.DatetimeColumn("decided", format="YYYY-MM-DD HH:mm"),
        },
    )
    picked = list(getattr(getattr(event, "selection", None), "rows", []) or [])
    if picked and picked[0] < len(result.rows):
        return str(result.rows[picked[0]]["id"])
    return None


def _detail(store: Store, user: User, example_id: str) -> None:
    try:
        detail = browse_service.example_detail(store, user, example_id)
    except CuratorError as exc:
        show_error(exc, warning=True)
        return
    ex = detail.example
    st.subheader(f"Example {ex.id}")
    cols = st.columns(4)
    cols[0].metric("Outcome", detail.outcome.value)
    cols[1].metric("Live decisions", detail.n_decisions)
    cols[2].metric("Tokens", ex.tokens if ex.tokens is not None else "–")
    cols[3].metric("Messages", len(ex.messages))
    if detail.gold:
        st.info(f"Gold example: known verdict {detail.gold['verdict']}")
    st.markdown("**Decision history**")
    rows = browse_service.history_rows(detail)
    if rows:
        st.dataframe(pd.DataFrame(rows), hide_index=True, key="browse_history")
    else:
        st.caption("No decisions of yours yet." if detail.blind else "No decisions yet.")
    if detail.blind:
        st.caption("Blind review: other reviewers' decisions show here once the example is settled.")
    left, right = st.columns([3, 2])
    with left:
        st.markdown("**Conversation**")
        conversation(ex, key="browse_conversation")
    with right:
        if ex.warnings:
            st.markdown("**Validation warnings**")
            st.text("\n".join(ex.warnings))
        if detail.flags:
            st.markdown("**Guideline flags**")
            st.dataframe(pd.DataFrame(detail.flags), hide_index=True, key="browse_flags")
        st.markdown("**Imported from**")
        st.dataframe(pd.DataFrame(detail.places), hide_index=True, key="browse_places")
        st.markdown("**Duplicate cluster**")
        if detail.cluster:
            c = detail.cluster
            rep = "representative" if c["is_representative"] else "member"
            st.text(f"{c['kind']} cluster {c['cluster_id']} · this example is its {rep} · {len(c['members'])} members")
            st.dataframe(pd.DataFrame(c["members"]), hide_index=True, key="browse_cluster")
        else:
            st.caption("Not in a duplicate cluster.")


def render() -> None:
    """The browse page: filters, one SQL page of examples, and the opened example."""
    user = deps.require_role(MIN_ROLE)
    store = deps.get_store()
    st.title(TITLE)
    flt, sort, descending = _filters(browse_service.filter_choices(store), user)
    try:
        selected = _table(store, user, flt, sort, descending)
    except CuratorError as exc:
        show_error(exc)
        selected = None
    typed = st.text_input("Open an example by id", key="browse_open_id").strip()
    target = typed or selected
    if target:
        st.divider()
        _detail(store, user, target)
