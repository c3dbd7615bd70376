"""External metrics from contingency tables: the one place their formulas are written.

Each function takes a stack of tables, shape ``(r, n_classes, n_clusters)``, of
(true class, cluster) counts and returns the ``r`` scores
(:data:`musicbench.contracts.ContingencyForm`). The label functions of
:mod:`.external` build one table and call these; the leaderboard's paired bootstrap
(:mod:`musicbench.benchmark.reports.resampling`) calls them on hundreds of
resampled tables per cell, which is why they work on whole stacks. A count may be
any non-negative whole number (a track drawn twice by the bootstrap counts twice).

The conventions are scikit-learn's: NMI uses the arithmetic mean of the two
entropies, and two labelings that both put everything in one group agree (NMI and
ARI 1). AMI has no form here: its expected mutual information costs a sum over
every cell of the table per replicate, far too slow for the bootstrap's hundreds of
replicates on tens of thousands of tracks, so it stays a scikit-learn call.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment


def _float_stack(tables: np.ndarray) -> np.ndarray:
    tables = np.asarray(tables, dtype=np.float64)
    if tables.ndim != 3:
        raise ValueError(f"expected a stack of contingency tables (r, classes, clusters), got shape {tables.shape}")
    return tables


def _entropy(counts: np.ndarray, total: np.ndarray) -> np.ndarray:
    """Entropy (nats) along the last axis; ``counts`` (..., k), ``total`` (...)."""
    p = counts / np.maximum(total, 1)[..., None]
    with np.errstate(divide="ignore", invalid="ignore"):
        return -np.where(p > 0, p * np.log(p), 0.0).sum(axis=-1)


def nmi(tables: np.ndarray) -> np.ndarray:
    """Normalised mutual information (arithmetic mean of the entropies) of each table."""
    tables = _float_stack(tables)
    n = tables.sum(axis=(1, 2))
    rows, cols = tables.sum(axis=2), tables.sum(axis=1)
    h_true, h_pred = _entropy(rows, n), _entropy(cols, n)
    with np.errstate(divide="ignore", invalid="ignore"):
        outer = rows[:, :, None] * cols[:, None, :]
        ratio = np.where(tables > 0, tables * n[:, None, None] / np.where(outer > 0, outer, 1), 1.0)
        mi = (tables * np.log(ratio)).sum(axis=(1, 2)) / np.maximum(n, 1)
    mi = np.maximum(mi, 0.0)  # rounding can leave an independent table a hair below 0
    norm = (h_true + h_pred) / 2
    return np.where((h_true == 0) & (h_pred == 0), 1.0, mi / np.maximum(norm, np.finfo(float).eps))


def ari(tables: np.ndarray) -> np.ndarray:
    """Rand index adjusted for chance (Hubert and Arabie 1985) of each table."""
    tables = _float_stack(tables)
    n = tables.sum(axis=(1, 2))
    rows, cols = tables.sum(axis=2), tables.sum(axis=1)
    pairs = (tables * (tables - 1) / 2).sum(axis=(1, 2))
    a = (rows * (rows - 1) / 2).sum(axis=1)
    b = (cols * (cols - 1) / 2).sum(axis=1)
    total = n * (n - 1) / 2
    expected = a * b / np.maximum(total, 1)
    top = (a + b) / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        value = (pairs - expected) / (top - expected)
    return np.where(top == expected, 1.0, value)


def purity(tables: np.ndarray) -> np.ndarray:
    """Fraction of rows in their cluster's majority class, for each table."""
    tables = _float_stack(tables)
    return tables.max(axis=1).sum(axis=1) / tables.sum(axis=(1, 2))


def accuracy(tables: np.ndarray) -> np.ndarray:
    """Fraction of rows right under the best one-to-one matching of clusters to
    classes (Hungarian algorithm), for each table; unmatched clusters count as wrong."""
    tables = _float_stack(tables)
    out = np.empty(len(tables))
    for i, table in enumerate(tables):
        rows, cols = linear_sum_assignment(table, maximize=True)
        out[i] = table[rows, cols].sum() / table.sum()
    return out
