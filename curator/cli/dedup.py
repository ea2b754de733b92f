"""`curator dedup`: find exact and near-duplicate clusters and store them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from curator.cli.base import Context, emit_json, json_option, main, pass_ctx, table


def engine_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """--engine and --ray-address: where near-duplicate detection runs (same results on both)."""
    command = click.option("--ray-address", metavar="ADDRESS", help="Ray cluster to use with --engine ray (default $RAY_ADDRESS, else a local Ray started for the run).")(command)
    return click.option("--engine", type=click.Choice(["in-process", "ray"]), default="in-process", show_default=True,
                        help="Run MinHash, banding and confirmation in this process or as Ray tasks (needs curator[ray]).")(command)


@main.command()
@click.option("--threshold", type=click.FloatRange(0.0, 1.0, min_open=True), default=0.8, show_default=True, metavar="J", help="Jaccard similarity at which two conversations are near duplicates.")
@click.option("--casefold", is_flag=True, help="Ignore letter case when comparing.")
@engine_options
@json_option
@pass_ctx
def dedup(ctx: Context, threshold: float, casefold: bool, engine: str, ray_address: str | None, as_json: bool) -> None:
    """Find exact and near-duplicate clusters; store them for the review pages."""
    from curator.services.dedup import run_dedup

    report = run_dedup(ctx.store, threshold=threshold, casefold=casefold, engine=engine, ray_address=ray_address)
    data = report.as_dict()
    if as_json:
        emit_json(data)
        return
    click.echo(
        f"{data['examples']} examples: {data['clusters']} clusters ({data['exact_clusters']} exact, "
        f"{data['near_clusters']} near), {data['duplicates']} duplicates; threshold {threshold}"
    )
    rows = [[c["id"], c["kind"], c["size"], c["representative"], f"{c['min_similarity']:.3f}"] for c in data["cluster_list"][:50]]
    if rows:
        click.echo(table(rows, ["cluster", "kind", "size", "representative", "min similarity"]))
    if len(data["cluster_list"]) > 50:
        click.echo(f"... and {len(data['cluster_list']) - 50} more (all of them: curator dedup --json)")
