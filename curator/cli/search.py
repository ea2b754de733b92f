"""`curator search`: find examples by the text of their conversation."""

from __future__ import annotations

import click

from curator.cli.base import Context, emit_json, json_option, main, pass_ctx, table
from curator.models import Outcome, Verdict
from curator.services import browse


@main.command()
@click.argument("text")
@click.option("--limit", default=browse.SEARCH_LIMIT, show_default=True, type=click.IntRange(1, 500), help="At most this many examples.")
@click.option("--outcome", "outcomes", multiple=True, type=click.Choice([o.value for o in Outcome]), help="Only examples with this outcome (repeatable).")
@click.option("--source", "sources", multiple=True, help="Only examples from this source (repeatable).")
@click.option("--rule", help="Only examples flagged by this rule.")
@click.option("--verdict", type=click.Choice([v.value for v in Verdict]), help="Only examples with a live decision of this verdict.")
@click.option("--reviewer", help="Only examples decided by this reviewer.")
@json_option
@pass_ctx
def search(ctx: Context, text: str, limit: int, outcomes: tuple[str, ...], sources: tuple[str, ...], rule: str | None,
           verdict: str | None, reviewer: str | None, as_json: bool) -> None:
    """Examples whose conversation contains TEXT (any message, tool call or rejected reply;
    case-insensitive), in import order."""
    flt = browse.make_filter(outcomes=list(outcomes), sources=list(sources), rule=rule, verdict=verdict, reviewer=reviewer)
    result = browse.search(ctx.store, text, flt, limit=limit)
    if as_json:
        emit_json(result.as_dict())
        return
    if not result.hits:
        click.echo("no examples match")
        return
    rows = [[h["id"], f"{h['source_name']}:{h['source_line'] or '-'}", h["outcome"], h["snippet"]] for h in result.hits]
    click.echo(table(rows, ["example", "source", "outcome", "text"]))
    if result.more:
        click.echo(f"more examples match: showing the first {limit} (raise --limit, or narrow the search)")
