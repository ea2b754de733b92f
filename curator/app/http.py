"""The two HTTP endpoints beside the Streamlit app that manage the HttpOnly session cookie.

A script cannot set an HttpOnly cookie, so sign-in hands the browser a one-time ticket (stored
in the database, so any app process behind the same address can redeem it); the browser POSTs
it here and gets the signed cookie for the session the script opened. Sign-out deletes the
session row and expires the cookie.
"""

from __future__ import annotations

import threading
from urllib.parse import urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from curator.app import serving
from curator.services import auth
from curator.services.database import Store, database_url, open_database

SESSION_PATH = "/api/curator/session"
SIGNOUT_PATH = "/api/curator/signout"
MAX_TICKET_BYTES = 256  # a ticket is 32 characters; nothing larger is read

_lock = threading.Lock()
_stores: dict[str, Store] = {}  # one connection pool per database URL, not session state


def _store() -> Store:
    url = database_url(None)
    with _lock:
        if url not in _stores:
            _stores[url] = open_database(url)
        return _stores[url]


def _same_origin(request: Request) -> bool:
    # A browser always sends Origin on a cross-site POST; reject any other site's page.
    origin = request.headers.get("origin")
    return origin is None or urlsplit(origin).netloc == request.headers.get("host")


def _cookie(response: Response, request: Request, value: str, max_age: int) -> None:
    # The scheme is the proxy's when `curator app --trust-proxy` names it (X-Forwarded-Proto).
    response.set_cookie(
        auth.COOKIE_NAME,
        value,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="strict",
        secure=serving.secure_cookies() or request.url.scheme == "https",
    )


async def session_endpoint(request: Request) -> Response:
    """POST a ticket, get the HttpOnly session cookie."""
    if not _same_origin(request):
        return Response("cross-site request refused", status_code=403)
    if not request.headers.get("content-length", "").isdigit() or int(request.headers["content-length"]) > MAX_TICKET_BYTES:
        return Response("a ticket is expected", status_code=413)
    ticket = (await request.body()).decode("utf-8", "replace").strip()
    store = _store()
    token = await run_in_threadpool(auth.redeem_ticket, store, ticket) if ticket else None
    if token is None:
        return Response("unknown or expired ticket", status_code=403)
    user = await run_in_threadpool(auth.resolve_session, store, token)
    if user is None:
        return Response("session ended", status_code=403)
    secret = await run_in_threadpool(auth.cookie_secret, store)
    response = Response(status_code=204)
    _cookie(response, request, auth.sign_cookie(token, secret), int(auth.SESSION_TTL.total_seconds()))
    return response


async def signout_endpoint(request: Request) -> Response:
    """POST to end the cookie's session and expire the cookie."""
    if not _same_origin(request):
        return Response("cross-site request refused", status_code=403)
    store = _store()
    secret = await run_in_threadpool(auth.cookie_secret, store)
    token = auth.unsign_cookie(request.cookies.get(auth.COOKIE_NAME), secret)
    if token:
        await run_in_threadpool(auth.sign_out, store, token)
    response = Response(status_code=204)
    _cookie(response, request, "", 0)
    return response


def routes() -> list[BaseRoute]:
    return [Route(SESSION_PATH, session_endpoint, methods=["POST"]), Route(SIGNOUT_PATH, signout_endpoint, methods=["POST"])]
