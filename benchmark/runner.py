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

from musicbench.benchmark.cache import EmbeddingCache
from musicbench.benchmark.config import OWN
from musicbench.benchmark.executors import Executor
from musicbench.benchmark.hashing import package_versions
from musicbench.benchmark.plan import Cell, Plan
from musicbench.benchmark.progress import Reporter
from musicbench.benchmark.store import CellRecord, DatasetRecord, ResultStore
from musicbench.benchmark.work import ClusterTask, EncodeTask, TaskResult, WorkerContext, context_items
from musicbench import Registry, __version__
from musicbench.core import DISABLE_ENV, PLUGINS_ENV

FAILED = ("error", "timeout")


@dataclass
class RunSummary:
    """What a run did; ``statuses`` counts every cell of the plan, stored before or now."""

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


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


class _Run:
    """The bookkeeping of one run (kept out of :func:`run_plan` to keep it short)."""

    def __init__(self, plan: Plan, store: ResultStore, cache: EmbeddingCache, registry: Registry, reporter: Reporter) -> None:
        self.plan, self.store, self.cache, self.reporter = plan, store, cache, reporter
        self.local_versions = {"musicbench": __version__, **package_versions(), "plugins": registry.plugin_versions()}
        self.summary = RunSummary(total=len(plan.cells))

    def record(self, cell: Cell, status: str, reason: str | None, encoded: dict[str, Any] | None = None,
               result: TaskResult | None = None) -> None:  # fmt: skip
        encoded = encoded or {}
        timings = {**encoded.get("timings", {}), **(result.timings if result else {})}
        if cell.clusterer == OWN and "predict_s" in timings:
            timings["cluster_s"] = timings["predict_s"] + timings.get("cluster_s", 0.0)
        peaks = [p for p in (encoded.get("peak_rss_bytes"), result.peak_rss_bytes if result else None) if p]
        spec = cell.embedding
        record = CellRecord(
            key=cell.key, config_id=cell.config_id, dataset=self.plan.dataset.name,
            dataset_fingerprint=self.plan.dataset.fingerprint, encoder=spec.encoder, encoder_args=spec.args,
            encoder_params=spec.params, clusterer=cell.clusterer, clusterer_args=cell.args,
            clusterer_params=cell.params, seed=spec.seed, status=status, reason=reason,
            metrics={**encoded.get("encoder_metrics", {}), **(result.metrics if result else {})},
            modalities=list(encoded.get("modalities", [])),
            fitted_params=result.fitted_params if result else {}, fit_s=timings.get("fit_s"),
            transform_s=timings.get("transform_s"), cluster_s=timings.get("cluster_s"),
            metrics_s=timings.get("metrics_s"), peak_rss_bytes=max(peaks) if peaks else None,
            embedding_key=spec.key, versions=(result.versions if result and result.versions else encoded.get("versions"))
            or self.local_versions, created_at=_now(), labels=result.labels if result else None,
        )  # fmt: skip
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
    store.put_dataset(DatasetRecord(dataset.fingerprint, dataset.name,
                                    {"params": plan.config.dataset_params, "path": plan.config.data_path},
                                    dataset.n_tracks, dataset.primary_label, dataset.track_ids, dict(dataset.labels)))  # fmt: skip
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
        executor = make_executor()
        try:
            _execute(run, executor, groups, force)
        finally:
            executor.close()
    reporter.stop()
    run.summary.wall_s = time.perf_counter() - start
    return run.summary


def _execute(run: _Run, executor: Executor, groups: dict[str, list[Cell]], force: bool) -> None:
    tasks: dict[int, tuple[str, Any]] = {}
    encoded: dict[str, dict[str, Any]] = {}

    def submit_cells(key: str, embedding: np.ndarray, own: np.ndarray | None) -> None:
        for cell in groups[key]:
            task = ClusterTask(cell.clusterer, cell.params, own=cell.clusterer == OWN)
            tasks[executor.submit(task, embedding, own)] = ("cluster", cell)
            run.reporter.started(cell)

    for key, cells in groups.items():
        spec = cells[0].embedding
        needs_own = any(c.clusterer == OWN for c in cells)
        cached = None if force else run.cache.get(key)
        if cached is not None and (cached.own_labels is not None or not needs_own):
            encoded[key] = cached.meta
            submit_cells(key, cached.embedding, cached.own_labels)
        else:
            task_id = executor.submit(EncodeTask(spec.encoder, spec.params, clusters_itself=spec.clusters_itself))
            tasks[task_id] = ("encode", key)
            run.reporter.started(cells[0])
    while tasks:
        for task_id, result in executor.wait():
            kind, what = tasks.pop(task_id)
            if kind == "cluster":
                cell = what
                run.record(cell, result.status, result.reason, encoded[cell.embedding.key], result)
                continue
            key = what
            if result.status != "ok" or result.embedding is None:
                for cell in groups[key]:
                    run.record(cell, result.status, f"encoder {cell.embedding.encoder}: {result.reason}",
                               {"timings": result.timings, "versions": result.versions})  # fmt: skip
                continue
            spec = groups[key][0].embedding
            meta = {"encoder": spec.encoder, "params": spec.params, "seed": spec.seed,
                    "dataset_fingerprint": run.plan.dataset.fingerprint, "timings": result.timings,
                    "peak_rss_bytes": result.peak_rss_bytes, "versions": result.versions,
                    "modalities": result.modalities, "encoder_metrics": result.encoder_metrics}  # fmt: skip
            run.cache.put(key, result.embedding, result.labels, meta)
            encoded[key] = meta
            submit_cells(key, result.embedding, result.labels)
