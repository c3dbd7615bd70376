"""``bench run``: compute the cells of a benchmark and store them."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

import click

from musicbench.benchmark.cli.common import err, load_registry, out, plugin_flags
from musicbench.benchmark.store import DEFAULT_STORE
from musicbench.errors import ConfigError


def default_jobs() -> int:
    """The cores this process may use (its CPU affinity, not the host's core count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS and Windows have no affinity call
        return os.cpu_count() or 1


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
@click.option("--jobs", type=click.IntRange(min=1), default=default_jobs, show_default="the cores available to this process",
              help="Local worker processes (one thread each: the numbers do not depend on --jobs).")
@click.option("--threads", type=click.IntRange(min=1), help="BLAS/torch threads per worker (default 1: use --jobs for cores; "
              "another value changes the embeddings' keys, since more threads may change the numbers).")
@click.option("--scheduler", metavar="ADDRESS", help="Run the cells on this Dask scheduler (tcp://host:8786).")
@click.option("--config", "config_file", type=click.Path(dir_okay=False), help="A TOML run configuration.")
@click.option("--store", type=click.Path(dir_okay=False), default=str(DEFAULT_STORE), show_default=True, help="The SQLite result store.")
@click.option("--cache", "cache_dir", type=click.Path(file_okay=False), help="Embedding cache (default: .musicbench/cache beside the store).")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), help="Seconds per encoder fit and per clusterer cell.")
@click.option("--force", is_flag=True, help="Recompute every cell and embedding, even those stored.")
@click.option("--retry-failed", is_flag=True, help="Recompute cells stored as error or timeout.")
@click.option("--top", type=click.IntRange(min=0), default=10, show_default=True, help="Leaderboard rows printed at the end.")
@plugin_flags
def run(plugin_files: tuple[str, ...], disabled: tuple[str, ...], take_all: bool, dataset: str | None,
        data_path: str | None, dataset_params: tuple[str, ...],
        encoders: str | None, clusterers: str | None, seeds: int | None, jobs: int, threads: int | None,
        scheduler: str | None, config_file: str | None, store: str, cache_dir: str | None, timeout: float | None,
        force: bool, retry_failed: bool, top: int) -> None:  # fmt: skip
    """Run every encoder x clusterer cell over the seeds; stored cells are not recomputed.

    Exits with 1 if any cell failed or timed out (skipped cells are not failures).
    """
    from musicbench.benchmark.config import RunConfig, read_config

    start = time.perf_counter()
    config = read_config(config_file) if config_file else RunConfig()
    if dataset:
        config.dataset, config.dataset_params, config.data_path = dataset, {}, None
    config.dataset_params.update(_parse(dataset_params))
    config.data_path = data_path or config.data_path
    config.seeds = list(range(seeds)) if seeds else config.seeds
    config.timeout = timeout or config.timeout
    if scheduler and jobs > 1 and click.get_current_context().get_parameter_source("jobs").name != "DEFAULT":
        raise ConfigError("--jobs sets local worker processes; with --scheduler the Dask workers do the work.")
    # One thread per worker by default: measured faster than sharing cores between
    # threads (small models, loaded machines), and the same arithmetic on every
    # executor, so --jobs N and --scheduler give the serial run's numbers exactly.
    threads = threads or 1
    from musicbench.benchmark.plan_cache import load_plan, plan_key

    inputs = {"take_all": take_all, "encoders": encoders, "clusterers": clusterers, "threads": threads,
              "config": [config.dataset, config.dataset_params, config.data_path, config.encoders,
                         config.clusterers, config.seeds, config.memory_budget]}  # fmt: skip
    key = plan_key(inputs, plugin_files, disabled, [config.data_path])
    known = None if force else load_plan(store, key)
    if known is not None and _nothing_to_do(known, store, retry_failed, top, start):
        return
    _run(load_registry(plugin_files, disabled), config, plugin_files, disabled, take_all, encoders, clusterers,
         jobs, threads, scheduler, store, cache_dir, force, retry_failed, top, key)  # fmt: skip


def _parse(assignments: tuple[str, ...]) -> dict[str, Any]:
    from musicbench.benchmark.params import parse_assignments

    return parse_assignments(assignments, "dataset parameter")


