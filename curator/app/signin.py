"""The sign-in form, the cookie hand-off to the browser, and sign-out."""

from __future__ import annotations

import streamlit as st

from curator.app import deps, http, state
from curator.errors import CuratorError
from curator.models import User
from curator.services import auth, queue

# Fixed script text; the only value put into it is a ticket we generated (URL-safe base64).
_HANDOFF_JS = """<script>
fetch("{path}", {{method: "POST", body: "{ticket}", credentials: "same-origin", headers: {{"Content-Type": "text/plain"}}}});
</script>"""
_SIGNOUT_JS = """<script>
fetch("{path}", {{method: "POST", credentials: "same-origin"}});
</script>"""


def render() -> None:
    """The sign-in page."""
    if state.get(state.SIGNED_OUT) == "cookie":
        state.put(state.SIGNED_OUT, True)
        st.html(_SIGNOUT_JS.format(path=http.SIGNOUT_PATH), unsafe_allow_javascript=True)
    _, middle, _ = st.columns([1, 1.2, 1])
    with middle:
        st.title("curator")
        st.caption("Sign in to review.")
        with st.form("signin", border=True):
            st.text_input("Name", key=state.K_NAME, autocomplete="username")
            st.text_input("Password", type="password", key=state.K_PASSWORD, autocomplete="current-password")
            st.form_submit_button("Sign in", type="primary", width="stretch", on_click=_submit)
        error = state.get(state.FLASH)
        if error:
            state.drop(state.FLASH)
            st.error(error[1])


def _submit() -> None:
    # A callback, so the run that follows already shows the signed-in app.
    name = state.get(state.K_NAME) or ""
    password = state.get(state.K_PASSWORD) or ""
    state.drop(state.K_PASSWORD)
    try:
        # The address is the TCP peer's, or the client's as a proxy named by --trust-proxy
        # reports it; None on the local machine.
        signed = auth.sign_in(deps.get_store(), name, password, client=st.context.ip_address)
    except CuratorError as exc:
        state.put(state.FLASH, ("error", f"Sign-in failed: {exc}"))
        return
    if signed is None:
        state.put(state.FLASH, ("error", "Wrong name or password."))
        return
    state.drop(state.SIGNED_OUT)
    state.put(state.TOKEN, signed[1])
    state.put(state.HANDOFF, auth.issue_ticket(deps.get_store(), signed[1]))


def hand_off_cookie() -> None:
    """After a sign-in, let the browser swap its one-time ticket for the HttpOnly cookie."""
    ticket = state.get(state.HANDOFF)
    if ticket:
        state.drop(state.HANDOFF)
        st.html(_HANDOFF_JS.format(path=http.SESSION_PATH, ticket=ticket), unsafe_allow_javascript=True)


def sign_out(user: User) -> None:
    """End the session: delete its row, give back the held example, forget this tab's state."""
    store = deps.get_store()
    queue.release_all(store, user)  # the examples held for review go back to the queue
    auth.sign_out(store, state.token())
    state.sign_out()
    state.put(state.SIGNED_OUT, "cookie")  # the sign-in page expires the browser's cookie
