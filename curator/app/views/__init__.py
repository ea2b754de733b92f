"""The app's pages, one module each, exposing TITLE, ICON, MIN_ROLE and render().

Not named pages/: a pages/ folder beside the main script is Streamlit's own multipage layout,
which would run these modules as scripts; the app navigates with st.navigation instead.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from curator.models import UserRole

# In navigation order.
PAGE_MODULES = ("review", "browse", "dashboard", "lead", "admin")
# Where each role lands after sign-in. Only reviewers land on Review: opening it claims
# examples, and a lead or admin signing in to do something else must not hold any.
LANDING = {UserRole.REVIEWER: "review", UserRole.LEAD: "lead", UserRole.ADMIN: "admin"}


def load_pages() -> list[tuple[str, ModuleType]]:
    """(name, module) of every page, in navigation order."""
    return [(name, importlib.import_module(f"curator.app.views.{name}")) for name in PAGE_MODULES]


def landing_page(role: UserRole) -> str:
    """The page a user of this role sees first."""
    return LANDING.get(role, "review")
