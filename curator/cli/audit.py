"""`curator audit`: the guideline audit as text, JSON or a self-contained HTML page."""

from __future__ import annotations

from pathlib import Path

import click

from curator.audit import render_html, render_text
from curator.cli.base import Context, json_option, main, pass_ctx
from curator.errors import InvalidInputError
from curator.services import audit as audit_service
from curator.services.atomic import atomic_file


@main.command()
@click.option("--html", "html_file", type=click.Path(dir_okay=False), help="Also write the report as one HTML page.")
@click.option("--predictions", type=click.Path(dir_okay=False), help="JSONL of a model's replies keyed by example id.")
@click.option("--reopen-stale", is_flag=True, help="Send every example with a stale decision back to the queue.")
@click.option("--benchmark", "benchmarks", multiple=True, type=click.Path(exists=True, dir_okay=False), metavar="PATH",
              help="Benchmark file (JSONL, JSON or Parquet): report the examples whose prompt matches one of its items (repeat for several).")
@click.option("--benchmark-field", metavar="FIELD", help="The benchmark items' prompt field (default: the first of prompt, question, input, messages).")
@json_option
@pass_ctx
def audit(ctx: Context, html_file: str | None, predictions: str | None, reopen_stale: bool, benchmarks: tuple[str, ...], benchmark_field: str | None, as_json: bool) -> None:
    """Audit decisions and data against the guideline in force (and a model's replies)."""
    bad: list[InvalidInputError] = []
    report = audit_service.run_audit(ctx.store, predictions=Path(predictions) if predictions else None,
                                     on_error=bad.append, benchmarks=list(benchmarks), benchmark_field=benchmark_field)
    if html_file:
        with atomic_file(Path(html_file)) as fh:
            fh.write(render_html(report))
    if as_json:
        click.echo(report.to_json())
    else:
        click.echo(render_text(report), nl=False)
        command = audit_service.reopen_command(report)
        if command and not reopen_stale:
            click.echo(f"Send the stale decisions back to the queue with:\n  {command}")
        if html_file:
            click.echo(f"wrote {html_file}")
    for exc in bad:
        click.echo(f"curator: {exc}", err=True)
    if reopen_stale:
        ids = audit_service.stale_example_ids(report)
        n = audit_service.reopen_stale(ctx.store, ctx.actor, ids)
        click.echo(f"reopened {n} examples with stale decisions", err=as_json)
    if bad:
        raise InvalidInputError(f"{len(bad)} bad line(s) in {predictions}; the other predictions were audited")


__all__ = ["audit"]