def _nothing_to_do(known: dict[str, Any], store: str, retry_failed: bool, top: int, start: float) -> bool:
    """A rerun whose remembered cells are all stored: say so, as a full run would, and stop."""
    from collections import Counter

    from musicbench.benchmark.store import ResultStore

    if not Path(store).is_file():
        return False
    results = ResultStore(store)
    stored = results.statuses(known["cells"])
    failed = sum(status in ("error", "timeout") for status in stored.values())
    if len(stored) < len(set(known["cells"])) or (retry_failed and failed):
        results.close()
        return False
    counts = Counter(stored[k] for k in known["cells"])
    total = len(known["cells"])
    err.print(f"{total} cells: {total} already in the store, 0 to compute.", highlight=False)
    shown = ", ".join(f"{counts[s]} {s}" for s in ("ok", "error", "timeout", "skipped") if counts[s])
    err.print(f"{total} cells ({shown}); computed 0 in {time.perf_counter() - start:.1f} s. Store: {store}",
              highlight=False, soft_wrap=True)  # fmt: skip
    if top and counts["ok"]:
        _print_top(results, known["dataset"], known["fingerprint"], top)
    results.close()
    if failed:
        sys.exit(1)
    return True


def _print_top(results: Any, dataset: str, fingerprint: str, top: int) -> None:
    from musicbench.benchmark.cli.leaderboard import top_table
    from musicbench.benchmark.leaderboard import build

    try:
        out.print(top_table(build(results, dataset, fingerprint=fingerprint), top))
    except ConfigError as exc:  # e.g. no NMI metric is installed: the run itself went fine
        err.print(f"No leaderboard: {exc}", highlight=False, soft_wrap=True)


def _run(registry: Any, config: Any, plugin_files: tuple[str, ...], disabled: tuple[str, ...], take_all: bool,
         encoders: str | None, clusterers: str | None, jobs: int, threads: int, scheduler: str | None, store: str,
         cache_dir: str | None, force: bool, retry_failed: bool, top: int, key: str) -> None:  # fmt: skip
    from musicbench.benchmark.cache import EmbeddingCache
    from musicbench.benchmark.config import select
    from musicbench.benchmark.datasets import load_dataset
    from musicbench.benchmark.plan import make_plan
    from musicbench.benchmark.plan_cache import save_plan
    from musicbench.benchmark.progress import Reporter
    from musicbench.benchmark.runner import run_plan, worker_context
    from musicbench.benchmark.store import ResultStore

    config.encoders = select(registry, "encoder", _names(encoders), config.encoders, take_all)
    config.clusterers = select(registry, "clusterer", _names(clusterers), config.clusterers, take_all)
    data = load_dataset(registry, config.dataset, config.dataset_params, config.data_path)
    plan = make_plan(registry, config, data, threads=threads)  # every check happens here, before any work
    context = worker_context(registry, plugin_files, disabled, plan, threads)

    def make_executor():  # type: ignore[no-untyped-def]
        if scheduler:
            from musicbench.benchmark.executors.dask import DaskExecutor

            return DaskExecutor(context, scheduler, config.timeout)
        from musicbench.benchmark.executors.local import LocalPool

        preload = [m for n in config.encoders if (m := registry.get("encoder", n).meta.get("preload"))]
        return LocalPool(context, jobs, config.timeout, preload)

    results = ResultStore(store)  # checks the store's folder: the plan is remembered beside it
    if registry.get("dataset", config.dataset).source.origin == "built-in":  # see plan_cache: others may read any file
        save_plan(store, key, [c.key for c in plan.cells], data.name, data.fingerprint, data.primary_label)
    cache = EmbeddingCache(cache_dir or Path(store).resolve().parent / ".musicbench" / "cache")
    metric = f"nmi[{data.primary_label}]"
    reporter = Reporter(err, metric, jobs=1 if scheduler else jobs)
    summary = run_plan(plan, registry, results, cache, make_executor, reporter,
                       force=force, retry_failed=retry_failed)  # fmt: skip
    counts = ", ".join(f"{summary.statuses[s]} {s}" for s in ("ok", "error", "timeout", "skipped") if summary.statuses[s])
    err.print(f"{summary.total} cells ({counts}); computed {summary.computed} in {summary.wall_s:.1f} s. "
              f"Store: {store}", highlight=False, soft_wrap=True)  # fmt: skip
    if top and summary.statuses["ok"]:
        _print_top(results, data.name, data.fingerprint, top)
    results.close()
    if summary.failed:
        sys.exit(1)
