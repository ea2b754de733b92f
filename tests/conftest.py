"""Shared fixtures: a fresh store on SQLite and on the real PostgreSQL server."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from curator.models import User, UserRole
from curator.store import Store

PG_ADMIN_URL = os.environ.get("CURATOR_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_data"


def _pg_admin() -> sa.Engine:
    return sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")


def _pg_reachable() -> str | None:
    try:
        with _pg_admin().connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        return None
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
        return str(exc).splitlines()[0]


def _require_pg() -> None:
    why = _pg_reachable()
    if why is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"PostgreSQL is required in CI but unreachable: {why}")
    pytest.skip(f"PostgreSQL unreachable: {why}")


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    """A database migrated to head once per test run; each test copies it."""
    _require_pg()
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    name = f"curator_tpl_{worker}_{uuid.uuid4().hex[:8]}"
    admin = _pg_admin()
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    Store(url).close()
    yield name
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _fresh_pg(template: str) -> Iterator[str]:
    name = f"curator_t_{uuid.uuid4().hex[:12]}"
    admin = _pg_admin()
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def pg_url(pg_template: str) -> Iterator[str]:
    """A migrated PostgreSQL database emptied for this test (truncating beats creating one)."""
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{pg_template}"
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        tables = [
            t for t in sa.inspect(conn).get_table_names() if t != "alembic_version"
        ]
        conn.execute(sa.text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    engine.dispose()
    yield url


@pytest.fixture
def blank_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database (no schema), once for SQLite and once for PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'blank.db'}"
        return
    _require_pg()
    yield from _fresh_pg("template0")


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'curator.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh database URL, once for SQLite and once for PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'curator.db'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    """A fresh store on each database."""
    s = Store(db_url)
    yield s
    s.close()


@pytest.fixture
def sqlite_store(sqlite_url: str) -> Iterator[Store]:
    s = Store(sqlite_url)
    yield s
    s.close()


def make_user(store: Store, name: str = "ana", role: UserRole = UserRole.REVIEWER, password: str | None = None) -> User:
    """A user; without a password unless one is given (argon2 is slow on purpose)."""
    from curator.services.users import add_user

    return add_user(store, name, role, password=password)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """One headless Chromium (Debian's, driven by Playwright) for the browser tests of a module."""
    from playwright.sync_api import sync_playwright

    from browser_kit import launch, need_chromium

    need_chromium()
    with sync_playwright() as p:
        b = launch(p)
        yield b
        b.close()


@pytest.fixture
def unwritable_dir(tmp_path: Path) -> Iterator[Path]:
    """A folder in which creating a file fails with PermissionError, also for root.

    chmod 0500 where that is enough; as root, the immutable attribute (chattr +i); else /sys,
    where nobody may create a file.
    """
    import shutil
    import subprocess

    def refuses(folder: Path) -> bool:
        try:
            (folder / ".probe").write_text("x")
        except PermissionError:
            return True
        (folder / ".probe").unlink()
        return False

    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o500)
    if refuses(folder):
        yield folder
        folder.chmod(0o700)
        return
    folder.chmod(0o700)
    chattr = shutil.which("chattr")
    if chattr and subprocess.run([chattr, "+i", str(folder)], capture_output=True, check=False).returncode == 0:
        try:
            if refuses(folder):
                yield folder
                return
        finally:
            subprocess.run([chattr, "-i", str(folder)], capture_output=True, check=False)
    if Path("/sys").is_dir() and refuses(Path("/sys")):
        yield Path("/sys")
        return
    pytest.fail("no folder here refuses writes (not chmod, chattr +i or /sys)")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    """In CI nothing skips: a skipped test (a missing dependency, server or browser) fails."""
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("CI") and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, where every test must run: {reason}"
