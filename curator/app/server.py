"""ASGI entry point: the Streamlit app plus the session-cookie endpoints (run by `curator app`)."""

from pathlib import Path

import streamlit as st
from starlette.middleware import Middleware
from streamlit.runtime.pages_manager import PagesManager

from curator.app.headers import SecurityHeaders
from curator.app.http import routes

MAIN = str(Path(__file__).resolve().with_name("main.py"))

# main.py sits beside pages/ (our page modules, not Streamlit v1 page scripts). Streamlit would
# run the first session's first script in v1 multipage mode because that folder exists; the app
# always navigates with st.navigation, so say so before any session starts.
PagesManager.uses_pages_directory = False

app = st.App(MAIN, routes=routes(), middleware=[Middleware(SecurityHeaders)])
