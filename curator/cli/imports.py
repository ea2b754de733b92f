"""`curator import` (files in) and `curator problems` (the records that could not become examples)."""

from __future__ import annotations

import click

from curator.cli.base import Context, emit_json, end_progress, json_option, main, pass_ctx, progress_printer, workers_option
from curator.formats import FORMATS
from curator.services import importing
from curator.tokens import DEFAULT_MODEL


@main.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--format", "fmt", type=click.Choice(["auto", *FORMATS]), default="auto", show_default=True)
@click.option("--source", help="Source name recorded on every example (default: the file name).")
@click.option("--model", default=DEFAULT_MODEL, show_default=True, help="Target model for token counts and limits.")
@workers_option
@json_option
@pass_ctx
def import_(ctx: Context, paths: tuple[str, ...], fmt: str, source: str | None, model: str, workers: int | None,
            as_json: bool) -> None:
    """Import conversations; invalid records are quarantined (see `curator problems`)."""
    results = []
    for path in paths:
        printer = progress_printer(f"importing {path}")
        summary = importing.import_file(ctx.store, path, format=fmt, source=source, model=model, progress=printer,
                                        workers=workers)
        end_progress(printer)
        results.append(summary.as_dict())
        if not as_json:
            click.echo(f"{path}: format {summary.reason}", err=True)
            click.echo(
                f"{path}: {summary.records} records -> {summary.examples} new examples, "
                f"{summary.duplicates} duplicates, {summary.problems} problems"
            )
            if summary.problems:
                codes = ", ".join(f"{c} {n}" for c, n in summary.problem_codes.items())
                click.echo(f"  problems: {codes} (list them: curator problems)")
            if summary.warnings:
                click.echo("  warnings: " + ", ".join(f"{c} {n}" for c, n in summary.warnings.items()))
    if as_json:
        emit_json(results[0] if len(results) == 1 else results)


@main.command()
@click.option("--source", help="Only this source.")
@click.option("--raw", is_flag=True, help="Show each record's raw text too.")
@json_option
@pass_ctx
def problems(ctx: Context, source: str | None, raw: bool, as_json: bool) -> None:
    """List quarantined records: source, line, code, message."""
    found = importing.problems(ctx.store, source=source)
    if as_json:
        emit_json([p.model_dump(mode="json") for p in found])
        return
    if not found:
        click.echo("no problems")
        return
    for p in found:
        field = f" [{p.field}]" if p.field else ""
        click.echo(f"{p.source}:{p.line or '-'}: {p.code}{field}: {p.message}")
        if raw:
            click.echo(f"    {p.raw[:300]}")
