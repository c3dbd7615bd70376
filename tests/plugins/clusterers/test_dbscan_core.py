"""The chunked DBSCAN walk gives scikit-learn's labels, whatever the chunk size."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.cluster import DBSCAN as SklearnDBSCAN
from sklearn.neighbors import NearestNeighbors

from musicbench.plugins.clusterers.dbscan_core import dbscan_labels


def assert_same_as_sklearn(X: np.ndarray, eps: float, min_samples: int, rows_per_chunk: int, **index: str) -> None:
    labels, core = dbscan_labels(NearestNeighbors(**index).fit(X), X, eps, min_samples, rows_per_chunk)
    reference = SklearnDBSCAN(eps=eps, min_samples=min_samples, **index).fit(X)
    np.testing.assert_array_equal(labels, reference.labels_)
    np.testing.assert_array_equal(core, reference.core_sample_indices_)


@pytest.mark.parametrize("trial", range(30))
def test_random_inputs_match_sklearn(trial: int) -> None:
    rng = np.random.default_rng(trial)
    n, d = int(rng.integers(20, 600)), int(rng.integers(1, 5))
    X = rng.normal(size=(n, d)) * rng.uniform(0.5, 3.0)
    if trial % 3 == 0:
        X = np.round(X, 1)  # duplicated points and distances exactly at eps
    eps, min_samples = float(rng.uniform(0.05, 1.0)), int(rng.integers(1, 12))
    assert_same_as_sklearn(X, eps, min_samples, rows_per_chunk=int(rng.integers(1, n + 5)))


def test_a_border_point_between_two_clusters_takes_the_first() -> None:
    # two chains of core points; the point at 5.0 is within eps of both ends but has
    # only 3 neighbours itself, so it is a border point claimed by cluster 0
    X = np.array([[0.0], [1.0], [2.0], [3.0], [4.0], [5.0], [6.0], [7.0], [8.0], [9.0], [10.0], [20.0]])
    X = np.delete(X, [4, 6], axis=0)  # gaps at 4 and 6: 3 and 7 reach 5 at eps 2
    for rows_per_chunk in (1, 3, 100):
        assert_same_as_sklearn(X, eps=2.0, min_samples=4, rows_per_chunk=rows_per_chunk)
    labels, _ = dbscan_labels(NearestNeighbors().fit(X), X, 2.0, 4, 2)
    assert labels[X[:, 0].tolist().index(5.0)] == 0
    assert labels[-1] == -1


def test_every_point_a_neighbour_of_every_other() -> None:
    X = np.random.default_rng(0).normal(size=(400, 16)) * 0.01
    assert_same_as_sklearn(X, eps=0.5, min_samples=5, rows_per_chunk=7)


@pytest.mark.parametrize("algorithm", ["brute", "kd_tree", "ball_tree"])
def test_each_search_algorithm_matches(algorithm: str) -> None:
    X = np.random.default_rng(1).normal(size=(300, 3))
    assert_same_as_sklearn(X, eps=0.4, min_samples=4, rows_per_chunk=50, algorithm=algorithm)


def test_all_noise() -> None:
    X = np.arange(10.0)[:, None] * 10
    labels, core = dbscan_labels(NearestNeighbors().fit(X), X, 1.0, 2, 4)
    assert (labels == -1).all() and core.size == 0
