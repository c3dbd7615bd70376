"""The fastcluster path against scikit-learn, and the exact tree cut."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.cluster import AgglomerativeClustering as SklearnAgglomerative
from sklearn.metrics import adjusted_rand_score

from musicbench.errors import ConfigError, DataError
from musicbench.plugins.clusterers.agglomerative import AgglomerativeClustering, cut_tree


def blobs(n: int = 240, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.normal(0.0, 4.0, size=(5, 6))
    return centres[rng.integers(0, 5, size=n)] + rng.normal(size=(n, 6))


def same_partition(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal up to renumbering: a bijection between the label sets."""
    pairs = set(zip(a.tolist(), b.tolist(), strict=True))
    return len(pairs) == len(set(a.tolist())) == len(set(b.tolist()))


@pytest.mark.parametrize("linkage", ["ward", "complete", "average", "single"])
@pytest.mark.parametrize("n_clusters", [2, 5, 17])
def test_labels_equal_sklearn(linkage: str, n_clusters: int) -> None:
    X = blobs()
    ours = AgglomerativeClustering(n_clusters=n_clusters, linkage=linkage).fit_predict(X)
    reference = SklearnAgglomerative(n_clusters=n_clusters, linkage=linkage).fit_predict(X)
    assert same_partition(ours, reference)
    assert np.unique(ours).size == n_clusters


def test_float32_input_and_non_euclidean_metric() -> None:
    X = blobs(seed=1)
    ours = AgglomerativeClustering(4, linkage="average", metric="cityblock").fit_predict(X.astype(np.float32))
    reference = SklearnAgglomerative(4, linkage="average", metric="manhattan").fit_predict(X)
    assert same_partition(ours, reference)


@pytest.mark.parametrize("linkage", ["centroid", "median", "weighted"])
def test_other_linkages_give_exactly_k_clusters(linkage: str) -> None:
    labels = AgglomerativeClustering(6, linkage=linkage).fit_predict(blobs())
    assert np.unique(labels).size == 6


def test_cut_keeps_k_clusters_when_heights_tie() -> None:
    # Four pairs of duplicated points: the first four merges all have height 0.
    X = np.repeat(np.array([[0.0], [10.0], [20.0], [30.0]]), 2, axis=0)
    labels = AgglomerativeClustering(n_clusters=6, linkage="ward").fit_predict(X)
    assert np.unique(labels).size == 6


def test_cut_tree_on_a_hand_built_tree() -> None:
    # leaves 0..3; merges: (0,1)->4, (2,3)->5, (4,5)->6
    tree = np.array([[0, 1, 1.0, 2], [2, 3, 2.0, 2], [4, 5, 5.0, 4]], dtype=float)
    assert cut_tree(tree, 4, 1).tolist() == [0, 0, 0, 0]
    assert cut_tree(tree, 4, 2).tolist() == [0, 0, 1, 1]
    assert cut_tree(tree, 4, 3).tolist() == [0, 0, 1, 2]
    assert cut_tree(tree, 4, 4).tolist() == [0, 1, 2, 3]


@pytest.mark.parametrize(
    "params",
    [{"linkage": "nearest"}, {"linkage": "ward", "metric": "cityblock"}, {"n_clusters": 0}, {"n_clusters": 2.5}],
)
def test_bad_parameters_are_config_errors(params: dict) -> None:
    with pytest.raises(ConfigError, match="agglomerative"):
        AgglomerativeClustering(**params).fit(blobs(20))


def test_non_finite_input_names_the_row() -> None:
    X = blobs(20)
    X[7, 2] = np.nan
    with pytest.raises(DataError, match="row 7"):
        AgglomerativeClustering(2).fit(X)


def test_more_clusters_than_rows_is_refused() -> None:
    with pytest.raises(ConfigError, match="from 1 to the number of rows"):
        AgglomerativeClustering(30).fit(blobs(20))


def test_ward_recovers_well_separated_groups() -> None:
    rng = np.random.default_rng(3)
    truth = np.repeat(np.arange(3), 50)
    X = np.array([[0, 0], [20, 0], [0, 20]])[truth] + rng.normal(size=(150, 2))
    assert adjusted_rand_score(truth, AgglomerativeClustering(3).fit_predict(X)) == 1.0
