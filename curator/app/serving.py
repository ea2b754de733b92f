"""How the app is served: the settings `curator app` hands the server process in its environment.

No Streamlit import here: the command line reads these names too.
"""

from __future__ import annotations

import os

# Addresses (or networks) of reverse proxies whose X-Forwarded-Proto and X-Forwarded-For
# headers are believed (`curator app --trust-proxy`): the scheme decides the cookie's Secure
# flag, the address feeds the sign-in throttle. Unset: no forwarded header is believed.
TRUST_PROXY_ENV = "CURATOR_TRUST_PROXY"
# Mark the session cookie Secure whatever the request's scheme (a TLS proxy that sends no
# X-Forwarded-Proto).
SECURE_COOKIES_ENV = "CURATOR_SECURE_COOKIES"
# The variable the ASGI server (uvicorn, under Streamlit) reads for the proxies it trusts.
SERVER_PROXY_ENV = "FORWARDED_ALLOW_IPS"

_TRUE = {"1", "true", "yes", "on"}


def secure_cookies() -> bool:
    """True when every session cookie must carry the Secure flag."""
    return os.environ.get(SECURE_COOKIES_ENV, "").strip().lower() in _TRUE


def server_environment(*, trust_proxy: str | None, secure_cookies: bool) -> dict[str, str]:
    """The environment variables that carry these settings to the server process."""
    return {
        # Always set: uvicorn's own default would believe any peer on 127.0.0.1.
        SERVER_PROXY_ENV: (trust_proxy or "").strip(),
        SECURE_COOKIES_ENV: "1" if secure_cookies else "",
    }
