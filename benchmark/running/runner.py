"""Executing a plan: fit each embedding once, cluster it, store every cell at once.

The runner is the only writer of the store and the cache; workers (local processes
or Dask) only compute. For each embedding of the plan it either finds it in the
cache or submits one encoder task; when the embedding is there, it submits one
clusterer task per cell using it. Every finished cell is committed to the store
immediately, so an interrupted run loses no finished cell, and a rerun computes
only cells without a row (``force`` recomputes all, ``retry_failed`` redoes the
``error`` and ``timeout`` ones).

Failures are rows: an encoder that fails or times out turns each of its cells into
an ``error``/``timeout`` row with the reason; skipped cells (missing modality,
memory budget) are rows with the reason and never reach a worker.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import numpy as np

from musicbench import Registry
from musicbench.benchmark.planning.config import OWN
from musicbench.benchmark.planning.plan import Cell, EmbeddingSpec, Plan
from musicbench.benchmark.results.cache import EmbeddingCache
from musicbench.benchmark.results.store import CellRecord, DatasetRecord, ResultStore
from musicbench.benchmark.running.executors import Executor
from musicbench.benchmark.running.progress import Estimates, Reporter
from musicbench.benchmark.running.work import ClusterTask, EncodeTask, TaskResult, WorkerContext, context_items
from musicbench.core import DISABLE_ENV, PLUGINS_ENV
from musicbench.hashing import recorded_versions

FAILED = ("error", "timeout")


@dataclass
class RunSummary:
    """What a run did; ``statuses`` counts every cell of the plan, stored before or now.

    ``dataset`` and ``fingerprint`` name the dataset run, as a leaderboard is built
    from the store (``reports.build(store, dataset, fingerprint=fingerprint)``).
    """

    dataset: str = ""
    fingerprint: str = ""
    total: int = 0
    computed: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    wall_s: float = 0.0

    @property
    def failed(self) -> int:
        return sum(self.statuses[s] for s in FAILED)


def worker_context(
    registry: Registry, plugin_files: tuple[str, ...], disabled: tuple[str, ...], plan: Plan, threads: int | None
) -> WorkerContext:
    """What a worker needs to rebuild this registry and dataset."""
    config = plan.config
    return WorkerContext(
        plugin_files=tuple(os.path.abspath(p) for p in plugin_files),
        disabled=tuple(disabled),
        environ=tuple((k, os.environ[k]) for k in (PLUGINS_ENV, DISABLE_ENV) if k in os.environ),
        dataset=config.dataset,
        dataset_params=context_items(config.dataset_params),
        data_path=os.path.abspath(config.data_path) if config.data_path else None,
        fingerprint=plan.dataset.fingerprint,
        plugin_versions=tuple(sorted(registry.plugin_versions().items())),
        threads=threads,
    )


def declared_costs(registry: Registry, plan: Plan) -> dict[str, float]:
    """The registered ``cost`` of each encoder and clusterer of the plan, at its size."""
    costs: dict[str, float] = {}
    n = plan.dataset.n_tracks
    for cell in plan.cells:
        for kind, key, name in (
            ("encoder", "encode", cell.embedding.encoder),
            ("clusterer", "cluster", cell.clusterer),
        ):
            if name == OWN or f"{key}:{name}" in costs:
                continue
            cost = getattr(registry.get(kind, name).info, "cost", None)  # type: ignore[arg-type]
            if cost is not None:
                costs[f"{key}:{name}"] = float(cost(n))
    return costs


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


class _Run:
    """The bookkeeping of one run (kept out of :func:`run_plan` to keep it short)."""

    def __init__(
        self, plan: Plan, store: ResultStore, cache: EmbeddingCache, registry: Registry, reporter: Reporter
    ) -> None:
        self.plan, self.store, self.cache, self.reporter = plan, store, cache, reporter
        self.local_versions = recorded_versions(registry.plugin_versions())
        self.summary = RunSummary(plan.dataset.name, plan.dataset.fingerprint, total=len(plan.cells))
        self.estimates = Estimates(store.timings(), plan.dataset.fingerprint, declared_costs(registry, plan))

    def record(
        self,
        cell: Cell,
        status: str,
        reason: str | None,
        encoded: dict[str, Any] | None = None,
        result: TaskResult | None = None,
    ) -> None:
        encoded = encoded or {}
        timings = {**encoded.get("timings", {}), **(result.timings if result else {})}
        if cell.clusterer == OWN and "predict_s" in timings:
            timings["cluster_s"] = timings["predict_s"] + timings.get("cluster_s", 0.0)
        peaks = [p for p in (encoded.get("peak_rss_bytes"), result.peak_rss_bytes if result else None) if p]
        spec = cell.embedding
        record = CellRecord(
            key=cell.key,
            config_id=cell.config_id,
            dataset=self.plan.dataset.name,
            dataset_fingerprint=self.plan.dataset.fingerprint,
            encoder=spec.encoder,
            encoder_args=spec.args,
            encoder_params=spec.params,
            clusterer=cell.clusterer,
            clusterer_args=cell.args,
            clusterer_params=cell.params,
            seed=spec.seed,
            status=status,
            reason=reason,
            metrics={
                **encoded.get("encoder_metrics", {}),
                **encoded.get("embedding_metrics", {}),
                **(result.metrics if result else {}),
            },
            modalities=list(encoded.get("modalities", [])),
            fitted_params=result.fitted_params if result else {},
            fit_s=timings.get("fit_s"),
            transform_s=timings.get("transform_s"),
            cluster_s=timings.get("cluster_s"),
            metrics_s=timings.get("metrics_s"),
            peak_rss_bytes=max(peaks) if peaks else None,
            embedding_key=spec.key,
            versions=(result.versions if result and result.versions else encoded.get("versions"))
            or self.local_versions,
            created_at=_now(),
            labels=result.labels if result else None,
        )
        self.store.put(record)
        self.summary.statuses[status] += 1
        self.summary.computed += 1
        self.reporter.finished(cell, record)


def run_plan(
    plan: Plan,
    registry: Registry,
    store: ResultStore,
    cache: EmbeddingCache,
    make_executor: Callable[[], Executor],
    reporter: Reporter,
    *,
    force: bool = False,
    retry_failed: bool = False,
) -> RunSummary:
    """Compute every cell of ``plan`` that the store lacks; return what happened."""
    start = time.perf_counter()
    run = _Run(plan, store, cache, registry, reporter)
    dataset = plan.dataset
    # Rows read and kept, and the loader's notes (rows dropped or imputed, columns left
    # out) travel with the dataset, so every leaderboard can say what was measured.
    loaded = {k: dataset.params[k] for k in ("rows_read", "rows_kept") if k in dataset.params}
    store.put_dataset(
        DatasetRecord(
            dataset.fingerprint,
            dataset.name,
            {
                "params": plan.config.dataset_params,
                "path": plan.config.data_path,
                **loaded,
                "notes": list(dataset.notes),
            },
            dataset.n_tracks,
            dataset.primary_label,
            dataset.track_ids,
            dict(dataset.labels),
        )
    )
    stored = store.statuses(c.key for c in plan.cells)
    redo = set(FAILED) if retry_failed else set()
    pending = [c for c in plan.cells if force or c.key not in stored or stored[c.key] in redo]
    pending_keys = {c.key for c in pending}
    for cell in plan.cells:
        if cell.key not in pending_keys:
            run.summary.statuses[stored[cell.key]] += 1
    reporter.start(len(pending), len(plan.cells) - len(pending))
    groups: dict[str, list[Cell]] = {}
    for cell in pending:
        if cell.skip_reason:
            run.record(cell, "skipped", cell.skip_reason)
        else:
            groups.setdefault(cell.embedding.key, []).append(cell)
    if groups:
        # Starting the workers takes seconds (imports, the dataset): show an ETA meanwhile.
        reporter.working(
            [],
            sum(
                run.estimates.encode(cells[0].embedding.encoder)
                + sum(run.estimates.cluster(c.clusterer) for c in cells)
                for cells in groups.values()
            ),
        )
        executor = make_executor()
        try:
            _execute(run, executor, groups, force)
        finally:
            executor.close()
    reporter.stop()
    run.summary.wall_s = time.perf_counter() - start
    return run.summary


def _describe(task: EncodeTask | ClusterTask, spec: EmbeddingSpec) -> str:
    """What a worker is doing, as the live display says it."""
    if isinstance(task, EncodeTask):
        return f"fitting {spec.encoder} (seed {spec.seed})"
    if task.own:
        return f"scoring {spec.encoder}'s own clusters (seed {spec.seed})"
    return f"{task.clusterer} on {spec.encoder} (seed {spec.seed})"


def _execute(run: _Run, executor: Executor, groups: dict[str, list[Cell]], force: bool) -> None:
    tasks: dict[int, tuple[str, Any]] = {}
    described: dict[int, tuple[str, float]] = {}  # task id -> (description, expected seconds)
    encoded: dict[str, dict[str, Any]] = {}
    waiting: dict[str, float] = {}  # embedding key -> expected seconds of its clusterer cells, not yet submitted
    estimates = run.estimates

    def submit_cells(key: str, embedding: np.ndarray, own: np.ndarray | None) -> None:
        waiting.pop(key, None)
        for cell in groups[key]:
            # An embedding cached before the encode task computed the probe: the cells do.
            task = ClusterTask(
                cell.clusterer,
                cell.params,
                own=cell.clusterer == OWN,
                with_embedding_metrics="embedding_metrics" not in encoded[key],
            )
            task_id = executor.submit(task, embedding, own)
            tasks[task_id] = ("cluster", cell)
            described[task_id] = (_describe(task, cell.embedding), estimates.cluster(cell.clusterer))

    to_fit = []
    for key, cells in groups.items():
        needs_own = any(c.clusterer == OWN for c in cells)
        cached = None if force else run.cache.get(key)
        if cached is not None and (cached.own_labels is not None or not needs_own):
            encoded[key] = cached.meta
            submit_cells(key, cached.embedding, cached.own_labels)
        else:
            to_fit.append(key)
    # Longest fits first, so that the last one to finish is a short one and no worker
    # idles at the end waiting for a long fit started late (the executors run the
    # clusterer tasks of finished embeddings before any pending fit).
    to_fit.sort(key=lambda k: -estimates.encode(groups[k][0].embedding.encoder))
    for key in to_fit:
        spec = groups[key][0].embedding
        task = EncodeTask(spec.encoder, spec.params, clusters_itself=spec.clusters_itself)
        task_id = executor.submit(task)
        tasks[task_id] = ("encode", key)
        described[task_id] = (_describe(task, spec), estimates.encode(spec.encoder))
        waiting[key] = sum(estimates.cluster(c.clusterer) for c in groups[key])
    _report_work(run, executor, described, waiting)
    while tasks:
        for task_id, result in executor.wait():
            kind, what = tasks.pop(task_id)
            described.pop(task_id, None)
            seconds = sum(result.timings.values())
            if kind == "cluster":
                cell = what
                if result.status == "ok":
                    estimates.observe("cluster", cell.clusterer, seconds)
                run.record(cell, result.status, result.reason, encoded[cell.embedding.key], result)
                continue
            key = what
            if result.status != "ok" or result.embedding is None:
                waiting.pop(key, None)
                for cell in groups[key]:
                    run.record(
                        cell,
                        result.status,
                        f"encoder {cell.embedding.encoder}: {result.reason}",
                        {"timings": result.timings, "versions": result.versions},
                    )
                continue
            spec = groups[key][0].embedding
            estimates.observe("encode", spec.encoder, seconds)
            meta = {
                "encoder": spec.encoder,
                "params": spec.params,
                "seed": spec.seed,
                "dataset_fingerprint": run.plan.dataset.fingerprint,
                "timings": result.timings,
                "peak_rss_bytes": result.peak_rss_bytes,
                "versions": result.versions,
                "modalities": result.modalities,
                "encoder_metrics": result.encoder_metrics,
                "embedding_metrics": result.embedding_metrics,
            }
            run.cache.put(key, result.embedding, result.labels, meta)
            encoded[key] = meta
            submit_cells(key, result.embedding, result.labels)
        _report_work(run, executor, described, waiting)


def _report_work(
    run: _Run, executor: Executor, described: dict[int, tuple[str, float]], waiting: dict[str, float]
) -> None:
    """Tell the reporter what runs now and how many seconds of work are left."""
    running = getattr(executor, "running", None)  # LocalPool knows; Dask does not say
    started = running() if callable(running) else {}
    now = time.monotonic()
    left = sum(waiting.values())
    for task_id, (_, expected) in described.items():
        # A task running longer than expected is assumed to be nearly done, not finished.
        left += max(expected - (now - started[task_id]), 0.1 * expected) if task_id in started else expected
    shown = [(described[t][0], since) for t, since in started.items() if t in described]
    run.reporter.working(shown, left)
