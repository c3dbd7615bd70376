"""The supervised ceiling: how much of the label the dataset's own features carry.

A gradient-boosting classifier (scikit-learn's ``HistGradientBoostingClassifier``,
fixed seed) predicts the primary label from the dataset's reference features
(``dataset.audio``, the same preprocessed space every encoder starts from) with
5-fold stratified cross-validation; its out-of-fold predictions are scored with the
same registered metric functions as a clustering (NMI, ARI and accuracy against the
label: :data:`METRICS`, those the leaderboard shows it for). An
unsupervised cell near the ceiling has found most of what the features can tell;
one far below it leaves information on the table.

It is computed once per dataset fingerprint by ``bench run`` (at most
``MAX_ROWS`` tracks, a fixed seeded sample, so it stays a few seconds on 28k
tracks) and kept in the result store, so the leaderboard reads it from there.
``bench run`` computes it in a thread beside its workers (:class:`Background`):
the main process only waits for them, so its core would otherwise sit idle while
the ceiling's seconds were added after the last cell.

A computed ceiling is also remembered in the user's cache folder
(:func:`memo_folder`), under a digest of exactly what it was computed from: the
feature rows and label codes it saw, the code of every metric that scored it, the
scikit-learn and numpy versions and :data:`REVISION`. A new store of the same data
(another grid, another folder) then reads it instead of fitting the classifier
again: the same figures, since the fit is seeded and single-threaded. A small run
otherwise waited on it: a 300-track run of one encoder computed its cells in 0.5 s
and then waited 2.8 s for the ceiling. Anything else (a damaged file, another
version) is a miss, and the ceiling is computed as before.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from musicbench import Dataset, MetricSpec
from musicbench.benchmark.results.cache import _atomic_write
from musicbench.benchmark.results.store import ResultStore
from musicbench.benchmark.running.evaluation import known_label_rows
from musicbench.hashing import versions_of

NAME = "ceiling"
MAX_ROWS = 10_000
SEED = 0
FOLDS = 5
REVISION = 1
"""Bump when :func:`compute` changes what it computes: remembered ceilings of other
revisions are then never read (the store's are kept per dataset, as before)."""
METRICS = ("nmi", "ari", "accuracy")
"""The external metrics the ceiling is scored with, when registered. A fixed list, not
every external metric: a stored ceiling is kept per dataset for good, and stores
written before and after a new metric should hold the same figures."""


def compute(dataset: Dataset, metrics: Sequence[MetricSpec]) -> dict[str, Any]:
    """Out-of-fold predictions of the primary label, scored like a clustering.

    Parameters
    ----------
    dataset : Dataset
        Supplies the primary label and the reference features (``dataset.audio``).
    metrics : sequence of MetricSpec
        The registered metrics (``registry.metrics()``); the external ones named in
        :data:`METRICS` score the predictions, called as the evaluator calls them
        (integer codes of the truth, then the predicted labels).
    """
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    scorers = _scorers(metrics)
    label = dataset.primary_label
    X, y = _inputs(dataset)
    start = time.perf_counter()
    model = HistGradientBoostingClassifier(random_state=SEED)
    folds = StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=SEED)
    # One OpenMP thread: on a loaded machine (parallel bench workers) HGB's many short
    # parallel regions wait on descheduled threads and slowed a 400-track fit to minutes.
    with threadpool_limits(limits=1, user_api="openmp"):
        predicted = cross_val_predict(model, X, y, cv=folds)
    scores = {f"{name}[{label}]": float(scorers[name](y, predicted)) for name in METRICS if name in scorers}
    return {
        **scores,
        "n_rows": int(y.size),
        "seed": SEED,
        "folds": FOLDS,
        "seconds": time.perf_counter() - start,
        "method": f"HistGradientBoostingClassifier, {FOLDS}-fold out-of-fold predictions on the reference features",
    }


def _scorers(metrics: Sequence[MetricSpec]) -> dict[str, Any]:
    return {s.name: s.func for s in metrics if s.scope == "external" and s.name in METRICS}


def _inputs(dataset: Dataset) -> tuple[np.ndarray, np.ndarray]:
    """The reference feature rows and integer label codes the classifier is fitted on."""
    label = dataset.primary_label
    truth = np.asarray(dataset.labels[label])
    rows = np.flatnonzero(known_label_rows(truth))
    if rows.size > MAX_ROWS:
        rows = np.sort(np.random.default_rng(SEED).choice(rows, MAX_ROWS, replace=False))
    y = np.unique(truth[rows], return_inverse=True)[1].ravel()
    largest = int(np.bincount(y).max()) if y.size else 0
    if largest < FOLDS:  # scikit-learn's own message names its parameters, not the data
        raise ValueError(
            f"its {FOLDS}-fold cross-validation needs a {label} class of {FOLDS} tracks or more; the largest has "
            f"{largest} of {rows.size} tracks with a known {label}"
        )
    return np.asarray(dataset.audio)[rows], y


def memo_folder() -> Path:
    """Where computed ceilings are remembered for other stores: the user's cache folder."""
    from musicbench.plugins.encoders.numba_cache import user_cache_root

    return user_cache_root() / "musicbench" / "ceilings"


