"""Commands for model suggestions (judgements from any LLM judge, shown beside the reviewer)."""

from __future__ import annotations

import click

from curator.cli.base import Context, echo_line_errors, emit_json, json_option, main, pass_ctx
from curator.services import suggestions as suggestions_service


@main.group()
def suggestions() -> None:
    """Import model judgements to show beside the reviewer (never decisions on their own)."""


@suggestions.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@json_option
@pass_ctx
def suggestions_import(ctx: Context, file: str, as_json: bool) -> None:
    """Store a JSONL file of model judgements; bad lines are reported and kept as problems."""
    from curator.services.guideline_sync import known_rule_ids

    report = suggestions_service.import_suggestions(ctx.store, ctx.actor, file, known_rules=known_rule_ids(ctx.store))
    if as_json:
        emit_json(report.as_dict())
    else:
        earlier = f" ({report.already_imported} stored by an earlier run of this file)" if report.already_imported else ""
        click.echo(f"{report.file}: {report.lines} lines, {report.imported} suggestions stored{earlier}, {len(report.errors)} errors")
    echo_line_errors(report.file, report.errors)
    if report.errors:
        raise SystemExit(1)
