"""Partition figures."""

from __future__ import annotations

import numpy as np
import pytest

from musicbench import MetricUndefined
from musicbench.plugins.metrics.partition import n_clusters, noise_fraction


def test_counts_exclude_noise() -> None:
    labels = np.array([-1, 0, 0, 3, -1, 7])
    assert n_clusters(labels) == 3.0
    assert noise_fraction(labels) == pytest.approx(2 / 6)


def test_all_noise_and_no_noise() -> None:
    assert n_clusters(np.full(4, -1)) == 0.0
    assert noise_fraction(np.full(4, -1)) == 1.0
    assert noise_fraction(np.arange(4)) == 0.0


@pytest.mark.parametrize("metric", [n_clusters, noise_fraction])
def test_no_points_is_undefined(metric) -> None:
    with pytest.raises(MetricUndefined, match="no points"):
        metric(np.array([], dtype=int))


def test_only_minus_one_is_noise() -> None:
    # a negative label other than -1 is an ordinary cluster id
    labels = np.array([-2, -2, 0, -1])
    assert n_clusters(labels) == 2.0 and noise_fraction(labels) == 0.25
