"""DBSCAN whose ``eps``, when not given, is read off the k-distance curve's knee.

The k-distance of a point is the distance to its ``min_samples``-th nearest
neighbour (itself included, as DBSCAN counts it): with ``eps`` at least that, the
point is a core point. Sorted, the k-distances rise slowly through the dense
regions and then steeply through the sparse ones; ``eps`` is the knee between the
two, found as the point of the normalised curve farthest below the chord from its
first to its last point (the "kneedle" rule of Satopaa et al., 2011). The curve is
measured on a seeded sample of ``knee_sample`` points (their neighbours are
searched among all points), so choosing ``eps`` stays cheap at a million rows.

scikit-learn's DBSCAN holds every point's neighbourhood in memory at once: with a
large ``eps`` (a collapsed latent space, say) that is ``8 n^2`` bytes, 2.7 GB at
18,000 rows. The neighbourhood sizes of a sample predict that memory. When it fits in
``memory_budget``, scikit-learn's DBSCAN runs as it is (the fastest way); when not,
the labels come from :func:`plugins.clusterers.dbscan_core.dbscan_labels`, equal to
scikit-learn's but computed a chunk of rows at a time within the budget. Time still
grows with the number of neighbour pairs: a fit that would walk more than
:data:`MAX_NEIGHBOUR_PAIRS` raises :class:`musicbench.errors.ResourceLimitError`
(recorded as a skip).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClusterMixin
from sklearn.cluster import DBSCAN as SklearnDBSCAN
from sklearn.neighbors import NearestNeighbors
from sklearn.utils import check_random_state

from musicbench.errors import ConfigError, ResourceLimitError
from musicbench.plugins.clusterers.dbscan_core import dbscan_labels
from musicbench.plugins.clusterers.validation import check_features

GUARD_SAMPLE = 1_000
"""Points whose neighbourhoods are counted to predict the memory and time, and size the chunks."""
PROBE_ROWS = 100
BYTES_PER_NEIGHBOUR = 8  # scikit-learn's DBSCAN: one int64 index per neighbour
BYTES_PER_POINT = 112  # and the numpy array object holding each point's neighbours
BYTES_PER_PAIR = 80
"""The chunked walk's peak bytes per neighbour pair of a chunk (distances and indices
found, the sparse row, masks and join edges), measured with the process's peak RSS."""
DEFAULT_CHUNK_MEMORY = 512 * 2**20
MAX_NEIGHBOUR_PAIRS = 4_000_000_000
"""Neighbour pairs a fit may walk: about two minutes at the 32 million pairs a second
measured on an 18,454 x 16 latent space where every point had 14,800 neighbours."""


def knee(values: np.ndarray) -> float:
    """The knee of the sorted ``values`` (an increasing, mostly convex curve).

    Parameters
    ----------
    values : ndarray of shape (n,)
        k-distances, in any order.

    Returns
    -------
    float
        The value at the point farthest below the chord of the normalised curve;
        the largest value when the curve is flat or has fewer than 3 points.
    """
    y = np.sort(np.asarray(values, dtype=np.float64))
    span = y[-1] - y[0]
    if y.size < 3 or span <= 0:
        return float(y[-1])
    below_chord = np.linspace(0.0, 1.0, y.size) - (y - y[0]) / span
    return float(y[int(np.argmax(below_chord))])


