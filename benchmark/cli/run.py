"""``bench run``: compute the cells of a benchmark and store them.

A rerun whose cells are all stored stops before building the registry, loading the
dataset or importing torch: :mod:`musicbench.benchmark.planning.plan_cache` remembers the cell
keys a plan produced, keyed by every input that forms them.
"""

from __future__ import annotations

import dataclasses
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
from rich.markup import escape

from musicbench.benchmark.cli.common import err, load_registry, out, plugin_flags
from musicbench.benchmark.constants import DEFAULT_STORE, MAX_CELLS
from musicbench.errors import ConfigError


def default_jobs() -> int:
    """The cores this process may use (its CPU affinity, not the host's core count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS and Windows have no affinity call
        return os.cpu_count() or 1


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


@dataclass(frozen=True)
class _Request:
    """What the command line asked for, beyond the run configuration."""

    plugin_files: tuple[str, ...]
    disabled: tuple[str, ...]
    take_all: bool
    encoders: list[str] | None
    clusterers: list[str] | None
    dataset_params: tuple[str, ...]
    encoder_params: tuple[str, ...]
    clusterer_params: tuple[str, ...]
    jobs: int
    threads: int
    scheduler: str | None
    store: str
    cache_dir: str | None
    force: bool
    retry_failed: bool
    top: int
    max_cells: int


@click.command("run")
@click.option(
    "--all",
    "take_all",
    is_flag=True,
    help="Every registered encoder and clusterer; an error together with --encoders or --clusterers.",
)
@click.option("--dataset", help="The dataset (default: synthetic, or the config's).")
@click.option("--data", "data_path", type=click.Path(), help="The dataset's file (or folder, for audio).")
@click.option(
    "-P",
    "--dataset-param",
    "dataset_params",
    multiple=True,
    metavar="KEY=VALUE",
    help="A loader parameter (repeatable).",
)
@click.option("--encoders", metavar="A,B", help="Comma-separated encoders (default: all, or the config's).")
@click.option("--clusterers", metavar="X,Y", help="Comma-separated clusterers; '(own)' is an encoder's own clustering.")
@click.option(
    "-E",
    "--encoder-param",
    "encoder_params",
    multiple=True,
    metavar="NAME.KEY=V1,V2",
    help="An encoder parameter; several values make a grid (repeatable), e.g. -E vae.latent_dim=8,16.",
)
@click.option(
    "-C",
    "--clusterer-param",
    "clusterer_params",
    multiple=True,
    metavar="NAME.KEY=V1,V2",
    help="A clusterer parameter; several values make a grid (repeatable), e.g. -C kmeans.n_init=20.",
)
@click.option("--seeds", type=click.IntRange(min=1), help="Number of seeds, 0..N-1 (default 3).")
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    default=default_jobs,
    show_default="the cores available to this process",
    help="Local worker processes (one thread each: the numbers do not depend on --jobs).",
)
@click.option(
    "--threads",
    type=click.IntRange(min=1),
    help="BLAS/torch threads per worker (default 1: use --jobs for cores; "
    "another value changes the embeddings' keys, since more threads may change the numbers).",
)
@click.option("--scheduler", metavar="ADDRESS", help="Run the cells on this Dask scheduler (tcp://host:8786).")
@click.option("--config", "config_file", type=click.Path(dir_okay=False), help="A TOML run configuration.")
@click.option(
    "--store",
    type=click.Path(dir_okay=False),
    default=str(DEFAULT_STORE),
    show_default=True,
    help="The SQLite result store.",
)
@click.option(
    "--cache",
    "cache_dir",
    type=click.Path(file_okay=False),
    help="Embedding cache (default: .musicbench/cache beside the store).",
)
@click.option(
    "--timeout", type=click.FloatRange(min=0, min_open=True), help="Seconds per encoder fit and per clusterer cell."
)
@click.option("--force", is_flag=True, help="Recompute every cell and embedding, even those stored.")
@click.option("--retry-failed", is_flag=True, help="Recompute cells stored as error or timeout.")
@click.option(
    "--top", type=click.IntRange(min=0), default=10, show_default=True, help="Leaderboard rows printed at the end."
)
@click.option(
    "--max-cells",
    type=click.IntRange(min=1),
    default=MAX_CELLS,
    show_default=True,
    help="Refuse grids with more cells.",
)
@plugin_flags
def run(
    plugin_files: tuple[str, ...],
    disabled: tuple[str, ...],
    take_all: bool,
    dataset: str | None,
    data_path: str | None,
    dataset_params: tuple[str, ...],
    encoders: str | None,
    clusterers: str | None,
    encoder_params: tuple[str, ...],
    clusterer_params: tuple[str, ...],
    seeds: int | None,
    jobs: int,
    threads: int | None,
    scheduler: str | None,
    config_file: str | None,
    store: str,
    cache_dir: str | None,
    timeout: float | None,
    force: bool,
    retry_failed: bool,
    top: int,
    max_cells: int,
) -> None:
    """Run every encoder x clusterer cell over the seeds; stored cells are not recomputed.

    Exits with 1 if any cell failed or timed out (skipped cells are not failures).
    """
    from musicbench.benchmark.planning.config import RunConfig, read_config

    start = time.perf_counter()
    config = read_config(config_file) if config_file else RunConfig()
    if dataset:
        config.dataset, config.dataset_params, config.data_path, config.datasets = dataset, {}, None, []
    if (dataset_params or data_path) and config.datasets:
        raise ConfigError(
            "--data and -P set one dataset, but the config lists several ([[datasets]]): "
            "set them in the config, or pick one with --dataset."
        )
    config.data_path = data_path or config.data_path
    config.seeds = list(range(seeds)) if seeds else config.seeds
    config.timeout = timeout or config.timeout
    jobs_source = click.get_current_context().get_parameter_source("jobs")
    if scheduler and jobs > 1 and jobs_source is not None and jobs_source.name != "DEFAULT":
        raise ConfigError("--jobs sets local worker processes; with --scheduler the Dask workers do the work.")
    # One thread per worker by default: measured faster than sharing cores between
    # threads (small models, loaded machines), and the same arithmetic on every
    # executor, so --jobs N and --scheduler give the serial run's numbers exactly.
    request = _Request(
        plugin_files,
        disabled,
        take_all,
        _names("--encoders", encoders, take_all),
        _names("--clusterers", clusterers, take_all),
        dataset_params,
        encoder_params,
        clusterer_params,
        jobs,
        threads or 1,
        scheduler,
        store,
        cache_dir,
        force,
        retry_failed,
        top,
        max_cells,
    )
    from musicbench.benchmark.planning.plan_cache import load_plan, plan_key

    # The raw -P/-E/-C strings, not their parsed values: parsing needs the registry,
    # and the same strings always parse to the same values.
    inputs = {
        "take_all": take_all,
        "encoders": request.encoders,
        "clusterers": request.clusterers,
        "threads": request.threads,
        "params": [dataset_params, encoder_params, clusterer_params],
        "config": [
            config.dataset,
            config.dataset_params,
            config.data_path,
            config.datasets,
            config.encoders,
            config.clusterers,
            config.seeds,
            config.memory_budget,
        ],
    }
    key = plan_key(inputs, plugin_files, disabled, [one.data_path for one in config.each_dataset()])
    known = None if force else load_plan(store, key)
    if known is not None and _nothing_to_do(known, store, retry_failed, top, start):
        return
    _run(load_registry(plugin_files, disabled), config, request, key)


def _nothing_to_do(known: dict[str, Any], store: str, retry_failed: bool, top: int, start: float) -> bool:
    """A rerun whose remembered cells are all stored: say so, as a full run would, and stop."""
    from collections import Counter

    from musicbench.benchmark.results.store import ResultStore

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
    err.print(
        escape(f"{total} cells ({shown}); computed 0 in {time.perf_counter() - start:.1f} s. Store: {store}"),
        highlight=False,
        soft_wrap=True,
    )
    if top and counts["ok"]:
        _print_top(results, known["dataset"], known["fingerprint"], top)
    results.close()
    if failed:
        sys.exit(1)
    return True


def _print_top(results: Any, dataset: str, fingerprint: str, top: int) -> None:
    from musicbench.benchmark.cli.leaderboard import top_table
    from musicbench.benchmark.reports import build

    try:
        out.print(top_table(build(results, dataset, fingerprint=fingerprint), top))
    except ConfigError as exc:  # e.g. no NMI metric is installed: the run itself went fine
        err.print(escape(f"No leaderboard: {exc}"), highlight=False, soft_wrap=True)


def _run(registry: Any, config: Any, request: _Request, key: str) -> None:
    from musicbench.benchmark.cli.preflight import preflight
    from musicbench.benchmark.planning.config import OWN, select
    from musicbench.benchmark.planning.datasets import load_dataset
    from musicbench.benchmark.planning.params import parse_assignments, parse_grid_options
    from musicbench.benchmark.planning.plan import make_plan
    from musicbench.benchmark.planning.plan_cache import save_plan
    from musicbench.benchmark.results.cache import EmbeddingCache
    from musicbench.benchmark.results.store import ResultStore

    config.encoders = select(registry, "encoder", request.encoders, config.encoders, request.take_all)
    config.clusterers = select(registry, "clusterer", request.clusterers, config.clusterers, request.take_all)
    preload = _preload_modules(registry, config)
    if not request.scheduler:
        from musicbench.benchmark.running.executors.local import start_forkserver

        # Its imports (torch, umap: seconds) overlap everything below: the factories'
        # imports, loading the data, planning.
        start_forkserver(preload)
    options = (
        ("encoder", request.encoder_params, config.encoders),
        ("clusterer", request.clusterer_params, config.clusterers),
    )
    for kind, items, grids in options:
        factories = {n: registry.get(kind, n).factory for n in grids if n != OWN}
        _merge_grids(grids, parse_grid_options(items, kind, factories))
    cache = EmbeddingCache(request.cache_dir or Path(request.store).resolve().parent / ".musicbench" / "cache")
    # Every dataset is checked, loaded and planned before any work, so a bad second
    # dataset fails at once instead of after the first one's hours of work.
    runs = []
    for one in config.each_dataset():
        loader = registry.get("dataset", one.dataset).factory
        one.dataset_params = {
            **one.dataset_params,
            **parse_assignments(request.dataset_params, "dataset parameter", loader),
        }
        log_path = preflight(one, Path(request.store), cache, request.max_cells)
        data = load_dataset(registry, one.dataset, one.dataset_params, one.data_path)
        for note in data.notes:  # rows dropped or imputed, columns left out: never silent
            err.print(escape(f"{data.name}: {note}"), highlight=False, soft_wrap=True)
        runs.append((one, data, make_plan(registry, one, data, threads=request.threads)))
    results = ResultStore(request.store)  # checks the store's folder: the plan is remembered beside it
    builtin = all(registry.get("dataset", one.dataset).source.origin == "built-in" for one, _, _ in runs)
    if len(runs) == 1 and builtin:  # see plan_cache: other loaders may read any file
        _, data, plan = runs[0]
        save_plan(request.store, key, [c.key for c in plan.cells], data.name, data.fingerprint, data.primary_label)
    failed = False
    for one, data, plan in runs:
        failed |= _run_one(registry, one, data, plan, results, cache, request, log_path, preload)
    results.close()
    if failed:
        sys.exit(1)


def _preload_modules(registry: Any, config: Any) -> list[str]:
    """What the local workers' forkserver imports: the built-in factories the run uses.

    Plus each encoder's ``preload`` module (umap's warm-up). Installed and file
    plugins are left to each worker's registry, which reports one that fails to import
    like any broken plugin; in the forkserver it would stop every worker.
    """
    from musicbench import EncoderInfo
    from musicbench.benchmark.planning.config import OWN

    entries = [registry.get("metric", n) for n in registry.names("metric")]
    for one in config.each_dataset():
        entries.append(registry.get("dataset", one.dataset))
        entries += [registry.get("encoder", n) for n in one.encoders]
        entries += [registry.get("clusterer", n) for n in one.clusterers if n != OWN]
    modules = [e.module for e in entries if e.source.origin == "built-in"]
    modules += [e.info.preload for e in entries if isinstance(e.info, EncoderInfo) and e.info.preload]
    return list(dict.fromkeys(m for m in modules if m))


def _run_one(
    registry: Any,
    config: Any,
    data: Any,
    plan: Any,
    results: Any,
    cache: Any,
    request: _Request,
    log_path: Path,
    preload: list[str],
) -> bool:
    """Run one dataset's plan into the store; True if a cell failed."""
    from musicbench.benchmark.cli.leaderboard import top_table
    from musicbench.benchmark.reports import build
    from musicbench.benchmark.reports.figures import warm_projection
    from musicbench.benchmark.running import ceiling
    from musicbench.benchmark.running.progress import Reporter
    from musicbench.benchmark.running.runner import run_plan, worker_context

    context = worker_context(registry, request.plugin_files, request.disabled, plan, request.threads)
    if not request.scheduler and not request.force:
        # Local workers share seedless clusterers' labels through the cache folder, so
        # a clustering of raw features is computed once, not once per seed and worker.
        # (Dask workers may not see this folder; --force recomputes everything.)
        context = dataclasses.replace(context, label_memo=str(Path(cache.root) / "labels"))

    def make_executor():  # type: ignore[no-untyped-def]
        if request.scheduler:
            from musicbench.benchmark.running.executors.dask import DaskExecutor

            return DaskExecutor(context, request.scheduler, config.timeout)
        from musicbench.benchmark.running.executors.local import LocalPool

        return LocalPool(context, request.jobs, config.timeout, preload, log_path=log_path)

    metric = f"nmi[{data.primary_label}]"
    reporter = Reporter(err, metric, jobs=1 if request.scheduler else request.jobs)
    reference = ceiling.Background(results, data)  # beside the workers, once per dataset fingerprint
    summary = run_plan(
        plan, registry, results, cache, make_executor, reporter, force=request.force, retry_failed=request.retry_failed
    )
    counts = ", ".join(
        f"{summary.statuses[s]} {s}" for s in ("ok", "error", "timeout", "skipped") if summary.statuses[s]
    )
    err.print(
        escape(
            f"{data.name}: {summary.total} cells ({counts}); computed {summary.computed} in "
            f"{summary.wall_s:.1f} s. Store: {request.store}. Plugin output: {log_path}"
        ),
        highlight=False,
        soft_wrap=True,
    )
    try:
        reference.finish()
    except ValueError as exc:  # e.g. a class with fewer tracks than folds
        err.print(escape(f"No supervised ceiling for {data.name}: {exc}"), highlight=False, soft_wrap=True)
    if summary.statuses["ok"]:
        try:
            board = build(results, data.name, fingerprint=data.fingerprint)
            if request.top:
                out.print(top_table(board, request.top))
            warm_projection(board, cache)
        except ConfigError as exc:  # e.g. no NMI metric is installed: the run itself went fine
            err.print(escape(f"No leaderboard: {exc}"), highlight=False, soft_wrap=True)
    return bool(summary.failed)
