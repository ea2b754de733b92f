"""The command group, its shared options, and how errors become exit statuses."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from typing import Any

import click

from curator.errors import CuratorError, path_error
from curator.models import User
from curator.services.database import Store, open_database

# How to settle an error from the command line, by the setting it names (CuratorError.setting).
FLAG_HINTS = {
    "allow_contamination": "or pass --allow-contamination to export anyway",
    "replace": "pass --replace to replace them",
    "format": "pass --format",
    "engine": "choose with --engine (in-process or ray)",
    "db": "give it one with --db, e.g. curator --db sqlite:///demo.db demo",
    "reset": "--reset works on SQLite only",
}


def with_flag_hint(exc: CuratorError) -> str:
    """The error's message, and how to settle it with this command line's flags."""
    hint = FLAG_HINTS.get(exc.setting or "")
    return f"{exc}; {hint}" if hint else str(exc)


class CuratorGroup(click.Group):
    """Turns curator's own errors, and any file error left untranslated, into a one-line reason
    on stderr and exit status 1; with --debug they keep their traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (CuratorError, OSError) as exc:
            if ctx.params.get("debug"):
                raise
            if isinstance(exc, OSError):
                exc = path_error(exc)  # the last resort: the services translate where they can
            message = " ".join(with_flag_hint(exc).split()) or type(exc).__name__  # one line, whatever it holds
            click.echo(f"curator: error: {message}", err=True)
            ctx.exit(1)


@click.group(cls=CuratorGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--db", "db_url", metavar="URL", envvar="CURATOR_DB", help="Database URL (default: $CURATOR_DB, else sqlite:///curator.db).")
@click.option("--debug", is_flag=True, help="Show the full traceback of an error instead of one line.")
@click.version_option(package_name="curator")
@click.pass_context
def main(ctx: click.Context, db_url: str | None, debug: bool) -> None:
    """curator: review chat fine-tuning data against guidelines; export leak-free splits."""
    ctx.obj = Context(db_url)


class Context:
    """What commands share: the database URL, opened on first use."""

    def __init__(self, db_url: str | None) -> None:
        self.db_url = db_url
        self._store: Store | None = None

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = open_database(self.db_url)
        return self._store

    @property
    def actor(self) -> User:
        """Who the shell acts as (a stored admin named 'cli')."""
        from curator.services.users import shell_actor

        return shell_actor(self.store)


pass_ctx = click.make_pass_decorator(Context)

json_option = click.option("--json", "as_json", is_flag=True, help="Machine-readable output on stdout.")
workers_option = click.option(
    "--workers", type=click.IntRange(min=0), default=None,
    help="Worker processes for parsing, token counting and checks (default: one per core; 0: none).")


def echo_line_errors(file: str, errors: Iterable[Any]) -> None:
    """The bad lines of an input file, one line each on stderr: ``file:line: field 'x': message``."""
    for e in errors:
        where = f" field {e.field!r}:" if e.field else ""
        click.echo(f"{file}:{e.line}:{where} {e.message}", err=True)


def emit_json(value: Any) -> None:
    click.echo(json.dumps(value, indent=2, ensure_ascii=False, default=str))


def progress_printer(label: str):  # type: ignore[no-untyped-def]
    """A counter on stderr when it is a terminal; nothing when piped."""
    if not sys.stderr.isatty():
        return None

    def show(n: int) -> None:
        click.echo(f"\r{label}: {n:,} records", err=True, nl=False)

    return show


def end_progress(printer: Any) -> None:
    if printer is not None:
        click.echo("", err=True)


def table(rows: list[list[Any]], headers: list[str]) -> str:
    """Left-aligned plain-text columns."""
    cells = [[str(h) for h in headers]] + [[str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
