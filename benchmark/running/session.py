"""A whole benchmark run, from a configuration to stored cells: :func:`run_benchmark`.

``bench run`` parses its options into a :class:`~musicbench.benchmark.planning.config.RunConfig`
and :class:`RunOptions` and calls :func:`run_benchmark`; Python code calls it the same
way::

    if __name__ == "__main__":  # local workers start from a forkserver, which imports this script
        registry = build_registry()
        config = RunConfig(dataset_params={"n_tracks": 500}, encoders={"pca": {}}, clusterers={"kmeans": {}})
        summaries = run_benchmark(registry, config, RunOptions(store="runs/s.sqlite"))

A run, in order: the plugins are selected (:class:`Selection` over the config's
tables); the local workers' forkserver starts, so its imports (torch, umap) overlap
the rest of the preparation; every dataset is checked (:mod:`.preflight`), loaded
and planned before any work, so a bad second dataset fails at once, not after the
first one's hours; the plan's cell keys are remembered for ``bench run``'s no-op
path (:mod:`~musicbench.benchmark.planning.plan_cache`); then per dataset the runner
computes the missing cells while the supervised ceiling is computed beside the
workers, and the leaderboard's top rows are shown and the best cell's projection is
cached for the report.

Nothing is printed unless the caller passes consoles (``log`` for progress and notes,
``tables`` for the leaderboard): by default a run is quiet, and what it did is in
the returned summaries and the store.

This module imports nothing heavy at its top: ``bench run`` builds :class:`RunOptions`
and :func:`plan_cache_key` here on its no-op path, which must not import numpy.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape

from musicbench import EncoderInfo, Registry
from musicbench.benchmark.constants import DEFAULT_STORE, MAX_CELLS, default_cache_dir, ranking_metric
from musicbench.benchmark.planning.config import OWN, Grid, RunConfig, select
from musicbench.core import Kind
from musicbench.errors import ConfigError

if TYPE_CHECKING:  # numpy and the plugins' libraries: imported when a run starts
    from musicbench import Dataset
    from musicbench.benchmark.planning.plan import Plan
    from musicbench.benchmark.results.cache import EmbeddingCache
    from musicbench.benchmark.results.store import ResultStore
    from musicbench.benchmark.running.executors import Executor
    from musicbench.benchmark.running.runner import RunSummary


@dataclass(frozen=True)
class Selection:
    """Which plugins a run takes, and parameters written as text, over the config's own.

    What ``--all``, ``--encoders``, ``--clusterers`` and ``-P``/``-E``/``-C`` give
    ``bench run``. Kept as given and resolved with the registry by
    :func:`run_benchmark` (parsing them imports the plugins' factories, which is
    left until the workers' forkserver has started).

    Attributes
    ----------
    take_all : bool
        Every registered encoder and clusterer (an error with ``encoders`` or ``clusterers``).
    encoders, clusterers : tuple of str, optional
        The plugins by name; ``None`` takes the config's tables, else every one.
    dataset_params : tuple of str
        ``KEY=VALUE`` loader parameters, applied to every dataset of the run.
    encoder_params, clusterer_params : tuple of str
        ``NAME.KEY=V1,V2`` grids, merged over the config's (these win).
    """

    take_all: bool = False
    encoders: tuple[str, ...] | None = None
    clusterers: tuple[str, ...] | None = None
    dataset_params: tuple[str, ...] = ()
    encoder_params: tuple[str, ...] = ()
    clusterer_params: tuple[str, ...] = ()


@dataclass(frozen=True)
class RunOptions:
    """How a run works and where it writes; what it computes is the :class:`RunConfig`.

    Attributes
    ----------
    store : str or path
        The SQLite result store (created if missing).
    cache_dir : str or path, optional
        The embedding cache; default :func:`~musicbench.benchmark.constants.default_cache_dir`.
    jobs : int
        Local worker processes (ignored with ``scheduler``).
    threads : int
        BLAS/torch threads per worker; part of the embeddings' keys (more threads may
        change the numbers), so 1 gives the same figures for any ``jobs``.
    scheduler : str, optional
        A Dask scheduler's address; the cells run there instead of in local workers.
    force, retry_failed : bool
        Recompute every cell and embedding; recompute ``error`` and ``timeout`` cells.
    max_cells : int
        Refuse grids with more cells (a typo guard).
    top : int
        Leaderboard rows shown on ``tables`` after each dataset (0: none).
    plugin_files, disabled : tuple of str
        The plugin files and disabled names the registry was built with: the workers
        rebuild the same registry from them.
    selection : Selection
        The plugins and textual parameters over the config's (default: the config's alone).
    """

    store: str | os.PathLike[str] = DEFAULT_STORE
    cache_dir: str | os.PathLike[str] | None = None
    jobs: int = 1
    threads: int = 1
    scheduler: str | None = None
    force: bool = False
    retry_failed: bool = False
    max_cells: int = MAX_CELLS
    top: int = 10
    plugin_files: tuple[str, ...] = ()
    disabled: tuple[str, ...] = ()
    selection: Selection = field(default_factory=Selection)


def plan_cache_key(config: RunConfig, options: RunOptions) -> str:
    """The key under which this run's cell keys are remembered (see ``plan_cache``).

    Over the selection as given (the raw ``-P``/``-E``/``-C`` strings, not their parsed
    values: parsing needs the registry, and the same strings always parse to the same
    values) and the config's cell-forming fields.
    """
    from musicbench.benchmark.planning.plan_cache import plan_key

    chosen = options.selection
    inputs = {
        "take_all": chosen.take_all,
        "encoders": chosen.encoders,
        "clusterers": chosen.clusterers,
        "threads": options.threads,
        "params": [chosen.dataset_params, chosen.encoder_params, chosen.clusterer_params],
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
    paths = [one.data_path for one in config.each_dataset()]
    return plan_key(inputs, options.plugin_files, options.disabled, paths)


def run_benchmark(
    registry: Registry,
    config: RunConfig,
    options: RunOptions | None = None,
    *,
    log: Console | None = None,
    tables: Console | None = None,
) -> list[RunSummary]:
    """Compute every cell of ``config`` that the store lacks; one summary per dataset.

    Parameters
    ----------
    registry : Registry
        The plugins, built from ``options.plugin_files`` and ``options.disabled``.
    config : RunConfig
        The datasets, plugins, grids and seeds (left unchanged).
    options : RunOptions, optional
        Where to write and how to run (default: :class:`RunOptions`'s defaults).
    log : Console, optional
        Progress, the loaders' notes and each dataset's summary line (default: quiet).
    tables : Console, optional
        The top ``options.top`` leaderboard rows of each dataset (default: quiet).

    Returns
    -------
    list of RunSummary
        In the order of ``config.each_dataset(registry)``; a cell that failed or timed out is
        counted in ``summary.failed``, never raised.

    Raises
    ------
    ConfigError, DataError, PluginError
        Bad input (an unknown plugin or parameter, an unwritable store, a grid over
        ``options.max_cells``), before any cell is computed.
    """
    from musicbench.benchmark.planning.datasets import load_dataset
    from musicbench.benchmark.planning.params import parse_assignments
    from musicbench.benchmark.planning.plan import make_plan
    from musicbench.benchmark.planning.plan_cache import save_plan
    from musicbench.benchmark.results.cache import EmbeddingCache
    from musicbench.benchmark.results.store import ResultStore
    from musicbench.benchmark.running.preflight import check_early, preflight

    options = options or RunOptions()
    check_early(config, Path(options.store))
    log = log or Console(quiet=True)
    tables = tables or Console(quiet=True)
    key = plan_cache_key(config, options)  # before the config is resolved: as `bench run` reads it
    chosen = options.selection
    config = dataclasses.replace(
        config,
        encoders=select(registry, "encoder", chosen.encoders, config.encoders, chosen.take_all),
        clusterers=select(registry, "clusterer", chosen.clusterers, config.clusterers, chosen.take_all),
    )
    preload = preload_modules(registry, config)
    if not options.scheduler and (cold := uncompiled_encoders(registry, config)):
        log.print(
            escape(
                f"{', '.join(cold)}: compiling their code once for this machine first (about 30 s on one core, "
                "before the workers start); `bench warm` does it ahead, e.g. when installing."
            ),
            highlight=False,
            soft_wrap=True,
        )
    if not options.scheduler:
        from musicbench.benchmark.running.executors.local import start_forkserver

        # Its imports (torch, umap: seconds) overlap everything below: the factories'
        # imports, loading the data, planning.
        start_forkserver(preload)
    _merge_grid_options(registry, config, chosen)
    store = Path(options.store)
    cache = EmbeddingCache(options.cache_dir or default_cache_dir(store))
    runs: list[tuple[Dataset, Plan, Path]] = []
    for one in config.each_dataset(registry):  # a file's dataset grids expand by the loaders' types
        loader = registry.get("dataset", one.dataset).factory
        one.dataset_params = {
            **one.dataset_params,
            **parse_assignments(chosen.dataset_params, "dataset parameter", loader),
        }
        log_path = preflight(one, store, cache, options.max_cells)
        data = load_dataset(registry, one.dataset, one.dataset_params, one.data_path)
        for note in data.notes:  # rows dropped or imputed, columns left out: never silent
            log.print(escape(f"{data.name}: {note}"), highlight=False, soft_wrap=True)
        runs.append((data, make_plan(registry, one, data, threads=options.threads), log_path))
    results = ResultStore(store)  # checks the store's folder: the plan is remembered beside it
    builtin = all(registry.get("dataset", plan.config.dataset).source.origin == "built-in" for _, plan, _ in runs)
    if len(runs) == 1 and builtin:  # see plan_cache: other loaders may read any file
        data, plan, _ = runs[0]
        save_plan(store, key, [c.key for c in plan.cells], data.name, data.fingerprint, data.primary_label)
    session = _Session(registry, options, results, cache, preload, log, tables)
    try:
        return [session.run(data, plan, log_path) for data, plan, log_path in runs]
    finally:
        results.close()
        if not options.scheduler:
            from musicbench.benchmark.running.executors.local import stop_forkserver

            stop_forkserver()


def _merge_grid_options(registry: Registry, config: RunConfig, chosen: Selection) -> None:
    """Merge the ``-E``/``-C`` grids into the (resolved, copied) config's; the text wins."""
    from musicbench.benchmark.planning.params import parse_grid_options

    given: tuple[tuple[Kind, tuple[str, ...], dict[str, Grid]], ...] = (
        ("encoder", chosen.encoder_params, config.encoders),
        ("clusterer", chosen.clusterer_params, config.clusterers),
    )
    for kind, items, grids in given:
        factories = {n: registry.get(kind, n).factory for n in grids if n != OWN}
        for name, grid in parse_grid_options(items, kind, factories).items():
            grids.setdefault(name, {}).update(grid)


def preload_modules(registry: Registry, config: RunConfig) -> list[str]:
    """What the local workers' forkserver imports: the built-in factories the run uses.

    Plus each encoder's ``preload`` module (umap's warm-up). Installed and file
    plugins are left to each worker's registry, which reports one that fails to import
    like any broken plugin; in the forkserver it would stop every worker.
    """
    entries = [registry.get("metric", n) for n in registry.names("metric")]
    for one in config.each_dataset():
        entries.append(registry.get("dataset", one.dataset))
        entries += [registry.get("encoder", n) for n in one.encoders]
        entries += [registry.get("clusterer", n) for n in one.clusterers if n != OWN]
    modules = [e.module for e in entries if e.source.origin == "built-in"]
    modules += [e.info.preload for e in entries if isinstance(e.info, EncoderInfo) and e.info.preload]
    return list(dict.fromkeys(m for m in modules if m))


def uncompiled_encoders(registry: Registry, config: RunConfig) -> list[str]:
    """The run's encoders whose preload would compile code here (``preload_ready`` says no)."""
    names = dict.fromkeys(n for one in config.each_dataset() for n in one.encoders)
    cold = []
    for name in names:
        info = registry.get("encoder", name).info
        if isinstance(info, EncoderInfo) and info.preload_ready is not None and not info.preload_ready():
            cold.append(name)
    return cold


def status_counts(statuses: Mapping[str, int]) -> str:
    """``"12 ok, 1 error"``: the cells by status, in the order a reader looks for them."""
    return ", ".join(f"{n} {s}" for s in ("ok", "error", "timeout", "skipped") if (n := statuses.get(s, 0)))


@dataclass
class _Session:
    """What every dataset of one run shares: the plugins, the options, the store and cache, the consoles."""

    registry: Registry
    options: RunOptions
    results: ResultStore
    cache: EmbeddingCache
    preload: list[str]
    log: Console
    tables: Console

    def run(self, data: Dataset, plan: Plan, log_path: Path) -> RunSummary:
        """Run one dataset's plan into the store, with its ceiling and its leaderboard."""
        from musicbench.benchmark.running import ceiling
        from musicbench.benchmark.running.progress import Reporter
        from musicbench.benchmark.running.runner import run_plan

        options = self.options
        reporter = Reporter(self.log, ranking_metric(data.primary_label), jobs=1 if options.scheduler else options.jobs)
        # Beside the workers (the main process only waits for them), once per dataset fingerprint.
        reference = ceiling.Background(self.results, data, self.registry.metrics())
        summary = run_plan(
            plan,
            self.registry,
            self.results,
            self.cache,
            lambda: self._executor(plan, log_path),
            reporter,
            force=options.force,
            retry_failed=options.retry_failed,
        )
        self._say(
            f"{data.name}: {summary.total} cells ({status_counts(summary.statuses)}); computed {summary.computed} "
            f"in {summary.wall_s:.1f} s. Store: {options.store}. Plugin output: {log_path}"
        )
        try:
            reference.finish()
        except ValueError as exc:  # e.g. a class with fewer tracks than folds
            self._say(f"No supervised ceiling for {data.name}: {exc}")
        if summary.statuses["ok"]:
            self._leaderboard(data)
        return summary

    def _executor(self, plan: Plan, log_path: Path) -> Executor:
        """The workers of one dataset: local processes, or the Dask scheduler's."""
        from musicbench.benchmark.running.runner import worker_context

        options, timeout = self.options, plan.config.timeout
        context = worker_context(self.registry, options.plugin_files, options.disabled, plan, options.threads)
        if options.scheduler:
            from musicbench.benchmark.running.executors.dask import DaskExecutor

            return DaskExecutor(context, options.scheduler, timeout)
        from musicbench.benchmark.running.executors.local import LocalPool

        if not options.force:
            # Local workers share seedless clusterers' labels through the cache folder, so
            # a clustering of raw features is computed once, not once per seed and worker.
            # (Dask workers may not see this folder; --force recomputes everything.)
            context = dataclasses.replace(context, label_memo=str(Path(self.cache.root) / "labels"))
        return LocalPool(context, options.jobs, timeout, self.preload, log_path=log_path)

    def _leaderboard(self, data: Dataset) -> None:
        """Show the top rows and cache the best cell's projection, so the report need not fit UMAP."""
        from musicbench.benchmark.reports import build
        from musicbench.benchmark.reports.board_cache import remember_top, store_state
        from musicbench.benchmark.reports.figures import warm_projection
        from musicbench.benchmark.reports.text import top_table

        try:
            state = store_state(self.results.path, data.fingerprint)  # before building: see remember_top
            board = build(self.results, data.name, fingerprint=data.fingerprint)
            remember_top(self.results.path, board, state)  # a no-op rerun prints it without a bootstrap
            if self.options.top:
                self.tables.print(top_table(board, self.options.top))
            warm_projection(board, self.cache)
        except ConfigError as exc:  # e.g. no NMI metric is installed: the run itself went fine
            self._say(f"No leaderboard: {exc}")

    def _say(self, text: str) -> None:
        self.log.print(escape(text), highlight=False, soft_wrap=True)
