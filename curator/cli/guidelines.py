"""`curator guidelines load|diff|show`: the guidelines in force and how versions differ."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from curator.cli.base import Context, emit_json, end_progress, json_option, main, pass_ctx, progress_printer, table, workers_option
from curator.errors import NotFoundError
from curator.guidelines import GuidelineSet
from curator.services import guideline_sync
from curator.services.demo import find_folder


@main.group()
def guidelines() -> None:
    """Load, show and compare annotation guidelines."""


@guidelines.command("load")
@click.argument("folder", required=False, type=click.Path(file_okay=False))
@workers_option
@json_option
@pass_ctx
def guidelines_load(ctx: Context, folder: str | None, workers: int | None, as_json: bool) -> None:
    """Make a guidelines folder the version in force (default: ./guidelines); re-run the checks."""
    before = guideline_sync.current_version(ctx.store)
    printer = progress_printer("flagging")
    version = guideline_sync.load_into_store(ctx.store, find_folder("guidelines", folder), progress=printer,
                                             workers=workers)
    end_progress(printer)
    changes = guideline_sync.changes_since(ctx.store, before) if before and before != version else None
    if as_json:
        emit_json({"version": version, "previous": before, "diff": changes.to_dict() if changes else None})
        return
    click.echo(f"guidelines in force: {version}" + (" (unchanged)" if before == version else ""))
    if changes:
        _print_diff(changes.to_dict())
        click.echo("decisions made under the old version may now be stale: curator audit lists them")


def _resolve(ctx: Context, ref: str) -> GuidelineSet | str:
    if Path(ref).exists():
        return ref
    found = guideline_sync.version_set(ctx.store, ref)
    if found is None:
        raise NotFoundError(f"{ref!r} is neither a guidelines folder nor a version stored in this database")
    return found


def _print_diff(d: dict[str, Any]) -> None:
    for rule_id in d["added"]:
        click.echo(f"+ {rule_id}")
    for rule_id in d["removed"]:
        click.echo(f"- {rule_id}")
    for change in d["changed"]:
        click.echo(f"~ {change['id']} ({', '.join(change['fields'])})")
    for change in d["guidelines_changed"]:
        click.echo(f"~ guideline {change['name']} ({', '.join(change['fields'])})")


@guidelines.command("diff")
@click.argument("old")
@click.argument("new")
@json_option
@pass_ctx
def guidelines_diff(ctx: Context, old: str, new: str, as_json: bool) -> None:
    """Rules added (+), removed (-) and changed (~) from OLD to NEW (folders or stored versions)."""
    from curator.guidelines import diff

    d = diff(_resolve(ctx, old), _resolve(ctx, new)).to_dict()
    if as_json:
        emit_json(d)
        return
    click.echo(f"{d['old_version']} -> {d['new_version']}")
    _print_diff(d)
    if not (d["added"] or d["removed"] or d["changed"] or d["guidelines_changed"]):
        click.echo("no changes")


@guidelines.command("show")
@json_option
@pass_ctx
def guidelines_show(ctx: Context, as_json: bool) -> None:
    """The rules of the guideline in force."""
    gs = guideline_sync.current(ctx.store)
    if gs is None:
        raise NotFoundError("no guideline loaded yet: run `curator guidelines load`")
    rows = [[r.id, r.severity.value, r.check.name if r.check else "-", r.title] for r in gs.rules]
    if as_json:
        emit_json({"version": gs.version, "rules": [dict(zip(["id", "severity", "check", "title"], r)) for r in rows]})
    else:
        click.echo(f"version {gs.version}")
        click.echo(table(rows, ["rule", "severity", "check", "title"]))
