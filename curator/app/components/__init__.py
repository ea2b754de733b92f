"""curator's one Streamlit component (st.components.v2, plain JS and CSS, no build step).

It draws conversations on every page and is the review card on the review page. It renders
in the page itself (no iframe), so the review card hears keys pressed anywhere on the page.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import streamlit as st

_HERE = Path(__file__).resolve().parent
_mount = st.components.v2.component(
    "curator_card",
    # One module: the renderer, then the card that uses it.
    js="\n".join((_HERE / name).read_text(encoding="utf-8") for name in ("conversation.js", "card.js")),
    css=(_HERE / "card.css").read_text(encoding="utf-8"),
)


def view(data: dict[str, Any], *, key: str) -> None:
    """A read-only conversation (``data`` from curator.app.chat.conversation_data)."""
    _mount(key=key, data={"mode": "view", "conversation": data})


def members(text: str, members: list[dict[str, Any]], *, key: str) -> None:
    """Cluster members, each as its word diff against the representative's conversation ``text``."""
    _mount(key=key, data={"mode": "members", "text": text, "members": members})


def review(data: dict[str, Any], *, key: str, on_outbox: Callable[[], None]) -> Any:
    """The review card; ``on_outbox`` runs (before the rerun) when the card sends intents."""
    # A heartbeat ("beat") only reruns the page, whose deal renews the reviewer's claims.
    return _mount(key=key, data={"mode": "review", **data}, default={"outbox": None, "beat": 0},
                  on_outbox_change=on_outbox, on_beat_change=_renewed)


def _renewed() -> None:
    """The rerun a heartbeat causes renews the claims; nothing else to do."""
