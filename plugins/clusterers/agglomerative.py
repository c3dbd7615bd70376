"""Agglomerative (hierarchical) clustering through fastcluster, in O(n) memory where possible.

scikit-learn's ``AgglomerativeClustering`` builds an O(n^2) distance matrix and took
96 s for ward on the 28k TidyTuesday tracks; ``fastcluster.linkage_vector`` builds
the same ward tree from the feature matrix in O(n) memory and about a tenth of the
time. ``linkage_vector`` serves ward, centroid, median and single linkage; the other
linkages (complete, average, weighted) need the condensed distance matrix, so the
memory rule in :mod:`plugins.clusterers` skips them on large inputs.

The tree is cut the way scikit-learn cuts it: the last ``n_clusters - 1`` merges
are undone, which always leaves exactly ``n_clusters`` clusters. (``scipy``'s
``fcluster(criterion="maxclust")`` cuts at a height instead and returns fewer
clusters when merge heights tie, as they do for duplicated tracks, and is not
meaningful for the non-monotonic centroid and median trees.)
"""

from __future__ import annotations

from typing import Any

import fastcluster
import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from sklearn.base import BaseEstimator, ClusterMixin

from musicbench.errors import ConfigError
from musicbench.plugins.clusterers.validation import check_features

VECTOR_LINKAGES = ("ward", "centroid", "median", "single")
"""Built by ``fastcluster.linkage_vector`` from the features: O(n) memory."""
MATRIX_LINKAGES = ("complete", "average", "weighted")
"""Built by ``fastcluster.linkage`` from the condensed distance matrix: O(n^2) memory."""
EUCLIDEAN_ONLY = ("ward", "centroid", "median")


def cut_tree(linkage_matrix: np.ndarray, n_samples: int, n_clusters: int) -> np.ndarray:
    """Flat labels after undoing the last ``n_clusters - 1`` merges of a linkage tree.

    Parameters
    ----------
    linkage_matrix : ndarray of shape (n_samples - 1, 4)
        A scipy-style linkage matrix whose rows are in merge order.
    n_samples : int
        The number of leaves.
    n_clusters : int
        The number of clusters to keep, from 1 to ``n_samples``.

    Returns
    -------
    ndarray of shape (n_samples,), int64
        Cluster labels ``0 .. n_clusters - 1``, numbered by first appearance.
    """
    n_merges = n_samples - n_clusters
    # The first n_merges merges, as edges between a new node (n + i) and its two
    # children; the leaves' connected components are the clusters. Linear in n.
    parents = n_samples + np.arange(n_merges)
    children = linkage_matrix[:n_merges, :2].astype(np.intp)
    size = n_samples + n_merges
    graph = coo_matrix(
        (np.ones(2 * n_merges, dtype=np.int8), (children.T.ravel(), np.concatenate([parents, parents]))),
        shape=(size, size),
    )
    _, components = connected_components(graph, directed=False)
    _, first, inverse = np.unique(components[:n_samples], return_index=True, return_inverse=True)
    rank = np.empty(len(first), dtype=np.int64)
    rank[np.argsort(first)] = np.arange(len(first))
    return rank[inverse]


class AgglomerativeClustering(ClusterMixin, BaseEstimator):
    """Hierarchical clustering cut into ``n_clusters`` clusters, via fastcluster.

    Labels equal scikit-learn's ``AgglomerativeClustering`` up to a renumbering
    (for the linkages both support), without its O(n^2) memory for ward.

    Parameters
    ----------
    n_clusters : int
        The number of clusters to cut the tree into.
    linkage : {"ward", "complete", "average", "single", "centroid", "median", "weighted"}
        The linkage criterion.
    metric : str
        A scipy distance name; ward, centroid and median need ``"euclidean"``.

    Attributes
    ----------
    labels_ : ndarray of shape (n_samples,)
        Cluster labels ``0 .. n_clusters - 1``.
    linkage_matrix_ : ndarray of shape (n_samples - 1, 4)
        The full tree (scipy format), so other cuts need no refit.
    """

    def __init__(self, n_clusters: int = 8, linkage: str = "ward", metric: str = "euclidean") -> None:
        self.n_clusters = n_clusters
        self.linkage = linkage
        self.metric = metric

    def fit(self, X: Any, y: Any = None) -> AgglomerativeClustering:
        X = check_features(X, "agglomerative")
        n = X.shape[0]
        self._check_params(n)
        if self.linkage in VECTOR_LINKAGES:
            tree = fastcluster.linkage_vector(X, method=self.linkage, metric=self.metric)
        else:
            tree = fastcluster.linkage(X, method=self.linkage, metric=self.metric)
        self.linkage_matrix_ = tree
        self.labels_ = cut_tree(tree, n, int(self.n_clusters))
        self.n_features_in_ = X.shape[1]
        return self

    def _check_params(self, n_samples: int) -> None:
        linkages = (*VECTOR_LINKAGES, *MATRIX_LINKAGES)
        if self.linkage not in linkages:
            raise ConfigError(f"agglomerative: linkage must be one of {linkages}, got {self.linkage!r}.")
        if self.linkage in EUCLIDEAN_ONLY and self.metric != "euclidean":
            raise ConfigError(f"agglomerative: {self.linkage} linkage needs metric='euclidean', got {self.metric!r}.")
        k = self.n_clusters
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k <= n_samples:
            raise ConfigError(
                f"agglomerative: n_clusters must be an integer from 1 to the number of rows ({n_samples}), got {k!r}."
            )
