"""ASGI entry point: the Streamlit app plus the session-cookie endpoints (run by `curator app`)."""

from pathlib import Path

import streamlit as st
from starlette.middleware import Middleware

from curator.app.headers import SecurityHeaders
from curator.app.http import routes

MAIN = str(Path(__file__).resolve().with_name("main.py"))

app = st.App(MAIN, routes=routes(), middleware=[Middleware(SecurityHeaders)])
