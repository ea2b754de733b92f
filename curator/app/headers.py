"""Security headers on every HTTP response the app serves, Streamlit's own pages included."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# No other site may frame the app (clickjacking): CSP for today's browsers, X-Frame-Options for
# older ones. Browsers enforce every CSP header they get, so adding ours keeps any other intact.
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", b"frame-ancestors 'none'"),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
)
_REPLACED = {name for name, _ in SECURITY_HEADERS if name != b"content-security-policy"}


class SecurityHeaders:
    """ASGI middleware adding SECURITY_HEADERS to each HTTP response (websockets pass through)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in _REPLACED]
                message = {**message, "headers": kept + list(SECURITY_HEADERS)}
            await send(message)

        await self.app(scope, receive, send_with_headers)
