"""Exact neighbours for UMAP from 4,096 tracks on: the same neighbours a full sort finds."""

from __future__ import annotations

import numpy as np
import pytest

from musicbench.errors import ConfigError
from musicbench.plugins.encoders import umap_neighbors
from musicbench.plugins.encoders.classic import UMAPEncoder
from musicbench.testing import tiny_dataset


def sorted_neighbors(X: np.ndarray, Y: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Each row of ``X``'s ``k`` nearest rows of ``Y``, by a full sort of every distance."""
    distances = np.sqrt(((X[:, None, :].astype(np.float64) - Y[None, :, :]) ** 2).sum(axis=2))
    order = np.argsort(distances, axis=1, kind="stable")[:, :k]
    return order, np.take_along_axis(distances, order, axis=1)


@pytest.mark.parametrize("cols", [6, 40])
def test_the_neighbours_are_those_of_a_full_sort_each_point_first(cols: int) -> None:
    X = np.random.default_rng(cols).normal(size=(400, cols)).astype(np.float32)
    indices, distances = umap_neighbors.exact_neighbors(X, 15)
    expected_indices, expected_distances = sorted_neighbors(X, X, 15)
    assert indices.dtype == np.int32 and distances.dtype == np.float32
    assert np.array_equal(indices, expected_indices)
    assert np.array_equal(indices[:, 0], np.arange(400))
    np.testing.assert_allclose(distances, expected_distances, rtol=1e-5, atol=1e-5)


def test_the_index_answers_new_points_exactly() -> None:
    rng = np.random.default_rng(0)
    fitted, new = rng.normal(size=(300, 5)).astype(np.float32), rng.normal(size=(40, 5)).astype(np.float32)
    indices, distances = umap_neighbors.ExactIndex(fitted).query(new, 10, epsilon=0.12)
    expected_indices, expected_distances = sorted_neighbors(new, fitted, 10)
    assert np.array_equal(indices, expected_indices)
    np.testing.assert_allclose(distances, expected_distances, rtol=1e-5, atol=1e-5)


def test_it_stands_in_only_where_umap_learn_would_approximate_a_euclidean_search() -> None:
    assert umap_neighbors.applies(4096, "euclidean")
    assert not umap_neighbors.applies(4095, "euclidean")
    assert umap_neighbors.applies(100_000, "euclidean") and not umap_neighbors.applies(100_001, "euclidean")
    assert not umap_neighbors.applies(50_000, "manhattan")


def test_a_large_fit_uses_the_exact_graph_and_transforms_new_tracks() -> None:
    dataset = tiny_dataset(n_tracks=4200, seed=1)
    encoder = UMAPEncoder(n_components=2, n_neighbors=10, random_state=3).fit(dataset)
    expected, _ = umap_neighbors.exact_neighbors(dataset.audio.astype(np.float32), 10)
    assert np.array_equal(encoder.umap_._knn_indices, expected)
    new = tiny_dataset(n_tracks=50, seed=2)
    first, second = encoder.transform(new), encoder.transform(new)
    assert first.shape == (50, 2) and np.isfinite(first).all()
    assert np.array_equal(first, second)  # umap-learn's transform is seeded


def test_below_the_switch_both_settings_are_umap_learns_own_path() -> None:
    dataset = tiny_dataset(n_tracks=150)
    exact = UMAPEncoder(n_components=2, n_neighbors=10, random_state=3).fit(dataset)
    nndescent = UMAPEncoder(n_components=2, n_neighbors=10, knn="nndescent", random_state=3).fit(dataset)
    assert np.array_equal(exact.transform(dataset), nndescent.transform(dataset))


def test_an_unknown_setting_is_refused() -> None:
    with pytest.raises(ConfigError, match="knn must be 'exact' or 'nndescent'"):
        UMAPEncoder(knn="approximate").fit(tiny_dataset(n_tracks=40))
