"""Dashboard page (placeholder until filled in)."""

from __future__ import annotations

import streamlit as st

from curator.models import UserRole

TITLE = "Dashboard"
ICON = ":material/monitoring:"
MIN_ROLE = UserRole.REVIEWER


def render() -> None:
    """Show the dashboard page to a signed-in user with at least MIN_ROLE."""
    from curator.app import deps

    deps.require_role(MIN_ROLE)
    st.title(TITLE)
