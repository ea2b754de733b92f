"""Commands for users and for bulk decision files."""

from __future__ import annotations

import sys

import click

from curator.cli.base import Context, emit_json, json_option, main, pass_ctx, table
from curator.errors import InvalidInputError
from curator.models import UserRole
from curator.services import decision_files
from curator.services import users as users_service


@main.group()
def users() -> None:
    """Manage the people who review (reviewer, lead, admin)."""


@users.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice([r.value for r in UserRole]), required=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input (else prompt twice).")
@pass_ctx
def users_add(ctx: Context, name: str, role: str, password_stdin: bool) -> None:
    """Add a user with a password (hashed with argon2id)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    user = users_service.add_user(ctx.store, name, role, password=password)
    click.echo(f"added {user.role.value} {user.name}")


@users.command("list")
@json_option
@pass_ctx
def users_list(ctx: Context, as_json: bool) -> None:
    """List users and their roles."""
    people = users_service.list_users(ctx.store)
    if as_json:
        emit_json([u.model_dump(mode="json") for u in people])
    else:
        click.echo(table([[u.name, u.role.value, "yes" if u.active else "no"] for u in people], ["name", "role", "active"]))


@main.group()
def decisions() -> None:
    """Import or export decisions as JSONL."""


@decisions.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@json_option
@pass_ctx
def decisions_import(ctx: Context, file: str, as_json: bool) -> None:
    """Apply a decisions file; bad lines are reported, the others still apply."""
    from curator.services.guideline_sync import known_rule_ids

    report = decision_files.import_decisions(ctx.store, ctx.actor, file, known_rules=known_rule_ids(ctx.store))
    if as_json:
        emit_json(report.as_dict())
    else:
        earlier = f" ({report.already_applied} applied by an earlier run of this file)" if report.already_applied else ""
        click.echo(f"{report.file}: {report.lines} lines, {report.applied} applied, {report.unchanged} unchanged{earlier}, {len(report.errors)} errors")
        for e in report.errors:
            where = f" field {e.field!r}" if e.field else ""
            click.echo(f"{report.file}:{e.line}:{where} {e.message}", err=True)
    if report.errors:
        raise SystemExit(1)


@decisions.command("export")
@click.argument("file", type=click.Path(dir_okay=False))
@pass_ctx
def decisions_export(ctx: Context, file: str) -> None:
    """Write the whole decision log to FILE (JSONL, atomically)."""
    if file == "-":
        raise InvalidInputError("give a file name, not '-'")
    n = decision_files.export_decisions(ctx.store, file)
    click.echo(f"wrote {n} decisions to {file}")
