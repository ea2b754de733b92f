"""Lead page (placeholder until filled in)."""

from __future__ import annotations

import streamlit as st

from curator.models import UserRole

TITLE = "Lead"
ICON = ":material/gavel:"
MIN_ROLE = UserRole.LEAD


def render() -> None:
    """Show the lead page to a signed-in user with at least MIN_ROLE."""
    from curator.app import deps

    deps.require_role(MIN_ROLE)
    st.title(TITLE)
