"""The entry script: page setup, sign-in, and navigation limited to the user's role."""

from __future__ import annotations

from urllib.parse import urlparse

import streamlit as st

from curator.app import chat, deps, signin
from curator.app.views import landing_page, load_pages

# An emoji icon becomes an inline data: image; a ":material/...:" one would be fetched from a
# font CDN by every browser that opens the app (the app talks to no host but its own).
st.set_page_config(page_title="curator", page_icon="📝", layout="wide")

user = deps.current_user()
if user is None:
    st.navigation([st.Page(signin.render, title="Sign in", icon=":material/login:", url_path="signin", default=True)], position="hidden").run()
else:
    # Nothing above the page comes and goes between runs (a one-run element there would move
    # every element below it, and the review card would be drawn anew): the cookie hand-off
    # goes to the sidebar and the wrong-URL notice into a slot that is always there.
    with st.sidebar:
        signin.hand_off_cookie()
    slot = st.empty()
    pages = load_pages()
    landing = landing_page(user.role)
    allowed = [
        st.Page(module.render, title=module.TITLE, icon=module.ICON, url_path=name, default=(name == landing))
        for name, module in pages if user.role.at_least(module.MIN_ROLE)
    ]
    with st.sidebar:
        st.caption(f"Signed in as **{chat.plain(user.name)}** · {user.role.value}")
        if st.button("Sign out", key="btn_signout", icon=":material/logout:"):
            signin.sign_out(user)
            st.rerun()
    asked = urlparse(st.context.url or "").path.strip("/").rsplit("/", 1)[-1]
    known = {name: module for name, module in pages}
    if asked and asked not in {p.url_path for p in allowed}:
        # Say so rather than silently showing another page (Streamlit shows the landing page).
        if asked in known:
            slot.warning(chat.plain(f"The {known[asked].TITLE} page needs a {known[asked].MIN_ROLE.value} or above; you are signed in as a {user.role.value}. Showing your start page instead."))
        else:
            slot.warning(chat.plain(f"There is no page called “{asked}”. Showing your start page instead; the pages are listed on the left."))
    st.navigation(allowed).run()
