"""The served app over plain HTTP: security headers, the cookie hand-off, CSRF, Secure cookies.

A real `curator app` subprocess answers; the test process plays a second app process (it opens
sessions and issues tickets through the services, as the other process's pages would).
"""

from __future__ import annotations

import http.client
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from conftest import make_user
from curator.services import auth
from curator.store import Store
from served_app import curator_app

PROXY = "127.0.0.2"  # the "reverse proxy" connects from here; tests bind their sockets to it

FRAME_HEADERS = {"content-security-policy": "frame-ancestors 'none'", "x-frame-options": "DENY"}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Store]]:
    """One app for the module, trusting a proxy at 127.0.0.2."""
    work = tmp_path_factory.mktemp("web")
    url = f"sqlite:///{work / 'curator.db'}"
    store = Store(url)
    make_user(store, "ana")
    with curator_app(url, work, "--trust-proxy", PROXY) as base:
        yield base, store
    store.close()


def _request(base: str, method: str, path: str, *, body: bytes | None = None, headers: dict[str, str] | None = None,
             source: str | None = None) -> http.client.HTTPResponse:
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=20, source_address=(source, 0) if source else None)
    conn.request(method, path, body=body, headers=headers or {})
    response = conn.getresponse()
    response.read()
    conn.close()
    return response


def _ticket(store: Store) -> tuple[str, str]:
    """(session token, ticket) as another app process's sign-in would leave them."""
    from curator.store import users as users_repo

    with store.read() as conn:
        ana = users_repo.get_by_name(conn, "ana")
    token = auth.create_session(store, ana)
    return token, auth.issue_ticket(store, token)


def _post_ticket(base: str, ticket: str, **kw) -> http.client.HTTPResponse:
    host = urlsplit(base).netloc
    headers = {"Origin": f"http://{host}", "Content-Type": "text/plain", **kw.pop("headers", {})}
    return _request(base, "POST", "/api/curator/session", body=ticket.encode(), headers=headers, **kw)


def _index_asset(base: str) -> str:
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=20)
    conn.request("GET", "/")
    html = conn.getresponse().read().decode()
    conn.close()
    found = re.search(r'src="\.?/?(static/js/[^"]+\.js)"', html)
    assert found, "the index page names its script"
    return "/" + found.group(1)


def test_every_kind_of_response_forbids_framing(served: tuple[str, Store]) -> None:
    base, _ = served
    paths = [("GET", "/"), ("GET", "/_stcore/health"), ("GET", _index_asset(base)), ("GET", "/no/such/page.txt"),
             ("POST", "/api/curator/session"), ("POST", "/api/curator/signout")]
    for method, path in paths:
        response = _request(base, method, path)
        got = {name: response.getheader(name) for name in FRAME_HEADERS}
        assert got == FRAME_HEADERS, (method, path, response.status)
        assert response.getheader("x-content-type-options") == "nosniff"


def test_a_ticket_issued_by_another_process_is_redeemed_once(served: tuple[str, Store]) -> None:
    base, store = served
    token, ticket = _ticket(store)
    assert _post_ticket(base, ticket + "x").status == 403
    first = _post_ticket(base, ticket)
    assert first.status == 204
    cookie = first.getheader("set-cookie")
    assert cookie.startswith(f"{auth.COOKIE_NAME}=")
    assert auth.unsign_cookie(cookie.split(";")[0].split("=", 1)[1], auth.cookie_secret(store)) == token
    assert "httponly" in cookie.lower() and "samesite=strict" in cookie.lower()
    assert _post_ticket(base, ticket).status == 403  # single use
    log = (Path(store.url.removeprefix("sqlite:///")).parent / "server.log").read_text(encoding="utf-8", errors="replace")
    assert ticket not in log and token not in log  # no secret in the server's output


def test_a_foreign_origin_cannot_redeem_a_ticket_or_sign_out(served: tuple[str, Store]) -> None:
    base, store = served
    token, ticket = _ticket(store)
    assert _post_ticket(base, ticket, headers={"Origin": "http://evil.example"}).status == 403
    secret = auth.cookie_secret(store)
    cookie = f"{auth.COOKIE_NAME}={auth.sign_cookie(token, secret)}"
    foreign = _request(base, "POST", "/api/curator/signout", headers={"Origin": "http://evil.example", "Cookie": cookie})
    assert foreign.status == 403
    assert auth.resolve_session(store, token) is not None  # still signed in
    assert _post_ticket(base, ticket).status == 204  # the refused attempt did not use the ticket up
    own = _request(base, "POST", "/api/curator/signout", headers={"Origin": base.rstrip("/"), "Cookie": cookie})
    assert own.status == 204
    assert auth.resolve_session(store, token) is None


def test_the_cookie_is_secure_behind_the_trusted_tls_proxy_only(served: tuple[str, Store]) -> None:
    base, store = served
    _, ticket = _ticket(store)
    via_proxy = _post_ticket(base, ticket, source=PROXY, headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.5"})
    assert via_proxy.status == 204
    assert "secure" in via_proxy.getheader("set-cookie").lower().split("; ")
    # Anyone else claiming a forwarded scheme is not believed (the test's own address).
    _, ticket = _ticket(store)
    direct = _post_ticket(base, ticket, headers={"X-Forwarded-Proto": "https"})
    assert direct.status == 204
    assert "secure" not in direct.getheader("set-cookie").lower().split("; ")


def test_secure_cookies_marks_every_cookie_secure(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'curator.db'}"
    store = Store(url)
    make_user(store, "ana")
    with curator_app(url, tmp_path, "--secure-cookies") as base:
        _, ticket = _ticket(store)
        response = _post_ticket(base, ticket)
    store.close()
    assert response.status == 204
    assert "secure" in response.getheader("set-cookie").lower().split("; ")


def test_the_session_endpoint_reads_no_large_body(served: tuple[str, Store]) -> None:
    base, _ = served
    assert _post_ticket(base, "x" * 10_000).status == 413
