"""DBSCAN's labels in one chunked pass, never holding every neighbourhood at once.

scikit-learn's ``DBSCAN`` first collects the neighbourhood of every point, then walks
them. When ``eps`` is large for the data (a collapsed latent space, say) nearly every
point is every other point's neighbour and those lists take ``8 n^2`` bytes: 2.7 GB
for 18,000 tracks, tens of GB beyond. :func:`dbscan_labels` gives the same labels
while holding the neighbourhoods of one chunk of rows at a time:

1. Rows are queried in chunks of ``rows_per_chunk``. A row's neighbourhood size
   (itself included) tells whether it is a core point.
2. Core rows of the chunk are joined to the core points among their neighbours that
   are already known to be core (every row before the chunk's end): an edge between
   two core points is seen from whichever of its two rows comes second. The joins
   are folded into a spanning forest of the core points, kept as each node's
   component representative, with :func:`scipy.sparse.csgraph.connected_components`.
3. A non-core row has fewer than ``min_samples`` neighbours, so its list is kept.

At the end, clusters are numbered in the order of their smallest core index and a
border point takes the smallest label among its core neighbours: exactly what
scikit-learn's depth-first expansion in index order produces. Tests compare the two.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components
from sklearn.neighbors import NearestNeighbors

NOISE = -1


def dbscan_labels(
    index: NearestNeighbors, X: np.ndarray, eps: float, min_samples: int, rows_per_chunk: int
) -> tuple[np.ndarray, np.ndarray]:
    """DBSCAN over ``X`` with the radius queries of a fitted ``index``.

    Parameters
    ----------
    index : NearestNeighbors
        Fitted on ``X``; its metric and algorithm decide the distances.
    X : ndarray of shape (n, d)
    eps : float
        Neighbourhood radius (inclusive, as in scikit-learn).
    min_samples : int
        Neighbours, the point itself included, that make a core point.
    rows_per_chunk : int
        Rows whose neighbourhoods are held at once.

    Returns
    -------
    labels : ndarray of shape (n,)
        Cluster labels, ``-1`` for noise, equal to scikit-learn's.
    core_indices : ndarray
        Indices of the core points, increasing.
    """
    n = X.shape[0]
    is_core = np.zeros(n, dtype=bool)
    root = np.arange(n)  # each point's component representative: its smallest index
    borders: list[tuple[np.ndarray, sparse.csr_matrix]] = []  # non-core rows and their neighbours
    step = max(1, int(rows_per_chunk))
    for start in range(0, n, step):
        graph = index.radius_neighbors_graph(X[start : start + step], radius=eps, mode="connectivity")
        sizes = np.diff(graph.indptr)
        is_core[start : start + step] = sizes >= min_samples
        few = np.flatnonzero(sizes < min_samples)
        if few.size:
            borders.append((start + few, graph[few]))
        root = _join(root, graph, start, is_core)
    core = np.flatnonzero(is_core)
    labels = np.full(n, NOISE, dtype=np.intp)
    if core.size:
        # a representative is its component's smallest index: number clusters in that order
        labels[core] = np.searchsorted(np.unique(root[core]), root[core])
    for rows, neighbours in borders:
        labels[rows] = _smallest_core_label(neighbours, labels, is_core)
    return labels, core


def _join(root: np.ndarray, graph: sparse.csr_matrix, start: int, is_core: np.ndarray) -> np.ndarray:
    """Fold the chunk's edges between known core points into the forest ``root``.

    Rows not yet queried are not known to be core, so an edge is taken from whichever
    of its two ends is queried second. Each row is joined to the smallest
    representative among its neighbours and only to the other representatives, not
    to every neighbour: on a dense input, where one component soon holds nearly all
    points, that leaves about one edge per row.
    """
    n = root.size
    local = np.repeat(np.arange(graph.shape[0]), np.diff(graph.indptr))
    keep = is_core[start + local] & is_core[graph.indices]
    if not keep.any():
        return root
    local, targets = local[keep], root[graph.indices[keep]]
    joined = np.flatnonzero(np.bincount(local, minlength=graph.shape[0]))
    smallest = np.minimum.reduceat(targets, np.searchsorted(local, joined))  # rows are sorted in CSR order
    nearest = np.zeros(graph.shape[0], dtype=targets.dtype)
    nearest[joined] = smallest
    extra = targets != nearest[local]
    tails = np.concatenate([start + joined, start + local[extra], np.arange(n)])
    heads = np.concatenate([smallest, targets[extra], root])
    edges = sparse.coo_matrix((np.ones(tails.size, dtype=np.int8), (tails, heads)), shape=(n, n)).tocsr()
    _, component = connected_components(edges, directed=False)
    representative = np.full(n, n, dtype=np.intp)
    np.minimum.at(representative, component, np.arange(n))
    return representative[component]


def _smallest_core_label(neighbours: sparse.csr_matrix, labels: np.ndarray, is_core: np.ndarray) -> np.ndarray:
    """Per row, the smallest label among its core neighbours; noise when it has none."""
    reached = np.where(is_core[neighbours.indices], labels[neighbours.indices], np.iinfo(np.intp).max)
    # every row lists at least itself, so no reduceat segment is empty
    smallest = np.minimum.reduceat(reached, neighbours.indptr[:-1])
    return np.where(smallest == np.iinfo(np.intp).max, NOISE, smallest)
