"""The leaderboard's projection: a fixed sample on umap-learn's exact-neighbour path."""

from __future__ import annotations

import numpy as np
import pytest

from musicbench.benchmark.reports import figures


def test_a_large_embedding_is_projected_on_a_fixed_sample_below_umaps_approximate_path() -> None:
    # more tracks than the sample: 4,000 fixed rows, the same in every call
    embedding = np.random.default_rng(0).normal(size=(4_500, 6)).astype(np.float32)
    coords, rows = figures.project(embedding, "pca")
    assert coords.shape == (figures.PROJECTION_POINTS, 2) and len(rows) == figures.PROJECTION_POINTS
    assert np.all(np.diff(rows) > 0) and rows.max() < 4_500
    assert np.array_equal(rows, figures.project(embedding, "pca")[1])
    # umap-learn switches to pynndescent (uncacheable compilation) at 4,096 points
    assert figures.PROJECTION_POINTS < 4_096


@pytest.mark.slow
def test_the_umap_projection_is_reproducible() -> None:
    embedding = np.random.default_rng(1).normal(size=(600, 5)).astype(np.float32)
    first, rows = figures.project(embedding)
    second, again = figures.project(embedding.copy())
    assert np.array_equal(rows, np.arange(600)) and np.array_equal(again, rows)
    assert first.shape == (600, 2) and np.array_equal(first, second)
