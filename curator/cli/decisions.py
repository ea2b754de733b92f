"""`curator decisions import|export` (bulk decision files) and `curator reopen`."""

from __future__ import annotations

import click

from curator.cli.base import Context, echo_line_errors, emit_json, json_option, main, pass_ctx
from curator.errors import InvalidInputError
from curator.services import decision_files
from curator.services import decisions as decisions_service


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
        history = f", {report.undone} taken back later in the log (not applied)" if report.undone else ""
        click.echo(f"{report.file}: {report.lines} lines, {report.applied} applied, {report.unchanged} unchanged{earlier}{history}, "
                   f"{len(report.errors)} errors")
        echo_line_errors(report.file, report.errors)
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


@main.command()
@click.argument("example_ids", nargs=-1, required=True)
@click.option("--note", default="", help="Why (kept in the decision log).")
@pass_ctx
def reopen(ctx: Context, example_ids: tuple[str, ...], note: str) -> None:
    """Send examples back to the review queue (their decisions stay in the log)."""
    n = decisions_service.reopen(ctx.store, ctx.actor, list(example_ids), note=note)
    click.echo(f"reopened {n} examples")
