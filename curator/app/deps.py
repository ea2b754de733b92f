"""What every page needs: the store, the signed-in user, role checks, the guidelines in force."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import streamlit as st

from curator.app import state
from curator.errors import CuratorError
from curator.models import User, UserRole
from curator.services import auth, guideline_sync
from curator.services.database import Store, database_url, open_database


@st.cache_resource(show_spinner=False)
def _store(url: str) -> Store:
    return open_database(url)


def get_store() -> Store:
    """The store of $CURATOR_DB (one engine per URL for the whole server)."""
    return _store(database_url(None))


@st.cache_resource(show_spinner=False)
def _secret(url: str) -> bytes:
    return auth.cookie_secret(_store(url))


def cookie_secret() -> bytes:
    """The key that signs session cookies (shared with the HTTP routes through the database)."""
    return _secret(database_url(None))


def current_user() -> User | None:
    """The signed-in user: from this tab's session, else from the signed session cookie.

    Both are checked against the sessions table on every run, so a revoked session or a
    deactivated user is signed out at once.
    """
    store = get_store()
    token = state.token()
    if token is None and not state.get(state.SIGNED_OUT):
        token = auth.unsign_cookie(st.context.cookies.get(auth.COOKIE_NAME), cookie_secret())
    try:
        user = auth.resolve_session(store, token)
    except CuratorError:
        user = None
    if user is None:
        state.drop(state.TOKEN)
    else:
        state.put(state.TOKEN, token)
    return user


def require_role(role: UserRole) -> User:
    """The signed-in user if their role is at least ``role``; otherwise a refusal and st.stop()."""
    user = current_user()
    if user is None:
        st.warning("Sign in to use this page.")
        st.stop()
    if not user.role.at_least(role):
        st.error(f"This page needs a {role.value} or above; you are signed in as a {user.role.value}.")
        st.stop()
    return user


@st.cache_resource(ttl=30, show_spinner=False)
def _guidelines(url: str) -> Any:
    found = guideline_sync.current(_store(url))
    if found is not None:
        return found
    folder = Path("guidelines")
    if folder.is_dir():
        from curator.guidelines import load_guidelines

        try:
            return load_guidelines(folder)
        except CuratorError:
            return None
    return None


def guideline_set() -> Any:
    """The guideline set in force (curator.guidelines.GuidelineSet), or None if none is loaded."""
    return _guidelines(database_url(None))


def guideline_version() -> str | None:
    """The version recorded on every decision."""
    gs = guideline_set()
    return gs.version if gs is not None else None


def flags_for(example_id: str) -> list[dict[str, Any]]:
    """The automated guideline flags stored for an example."""
    return list(guideline_sync.flags_for(get_store(), example_id))
