"""Dashboard page: distributions, balance, token lengths, throughput and agreement, as charts."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from curator.app import deps
from curator.models import User, UserRole
from curator.services import blind
from curator.services import dashboard as dashboard_service
from curator.services.database import Store

TITLE = "Dashboard"
ICON = ":material/monitoring:"
MIN_ROLE = UserRole.REVIEWER

_VERDICT_COLOURS = alt.Scale(
    domain=["approve", "negative", "reject", "pending", "conflict"],
    range=["#2e7d32", "#ef6c00", "#c62828", "#9e9e9e", "#6a1b9a"],
)


def _bars(counts: dict[str, int], label: str) -> alt.Chart:
    frame = pd.DataFrame({label: list(counts), "examples": list(counts.values())})
    chart: alt.Chart = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X(f"{label}:N", sort=list(counts), title=None, axis=alt.Axis(labelAngle=0)),
            y=alt.Y("examples:Q", title="count"),
            color=alt.Color(f"{label}:N", scale=_VERDICT_COLOURS, legend=None),
            tooltip=[label, "examples"],
        )
        .properties(height=220)
    )
    return chart


@st.cache_data(ttl=15, show_spinner=False, max_entries=64)
def _figures(url: str, days: int, view: int | None, _store: Store, _user: User) -> dashboard_service.Dashboard:
    # A few hundred ms of aggregates at 1M examples: shared for 15 seconds by every viewer who
    # sees the same figures (``view``: every lead and admin alike; each reviewer their own).
    return dashboard_service.dashboard(_store, _user, days=days)


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.1%}"


def _num(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def render() -> None:
    """The dashboard: every number comes from services.dashboard."""
    user = deps.require_role(MIN_ROLE)
    store = deps.get_store()
    st.title(TITLE)
    days = int(st.columns([1, 4])[0].number_input("Throughput window (days)", min_value=1, max_value=365, value=30, key="dash_days"))
    data = _figures(store.url, days, blind.blind_to(user), store, user)

    bal = data.balance
    top = st.columns(4)
    top[0].metric("Examples", f"{data.examples:,}")
    top[1].metric("Settled", f"{bal.settled:,}")
    top[2].metric("Approved : negative", f"{bal.approve:,} : {bal.negative:,}")
    top[3].metric("Negative share", _pct(bal.negative_share), help="negatives among approved + negative examples")

    left, right = st.columns(2)
    with left:
        st.subheader("Outcomes")
        st.altair_chart(_bars(data.outcomes, "outcome"), width="stretch", key="dash_outcomes")
    with right:
        st.subheader("Verdicts")
        st.caption("every unretracted decision and adjudication")
        st.altair_chart(_bars(data.verdicts, "verdict"), width="stretch", key="dash_verdicts")

    st.subheader("Token length")
    h = data.histogram
    if h.n:
        notes = [f"from a sample of {h.n:,} examples" if h.sampled else f"{h.n:,} examples"]
        if h.clipped_at is not None:
            notes.append(f"the last bar also holds every example over {h.clipped_at:,} tokens")
        st.caption(" · ".join(notes))
        hist = (
            alt.Chart(pd.DataFrame(h.rows()))
            .mark_bar()
            .encode(
                x=alt.X("start:Q", bin="binned", title="tokens"),
                x2="end:Q",
                y=alt.Y("examples:Q", title="examples"),
                tooltip=["start", "end", "examples"],
            )
            .properties(height=220)
        )
        st.altair_chart(hist, width="stretch", key="dash_tokens")
    else:
        st.caption("No token counts yet.")

    st.subheader("Reviewer throughput")
    if data.throughput:
        frame = pd.DataFrame(data.throughput)
        chart = (
            alt.Chart(frame)
            .mark_bar()
            .encode(
                x=alt.X("day:O", title="day (UTC)", axis=alt.Axis(labelAngle=0)),
                y=alt.Y("decisions:Q", title="decisions"),
                color=alt.Color("reviewer:N"),
                xOffset="reviewer:N",
                tooltip=["day", "reviewer", "decisions"],
            )
            .properties(height=240)
        )
        st.altair_chart(chart, width="stretch", key="dash_throughput")
    else:
        st.caption(f"No decisions in the last {days} days.")

    st.subheader("Agreement")
    a = data.agreement
    cols = st.columns(4)
    cols[0].metric("Examples with ≥ 2 decisions", f"{a.n_items:,}")
    cols[1].metric("Percent agreement", _pct(a.percent))
    cols[2].metric("Fleiss' kappa", _num(a.fleiss_kappa))
    cols[3].metric("Krippendorff's alpha", _num(a.krippendorff_alpha))
    if a.reason:
        st.caption(a.reason)
    if blind.blind_to(user) is not None:
        st.caption("Blind review: outcomes, verdicts and agreement take in other reviewers' decisions on settled examples only.")
    if a.pairs:
        pairs = pd.DataFrame(a.pairs)
        chart = (
            alt.Chart(pairs)
            .mark_bar(size=20)
            .encode(
                x=alt.X("percent:Q", title="percent agreement", scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%")),
                y=alt.Y("reviewers:N", title=None),
                tooltip=["reviewers", "examples", alt.Tooltip("percent:Q", format=".1%"), alt.Tooltip("kappa:Q", format=".3f")],
            )
            .properties(height=40 + 32 * len(pairs))
        )
        st.altair_chart(chart, width="stretch", key="dash_pairs")
