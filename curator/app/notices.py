"""How a page shows a curator error: one box, its text shown literally, and how to settle it here."""

from __future__ import annotations

import streamlit as st

from curator.app.chat import plain
from curator.errors import CuratorError

# How to settle an error in the app, by the setting it names (CuratorError.setting); a setting
# with no control in the app gets no hint (the message already says what is wrong).
CONTROL_HINTS = {
    "format": "choose it in the Format box",
    "allow_contamination": "the web export never writes a contaminated split; export from the command line to allow it",
}


def with_control_hint(exc: CuratorError) -> str:
    """The error's message, and how to settle it with the app's own controls."""
    hint = CONTROL_HINTS.get(exc.setting or "")
    return f"{exc}; {hint}" if hint else str(exc)


def show_error(exc: CuratorError, *, warning: bool = False) -> None:
    """The error in a red box (a yellow one for ``warning``), nothing in it read as markdown."""
    text = plain(with_control_hint(exc))
    if warning:
        st.warning(text)
    else:
        st.error(text)
