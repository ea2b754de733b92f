"""Admin page (placeholder until filled in)."""

from __future__ import annotations

import streamlit as st

from curator.models import UserRole

TITLE = "Admin"
ICON = ":material/admin_panel_settings:"
MIN_ROLE = UserRole.ADMIN


def render() -> None:
    """Show the admin page to a signed-in user with at least MIN_ROLE."""
    from curator.app import deps

    deps.require_role(MIN_ROLE)
    st.title(TITLE)
