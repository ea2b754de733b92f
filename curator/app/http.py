"""The two HTTP endpoints beside the Streamlit app that manage the HttpOnly session cookie.

A script cannot set an HttpOnly cookie, so sign-in hands the browser a one-time ticket (kept
in this process's memory for a minute); the browser POSTs it here and gets the signed cookie
for the session the script opened. Sign-out deletes the session row and expires the cookie.
"""

from __future__ import annotations

import secrets
import threading
import time
from urllib.parse import urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from curator.services import auth
from curator.store import Store, resolve_url

SESSION_PATH = "/api/curator/session"
SIGNOUT_PATH = "/api/curator/signout"
TICKET_TTL = 60.0  # seconds

_tickets: dict[str, tuple[str, float]] = {}
_lock = threading.Lock()
_stores: dict[str, Store] = {}


def issue_ticket(token: str) -> str:
    """A one-time ticket the browser exchanges for the cookie carrying ``token``."""
    ticket = secrets.token_urlsafe(24)
    now = time.monotonic()
    with _lock:
        for key in [k for k, (_, t) in _tickets.items() if t < now]:
            del _tickets[key]
        _tickets[auth.hash_token(ticket)] = (token, now + TICKET_TTL)
    return ticket


def redeem_ticket(ticket: str) -> str | None:
    """The token behind a ticket, once; None if unknown or expired."""
    with _lock:
        found = _tickets.pop(auth.hash_token(ticket), None)
    if found is None or found[1] < time.monotonic():
        return None
    return found[0]


def _store() -> Store:
    url = resolve_url(None)
    with _lock:
        if url not in _stores:
            _stores[url] = Store(url)
        return _stores[url]


def _same_origin(request: Request) -> bool:
    # A browser always sends Origin on a cross-site POST; reject any other site's page.
    origin = request.headers.get("origin")
    return origin is None or urlsplit(origin).netloc == request.headers.get("host")


def _cookie(response: Response, request: Request, value: str, max_age: int) -> None:
    response.set_cookie(
        auth.COOKIE_NAME,
        value,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


async def session_endpoint(request: Request) -> Response:
    """POST a ticket, get the HttpOnly session cookie."""
    if not _same_origin(request):
        return Response("cross-site request refused", status_code=403)
    ticket = (await request.body()).decode("utf-8", "replace").strip()
    token = redeem_ticket(ticket) if ticket else None
    if token is None:
        return Response("unknown or expired ticket", status_code=403)
    store = _store()
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