class DBSCAN(ClusterMixin, BaseEstimator):
    """scikit-learn's DBSCAN with an automatic ``eps`` and a memory guard.

    Parameters
    ----------
    eps : float, optional
        The neighbourhood radius; ``None`` chooses it from the k-distance knee.
    min_samples : int, optional
        Points (itself included) a core point needs within ``eps``; ``None`` uses
        twice the number of features (Sander et al., 1998), at least 3.
    metric, algorithm, leaf_size, n_jobs
        As for :class:`sklearn.cluster.DBSCAN`.
    knee_sample : int
        Points whose k-distances form the curve that sets ``eps``.
    memory_budget : int
        Bytes the neighbourhoods may take: all of them at once (scikit-learn's
        DBSCAN) if they fit, else one chunk of rows at a time, its size set by the
        largest neighbourhood in a sample.
    random_state : int, RandomState or None
        Draws the knee and memory-guard samples.

    Attributes
    ----------
    labels_ : ndarray of shape (n_samples,)
        Cluster labels; ``-1`` is noise.
    eps_, min_samples_ : float, int
        The values used, chosen or given.
    fitted_params_ : dict
        ``{"eps": eps_, "min_samples": min_samples_}``, for the result record.
    core_sample_indices_ : ndarray
        Indices of the core points.
    """

    def __init__(
        self,
        eps: float | None = None,
        min_samples: int | None = None,
        metric: str = "euclidean",
        algorithm: str = "auto",
        leaf_size: int = 30,
        n_jobs: int | None = None,
        knee_sample: int = 10_000,
        memory_budget: int = DEFAULT_CHUNK_MEMORY,
        random_state: Any = None,
    ) -> None:
        self.eps = eps
        self.min_samples = min_samples
        self.metric = metric
        self.algorithm = algorithm
        self.leaf_size = leaf_size
        self.n_jobs = n_jobs
        self.knee_sample = knee_sample
        self.memory_budget = memory_budget
        self.random_state = random_state

    def fit(self, X: Any, y: Any = None) -> DBSCAN:
        X = check_features(X, "dbscan")
        n, d = X.shape
        self._check_params()
        rng = check_random_state(self.random_state)
        min_samples = min(n, int(self.min_samples) if self.min_samples is not None else max(3, 2 * d))
        neighbours = NearestNeighbors(
            n_neighbors=min_samples,
            metric=self.metric,
            algorithm=self.algorithm,
            leaf_size=self.leaf_size,
            n_jobs=self.n_jobs,
        ).fit(X)
        if self.eps is None:
            probe = X[_sample(n, int(self.knee_sample), rng)]
            k_distances = neighbours.kneighbors(probe, return_distance=True)[0][:, -1]
            eps = knee(k_distances)
            if eps <= 0:  # duplicated points: the smallest positive k-distance, else any radius
                positive = k_distances[k_distances > 0]
                eps = float(positive.min()) if positive.size else 1.0
        else:
            eps = float(self.eps)
        rows_per_chunk = self._plan_chunks(X, neighbours, eps, rng)
        if rows_per_chunk is None:  # every neighbourhood fits at once
            fitted = SklearnDBSCAN(
                eps=eps,
                min_samples=min_samples,
                metric=self.metric,
                algorithm=self.algorithm,
                leaf_size=self.leaf_size,
                n_jobs=self.n_jobs,
            ).fit(X)
            labels, core = fitted.labels_, fitted.core_sample_indices_
        else:
            labels, core = dbscan_labels(neighbours, X, eps, min_samples, rows_per_chunk)
        self.eps_ = eps
        self.min_samples_ = min_samples
        self.fitted_params_ = {"eps": eps, "min_samples": min_samples}
        self.labels_ = labels
        self.core_sample_indices_ = core
        self.n_features_in_ = d
        return self

    def _check_params(self) -> None:
        if self.eps is not None and not (isinstance(self.eps, (int, float)) and self.eps > 0):
            raise ConfigError(f"dbscan: eps must be a positive number or None (automatic), got {self.eps!r}.")
        if self.min_samples is not None and not (isinstance(self.min_samples, int) and self.min_samples >= 1):
            raise ConfigError(f"dbscan: min_samples must be a positive integer or None, got {self.min_samples!r}.")
        if not (isinstance(self.memory_budget, int) and self.memory_budget > 0):
            raise ConfigError(f"dbscan: memory_budget must be a positive number of bytes, got {self.memory_budget!r}.")
        if not (isinstance(self.knee_sample, int) and self.knee_sample >= 3):
            raise ConfigError(f"dbscan: knee_sample must be an integer >= 3, got {self.knee_sample!r}.")

    def _plan_chunks(self, X: np.ndarray, neighbours: NearestNeighbors, eps: float, rng: Any) -> int | None:
        """Rows per chunk within ``memory_budget``, or ``None`` when scikit-learn's DBSCAN
        fits in it; refuse a walk over ``MAX_NEIGHBOUR_PAIRS``."""
        n = X.shape[0]
        probe = X[_sample(n, GUARD_SAMPLE, rng)]
        sizes = np.concatenate(
            [  # a few rows at a time: the sample's own neighbourhoods can be large
                np.diff(neighbours.radius_neighbors_graph(probe[start : start + PROBE_ROWS], radius=eps).indptr)
                for start in range(0, len(probe), PROBE_ROWS)
            ]
        )
        pairs = n * float(sizes.mean())
        if pairs > MAX_NEIGHBOUR_PAIRS:
            raise ResourceLimitError(
                f"dbscan: with eps={eps:.4g} a point has about {sizes.mean():,.0f} neighbours, so the "
                f"{n:,} rows make about {pairs:,.0f} neighbour pairs, more than the "
                f"{MAX_NEIGHBOUR_PAIRS:,} (about two minutes) a fit may walk. Give a smaller eps, "
                "or use hdbscan."
            )
        if pairs * BYTES_PER_NEIGHBOUR + n * BYTES_PER_POINT <= self.memory_budget:
            return None
        return max(1, self.memory_budget // (int(sizes.max()) * BYTES_PER_PAIR))


def _sample(n: int, size: int, rng: np.random.RandomState) -> np.ndarray:
    """All rows, or ``size`` of them drawn without replacement."""
    return np.arange(n) if n <= size else np.sort(rng.choice(n, size=size, replace=False))
