"""The work done for a cell, wherever it runs: a local worker process or a Dask worker.

Two kinds of task: :class:`EncodeTask` fits an encoder and returns its embedding,
its embedding-scope metrics (the linear probe, once per embedding) and its own
cluster labels if it clusters itself; :class:`ClusterTask` clusters an embedding
and computes the cell's metrics. :func:`run_task` never raises: an exception
becomes an ``error`` result with its reason, so one broken plugin cannot stop a run.

A worker builds its own registry from the same plugin files and loads the dataset
itself (once per process), checking its fingerprint against the planner's; only
names, parameters and arrays travel.

Peak memory is the peak resident set size of the worker process while the task ran
(on Linux: ``VmHWM`` after resetting it through ``/proc/self/clear_refs``; elsewhere
``ru_maxrss``, the process's lifetime peak). It includes the interpreter, the loaded
libraries and the dataset, so it is what the machine had to provide, not what the
plugin allocated alone. On a multi-threaded Dask worker it covers every task the
worker ran at the same time.
"""

from __future__ import annotations

import math
import os
import resource
import sys
import threading
import time
import traceback
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np

from musicbench import Dataset, Registry, build_registry, clusterer_input
from musicbench.benchmark.planning.datasets import load_dataset
from musicbench.benchmark.planning.factories import build_clusterer, build_encoder, fitted_params
from musicbench.benchmark.running.evaluation import MetricValue, embedding_metrics, evaluate
from musicbench.benchmark.running.label_memo import LabelMemo, label_key, memoisable
from musicbench.contracts import ClusteringEncoder, fit_diagnostics, fitted_modalities
from musicbench.errors import MusicbenchError, ResourceLimitError
from musicbench.hashing import recorded_versions


@dataclass(frozen=True)
class WorkerContext:
    """What a worker needs to rebuild the planner's registry and dataset."""

    plugin_files: tuple[str, ...]
    disabled: tuple[str, ...]
    environ: tuple[tuple[str, str], ...]
    dataset: str
    dataset_params: tuple[tuple[str, Any], ...]
    data_path: str | None
    fingerprint: str
    plugin_versions: tuple[tuple[str, str], ...]
    threads: int | None = None
    label_memo: str | None = None
    """A folder where seedless clusterers' labels are shared (:mod:`benchmark.label_memo`)."""


@dataclass(frozen=True)
class EncodeTask:
    encoder: str
    params: dict[str, Any]
    clusters_itself: bool = False


@dataclass(frozen=True)
class ClusterTask:
    clusterer: str
    params: dict[str, Any]
    own: bool = False
    with_embedding_metrics: bool = False
    """Also compute the embedding-scope metrics: for an embedding whose encode task did
    not (one cached by a version without them)."""


@dataclass
class TaskResult:
    """What a task sends back; ``status`` is ``ok``, ``error``, ``timeout`` or ``skipped``
    (a clusterer that found, from the data, that it would not fit in memory)."""

    status: str
    reason: str | None = None
    timings: dict[str, float] = field(default_factory=dict)
    peak_rss_bytes: int | None = None
    embedding: np.ndarray | None = None
    labels: np.ndarray | None = None
    metrics: dict[str, dict[str, Any]] = field(default_factory=dict)
    fitted_params: dict[str, Any] = field(default_factory=dict)
    versions: dict[str, Any] = field(default_factory=dict)
    modalities: list[str] = field(default_factory=list)
    """The modalities the encoder read (an encode task's result)."""
    encoder_metrics: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Figures the encoder reports about its fit (``active_units``), stored like metrics."""
    embedding_metrics: dict[str, dict[str, Any]] = field(default_factory=dict)
    """The embedding-scope metrics (an encode task's result), stored in each of its cells."""


class WorkerState:
    """A worker's registry and dataset, built once per process and context."""

    def __init__(self, context: WorkerContext) -> None:
        limit_threads(context.threads)
        self.registry: Registry = build_registry(context.plugin_files, context.disabled, environ=dict(context.environ))
        versions = dict(context.plugin_versions)
        if self.registry.plugin_versions() != versions:
            # A plugin that imports in the planner but not here: its own error says why.
            failed = "; ".join(f"{f.plugin} ({f.location}): {f.error}" for f in self.registry.failures)
            raise MusicbenchError(
                f"This worker's plugins {self.registry.plugin_versions()} differ from the planner's "
                f"{versions}: install the same plugins (and plugin files) on every worker."
                + (f" Plugins that failed to load on this worker: {failed}." if failed else "")
            )
        self.dataset: Dataset = load_dataset(
            self.registry, context.dataset, dict(context.dataset_params), context.data_path
        )
        if self.dataset.fingerprint != context.fingerprint:
            raise MusicbenchError(
                f"The dataset {context.dataset!r} loaded on this worker has fingerprint "
                f"{self.dataset.fingerprint[:12]}, the planner's has {context.fingerprint[:12]}: "
                "the worker sees different data."
            )
        self.versions = recorded_versions(versions)
        self.threads = context.threads
        self.label_memo = LabelMemo(context.label_memo)


_STATES: dict[WorkerContext, WorkerState] = {}
_STATE_LOCK = threading.Lock()


def worker_state(context: WorkerContext) -> WorkerState:
    with _STATE_LOCK:  # Dask runs tasks in threads: build the state once
        if context not in _STATES:
            _STATES[context] = WorkerState(context)
        return _STATES[context]


def limit_threads(threads: int | None) -> None:
    """Cap BLAS/OpenMP, numba and torch threads, so parallel workers do not oversubscribe.

    Called when a worker starts; :func:`cap_numba_and_torch` again before each of its
    tasks, in the thread that runs it, since a library may raise a count during a task.
    numba's parallel code (umap-learn) ran on as many threads as cores, and its OpenMP
    layer left torch's OpenMP runtime (the same ``libgomp``) at that count: every torch
    fit after an N2D fit in the same worker then ran two threads, at twice the CPU (a
    VAE fit: 1.36 s of CPU with one thread, 3.46 s with two, its wall time no shorter)
    and, on 28,356 tracks, with other numbers (VAE embedding max difference 0.49).
    """
    if not threads:
        return
    # Libraries not imported yet (torch is imported by the first plugin that needs it)
    # read these when they start; those already loaded are capped through threadpoolctl.
    for variable in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[variable] = str(threads)
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=threads)
    cap_numba_and_torch(threads)


