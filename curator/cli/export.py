"""`curator export`: training files for each format, the held-out split and the manifest."""

from __future__ import annotations

import click

from curator.cli.base import Context, emit_json, json_option, main, pass_ctx
from curator.cli.dedup import engine_options
from curator.errors import InvalidInputError


def _test_size(value: str) -> float | int:
    """A fraction ("0.1") or a count ("50")."""
    try:
        return int(value)
    except ValueError:
        pass
    try:
        return float(value)
    except ValueError as exc:
        raise click.BadParameter(f"{value!r} is neither a fraction (0.1) nor a count (50)") from exc


def _formats() -> list[str]:
    from curator.export import EXPORT_FORMATS

    return list(EXPORT_FORMATS)


@main.command("export")
@click.argument("out_dir", type=click.Path(file_okay=False))
@click.option("--format", "formats", multiple=True, type=click.Choice(_formats()), help="Format to write (repeat for several; default openai).")
@click.option("--test-size", default="0.1", show_default=True, metavar="F|N", help="Held-out share (0.1) or count (50).")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the split.")
@click.option("--group-by", type=click.Choice(["prompt", "conversation", "none"]), default="prompt", show_default=True, help="What keeps examples on one side of the split.")
@click.option("--threshold", type=click.FloatRange(0.0, 1.0, min_open=True), default=0.8, show_default=True, metavar="J", help="Jaccard similarity for near duplicates.")
@click.option("--stratify", "stratify_field", metavar="FIELD", help="Also stratify the split by this metadata field.")
@click.option("--allow-contamination", is_flag=True, help="Write the files even when test examples share text with training ones.")
@click.option("--decontaminate", "benchmarks", multiple=True, type=click.Path(exists=True, dir_okay=False), metavar="PATH",
              help="Benchmark file (JSONL, JSON or Parquet): leave out every example whose prompt matches one of its items (repeat for several).")
@click.option("--decontaminate-field", metavar="FIELD", help="The benchmark items' prompt field (default: the first of prompt, question, input, messages).")
@click.option("--replace", is_flag=True, help="OUT_DIR holds a previous export: replace the files it wrote (anything else there is kept).")
@engine_options
@json_option
@pass_ctx
def export_(ctx: Context, out_dir: str, formats: tuple[str, ...], test_size: str, seed: int, group_by: str, threshold: float, stratify_field: str | None,
            allow_contamination: bool, benchmarks: tuple[str, ...], decontaminate_field: str | None, replace: bool, engine: str, ray_address: str | None, as_json: bool) -> None:
    """Write deduplicated train/test files per format and manifest.json into OUT_DIR.

    OUT_DIR must be new or empty, or a previous export (with --replace).
    """
    from curator.services.export import export

    notes: list[str] = []
    size = _test_size(test_size)
    if isinstance(size, float) and not 0.0 < size < 1.0:
        raise InvalidInputError(f"--test-size {test_size}: a fraction is between 0 and 1; pass a whole number for a count", field="test_size")
    manifest = export(
        ctx.store,
        out_dir,
        formats=list(formats) or ["openai"],
        test_size=size,
        seed=seed,
        group_by=group_by,
        threshold=threshold,
        allow_contamination=allow_contamination,
        stratify_field=stratify_field,
        decontaminate=list(benchmarks),
        decontaminate_field=decontaminate_field,
        replace=replace,
        on_note=notes.append,
        engine=engine,
        ray_address=ray_address,
    )
    if as_json:
        emit_json(manifest)
        for note in notes:
            click.echo(f"curator: {note}", err=True)
        return
    counts, left = manifest["counts"], manifest["left_out"]
    click.echo(f"{out_dir}: {counts['train']} train, {counts['test']} test examples (seed {seed})")
    for name, sides in counts["by_format"].items():
        click.echo(f"  {name}: {sides['train']['rows']} train rows, {sides['test']['rows']} test rows")
    click.echo("left out: " + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in left.items()))
    split = manifest["split"]
    click.echo(f"split: {split['groups']} groups (largest {split['largest_group']}), test fraction "
               f"{split['test_fraction']:.3f} for a target of {split['target_fraction']:.3f}")
    for warning in split["warnings"]:
        click.echo(f"  warning: {warning}")
    pairs = manifest["contamination"]["pairs"]
    click.echo(f"contamination: {pairs} pair(s)" + (" (allowed)" if pairs else ""))
    if manifest["decontamination"]:
        decon = manifest["decontamination"]
        names = ", ".join(b["file"] for b in decon["benchmarks"])
        click.echo(f"decontamination: {decon['examples']} example(s) left out, matching {names}")
    for note in notes:
        click.echo(note)
