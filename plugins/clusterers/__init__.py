"""Built-in clusterer plugins, and the rules that keep each within time and memory.

scikit-learn's ``KMeans`` and ``GaussianMixture`` and the hdbscan package's
``HDBSCAN`` are registered as they are. Agglomerative clustering and DBSCAN are
wrapped: the first for fastcluster's O(n)-memory ward tree, the second to choose
``eps`` from the data (the k-distance knee, or a lower quantile of the same curve when
the knee's answer is one giant cluster: :mod:`plugins.clusterers.dbscan`). DBSCAN,
agglomerative clustering and HDBSCAN take no seed, so the runner clusters an embedding
that every seed shares once (:mod:`benchmark.label_memo`).

Each entry's ``cost`` is a rough time of one clustering with its metrics, measured
on 2,000 synthetic tracks on the project's 2-core machine (it orders work and gives the
first ETA). Every entry carries two rules the runner checks before fitting
(:func:`benchmark.factories.skip_reason`):

* ``memory_bytes(n_samples, n_features, params)``: a rough planned peak, in bytes,
  of the clusterer's own arrays (the input matrix is not counted). Only the dense
  O(n^2) linkages (complete, average, weighted) come near the 8 GiB budget, from
  about 45,000 rows.
* ``max_samples(params) -> (limit, why)``: a size rule for algorithms whose *time*
  grows too fast. Agglomerative clustering is O(n^2) time with every linkage (ward
  on the 28k TidyTuesday tracks takes about 5-10 s here, so a million rows would
  take hours) and is skipped above 100,000 rows. HDBSCAN's time grows about as
  n^1.6 on 10 features (synthetic: 22 s at 100k rows, 129 s at 300k on a loaded
  2-core machine, so about 15 min at a million); it is skipped above 500,000 rows.
  DBSCAN's radius queries took 50 s at 100k synthetic rows but did not finish in
  20 min at a million (single-threaded, loaded machine); it is skipped above
  300,000 rows.

DBSCAN's cost depends on the data (its neighbourhood sizes): it walks them a chunk
of rows at a time, so its memory stays bounded, and refuses during ``fit`` an
``eps`` that would make the walk too long (see :mod:`plugins.clusterers.dbscan`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from musicbench import hookimpl
from musicbench.info import per_track

# Factories are registered by name: scikit-learn (a second to import) and hdbscan
# load when a run uses them, not to list plugins. The rules below import what they
# read for the same reason.
HERE = "musicbench.plugins.clusterers"

FLOAT = 8
AGGLOMERATIVE_MAX_SAMPLES = 100_000
HDBSCAN_MAX_SAMPLES = 500_000
HDBSCAN_MIN_SAMPLES = 10
DBSCAN_MAX_SAMPLES = 300_000


def _kmeans_memory(n: int, d: int, params: Mapping[str, Any]) -> int:
    # a centred float64 copy of X, plus distances to each centre per row
    return FLOAT * n * (2 * d + 2 * int(params.get("n_clusters", 8)))


def _gmm_memory(n: int, d: int, params: Mapping[str, Any]) -> int:
    # a float64 copy of X, and log-probabilities / responsibilities per component
    return FLOAT * n * (2 * d + 4 * int(params.get("n_components", 1)))


def _agglomerative_memory(n: int, d: int, params: Mapping[str, Any]) -> int:
    from musicbench.plugins.clusterers.agglomerative import MATRIX_LINKAGES

    base = FLOAT * n * (2 * d + 8)  # a float64 copy of X, the tree, the cut
    if params.get("linkage", "ward") in MATRIX_LINKAGES:
        return base + FLOAT * n * (n - 1) // 2  # the condensed distance matrix
    return base


def _agglomerative_size(params: Mapping[str, Any]) -> tuple[int, str]:
    return AGGLOMERATIVE_MAX_SAMPLES, "hierarchical clustering takes O(n^2) time (hours at a million rows)"


def _dbscan_memory(n: int, d: int, params: Mapping[str, Any]) -> int:
    from musicbench.plugins.clusterers.dbscan import DEFAULT_CHUNK_MEMORY

    # a float64 copy and two search trees, plus one chunk of neighbourhoods
    return FLOAT * n * (3 * d + 4) + int(params.get("memory_budget", DEFAULT_CHUNK_MEMORY))


def _dbscan_size(params: Mapping[str, Any]) -> tuple[int, str]:
    return DBSCAN_MAX_SAMPLES, "its radius queries took over 20 min at a million rows"


def _hdbscan_memory(n: int, d: int, params: Mapping[str, Any]) -> int:
    k = int(params.get("min_samples") or params.get("min_cluster_size") or 5)
    # a float64 copy, k-NN distances and indices, the spanning tree and the condensed tree
    return FLOAT * n * (2 * d + 2 * k + 16)


def _hdbscan_size(params: Mapping[str, Any]) -> tuple[int, str]:
    return HDBSCAN_MAX_SAMPLES, "HDBSCAN's time grows about as n^1.6 (about 15 min at a million rows)"


def _agglomerative_cost(n: int) -> float:
    # the tree is O(n^2): about 8 s at TidyTuesday's 28k tracks, 0.1 s at 2,000
    return 5e-5 * n + 1e-8 * n * n


def _hdbscan_auto(n_samples: int, n_clusters: int) -> dict[str, int]:
    """Density parameters from the expected cluster count.

    A cluster must hold a tenth of an average expected cluster (so genre-sized
    groups are found and small pockets are not); ``min_samples`` stays small because
    the core distances cost ``min_samples`` neighbours per point.
    """
    min_cluster_size = max(5, n_samples // (10 * max(1, n_clusters)))
    return {"min_cluster_size": min_cluster_size, "min_samples": min(HDBSCAN_MIN_SAMPLES, min_cluster_size)}


@hookimpl
def register_clusterers(register: Any) -> None:
    register(
        "kmeans",
        "sklearn.cluster:KMeans",
        defaults={"n_init": 10},
        cost=per_track(5e-5),
        description="k-means (scikit-learn), n_init restarts, the best kept",
        memory_bytes=_kmeans_memory,
    )
    register(
        "gmm",
        "sklearn.mixture:GaussianMixture",
        defaults={"covariance_type": "full"},
        cost=per_track(6e-5),
        description="Gaussian mixture with full covariances (scikit-learn)",
        n_clusters_param="n_components",
        memory_bytes=_gmm_memory,
    )
    register(
        "agglomerative",
        f"{HERE}.agglomerative:AgglomerativeClustering",
        defaults={"linkage": "ward"},
        cost=_agglomerative_cost,
        memory_bytes=_agglomerative_memory,
        max_samples=_agglomerative_size,
    )
    register(
        "dbscan",
        f"{HERE}.dbscan:DBSCAN",
        memory_bytes=_dbscan_memory,
        max_samples=_dbscan_size,
        cost=per_track(8e-5),
    )
    register(
        "hdbscan",
        "hdbscan:HDBSCAN",
        # One core-distance job, like every other plugin under the runner's one
        # thread per worker: --jobs N, not each clusterer, decides the cores used.
        defaults={"core_dist_n_jobs": 1},
        description="HDBSCAN (hdbscan package): noise is -1, outlier scores in outlier_scores_",
        auto_params=_hdbscan_auto,
        cost=per_track(8e-5),
        memory_bytes=_hdbscan_memory,
        max_samples=_hdbscan_size,
    )
