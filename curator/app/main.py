"""The entry script: page setup, sign-in, and navigation limited to the user's role."""

from __future__ import annotations

import streamlit as st

from curator.app import chat, deps, signin
from curator.app.pages import load_pages

# An emoji favicon is drawn in the browser; a :material/...: one is fetched from Google's
# font servers, and the app makes no request to any host but its own.
st.set_page_config(page_title="curator", page_icon="📝", layout="wide")

user = deps.current_user()
if user is None:
    st.navigation([st.Page(signin.render, title="Sign in", icon=":material/login:", url_path="signin", default=True)], position="hidden").run()
else:
    signin.hand_off_cookie()
    pages = load_pages()
    allowed = [
        st.Page(module.render, title=module.TITLE, icon=module.ICON, url_path=name, default=(i == 0))
        for i, (name, module) in enumerate((n, m) for n, m in pages if user.role.at_least(m.MIN_ROLE))
    ]
    with st.sidebar:
        st.caption(f"Signed in as **{chat.plain(user.name)}** · {user.role.value}")
        if st.button("Sign out", key="btn_signout", icon=":material/logout:"):
            signin.sign_out(user)
            st.rerun()
    st.navigation(allowed).run()
