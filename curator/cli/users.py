"""`curator users`: add and list the people who review (reviewer, lead, admin)."""

from __future__ import annotations

import sys

import click

from curator.cli.base import Context, emit_json, json_option, main, pass_ctx, table
from curator.models import UserRole
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
