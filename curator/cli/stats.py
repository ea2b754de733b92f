"""`curator stats`: counts, token distribution and the training cost estimate."""

from __future__ import annotations

import click

from curator.cli.base import Context, emit_json, json_option, main, pass_ctx, table
from curator.services.stats import dataset_stats
from curator.tokens import DEFAULT_MODEL


@main.command()
@click.option("--model", default=DEFAULT_MODEL, show_default=True, help="Model for limits and the cost estimate.")
@json_option
@pass_ctx
def stats(ctx: Context, model: str, as_json: bool) -> None:
    """Counts, token distribution and the training cost estimate."""
    s = dataset_stats(ctx.store, model=model)
    if as_json:
        emit_json(s)
        return
    click.echo(f"{s['examples']} examples, {s['problems']} problems, {s['decisions']} decisions")
    click.echo(table([[k, v] for k, v in s["by_source"].items()], ["source", "examples"]))
    click.echo(table([[k, v] for k, v in s["by_outcome"].items()], ["outcome", "examples"]))
    if s["tokens"]:
        t = s["tokens"]
        click.echo("tokens ({}, {}): ".format(s["model"], s["encoding"]) + ", ".join(f"{k} {t[k]:,.0f}" for k in ("min", "p10", "median", "p90", "max")))
        if s["recounted"]:
            click.echo(f"counted again in {s['encoding']}: {s['recounted']} examples (imported for another model)")
        click.echo(f"over the {s['max_example_tokens']:,}-token limit: {s['over_limit']}")
    if s["cost"]:
        c = s["cost"]
        click.echo(
            f"training estimate: {c['billing_tokens']:,} billing tokens x {c['epochs']} epochs = "
            f"{c['training_tokens']:,} tokens" + (f", about ${c['usd']:.2f}" if c["usd"] is not None else "")
        )
