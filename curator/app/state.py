"""The only module that touches st.session_state: named keys and small accessors."""

from __future__ import annotations

from typing import Any

import streamlit as st

from curator.services.queue import Claim
from curator.store.claims import QueueFilter

TOKEN = "curator.session_token"  # the raw session token (server memory only)
HANDOFF = "curator.cookie_ticket"  # a one-time ticket the browser swaps for the HttpOnly cookie
SIGNED_OUT = "curator.signed_out"  # the cookie sent with this connection was revoked
CLAIM = "curator.claim"  # the example this reviewer holds
CURSOR = "curator.cursor"  # seq of the last claimed example: the queue's keyset cursor
MODE = "curator.mode"  # None, "negative", "reject" or "edit"
FLASH = "curator.flash"  # a message for the next run (after a decision)
LAST_FILTER = "curator.queue_filter"

# Widget keys (stable, so AppTest finds them).
K_NAME = "signin_name"
K_PASSWORD = "signin_password"
K_NOTE = "review_note"
K_REPLY = "review_desired_reply"
K_RULES = "review_rules"
K_SOURCES = "queue_sources"
K_RULE = "queue_rule"
K_REJECTED_ONLY = "queue_rejected_only"
K_CONFLICTS = "queue_conflicts"


def get(key: str, default: Any = None) -> Any:
    return st.session_state.get(key, default)


def put(key: str, value: Any) -> None:
    st.session_state[key] = value


def drop(*keys: str) -> None:
    for key in keys:
        st.session_state.pop(key, None)


def token() -> str | None:
    return st.session_state.get(TOKEN)


def claim() -> Claim | None:
    return st.session_state.get(CLAIM)


def set_claim(value: Claim | None) -> None:
    st.session_state[CLAIM] = value
    if value is not None:
        st.session_state[CURSOR] = value.seq


def cursor() -> int:
    return int(st.session_state.get(CURSOR, 0))


def mode() -> str | None:
    return st.session_state.get(MODE)


def set_mode(value: str | None) -> None:
    st.session_state[MODE] = value


def edit_key(example_id: str, index: int) -> str:
    """Widget key of one message's text area in the edit form."""
    return f"edit_{example_id}_{index}"


def clear_decision_widgets(example_id: str | None, n_messages: int = 0) -> None:
    """Forget the note, reply, rules and edits typed for the example just decided."""
    drop(K_NOTE, K_REPLY, K_RULES, MODE)
    if example_id:
        drop(*(edit_key(example_id, i) for i in range(n_messages)))


def queue_filter() -> QueueFilter:
    """The queue filter built from the filter widgets' values."""
    outcomes = ("pending", "conflict") if st.session_state.get(K_CONFLICTS) else ("pending",)
    return QueueFilter(
        sources=tuple(st.session_state.get(K_SOURCES) or ()),
        rule=st.session_state.get(K_RULE) or None,
        has_rejected=True if st.session_state.get(K_REJECTED_ONLY) else None,
        outcomes=outcomes,
    )


def sign_out() -> None:
    """Forget everything about the signed-in user in this browser tab."""
    for key in list(st.session_state.keys()):
        del st.session_state[key]
    st.session_state[SIGNED_OUT] = True