def _code_of(func: Any) -> str:
    """The source of the module that defines ``func`` (or of ``func`` alone where there is no file)."""
    try:
        module = sys.modules.get(getattr(func, "__module__", "") or "")
        source = inspect.getsource(module) if module is not None else inspect.getsource(func)
    except (OSError, TypeError):  # built in, or made at run time: its name, and never equal to another run's
        source = f"{getattr(func, '__qualname__', func)!r}@{id(func)}"
    return hashlib.sha256(source.encode()).hexdigest()


def _memo_path(dataset: Dataset, metrics: Sequence[MetricSpec]) -> Path | None:
    """The file of this exact computation; None when there is nothing to compute."""
    try:
        X, y = _inputs(dataset)
    except ValueError:
        return None
    X = np.ascontiguousarray(X)
    digest = hashlib.sha256()
    scorers = _scorers(metrics)
    facts = {
        "revision": REVISION,
        "label": dataset.primary_label,
        "shape": X.shape,
        "dtype": str(X.dtype),
        "settings": [MAX_ROWS, SEED, FOLDS, list(METRICS)],
        "versions": versions_of(("scikit-learn", "numpy")),
        "metrics": {
            name: [getattr(f, "__module__", ""), getattr(f, "__qualname__", ""), _code_of(f)]
            for name, f in sorted(scorers.items())
        },
    }
    digest.update(json.dumps(facts, sort_keys=True, default=str).encode())
    digest.update(X.tobytes())
    digest.update(np.ascontiguousarray(y, dtype=np.int64).tobytes())
    return memo_folder() / f"{digest.hexdigest()}.json"


def _load(path: Path | None, dataset: Dataset, metrics: Sequence[MetricSpec]) -> dict[str, Any] | None:
    """The ceiling remembered at ``path`` (:func:`_memo_path`), or None (a missing or damaged file)."""
    try:
        value = json.loads(path.read_text()) if path is not None else None
    except (OSError, ValueError):
        return None
    expected = {f"{name}[{dataset.primary_label}]" for name in _scorers(metrics)}
    if not isinstance(value, dict) or not expected <= value.keys():
        return None
    if not all(isinstance(value[k], float) for k in expected) or not isinstance(value.get("n_rows"), int):
        return None
    return value


def _save(path: Path | None, value: dict[str, Any]) -> None:
    """Keep ``value`` for other stores; a folder that cannot be written only costs the next store a fit."""
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _atomic_write(path, lambda handle: handle.write(json.dumps(value).encode()))
    except OSError:
        pass


def _computable(dataset: Dataset, metrics: Sequence[MetricSpec]) -> bool:
    """Two known classes at least, and one of :data:`METRICS` registered to score them."""
    if not _scorers(metrics):
        return False
    label = dataset.labels.get(dataset.primary_label)
    return label is not None and np.unique(np.asarray(label)[known_label_rows(label)]).size >= 2


def ensure(store: ResultStore, dataset: Dataset, metrics: Sequence[MetricSpec]) -> dict[str, Any] | None:
    """The stored ceiling of ``dataset``, computed now if missing (None if it cannot be)."""
    found = store.reference(dataset.fingerprint, NAME)
    if found is not None:
        return found
    if not _computable(dataset, metrics):
        return None
    path = _memo_path(dataset, metrics)
    value = _load(path, dataset, metrics)
    if value is None:
        value = compute(dataset, metrics)
        _save(path, value)
    store.put_reference(dataset.fingerprint, NAME, value)
    return value


class Background:
    """The ceiling of a dataset computed in a thread, stored by :meth:`finish`.

    Only the computation runs in the thread; the store is read and written by the
    caller's thread (SQLite connections stay in the thread that made them). A daemon
    thread: an interrupted run does not wait for it.
    """

    def __init__(self, store: ResultStore, dataset: Dataset, metrics: Sequence[MetricSpec]) -> None:
        self._store, self._dataset, self._metrics = store, dataset, list(metrics)
        self._value: dict[str, Any] | None = None
        self._error: Exception | None = None
        self._thread: threading.Thread | None = None
        self._memo: Path | None = None
        if store.reference(dataset.fingerprint, NAME) is None and _computable(dataset, self._metrics):
            self._memo = _memo_path(dataset, self._metrics)
            if (known := _load(self._memo, dataset, self._metrics)) is not None:
                store.put_reference(dataset.fingerprint, NAME, known)
                return
            self._thread = threading.Thread(target=self._compute, name="musicbench-ceiling", daemon=True)
            self._thread.start()

    def _compute(self) -> None:
        try:
            self._value = compute(self._dataset, self._metrics)
        except Exception as exc:  # noqa: BLE001 - re-raised by finish() in the caller's thread
            self._error = exc

    def finish(self) -> dict[str, Any] | None:
        """Wait for the thread, store its value; the same result and errors as :func:`ensure`."""
        if self._thread is not None:
            self._thread.join()
            self._thread = None
            if self._error is not None:
                raise self._error
            if self._value is not None:
                _save(self._memo, self._value)
                self._store.put_reference(self._dataset.fingerprint, NAME, self._value)
        return ensure(self._store, self._dataset, self._metrics)
