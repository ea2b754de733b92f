"""`curator demo`: sample data into a local database, then the web app."""

from __future__ import annotations

from pathlib import Path

import click

from curator.cli.base import Context, emit_json, json_option, main, pass_ctx
from curator.services.database import database_url
from curator.services.demo import DEMO_PASSWORD, DEMO_USERS, start_demo


@main.command()
@click.option("--data", type=click.Path(file_okay=False), help="Sample data folder (default: sample_data/).")
@click.option("--guidelines", type=click.Path(file_okay=False), help="Guidelines folder (default: guidelines/).")
@click.option("--reset", is_flag=True, help="Delete the demo's SQLite database first (never a database the demo did not make).")
@click.option("--no-app", is_flag=True, help="Set up only; do not start the web app.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8501, show_default=True, type=int)
@json_option
@pass_ctx
def demo(ctx: Context, data: str | None, guidelines: str | None, reset: bool, no_app: bool, host: str, port: int, as_json: bool) -> None:
    """Load the sample data and guidelines into a local database, then start the web app."""
    url = database_url(ctx.db_url)
    setup = start_demo(url, reset=reset, data=data, guidelines=guidelines)
    if as_json:
        emit_json({"imports": setup.imports, "users": setup.users, "guideline_version": setup.guideline_version, "flags": setup.flags})
    else:
        for s in setup.imports:
            click.echo(f"{Path(s['path']).name}: {s['records']} records -> {s['examples']} new, {s['duplicates']} duplicates, {s['problems']} problems")
        click.echo(f"guidelines {setup.guideline_version}; {setup.flags} automated flags")
        made = ", ".join(f"{n} ({r.value})" for n, r in DEMO_USERS if n in setup.users)
        if made:
            click.echo(f"users: {made}; password: {DEMO_PASSWORD}")
        there = ", ".join(n for n, _ in DEMO_USERS if n not in setup.users)
        if there:
            click.echo(f"users already there: {there} (their passwords are as they were)")
    if not no_app:
        from curator.cli.serve import run_app

        click.echo(f"curator is at http://{host}:{port} (Ctrl+C stops it)")
        raise SystemExit(run_app(url, host=host, port=port))
