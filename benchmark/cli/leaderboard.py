"""``bench leaderboard``: Markdown, CSV and HTML leaderboards from the result store."""

from __future__ import annotations

from pathlib import Path

import click
from rich.markup import escape

from musicbench.benchmark.cli.common import accepts_plugin_options, out
from musicbench.benchmark.constants import DEFAULT_STORE, default_cache_dir, ranking_metric
from musicbench.errors import ConfigError


def _file_stem(name: str) -> str:
    """A dataset name as a safe file name (plugin names are not trusted)."""
    stem = "".join(c if c.isalnum() or c in "-_." else "_" for c in name).strip(".")
    return stem or "dataset"


def _write(path: Path, content: str | bytes) -> None:
    """Write one file and say so: a leaderboard run is never silent."""
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    out.print(escape(f"wrote {path}"), highlight=False)


@click.command("leaderboard")
@click.option(
    "--dataset",
    help="A dataset name (its latest run) or the start of a fingerprint (default: every dataset run in the store).",
)
@click.option("--metric", help=f"The ranking metric (default: {ranking_metric('<primary label>')}).")
@click.option("--store", type=click.Path(dir_okay=False), default=str(DEFAULT_STORE), show_default=True)
@click.option(
    "--cache", "cache_dir", type=click.Path(file_okay=False), help="Embedding cache (default: beside the store)."
)
@click.option("--output", type=click.Path(file_okay=False), default="leaderboards", show_default=True)
@click.option("--name", help="File name stem (default: the dataset's name); needs --dataset.")
@click.option(
    "--projection",
    type=click.Choice(["umap", "pca", "none"]),
    default="umap",
    show_default=True,
    help="How the HTML projects the best cell's embedding.",
)
@click.option(
    "--png", is_flag=True, help="Also write each figure as <stem>-<figure>.png and show them in the Markdown."
)
@click.option("--top", type=click.IntRange(min=0), default=10, show_default=True, help="Rows printed here.")
@accepts_plugin_options
def leaderboard(
    dataset: str | None,
    metric: str | None,
    store: str,
    cache_dir: str | None,
    output: str,
    name: str | None,
    projection: str,
    png: bool,
    top: int,
) -> None:
    """Write leaderboards/<dataset>.md, .csv and .html from the result store alone."""
    from musicbench.benchmark.reports import build
    from musicbench.benchmark.reports.board_cache import remember_top, store_state
    from musicbench.benchmark.reports.html import to_html
    from musicbench.benchmark.reports.table import dataset_runs, pick_run
    from musicbench.benchmark.reports.text import to_csv, to_markdown, top_table
    from musicbench.benchmark.results.cache import EmbeddingCache
    from musicbench.benchmark.results.store import ResultStore

    if name and not dataset:
        raise ConfigError("--name sets the file name of one leaderboard: give --dataset too.")
    if not Path(store).is_file():
        raise ConfigError(f"There is no result store at {store}: run `bench run` first, or pass --store.")
    results = ResultStore(store)
    cache = EmbeddingCache(cache_dir or default_cache_dir(store))
    runs = dataset_runs(results)
    if not runs:
        raise ConfigError(f"The store {store} has no cells yet: run `bench run` first.")
    if dataset:  # picked without building: the bootstrap runs once per board
        picked = pick_run(results, dataset)[1]
        runs = [run for run in runs if run[2] == picked]
    folder = Path(output)
    folder.mkdir(parents=True, exist_ok=True)
    for label, dataset_name, fingerprint in runs:
        state = store_state(store, fingerprint)  # before building: see remember_top
        board = build(results, dataset_name, metric, fingerprint=fingerprint)
        remember_top(store, board, state)  # the next no-op `bench run` prints it without a bootstrap
        stem = _file_stem(name or label)
        if top:
            out.print(top_table(board, top))
        images: dict[str, bytes] = {}
        _write(folder / f"{stem}.html", to_html(board, results, cache, projection, images, title=name))
        markdown = to_markdown(board, stem=stem)
        if png:
            for figure, data in images.items():
                _write(folder / f"{stem}-{figure}.png", data)
            markdown += "\n" + "".join(f"![{figure}]({stem}-{figure}.png)\n\n" for figure in images)
        _write(folder / f"{stem}.md", markdown)
        _write(folder / f"{stem}.csv", to_csv(board))
    results.close()
