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

**The trivial answer.** When clusters overlap (genres in a 50,000-track table) the
knee lies far in the sparse tail (the 90th percentile of the k-distances), so nine
points in ten are core points and they chain into one cluster: DBSCAN then reports
a single cluster, and on a collapsed latent space pays minutes for it. So when the
knee's ``eps`` leaves at least :data:`TRIVIAL_SHARE` of the clustered points in one
cluster, or would give the average point more than :data:`GIANT_NEIGHBOURHOOD` of all
rows as neighbours (predicted from a sample, without fitting: that walk is the
expensive one and ends in one cluster), ``eps`` is lowered to the
:data:`FALLBACK_QUANTILES` of the same k-distances, in turn, and the first non-trivial
answer is kept. When every candidate is trivial the knee's answer stands. The record
(``fitted_params_``) says which rule chose ``eps``, the knee's value and the largest
cluster's share, so a one-cluster result is reported as such.

The samples are drawn with a fixed seed, not the run's: DBSCAN has no randomness of
its own, so equal inputs give equal labels for every seed (and the runner can share
them between seeds, see :mod:`benchmark.label_memo`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClusterMixin
from sklearn.cluster import DBSCAN as SklearnDBSCAN
from sklearn.neighbors import NearestNeighbors

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
SAMPLE_SEED = 0
"""Seeds the knee and guard samples (seed 0 drew them before they stopped following the run's seed)."""
TRIVIAL_SHARE = 0.9
"""A partition whose largest cluster holds this share of the clustered points is trivial."""
GIANT_NEIGHBOURHOOD = 0.5
"""An ``eps`` whose sampled neighbourhoods average this share of all rows is not fitted:
its walk has over ``n^2 / 2`` pairs (about 80 s at 50,000 rows at the rate measured
above) and ends in one cluster."""
FALLBACK_QUANTILES = (0.5, 0.25)
"""k-distance quantiles tried, in turn, when the knee's ``eps`` gives a trivial answer."""


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

    Attributes
    ----------
    labels_ : ndarray of shape (n_samples,)
        Cluster labels; ``-1`` is noise.
    eps_, min_samples_ : float, int
        The values used, chosen or given.
    fitted_params_ : dict
        For the result record: ``eps`` and ``min_samples``, and with an automatic
        ``eps`` also ``eps_rule`` (``"knee"`` or ``"quantile 0.5"``...), ``knee_eps``
        and ``largest_cluster_share`` (of the non-noise points; 1.0 for one cluster).
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
    ) -> None:
        self.eps = eps
        self.min_samples = min_samples
        self.metric = metric
        self.algorithm = algorithm
        self.leaf_size = leaf_size
        self.n_jobs = n_jobs
        self.knee_sample = knee_sample
        self.memory_budget = memory_budget

    def fit(self, X: Any, y: Any = None) -> DBSCAN:
        X = check_features(X, "dbscan")
        n, d = X.shape
        self._check_params()
        rng = np.random.RandomState(SAMPLE_SEED)
        min_samples = min(n, int(self.min_samples) if self.min_samples is not None else max(3, 2 * d))
        neighbours = NearestNeighbors(
            n_neighbors=min_samples,
            metric=self.metric,
            algorithm=self.algorithm,
            leaf_size=self.leaf_size,
            n_jobs=self.n_jobs,
        ).fit(X)
        if self.eps is not None:
            eps = float(self.eps)
            labels, core = self._labels(X, neighbours, eps, min_samples, self._plan_chunks(X, neighbours, eps, rng))
            fitted: dict[str, Any] = {}
        else:
            eps, labels, core, fitted = self._auto_eps(X, neighbours, min_samples, rng)
        self.eps_ = eps
        self.min_samples_ = min_samples
        self.fitted_params_ = {"eps": eps, "min_samples": min_samples, **fitted}
        self.labels_ = labels
        self.core_sample_indices_ = core
        self.n_features_in_ = d
        return self

    def _auto_eps(
        self, X: np.ndarray, neighbours: NearestNeighbors, min_samples: int, rng: np.random.RandomState
    ) -> tuple[float, np.ndarray, np.ndarray, dict[str, Any]]:
        """The knee's eps and labels, or the first non-trivial fallback's (see the module)."""
        n = X.shape[0]
        probe = X[_sample(n, int(self.knee_sample), rng)]
        k_distances = neighbours.kneighbors(probe, return_distance=True)[0][:, -1]
        knee_eps = knee(k_distances)
        if knee_eps <= 0:  # duplicated points: the smallest positive k-distance, else any radius
            positive = k_distances[k_distances > 0]
            knee_eps = float(positive.min()) if positive.size else 1.0
        candidates = [("knee", knee_eps)] + [
            (f"quantile {q:g}", float(eps))
            for q, eps in zip(FALLBACK_QUANTILES, np.quantile(k_distances, FALLBACK_QUANTILES), strict=True)
            if 0 < eps < knee_eps
        ]
        first: tuple[float, np.ndarray, np.ndarray, dict[str, Any]] | None = None
        refused: ResourceLimitError | None = None
        for rule, eps in candidates:
            try:
                rows_per_chunk = self._plan_chunks(X, neighbours, eps, rng, giant=len(candidates) > 1)
            except ResourceLimitError as exc:  # a lower eps may still fit
                refused = refused or exc
                continue
            if rows_per_chunk == 0:  # a giant neighbourhood: one cluster, not worth its walk
                continue
            labels, core = self._labels(X, neighbours, eps, min_samples, rows_per_chunk)
            share = _largest_share(labels)
            answer = (eps, labels, core, {"eps_rule": rule, "knee_eps": knee_eps, "largest_cluster_share": share})
            if share < TRIVIAL_SHARE:
                return answer
            first = first or answer
        if first is not None:
            return first  # every candidate trivial: the knee's answer (or the first fitted) stands
        if refused is not None:
            raise refused
        # every candidate predicted giant: fit the lowest anyway, so the answer is measured
        eps = candidates[-1][1]
        labels, core = self._labels(X, neighbours, eps, min_samples, self._plan_chunks(X, neighbours, eps, rng))
        fitted = {"eps_rule": candidates[-1][0], "knee_eps": knee_eps, "largest_cluster_share": _largest_share(labels)}
        return eps, labels, core, fitted

    def _labels(
        self, X: np.ndarray, neighbours: NearestNeighbors, eps: float, min_samples: int, rows_per_chunk: int | None
    ) -> tuple[np.ndarray, np.ndarray]:
        if rows_per_chunk is None:  # every neighbourhood fits at once
            fitted = SklearnDBSCAN(
                eps=eps,
                min_samples=min_samples,
                metric=self.metric,
                algorithm=self.algorithm,
                leaf_size=self.leaf_size,
                n_jobs=self.n_jobs,
            ).fit(X)
            return fitted.labels_, fitted.core_sample_indices_
        return dbscan_labels(neighbours, X, eps, min_samples, rows_per_chunk)

    def _check_params(self) -> None:
        if self.eps is not None and not (isinstance(self.eps, (int, float)) and self.eps > 0):
            raise ConfigError(f"dbscan: eps must be a positive number or None (automatic), got {self.eps!r}.")
        if self.min_samples is not None and not (isinstance(self.min_samples, int) and self.min_samples >= 1):
            raise ConfigError(f"dbscan: min_samples must be a positive integer or None, got {self.min_samples!r}.")
        if not (isinstance(self.memory_budget, int) and self.memory_budget > 0):
            raise ConfigError(f"dbscan: memory_budget must be a positive number of bytes, got {self.memory_budget!r}.")
        if not (isinstance(self.knee_sample, int) and self.knee_sample >= 3):
            raise ConfigError(f"dbscan: knee_sample must be an integer >= 3, got {self.knee_sample!r}.")

    def _plan_chunks(
        self, X: np.ndarray, neighbours: NearestNeighbors, eps: float, rng: Any, giant: bool = False
    ) -> int | None:
        """Rows per chunk within ``memory_budget``, or ``None`` when scikit-learn's DBSCAN
        fits in it; refuse a walk over ``MAX_NEIGHBOUR_PAIRS``. With ``giant``, 0 when the
        average neighbourhood holds over :data:`GIANT_NEIGHBOURHOOD` of the rows."""
        n = X.shape[0]
        probe = X[_sample(n, GUARD_SAMPLE, rng)]
        sizes = np.concatenate(
            [  # a few rows at a time: the sample's own neighbourhoods can be large
                np.diff(neighbours.radius_neighbors_graph(probe[start : start + PROBE_ROWS], radius=eps).indptr)
                for start in range(0, len(probe), PROBE_ROWS)
            ]
        )
        pairs = n * float(sizes.mean())
        if giant and sizes.mean() > GIANT_NEIGHBOURHOOD * n:
            return 0
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


def _largest_share(labels: np.ndarray) -> float:
    """The largest cluster's share of the non-noise points (1.0 when there are none)."""
    clustered = labels[labels >= 0]
    return float(np.bincount(clustered).max() / clustered.size) if clustered.size else 1.0
