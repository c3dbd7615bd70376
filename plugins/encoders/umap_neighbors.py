"""Exact nearest neighbours for UMAP from 4,096 points on, where umap-learn would approximate.

Below 4,096 points umap-learn finds every point's neighbours exactly, from the full
distance matrix; from 4,096 on it switches to pynndescent's approximate NN-descent.
That switch changes the method with the table's size (the same tracks get exact
neighbours in a 4,000-track sample and approximate ones in the full table), and it
costs every process about 9 s of compilation before the search itself: pynndescent's
functions that take the metric as an argument cannot be kept in numba's disk cache.

:func:`exact_neighbors` finds the exact neighbours with scikit-learn's blocked brute
force, which umap-learn takes as ``precomputed_knn``; :class:`ExactIndex` answers the
search umap-learn makes when it transforms new tracks. Only the euclidean metric is
served here, the one whose scikit-learn and umap-learn definitions agree; any other
keeps umap-learn's own path.

Measured on one core (2026-12-03, ``tests/speed/umap_knn.py``, TidyTuesday's 28,356
tracks, 3 seeds): a process's first umap fit took 29.9 s with pynndescent (14.9 s of
it the neighbours, mostly compilation) and 17.1 s exact; later fits 14.4 s against
about 16-20 s (a compiled NN-descent takes 0.7 s, the exact search 2.4-2.6 s; the
layout, 13.5-15.7 s, is the rest). scikit-learn's brute force, not its k-d tree: 2.8 s
against 5.1 s on these tracks. KMeans NMI 0.1130 with either; N2D's own 0.1014 ± 0.008
with pynndescent, 0.1072 ± 0.004 exact. Brute force grows with the square of the
tracks (about 40 s at 100,000), so above :data:`EXACT_UP_TO` umap-learn's approximate
search stays.
"""

from __future__ import annotations

import numpy as np
from sklearn.neighbors import NearestNeighbors

APPROXIMATE_FROM = 4096
"""umap-learn's switch to approximate neighbours (``umap_.py``: ``shape[0] < 4096``)."""
EXACT_UP_TO = 100_000
"""Above this, the quadratic exact search costs more than the layout: approximate."""
METRICS = ("euclidean",)


def applies(n_samples: int, metric: object) -> bool:
    """Whether umap-learn would approximate here and the exact search can stand in."""
    return APPROXIMATE_FROM <= n_samples <= EXACT_UP_TO and metric in METRICS


def exact_neighbors(X: np.ndarray, n_neighbors: int) -> tuple[np.ndarray, np.ndarray]:
    """Each row's ``n_neighbors`` nearest rows of ``X``, itself first, as pynndescent returns them.

    Returns (indices int32, distances float32), both of shape (n, n_neighbors), sorted
    by distance (a point's duplicates may come before it at distance 0).
    """
    distances, indices = NearestNeighbors(n_neighbors=n_neighbors, algorithm="brute").fit(X).kneighbors(X)
    return indices.astype(np.int32), distances.astype(np.float32)


class ExactIndex:
    """The search index umap-learn's ``transform`` queries, answered exactly.

    umap-learn reads ``_angular_trees`` (to pick the search's epsilon, which an exact
    search does not need) and calls ``query(X, k, epsilon)``.
    """

    _angular_trees = False

    def __init__(self, X: np.ndarray) -> None:
        self._nn = NearestNeighbors(algorithm="brute").fit(X)

    def query(self, X: np.ndarray, k: int, epsilon: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
        distances, indices = self._nn.kneighbors(X, n_neighbors=k)
        return indices.astype(np.int32), distances.astype(np.float32)
