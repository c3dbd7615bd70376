"""``bench run``: compute the cells of a benchmark and store them."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click
from rich.markup import escape

from musicbench.benchmark.cache import EmbeddingCache
from musicbench.benchmark.cli.common import err, out, plugin_options
from musicbench.benchmark.cli.leaderboard import top_table
from musicbench.benchmark.cli.preflight import MAX_CELLS, preflight
from musicbench.benchmark.config import OWN, RunConfig, read_config, select
from musicbench.benchmark.datasets import load_dataset
from musicbench.benchmark.leaderboard import build
from musicbench.benchmark.params import parse_assignments, parse_grid_options
from musicbench.benchmark.plan import make_plan
from musicbench.benchmark.progress import Reporter
from musicbench.benchmark.runner import run_plan, worker_context
from musicbench.benchmark.store import DEFAULT_STORE, ResultStore
from musicbench import EncoderInfo, Registry
from musicbench.errors import ConfigError


def _names(option: str, text: str | None, take_all: bool) -> list[str] | None:
    """The names of ``--encoders``/``--clusterers``: ``None`` when the option is not given.

    ``--all`` together with an explicit list is refused rather than one silently
    winning, and so is an empty list (``--encoders ""``), which would otherwise mean
    "every encoder".
    """
    if text is None:
        return None
    if take_all:
        raise ConfigError(
            f"--all takes every encoder and clusterer; it cannot be combined with {option}. "
            f"Drop --all, or drop {option}."
        )
    names = [n.strip() for n in text.split(",") if n.strip()]
    if not names:
        raise ConfigError(
            f"{option} was given an empty list: name at least one (see `bench plugins`), "
            "or leave the option out to use every one."
        )
    return names


def _merge_grids(grids: dict[str, dict[str, list[Any]]], extra: dict[str, dict[str, list[Any]]]) -> None:
    for name, grid in extra.items():
        grids.setdefault(name, {}).update(grid)  # the command line wins over the config file


@click.command("run")
@click.option("--all", "take_all", is_flag=True, help="Every registered encoder and clusterer; an error together with --encoders or --clusterers.")
@click.option("--dataset", help="The dataset (default: synthetic, or the config's).")
@click.option("--data", "data_path", type=click.Path(dir_okay=False), help="The dataset's file.")
@click.option("-P", "--dataset-param", "dataset_params", multiple=True, metavar="KEY=VALUE", help="A loader parameter (repeatable).")
@click.option("--encoders", metavar="A,B", help="Comma-separated encoders (default: all, or the config's).")
@click.option("--clusterers", metavar="X,Y", help="Comma-separated clusterers; '(own)' is an encoder's own clustering.")
@click.option("-E", "--encoder-param", "encoder_params", multiple=True, metavar="NAME.KEY=V1,V2",
              help="An encoder parameter; several values make a grid (repeatable), e.g. -E vae.latent_dim=8,16.")
@click.option("-C", "--clusterer-param", "clusterer_params", multiple=True, metavar="NAME.KEY=V1,V2",
              help="A clusterer parameter; several values make a grid (repeatable), e.g. -C kmeans.n_init=20.")
@click.option("--seeds", type=click.IntRange(min=1), help="Number of seeds, 0..N-1 (default 3).")
@click.option("--jobs", type=click.IntRange(min=1), default=1, show_default=True, help="Local worker processes.")
@click.option("--threads", type=click.IntRange(min=1), help="BLAS/torch threads per worker (default 1: use --jobs for cores).")
@click.option("--scheduler", metavar="ADDRESS", help="Run the cells on this Dask scheduler (tcp://host:8786).")
@click.option("--config", "config_file", type=click.Path(dir_okay=False), help="A TOML run configuration.")
@click.option("--store", type=click.Path(dir_okay=False), default=str(DEFAULT_STORE), show_default=True, help="The SQLite result store.")
@click.option("--cache", "cache_dir", type=click.Path(file_okay=False), help="Embedding cache (default: .musicbench/cache beside the store).")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), help="Seconds per encoder fit and per clusterer cell.")
@click.option("--force", is_flag=True, help="Recompute every cell and embedding, even those stored.")
@click.option("--retry-failed", is_flag=True, help="Recompute cells stored as error or timeout.")
@click.option("--top", type=click.IntRange(min=0), default=10, show_default=True, help="Leaderboard rows printed at the end.")
@click.option("--max-cells", type=click.IntRange(min=1), default=MAX_CELLS, show_default=True, help="Refuse grids with more cells.")
@plugin_options
def run(registry: Registry, take_all: bool, dataset: str | None, data_path: str | None, dataset_params: tuple[str, ...],
        encoders: str | None, clusterers: str | None, encoder_params: tuple[str, ...],
        clusterer_params: tuple[str, ...], seeds: int | None, jobs: int, threads: int | None,
        scheduler: str | None, config_file: str | None, store: str, cache_dir: str | None, timeout: float | None,
        force: bool, retry_failed: bool, top: int, max_cells: int) -> None:  # fmt: skip
    """Run every encoder x clusterer cell over the seeds; stored cells are not recomputed.

    Exits with 1 if any cell failed or timed out (skipped cells are not failures).
    """
    config = read_config(config_file) if config_file else RunConfig()
    if dataset:
        config.dataset, config.dataset_params, config.data_path = dataset, {}, None
    loader = registry.get("dataset", config.dataset).factory
    config.dataset_params.update(parse_assignments(dataset_params, "dataset parameter", loader))
    config.data_path = data_path or config.data_path
    config.seeds = list(range(seeds)) if seeds else config.seeds
    config.timeout = timeout or config.timeout
    encoder_names = _names("--encoders", encoders, take_all)
    clusterer_names = _names("--clusterers", clusterers, take_all)
    config.encoders = select(registry, "encoder", encoder_names, config.encoders, take_all)
    config.clusterers = select(registry, "clusterer", clusterer_names, config.clusterers, take_all)
    options = (("encoder", encoder_params, config.encoders), ("clusterer", clusterer_params, config.clusterers))
    for kind, items, grids in options:
        factories = {n: registry.get(kind, n).factory for n in grids if n != OWN}  # type: ignore[arg-type]
        _merge_grids(grids, parse_grid_options(items, kind, factories))
    if scheduler and jobs > 1:
        raise ConfigError("--jobs sets local worker processes; with --scheduler the Dask workers do the work.")
    cache = EmbeddingCache(cache_dir or Path(store).resolve().parent / ".musicbench" / "cache")
    log_path = preflight(config, Path(store), cache, max_cells)
    data = load_dataset(registry, config.dataset, config.dataset_params, config.data_path)
    for note in data.notes:  # rows dropped or imputed, columns left out: never silent
        err.print(escape(f"{data.name}: {note}"), highlight=False, soft_wrap=True)
    plan = make_plan(registry, config, data)  # every check happens here, before any work
    params = click.get_current_context().params
    # One thread per worker by default: measured faster than sharing cores between
    # threads (small models, loaded machines), and the same arithmetic on every
    # executor, so --jobs N and --scheduler give the serial run's numbers exactly.
    threads = threads or 1
    context = worker_context(registry, params["plugin_files"], params["disabled"], plan, threads)

    def make_executor():  # type: ignore[no-untyped-def]
        if scheduler:
            from musicbench.benchmark.executors.dask import DaskExecutor

            return DaskExecutor(context, scheduler, config.timeout)
        from musicbench.benchmark.executors.local import LocalPool

        infos = [registry.get("encoder", n).info for n in config.encoders]
        preload = [info.preload for info in infos if isinstance(info, EncoderInfo) and info.preload]
        return LocalPool(context, jobs, config.timeout, preload, log_path=log_path)

    results = ResultStore(store)
    metric = f"nmi[{data.primary_label}]"
    summary = run_plan(plan, registry, results, cache, make_executor, Reporter(err, metric),
                       force=force, retry_failed=retry_failed)  # fmt: skip
    counts = ", ".join(f"{summary.statuses[s]} {s}" for s in ("ok", "error", "timeout", "skipped") if summary.statuses[s])
    err.print(escape(f"{summary.total} cells ({counts}); computed {summary.computed} in {summary.wall_s:.1f} s. "
                     f"Store: {store}. Plugin output: {log_path}"), highlight=False, soft_wrap=True)  # fmt: skip
    if top and summary.statuses["ok"]:
        try:
            out.print(top_table(build(results, data.name, fingerprint=data.fingerprint), top))
        except ConfigError as exc:  # e.g. no NMI metric is installed: the run itself went fine
            err.print(escape(f"No leaderboard: {exc}"), highlight=False, soft_wrap=True)
    results.close()
    if summary.failed:
        sys.exit(1)
