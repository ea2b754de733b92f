"""Run a real `curator app` in a subprocess for tests (HTTP and browser)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"]


def require_chromium() -> None:
    if Path(CHROMIUM).exists():
        return
    message = f"{CHROMIUM} is missing: apt-get install -y chromium"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


SESSION_COOKIE = "curator_session"


def session_cookie(page: Any, timeout: float = 30) -> dict[str, Any]:
    """Wait until the browser has swapped its sign-in ticket for the session cookie, and return it.

    The page shows "Sign out" as soon as the password is checked; the swap is a fetch the page
    makes afterwards. Navigating before it lands starts a new session without the cookie, which
    on a loaded machine made browser tests sign-in pages instead of the page they asked for."""
    deadline = time.monotonic() + timeout
    while True:
        found = [c for c in page.context.cookies() if c["name"] == SESSION_COOKIE]
        if found:
            return dict(found[0])
        if time.monotonic() > deadline:
            raise AssertionError(f"no {SESSION_COOKIE} cookie {timeout:.0f} s after signing in")
        time.sleep(0.1)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_up(url: str, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"curator app exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url + "_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise AssertionError("curator app did not come up")


@contextmanager
def curator_app(db_url: str, workdir: Path, *options: str, log_name: str = "server.log") -> Iterator[str]:
    """`curator --db URL app OPTIONS` on a free port; yields its base URL (ending in /)."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CURATOR_")}
    with open(workdir / log_name, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "curator", "--db", db_url, "app", "--host", "127.0.0.1", "--port", str(port), *options],
            stdout=log, stderr=subprocess.STDOUT, cwd=workdir, start_new_session=True, env=env,
        )
        base = f"http://127.0.0.1:{port}/"
        try:
            wait_up(base, proc)
            yield base
        finally:
            stop(proc)


def stop(proc: subprocess.Popen[bytes]) -> None:
    """End the app's process group (Streamlit's server and anything it started)."""
    try:
        os.killpg(proc.pid, 15)
        proc.wait(timeout=15)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 9)
        proc.wait()
