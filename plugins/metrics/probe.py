"""The linear probe: how much of a label a linear classifier reads off an embedding.

Clustering can miss a genre that an embedding holds; HEAR (Turian et al. 2022) and
MARBLE (Yuan et al. 2023) therefore report a shallow classifier trained on the frozen
embedding. Here it is a cross-validated multinomial logistic regression on the
standardised embedding: ``probe_accuracy`` is the accuracy of its out-of-fold
predictions, ``probe_nmi`` their NMI with the truth. Both are *embedding*-scope
metrics, ``f(embedding, labels_true)``: they depend on the embedding alone, not on a
clustering, and :func:`benchmark.running.evaluation.evaluate` computes them once per
embedding and label column (it caps the rows at a stratified sample).

The two share one cross-validation: the last out-of-fold predictions are kept, keyed
by a digest of the inputs, so asking for both costs one fit per fold.
"""

from __future__ import annotations

import hashlib
import warnings

import numpy as np
import pandas as pd
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import normalized_mutual_info_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from musicbench import MetricUndefined

FOLDS = 5
PROBE_SEED = 20_240_601
MAX_ITER = 200
"""lbfgs iterations: enough for 8 to 60 standardised dimensions; a probe that has not
fully converged is still a fair (slightly low) reading, so the warning is silenced."""

_last: tuple[str, np.ndarray, np.ndarray] | None = None


def _key(X: np.ndarray, codes: np.ndarray) -> str:
    h = hashlib.sha256(f"{X.dtype.str}{X.shape}".encode())
    h.update(np.ascontiguousarray(X).data.cast("B"))
    h.update(np.ascontiguousarray(codes, dtype=np.int64).data.cast("B"))
    return h.hexdigest()


def out_of_fold_predictions(embedding: object, labels_true: object) -> tuple[np.ndarray, np.ndarray]:
    """The true class codes and the probe's out-of-fold predicted codes, one per row.

    Raises
    ------
    MetricUndefined
        Fewer than two classes, or a class too small to appear in every fold's
        training part (fewer than two rows).
    """
    global _last
    X = np.asarray(embedding, dtype=np.float64)
    truth = np.asarray(labels_true)
    if X.ndim != 2 or X.shape[0] != truth.shape[0]:
        raise ValueError(f"embedding {X.shape} and labels_true {truth.shape} must have the same rows")
    codes = pd.factorize(truth)[0]
    if codes.size == 0 or codes.max() < 1:
        raise MetricUndefined("the true labels have a single class: there is nothing to predict")
    counts = np.bincount(codes)
    if counts.min() < 2:
        raise MetricUndefined("a class has a single row: it cannot be both trained on and predicted")
    key = _key(X, codes)
    if _last is not None and _last[0] == key:
        return _last[1], _last[2]
    folds = StratifiedKFold(min(FOLDS, int(counts.min())), shuffle=True, random_state=PROBE_SEED)
    probe = make_pipeline(StandardScaler(), LogisticRegression(max_iter=MAX_ITER))
    # One thread: the runner already runs one cell per core.
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        predicted = cross_val_predict(probe, X, codes, cv=folds)
    _last = (key, codes, np.asarray(predicted))
    return codes, np.asarray(predicted)


def probe_accuracy(embedding: object, labels_true: object) -> float:
    """Cross-validated accuracy of a linear probe predicting the label from the embedding."""
    codes, predicted = out_of_fold_predictions(embedding, labels_true)
    return float((codes == predicted).mean())


def probe_nmi(embedding: object, labels_true: object) -> float:
    """NMI between the label and the linear probe's out-of-fold predictions."""
    codes, predicted = out_of_fold_predictions(embedding, labels_true)
    return float(normalized_mutual_info_score(codes, predicted))
