"""``bench export``: one cell's latent vectors and cluster labels, keyed by track id."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.markup import escape

from musicbench.benchmark.cli.common import accepts_plugin_options, out
from musicbench.benchmark.constants import DEFAULT_STORE, EXPORT_FORMATS, default_cache_dir
from musicbench.errors import ConfigError

if TYPE_CHECKING:  # numpy: imported when the command runs, not for --help
    from musicbench.benchmark.results.store import CellRecord, ResultStore


def _choose(
    store: ResultStore,
    cell: str | None,
    dataset: str | None,
    encoder: str | None,
    clusterer: str | None,
    seed: int | None,
) -> CellRecord:
    from musicbench.benchmark.reports.table import entry_label  # imports scipy: only when needed

    if cell:
        found = [r for r in store.find(cell) if r.status == "ok"]
    else:
        found = [
            r
            for r in store.records(dataset, with_labels=True)
            if r.status == "ok"
            and (encoder is None or r.encoder == encoder)
            and (clusterer is None or r.clusterer == clusterer)
            and (seed is None or r.seed == seed)
        ]
        latest = {r.config_id: r for r in found}  # oldest first: keep the newest of each cell
        found = list(latest.values())
    if len(found) == 1:
        return found[0]
    if not found:
        raise ConfigError("No finished (ok) cell matches. List them with `bench leaderboard` or widen the selection.")
    listing = "; ".join(
        f"{r.key[:12]} = {r.dataset} {entry_label(r.encoder, r.encoder_args)} x "
        f"{entry_label(r.clusterer, r.clusterer_args)} seed {r.seed}"
        for r in found[:8]
    )
    more = f" and {len(found) - 8} more" if len(found) > 8 else ""
    raise ConfigError(f"{len(found)} cells match: {listing}{more}. Narrow it down, e.g. with --cell KEY.")


@click.command("export")
@click.argument("output", type=click.Path(dir_okay=False))
@click.option("--cell", metavar="KEY", help="A cell key or its first characters.")
@click.option("--dataset", help="Select by dataset...")
@click.option("--encoder", help="...encoder...")
@click.option("--clusterer", help="...clusterer...")
@click.option("--seed", type=int, help="...and seed.")
@click.option("--format", "fmt", type=click.Choice(EXPORT_FORMATS), help="Default: from OUTPUT's suffix.")
@click.option("--store", type=click.Path(dir_okay=False), default=str(DEFAULT_STORE), show_default=True)
@click.option(
    "--cache", "cache_dir", type=click.Path(file_okay=False), help="Embedding cache (default: beside the store)."
)
@accepts_plugin_options
def export(
    output: str,
    cell: str | None,
    dataset: str | None,
    encoder: str | None,
    clusterer: str | None,
    seed: int | None,
    fmt: str | None,
    store: str,
    cache_dir: str | None,
) -> None:
    """Write a cell's latent vectors and cluster labels, keyed by track id, to OUTPUT (.npy or .csv)."""
    if not Path(store).is_file():
        raise ConfigError(f"There is no result store at {store}: run `bench run` first, or pass --store.")
    from musicbench.benchmark.results.cache import EmbeddingCache
    from musicbench.benchmark.results.export import export_cell
    from musicbench.benchmark.results.store import ResultStore

    results = ResultStore(store)
    record = _choose(results, cell, dataset, encoder, clusterer, seed)
    cache = EmbeddingCache(cache_dir or default_cache_dir(store))
    path = export_cell(results, cache, record, Path(output), fmt)
    results.close()
    out.print(
        escape(f"wrote {path}: cell {record.key[:12]} ({record.encoder} x {record.clusterer}, seed {record.seed})"),
        highlight=False,
    )
