"""The only module that touches st.session_state: named keys and small accessors."""

from __future__ import annotations

from typing import Any

import streamlit as st

from curator.services.queue import FIRST_RANK, QueueFilter

TOKEN = "curator.session_token"  # the raw session token (server memory only)
HANDOFF = "curator.cookie_ticket"  # a one-time ticket the browser swaps for the HttpOnly cookie
SIGNED_OUT = "curator.signed_out"  # the cookie sent with this connection was revoked
SHOWN = "curator.shown"  # (example id, token, seq) of the claims the review card was sent
CURSOR = "curator.cursor"  # queue rank of the last example dealt: the queue's keyset cursor
QUEUE_REVISION = "curator.queue_revision"  # the queue order the cursor is a place in
ACKED = "curator.acked"  # (card id, seq) of the last intent carried out for this tab's card
NOTICE = "curator.notice"  # what the review card says after the last intent
FLASH = "curator.flash"  # a message for the next run (sign-in errors)
LAST_FILTER = "curator.queue_filter"

# Widget keys (stable, so AppTest finds them).
K_NAME = "signin_name"
K_PASSWORD = "signin_password"
K_CARD = "review_card"
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


def cursor() -> int:
    return int(st.session_state.get(CURSOR, FIRST_RANK))


def acked(card_id: str) -> int:
    """Sequence number of the last intent carried out for this card (0 for a new card)."""
    seen = st.session_state.get(ACKED)
    return int(seen[1]) if seen and seen[0] == card_id else 0


def card_outbox() -> dict[str, Any] | None:
    """The review card's outbox as last sent by the browser: {"card", "items", "n"}."""
    value = st.session_state.get(K_CARD)
    outbox = value.get("outbox") if value is not None and hasattr(value, "get") else None
    return outbox if isinstance(outbox, dict) else None


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
