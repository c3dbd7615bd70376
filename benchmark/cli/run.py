"""``bench run``: parse the options into a run configuration and run it.

The run itself is :func:`musicbench.benchmark.running.session.run_benchmark`; this
module only reads the options and the ``--config`` file. A rerun whose cells are all
stored stops here, before building the registry, loading the dataset or importing
torch: :mod:`musicbench.benchmark.planning.plan_cache` remembers the cell keys a plan
produced, keyed by every input that forms them.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.markup import escape

from musicbench.benchmark.cli.common import err, load_registry, out, plugin_flags
from musicbench.benchmark.constants import DEFAULT_STORE, MAX_CELLS, STATE_FOLDER
from musicbench.benchmark.running.session import RunOptions, Selection, plan_cache_key, status_counts
from musicbench.errors import ConfigError
from musicbench.workers import default_jobs

if TYPE_CHECKING:
    from musicbench.benchmark.planning.config import RunConfig
    from musicbench.benchmark.results.store import ResultStore


def _names(option: str, text: str | None, take_all: bool) -> tuple[str, ...] | None:
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
    names = tuple(n.strip() for n in text.split(",") if n.strip())
    if not names:
        raise ConfigError(
            f"{option} was given an empty list: name at least one (see `bench plugins`), "
            "or leave the option out to use every one."
        )
    return names


@click.command("run")
@click.option(
    "--all",
    "take_all",
    is_flag=True,
    help="Every registered encoder and clusterer; an error together with --encoders or --clusterers.",
)
@click.option("--dataset", help="The dataset (default: synthetic, or the config's).")
@click.option(
    "--suite",
    metavar="NAME",
    help="Every dataset of a suite (music, genre, mood: see `bench datasets`) found in $MUSICBENCH_DATA_DIR.",
)
@click.option("--data", "data_path", type=click.Path(), help="The dataset's file (or folder, for audio).")
@click.option(
    "-P",
    "--dataset-param",
    "dataset_params",
    multiple=True,
    metavar="KEY=VALUE",
    help="A loader parameter (repeatable; one value: a list-typed one takes V1,V2 as one list).",
)
@click.option("--encoders", metavar="A,B", help="Comma-separated encoders (default: all, or the config's).")
@click.option("--clusterers", metavar="X,Y", help="Comma-separated clusterers; '(own)' is an encoder's own clustering.")
@click.option(
    "-E",
    "--encoder-param",
    "encoder_params",
    multiple=True,
    metavar="NAME.KEY=V1,V2",
    help="An encoder parameter (repeatable); several values make a grid, e.g. -E vae.latent_dim=8,16. "
    "A list-typed parameter takes V1,V2 as one list; ';' separates grid points: -E vae.hidden_sizes=64,32;128.",
)
@click.option(
    "-C",
    "--clusterer-param",
    "clusterer_params",
    multiple=True,
    metavar="NAME.KEY=V1,V2",
    help="A clusterer parameter (repeatable); several values make a grid, e.g. -C kmeans.n_init=10,20 "
    "(';' separates grid points too: -C kmeans.n_init=10;20).",
)
@click.option("--seeds", type=click.IntRange(min=1), help="Number of seeds, 0..N-1 (default 3).")
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    default=default_jobs,
    show_default="$MUSICBENCH_JOBS, or the cores available to this process",
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
    help=f"Embedding cache (default: {STATE_FOLDER}/cache in the store's folder).",
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
    suite: str | None,
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
    start = time.perf_counter()
    config = _config(config_file, dataset, suite, data_path, bool(dataset_params), seeds, timeout)
    for member, reason in config.suite_skipped:
        err.print(escape(f"suite {config.suite}: {member} is skipped: {reason}"), highlight=False, soft_wrap=True)
    jobs_source = click.get_current_context().get_parameter_source("jobs")
    if scheduler and jobs > 1 and jobs_source is not None and jobs_source.name != "DEFAULT":
        raise ConfigError("--jobs sets local worker processes; with --scheduler the Dask workers do the work.")
    options = RunOptions(
        store=store,
        cache_dir=cache_dir,
        jobs=jobs,
        # One thread per worker by default: measured faster than sharing cores between
        # threads (small models, loaded machines), and the same arithmetic on every
        # executor, so --jobs N and --scheduler give the serial run's numbers exactly.
        threads=threads or 1,
        scheduler=scheduler,
        force=force,
        retry_failed=retry_failed,
        max_cells=max_cells,
        top=top,
        plugin_files=plugin_files,
        disabled=disabled,
        selection=Selection(
            take_all,
            _names("--encoders", encoders, take_all),
            _names("--clusterers", clusterers, take_all),
            dataset_params,
            encoder_params,
            clusterer_params,
        ),
    )
    from musicbench.benchmark.planning.plan_cache import load_plan

    known = None if force else load_plan(store, plan_cache_key(config, options))
    if known is not None and _nothing_to_do(known, store, retry_failed, top, start):
        return
    from musicbench.benchmark.running.preflight import check_early
    from musicbench.benchmark.running.session import run_benchmark

    check_early(config, Path(store))  # before the plugin files are imported
    summaries = run_benchmark(load_registry(plugin_files, disabled), config, options, log=err, tables=out)
    if any(summary.failed for summary in summaries):
        sys.exit(1)


def _config(
    config_file: str | None,
    dataset: str | None,
    suite: str | None,
    data_path: str | None,
    dataset_params: bool,
    seeds: int | None,
    timeout: float | None,
) -> RunConfig:
    """The ``--config`` file's run configuration (or the defaults), with the options over it.

    ``--suite`` fills ``config.datasets`` with the suite's present files, as
    ``[[datasets]]`` in the file does.
    """
    from musicbench.benchmark.planning.config import RunConfig, read_config

    config = read_config(config_file) if config_file else RunConfig()
    if dataset and suite:
        raise ConfigError("--dataset picks one dataset and --suite a named list of them: give one of the two.")
    if dataset:
        config.dataset, config.dataset_params, config.data_path, config.datasets = dataset, {}, None, []
        config.suite, config.suite_skipped = None, []
    if suite:
        config.use_suite(suite)
    if (dataset_params or data_path) and config.datasets:
        raise ConfigError(
            "--data and -P set one dataset, but the config lists several ([[datasets]]): "
            "set them in the config, or pick one with --dataset."
        )
    config.data_path = data_path or config.data_path
    config.seeds = list(range(seeds)) if seeds else config.seeds
    config.timeout = timeout or config.timeout
    return config


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
    err.print(
        escape(
            f"{total} cells ({status_counts(counts)}); computed 0 in {time.perf_counter() - start:.1f} s. "
            f"Store: {store}"
        ),
        highlight=False,
        soft_wrap=True,
    )
    if top and counts["ok"]:
        _print_top(results, known["dataset"], known["fingerprint"], known["primary_label"], top)
    results.close()
    if failed:
        sys.exit(1)
    return True


def _print_top(results: ResultStore, dataset: str, fingerprint: str, primary_label: str, top: int) -> None:
    """The top rows: remembered for this store state (:mod:`~musicbench.benchmark.reports.board_cache`,
    which imports no numpy, scipy or pandas), else built with the bootstrap and remembered."""
    from musicbench.benchmark.constants import ranking_metric
    from musicbench.benchmark.reports.board_cache import load_top, remember_top, render_top, store_state

    state = store_state(results.path, fingerprint)
    remembered = load_top(results.path, dataset, fingerprint, ranking_metric(primary_label), state)
    if remembered is not None:
        out.print(render_top(remembered, top))
        return
    from musicbench.benchmark.reports import build
    from musicbench.benchmark.reports.text import top_table

    try:
        board = build(results, dataset, fingerprint=fingerprint)
    except ConfigError as exc:  # e.g. no NMI metric is installed: the run itself went fine
        err.print(escape(f"No leaderboard: {exc}"), highlight=False, soft_wrap=True)
        return
    remember_top(results.path, board, state)
    out.print(top_table(board, top))