def cap_numba_and_torch(threads: int | None) -> None:
    """The per-task half of :func:`limit_threads`: the counts a task may raise, set again.

    Microseconds, where :func:`limit_threads` scans every loaded BLAS/OpenMP library
    (4 ms); a library loaded during a task reads ``OMP_NUM_THREADS`` and starts capped.
    """
    if not threads:
        return
    if "numba" in sys.modules:  # the forkserver imported it (umap-learn): too late for its variable
        # (and numba refuses a NUMBA_NUM_THREADS that changes once its threads run)
        numba = sys.modules["numba"]
        numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))  # per calling thread
    else:
        os.environ["NUMBA_NUM_THREADS"] = str(threads)
    if "torch" in sys.modules:  # only when some plugin uses torch: importing it costs seconds
        sys.modules["torch"].set_num_threads(threads)


def _reset_peak() -> None:
    try:
        with open("/proc/self/clear_refs", "w") as handle:
            handle.write("5")
    except OSError:
        pass


def _peak_rss() -> int:
    try:
        with open("/proc/self/status") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    scale = 1 if sys.platform == "darwin" else 1024  # bytes on macOS, KiB on Linux
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) * scale


def describe_exception(exc: BaseException) -> str:
    """One line: the exception and where in the plugin it was raised."""
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" (at {os.path.basename(frames[-1].filename)}:{frames[-1].lineno} in {frames[-1].name})" if frames else ""
    message = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {message}{where}"


def _encode(state: WorkerState, task: EncodeTask, result: TaskResult) -> None:
    entry = state.registry.get("encoder", task.encoder)
    encoder = build_encoder(entry, task.params)
    start = time.perf_counter()
    encoder.fit(state.dataset)
    result.timings["fit_s"] = time.perf_counter() - start
    start = time.perf_counter()
    Z = encoder.transform(state.dataset)
    result.timings["transform_s"] = time.perf_counter() - start
    Z = np.asarray(Z)
    n = state.dataset.n_tracks
    if Z.ndim != 2 or Z.shape[0] != n or not np.issubdtype(Z.dtype, np.number):
        raise MusicbenchError(f"encoder {task.encoder!r} returned {Z.dtype} {Z.shape}, expected ({n}, d) numbers")
    if not np.isfinite(Z).all():
        raise MusicbenchError(f"encoder {task.encoder!r} returned non-finite values")
    result.embedding = np.ascontiguousarray(Z, dtype=np.float32)
    result.modalities = list(fitted_modalities(encoder))
    result.encoder_metrics = {
        name: {
            "value": float(value),
            "metric": name,
            "higher_is_better": None,
            "label": None,
            "space": "latent",
            "reason": note,
        }
        for name, (value, note) in fit_diagnostics(encoder).items()
    }
    start = time.perf_counter()
    values = embedding_metrics(state.registry.metrics(), state.dataset, result.embedding)
    result.embedding_metrics = _stored(values)
    result.timings["embedding_metrics_s"] = time.perf_counter() - start
    if task.clusters_itself:
        start = time.perf_counter()
        own = cast(ClusteringEncoder, encoder)  # the plan made this task for encoders with predict()
        result.labels = _check_labels(task.encoder, own.predict(state.dataset), n)
        result.timings["predict_s"] = time.perf_counter() - start


