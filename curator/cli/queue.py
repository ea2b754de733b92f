"""`curator queue` (the order reviewers are served in) and `curator sample` (a batch to estimate quality)."""

from __future__ import annotations

import click

from curator.cli.base import Context, emit_json, json_option, main, pass_ctx, table
from curator.ordering import Strategy
from curator.services import queue_order, sampling


@main.group()
def queue() -> None:
    """Choose the order reviewers are served in, for everyone or per source."""


@queue.command("set")
@click.argument("strategy", type=click.Choice([s.value for s in Strategy] + [queue_order.DEFAULT]), metavar="STRATEGY")
@click.option("--source", help="Only for this source (STRATEGY 'default': follow the strategy for everyone again).")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the random order.")
@json_option
@pass_ctx
def queue_set(ctx: Context, strategy: str, source: str | None, seed: int, as_json: bool) -> None:
    """Serve the queue in STRATEGY order: fixed, flagged-first, diverse, disagreement-first or random."""
    done = queue_order.set_strategy(ctx.store, ctx.actor, strategy, source=source, seed=seed)
    if as_json:
        emit_json({"strategy": strategy, "source": source, "seed": seed, "examples": done.examples, "reordered": done.changed,
                   "seconds": round(done.seconds, 3)})
        return
    who = f"source {source}" if source else "everyone"
    click.echo(f"{who}: {strategy}; {done.changed:,} of {done.examples:,} examples moved in the queue ({done.seconds:.1f} s)")


@queue.command("show")
@json_option
@pass_ctx
def queue_show(ctx: Context, as_json: bool) -> None:
    """The strategy for everyone and the sources that have their own."""
    s = queue_order.get(ctx.store)
    if as_json:
        emit_json(s.to_json())
        return
    rows = [["everyone", queue_order.describe(s.everyone)]]
    rows += [[name, queue_order.describe(c)] for name, c in sorted(s.sources.items())]
    click.echo(table(rows, ["source", "strategy"]))


@main.command()
@click.argument("n", type=int)
@click.option("--strategy", type=click.Choice(sampling.SAMPLE_STRATEGIES), default="stratified", show_default=True,
              help="stratified: random examples per stratum; diverse: one per near-duplicate cluster.")
@click.option("--by", type=click.Choice(sampling.BY), default="source", show_default=True, help="The strata estimated apart.")
@click.option("--seed", type=int, default=0, show_default=True)
@json_option
@pass_ctx
def sample(ctx: Context, n: int, strategy: str, by: str, seed: int, as_json: bool) -> None:
    """Open a review batch of N examples, served first, to estimate each source's approval rate (see `curator audit`)."""
    batch = sampling.draw_sample(ctx.store, ctx.actor, n, strategy=strategy, by=by, seed=seed)
    if as_json:
        emit_json(batch.to_json())
        return
    click.echo(f"sample batch {batch.id}: {batch.size} examples ({strategy} by {by}), served to reviewers first")
    click.echo(table([[s or "(all)", str(k)] for s, k in batch.strata.items()], ["stratum", "examples"]))
    click.echo("`curator audit` estimates each stratum's approval rate as the batch is reviewed.")


__all__ = ["queue", "sample"]
