"""``bench run``: compute the cells of a benchmark and store them."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from musicbench.benchmark.cache import EmbeddingCache
from musicbench.benchmark.cli.common import err, out, plugin_options
from musicbench.benchmark.cli.leaderboard import top_table
from musicbench.benchmark.config import RunConfig, read_config, select
from musicbench.benchmark.datasets import load_dataset
from musicbench.benchmark.leaderboard import build, ceiling
from musicbench.benchmark.leaderboard.figures import warm_projection
from musicbench.benchmark.params import parse_assignments
from musicbench.benchmark.plan import make_plan
from musicbench.benchmark.progress import Reporter
from musicbench.benchmark.runner import run_plan, worker_context
from musicbench.benchmark.store import DEFAULT_STORE, ResultStore
from musicbench import Registry
from musicbench.errors import ConfigError


def _names(text: str | None) -> list[str] | None:
    return [n.strip() for n in text.split(",") if n.strip()] if text else None


@click.command("run")
@click.option("--all", "take_all", is_flag=True, help="Every registered encoder and clusterer.")
@click.option("--dataset", help="The dataset (default: synthetic, or the config's).")
@click.option("--data", "data_path", type=click.Path(dir_okay=False), help="The dataset's file.")
@click.option("-P", "--dataset-param", "dataset_params", multiple=True, metavar="KEY=VALUE", help="A loader parameter (repeatable).")
@click.option("--encoders", metavar="A,B", help="Comma-separated encoders (default: all, or the config's).")
@click.option("--clusterers", metavar="X,Y", help="Comma-separated clusterers; '(own)' is an encoder's own clustering.")
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
@plugin_options
def run(registry: Registry, take_all: bool, dataset: str | None, data_path: str | None, dataset_params: tuple[str, ...],
        encoders: str | None, clusterers: str | None, seeds: int | None, jobs: int, threads: int | None,
        scheduler: str | None, config_file: str | None, store: str, cache_dir: str | None, timeout: float | None,
        force: bool, retry_failed: bool, top: int) -> None:  # fmt: skip
    """Run every encoder x clusterer cell over the seeds; stored cells are not recomputed.

    Exits with 1 if any cell failed or timed out (skipped cells are not failures).
    """
    config = read_config(config_file) if config_file else RunConfig()
    if dataset:
        config.dataset, config.dataset_params, config.data_path, config.datasets = dataset, {}, None, []
    if (dataset_params or data_path) and config.datasets:
        raise ConfigError("--data and -P set one dataset, but the config lists several ([[datasets]]): "
                          "set them in the config, or pick one with --dataset.")  # fmt: skip
    config.dataset_params.update(parse_assignments(dataset_params, "dataset parameter"))
    config.data_path = data_path or config.data_path
    config.seeds = list(range(seeds)) if seeds else config.seeds
    config.timeout = timeout or config.timeout
    config.encoders = select(registry, "encoder", _names(encoders), config.encoders, take_all)
    config.clusterers = select(registry, "clusterer", _names(clusterers), config.clusterers, take_all)
    if scheduler and jobs > 1:
        raise ConfigError("--jobs sets local worker processes; with --scheduler the Dask workers do the work.")
    # Every dataset is loaded and planned before any work, so a bad second dataset
    # fails at once instead of after the first one's hours of work.
    plans = []
    for one in config.each_dataset():
        data = load_dataset(registry, one.dataset, one.dataset_params, one.data_path)
        plans.append((one, data, make_plan(registry, one, data)))  # every check happens here
    results = ResultStore(store)
    cache = EmbeddingCache(cache_dir or Path(store).resolve().parent / ".musicbench" / "cache")
    failed = False
    for one, data, plan in plans:
        failed |= _run_one(registry, one, data, plan, results, cache, store, jobs, threads, scheduler, force, retry_failed, top)
    results.close()
    if failed:
        sys.exit(1)


def _run_one(registry: Registry, config: RunConfig, data, plan, results: ResultStore, cache: EmbeddingCache,  # type: ignore[no-untyped-def]
             store: str, jobs: int, threads: int | None, scheduler: str | None, force: bool, retry_failed: bool,
             top: int) -> bool:  # fmt: skip
    """Run one dataset's plan into the store; True if a cell failed."""
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

        preload = [m for n in config.encoders if (m := registry.get("encoder", n).meta.get("preload"))]
        return LocalPool(context, jobs, config.timeout, preload)

    metric = f"nmi[{data.primary_label}]"
    summary = run_plan(plan, registry, results, cache, make_executor, Reporter(err, metric),
                       force=force, retry_failed=retry_failed)  # fmt: skip
    counts = ", ".join(f"{summary.statuses[s]} {s}" for s in ("ok", "error", "timeout", "skipped") if summary.statuses[s])
    err.print(f"{data.name}: {summary.total} cells ({counts}); computed {summary.computed} in {summary.wall_s:.1f} s. "
              f"Store: {store}", highlight=False, soft_wrap=True)  # fmt: skip
    try:
        ceiling.ensure(results, data)  # once per dataset fingerprint, kept in the store
    except ValueError as exc:  # e.g. a class with fewer tracks than folds
        err.print(f"No supervised ceiling for {data.name}: {exc}", highlight=False, soft_wrap=True)
    if summary.statuses["ok"]:
        try:
            board = build(results, data.name, fingerprint=data.fingerprint)
            if top:
                out.print(top_table(board, top))
            warm_projection(board, cache)
        except ConfigError as exc:  # e.g. no NMI metric is installed: the run itself went fine
            err.print(f"No leaderboard: {exc}", highlight=False, soft_wrap=True)
    return bool(summary.failed)