def _check_labels(name: str, labels: Any, n: int) -> np.ndarray:
    labels = np.asarray(labels)
    if labels.shape != (n,) or not np.issubdtype(labels.dtype, np.integer):
        raise MusicbenchError(
            f"{name!r} returned cluster labels {labels.dtype} {labels.shape}, expected ({n},) integers"
        )
    if n and int(labels.min()) < -1:
        raise MusicbenchError(
            f"{name!r} returned the cluster label {int(labels.min())}; labels are 0, 1, ... with -1 for noise"
        )
    if n and int(labels.max()) > np.iinfo(np.int64).max:
        raise MusicbenchError(
            f"{name!r} returned the cluster label {int(labels.max())}, larger than a 64-bit integer holds"
        )
    # The narrowest dtype that holds every label exactly: int32 wrapped large labels before.
    fits32 = not n or int(labels.max()) <= np.iinfo(np.int32).max
    return labels.astype(np.int32 if fits32 else np.int64)


def _cluster(state: WorkerState, task: ClusterTask, Z: np.ndarray, own: np.ndarray | None, result: TaskResult) -> None:
    start = time.perf_counter()
    key, hit = None, None
    if task.own:
        labels = own  # the encoder's own assignment; its time is in the encoder's predict_s
    else:
        entry, X = state.registry.get("clusterer", task.clusterer), clusterer_input(Z)
        key = label_key(X, entry, task.params, state.threads) if memoisable(entry) else None
        hit = state.label_memo.get(key, X.shape[0]) if key else None
        if hit is not None:  # the same bytes clustered the same way by a cell of another seed
            labels, result.fitted_params = hit.labels, hit.fitted_params
        else:
            clusterer = build_clusterer(entry, task.params)
            labels = clusterer.fit_predict(X)
            result.fitted_params = fitted_params(clusterer)
    result.labels = _check_labels(task.clusterer, labels, state.dataset.n_tracks)
    result.timings["cluster_s"] = time.perf_counter() - start
    if key is not None:
        if hit is not None:
            result.timings["cluster_s"] = hit.cluster_s
        else:
            state.label_memo.put(key, result.labels, result.fitted_params, result.timings["cluster_s"])
    start = time.perf_counter()
    values = evaluate(
        state.registry.metrics(),
        state.dataset,
        Z,
        result.labels,
        with_embedding_metrics=task.with_embedding_metrics,
    )
    result.timings["metrics_s"] = time.perf_counter() - start
    result.metrics = _stored(values)


def _stored(values: Mapping[str, MetricValue]) -> dict[str, dict[str, Any]]:
    """Metric values as the store keeps them (JSON: ``None`` for NaN, with the reason)."""
    return {
        name: {
            "value": None if math.isnan(v.value) else v.value,
            "metric": v.metric,
            "higher_is_better": v.higher_is_better,
            "label": v.label,
            "space": v.space,
            "reason": v.reason,
        }
        for name, v in values.items()
    }


def run_task(
    context: WorkerContext,
    task: EncodeTask | ClusterTask,
    embedding: np.ndarray | None = None,
    own_labels: np.ndarray | None = None,
) -> TaskResult:
    """Run one task; every exception becomes an ``error`` result."""
    result = TaskResult(status="ok")
    try:
        state = worker_state(context)
        cap_numba_and_torch(state.threads)  # the previous task may have raised a count (limit_threads)
        result.versions = state.versions
        _reset_peak()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # plugin warnings would flood the progress display
            if isinstance(task, EncodeTask):
                _encode(state, task, result)
            else:
                assert embedding is not None
                _cluster(state, task, embedding, own_labels, result)
        result.peak_rss_bytes = _peak_rss()
    except ResourceLimitError as exc:
        result.status, result.reason = "skipped", str(exc)
        result.embedding = result.labels = None
    except Exception as exc:
        result.status, result.reason = "error", describe_exception(exc)
        result.embedding = result.labels = None
    return result


def run_task_with_timeout(
    context: WorkerContext,
    task: EncodeTask | ClusterTask,
    timeout: float | None,
    embedding: np.ndarray | None = None,
    own_labels: np.ndarray | None = None,
) -> TaskResult:
    """:func:`run_task` with a timeout, for executors that cannot kill a process (Dask).

    The task runs in a daemon thread; after ``timeout`` seconds a ``timeout`` result
    is returned. Python cannot kill a thread, so the abandoned work runs on in the
    background until it ends (restart the Dask workers to reclaim them).
    """
    if timeout is None:
        return run_task(context, task, embedding, own_labels)
    box: list[TaskResult] = []
    thread = threading.Thread(target=lambda: box.append(run_task(context, task, embedding, own_labels)), daemon=True)
    thread.start()
    thread.join(timeout)
    if box:
        return box[0]
    return TaskResult(status="timeout", reason=f"did not finish within the {timeout:g} s timeout")


def context_items(mapping: Mapping[str, Any]) -> tuple[tuple[str, Any], ...]:
    """A mapping as a hashable, sorted tuple of items (contexts are dict keys)."""
    return tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in mapping.items()))
