"""The supervised ceiling: how much of the label the dataset's own features carry.

A gradient-boosting classifier (scikit-learn's ``HistGradientBoostingClassifier``,
fixed seed) predicts the primary label from the dataset's reference features
(``dataset.audio``, the same preprocessed space every encoder starts from) with
5-fold stratified cross-validation; its out-of-fold predictions are scored with the
same external metrics as a clustering (NMI, ARI, accuracy against the label). An
unsupervised cell near the ceiling has found most of what the features can tell;
one far below it leaves information on the table.

It is computed once per dataset fingerprint by ``bench run`` (at most
``MAX_ROWS`` tracks, a fixed seeded sample, so it stays a few seconds on 28k
tracks) and kept in the result store, so the leaderboard reads it from there.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from musicbench import Dataset
from musicbench.benchmark.evaluation import known_label_rows
from musicbench.benchmark.store import ResultStore

NAME = "ceiling"
MAX_ROWS = 10_000
SEED = 0
FOLDS = 5


def compute(dataset: Dataset) -> dict[str, Any]:
    """Out-of-fold predictions of the primary label, scored like a clustering."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    # Imported here: importing the CLI must load no plugin module (tests/registry).
    from musicbench.plugins.metrics.external import accuracy, ari, nmi

    label = dataset.primary_label
    truth = np.asarray(dataset.labels[label])
    rows = np.flatnonzero(known_label_rows(truth))
    if rows.size > MAX_ROWS:
        rows = np.sort(np.random.default_rng(SEED).choice(rows, MAX_ROWS, replace=False))
    y = np.unique(truth[rows], return_inverse=True)[1].ravel()
    start = time.perf_counter()
    model = HistGradientBoostingClassifier(random_state=SEED)
    folds = StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=SEED)
    # One OpenMP thread: on a loaded machine (parallel bench workers) HGB's many short
    # parallel regions wait on descheduled threads and slowed a 400-track fit to minutes.
    with threadpool_limits(limits=1, user_api="openmp"):
        predicted = cross_val_predict(model, np.asarray(dataset.audio)[rows], y, cv=folds)
    scores = {
        f"{name}[{label}]": float(f(y, predicted)) for name, f in (("nmi", nmi), ("ari", ari), ("accuracy", accuracy))
    }
    return {
        **scores,
        "n_rows": int(rows.size),
        "seed": SEED,
        "folds": FOLDS,
        "seconds": time.perf_counter() - start,
        "method": f"HistGradientBoostingClassifier, {FOLDS}-fold out-of-fold predictions on the reference features",
    }


def ensure(store: ResultStore, dataset: Dataset) -> dict[str, Any] | None:
    """The stored ceiling of ``dataset``, computed now if missing (None if it cannot be)."""
    found = store.reference(dataset.fingerprint, NAME)
    if found is not None:
        return found
    label = dataset.labels.get(dataset.primary_label)
    if label is None or np.unique(np.asarray(label)[known_label_rows(label)]).size < 2:
        return None
    value = compute(dataset)
    store.put_reference(dataset.fingerprint, NAME, value)
    return value
