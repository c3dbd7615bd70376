"""umap-learn's small-data distances from one numba loop: bit-identical to scikit-learn's."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import pairwise_distances
from umap.distances import euclidean, manhattan

from musicbench.plugins.encoders import umap_distances
from musicbench.plugins.encoders.classic import UMAPEncoder
from musicbench.testing import tiny_dataset


@pytest.mark.parametrize(
    ("rows", "cols", "scale", "dtype", "metric"),
    [
        (300, 10, 1.0, np.float32, euclidean),
        (200, 57, 1e4, np.float32, euclidean),  # GTZAN-like ranges
        (150, 3, 1e-3, np.float64, euclidean),
        (120, 8, 1.0, np.float32, manhattan),
    ],
)
def test_the_matrix_is_bit_identical_to_scikit_learns(rows, cols, scale, dtype, metric) -> None:
    X = (np.random.default_rng(rows).normal(size=(rows, cols)) * scale).astype(dtype)
    expected = pairwise_distances(X, metric=metric)
    got = umap_distances.pairwise(X, metric)
    assert got.dtype == expected.dtype
    assert np.array_equal(got, expected)


@pytest.mark.parametrize(
    ("rows", "others", "cols", "scale", "dtype", "metric"),
    [
        (300, 40, 10, 1.0, np.float32, euclidean),
        (50, 200, 57, 1e4, np.float32, euclidean),
        (30, 150, 3, 1e-3, np.float64, euclidean),
        (20, 120, 8, 1.0, np.float32, manhattan),
    ],
)
def test_the_cross_matrix_is_bit_identical_to_scikit_learns(rows, others, cols, scale, dtype, metric) -> None:
    rng = np.random.default_rng(rows)
    X, Y = ((rng.normal(size=(n, cols)) * scale).astype(dtype) for n in (rows, others))
    expected = pairwise_distances(X, Y, metric=metric)
    got = umap_distances.cross(X, Y, metric)
    assert got.dtype == expected.dtype
    assert np.array_equal(got, expected)


def test_other_calls_go_to_scikit_learn() -> None:
    X = np.random.default_rng(0).normal(size=(20, 3)).astype(np.float32)
    with_nan = X.copy()
    with_nan[0, 0] = np.nan
    assert umap_distances._handles(X, None, euclidean, {})
    assert umap_distances._handles(X, X[:5], euclidean, {})  # two arrays (transform)
    assert not umap_distances._handles(X, X.astype(np.float64), euclidean, {})  # mixed dtypes
    assert not umap_distances._handles(X, X[:, :2], euclidean, {})
    assert not umap_distances._handles(X, with_nan, euclidean, {})
    assert not umap_distances._handles(X, None, "euclidean", {})  # a name, not a numba function
    assert not umap_distances._handles(X, None, euclidean, {"p": 3})
    assert not umap_distances._handles(with_nan, None, euclidean, {})


def test_the_encoder_gives_umap_learns_own_embedding() -> None:
    import umap

    dataset = tiny_dataset(n_tracks=150)
    encoder = UMAPEncoder(n_components=2, n_neighbors=10, random_state=3).fit(dataset)
    plain = umap.UMAP(n_components=2, n_neighbors=10, min_dist=0.0, random_state=encoder.umap_.random_state)
    plain.fit(dataset.audio.astype(np.float32))
    assert np.array_equal(encoder.transform(dataset), np.asarray(plain.embedding_, dtype=np.float32))
    assert umap.umap_.pairwise_distances is pairwise_distances  # put back after the fit


def test_transforming_new_tracks_gives_umap_learns_own_result() -> None:
    import umap

    fitted, new = tiny_dataset(n_tracks=150, seed=1), tiny_dataset(n_tracks=60, seed=2)
    encoder = UMAPEncoder(n_components=2, n_neighbors=10, random_state=3).fit(fitted)
    plain = umap.UMAP(n_components=2, n_neighbors=10, min_dist=0.0, random_state=encoder.umap_.random_state)
    plain.fit(fitted.audio.astype(np.float32))
    expected = np.asarray(plain.transform(new.audio.astype(np.float32)), dtype=np.float32)
    assert np.array_equal(encoder.transform(new), expected)
    assert umap.umap_.pairwise_distances is pairwise_distances
