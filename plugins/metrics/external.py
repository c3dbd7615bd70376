"""External metrics: agreement between a clustering and a ground-truth label.

Each is ``f(labels_true, labels_pred) -> float``. All but AMI build the contingency
table and call their form in :mod:`.contingency`, where each formula is written once
(the leaderboard's bootstrap calls the same forms). Noise (``-1``) is an ordinary
cluster here, so a clusterer that calls everything noise scores as one that puts
everything in one cluster (NMI 0), never better. Rows whose true label is missing
must be dropped by the caller (:func:`benchmark.evaluation.evaluate` does); a
missing label left in ``labels_true`` makes the metric undefined.

A clustering into one cluster has a real score (NMI, AMI and ARI 0): it is a poor
result, not an undefined one, and a NaN would let it drop out of a ranking instead
of ranking last. The metrics are undefined (``MetricUndefined``) only when there is
nothing to compare: no rows, or a ground truth with a single class, where every
clustering "agrees" with it and scikit-learn returns a convention (1.0 or 0.0).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import adjusted_mutual_info_score

from musicbench import MetricUndefined
from musicbench.contracts import ContingencyForm
from musicbench.plugins.metrics import contingency


def encode(labels_true: object, labels_pred: object) -> tuple[np.ndarray, np.ndarray]:
    """Both labelings as integer codes ``0..k-1``, after the degenerate-case checks.

    Raises
    ------
    MetricUndefined
        No rows, a missing true label, or a single true class.
    """
    truth = np.asarray(labels_true)
    pred = np.asarray(labels_pred)
    if truth.shape != pred.shape or truth.ndim != 1:
        raise ValueError(f"labels_true {truth.shape} and labels_pred {pred.shape} must be 1-D of equal length")
    if truth.size == 0:
        raise MetricUndefined("no rows to compare")
    true_codes = pd.factorize(truth)[0]  # hashing, not sorting: fast on string labels
    if (true_codes < 0).any() or (truth.dtype.kind in "OUT" and (truth == "").any()):
        raise MetricUndefined("labels_true has missing values; drop those rows first")
    if true_codes.max() < 1:
        raise MetricUndefined("the true labels have a single class, so any clustering agrees with them")
    return true_codes, pd.factorize(pred, use_na_sentinel=False)[0]


def contingency_table(labels_true: object, labels_pred: object) -> np.ndarray:
    """Counts of (true class, cluster) pairs, shape ``(n_classes, n_clusters)``."""
    t, p = encode(labels_true, labels_pred)
    n_classes, n_clusters = int(t.max()) + 1, int(p.max()) + 1
    return np.bincount(t * n_clusters + p, minlength=n_classes * n_clusters).reshape(n_classes, n_clusters)


def _score(form: ContingencyForm, labels_true: object, labels_pred: object) -> float:
    """``form`` (one of :mod:`.contingency`) on the one table of the two labelings."""
    return float(form(contingency_table(labels_true, labels_pred)[None])[0])


def nmi(labels_true: object, labels_pred: object) -> float:
    """Normalised mutual information (arithmetic mean of the entropies)."""
    return _score(contingency.nmi, labels_true, labels_pred)


def ami(labels_true: object, labels_pred: object) -> float:
    """Mutual information adjusted for chance: 0 for a random clustering, 1 for a perfect one."""
    return float(adjusted_mutual_info_score(*encode(labels_true, labels_pred)))


def ari(labels_true: object, labels_pred: object) -> float:
    """Rand index adjusted for chance."""
    return _score(contingency.ari, labels_true, labels_pred)


def purity(labels_true: object, labels_pred: object) -> float:
    """Fraction of rows in their cluster's majority class (rewards many small clusters)."""
    return _score(contingency.purity, labels_true, labels_pred)


def accuracy(labels_true: object, labels_pred: object) -> float:
    """Clustering accuracy: the fraction of rows right under the best one-to-one
    matching of clusters to classes (Hungarian algorithm); unmatched clusters
    count as wrong."""
    return _score(contingency.accuracy, labels_true, labels_pred)
