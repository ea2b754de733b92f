"""`curator app`: the reviewer web app (Streamlit with the session-cookie endpoints)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click

from curator.app import serving
from curator.cli.base import Context, main, pass_ctx
from curator.services.database import database_url, open_database

SERVER = str(Path(__file__).resolve().parent.parent / "app" / "server.py")

# The settings a self-hosted tool needs: no tracebacks in the browser, no developer toolbar,
# XSRF protection on, no usage statistics sent anywhere, no reloading on file changes.
PRODUCTION_FLAGS = {
    "client.showErrorDetails": "none",
    "client.toolbarMode": "viewer",
    "server.enableXsrfProtection": "true",
    "browser.gatherUsageStats": "false",
    "server.runOnSave": "false",
    "server.fileWatcherType": "none",
}


def streamlit_command(*, host: str, port: int, headless: bool = True) -> list[str]:
    """The `streamlit run` command line for the app."""
    flags = {**PRODUCTION_FLAGS, "server.address": host, "server.port": str(port), "server.headless": "true" if headless else "false"}
    args = [sys.executable, "-m", "streamlit", "run", SERVER]
    for key, value in flags.items():
        args += [f"--{key}", value]
    return args


def run_app(
    db_url: str,
    *,
    host: str,
    port: int,
    headless: bool = True,
    trust_proxy: str | None = None,
    secure_cookies: bool = False,
) -> int:
    """Serve the app on ``db_url`` until interrupted; returns the server's exit status."""
    url = database_url(db_url)
    open_database(url).close()  # migrate now, so a bad URL fails here with a clear message
    env = {**os.environ, "CURATOR_DB": url, **serving.server_environment(trust_proxy=trust_proxy, secure_cookies=secure_cookies)}
    proc = subprocess.Popen(streamlit_command(host=host, port=port, headless=headless), env=env)
    try:
        return proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        try:
            return proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            return proc.wait()


@main.command("app")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (0.0.0.0 for every interface).")
@click.option("--port", default=8501, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@click.option(
    "--trust-proxy",
    metavar="ADDRESSES",
    envvar=serving.TRUST_PROXY_ENV,
    help="Comma-separated addresses or networks of reverse proxies whose X-Forwarded-Proto/-For "
    "headers are believed (e.g. 127.0.0.1 for a TLS proxy on this machine).",
)
@click.option(
    "--secure-cookies",
    is_flag=True,
    envvar=serving.SECURE_COOKIES_ENV,
    help="Always mark the session cookie Secure (HTTPS only), whatever the request's scheme.",
)
@pass_ctx
def app(ctx: Context, host: str, port: int, trust_proxy: str | None, secure_cookies: bool) -> None:
    """Start the reviewer web app."""
    click.echo(f"curator: serving http://{host}:{port} (Ctrl+C stops)", err=True)
    raise SystemExit(run_app(database_url(ctx.db_url), host=host, port=port, trust_proxy=trust_proxy, secure_cookies=secure_cookies))
