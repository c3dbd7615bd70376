"""``bench results export`` and ``bench results import``: pooling results as JSON files."""

from __future__ import annotations

from pathlib import Path

import click
from rich.markup import escape

from musicbench.benchmark.cli.common import accepts_plugin_options, out
from musicbench.errors import ConfigError

STORE_HELP = "The SQLite result store."


@click.group("results")
def results() -> None:
    """Share results: export a store's cells as one JSON file, or merge such a file in."""


@results.command("export")
@click.argument("output", type=click.Path(dir_okay=False))
@click.option(
    "--store", type=click.Path(dir_okay=False), default="musicbench.sqlite", show_default=True, help=STORE_HELP
)
@accepts_plugin_options
def export_results(output: str, store: str) -> None:
    """Write every cell of the store (metrics, labels, parameters, versions, dataset
    fingerprint) and the datasets they use to OUTPUT, a versioned JSON file."""
    from musicbench.benchmark.results.exchange import write_results
    from musicbench.benchmark.results.store import ResultStore

    if not Path(store).is_file():
        raise ConfigError(f"There is no result store at {store}: run `bench run` first, or pass --store.")
    results_store = ResultStore(store)
    try:
        count = write_results(results_store, Path(output))
    finally:
        results_store.close()
    out.print(escape(f"wrote {output}: {count} cells from {store}"), highlight=False)


@results.command("import")
@click.argument("source", type=click.Path(dir_okay=False))
@click.option(
    "--store", type=click.Path(dir_okay=False), default="musicbench.sqlite", show_default=True, help=STORE_HELP
)
@accepts_plugin_options
def import_results(source: str, store: str) -> None:
    """Merge the results file SOURCE into the store: new cells are added, identical ones
    skipped, and a cell that differs is kept beside the stored one with its provenance."""
    from musicbench.benchmark.results.exchange import import_results as merge
    from musicbench.benchmark.results.store import ResultStore

    results_store = ResultStore(store)
    try:
        summary = merge(results_store, Path(source))
    finally:
        results_store.close()
    out.print(
        escape(
            f"imported {source} into {store}: {summary.added} cells added, {summary.skipped} already there, "
            f"{summary.conflicts} conflicting cells kept beside the stored ones"
        ),
        highlight=False,
        soft_wrap=True,
    )
