"""Feature preprocessing."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import skew

from musicbench import ConfigError
from musicbench.plugins.datasets.preprocessing import preprocess


def test_standardize_and_yeo_johnson() -> None:
    rng = np.random.default_rng(0)
    X = np.column_stack([rng.exponential(size=2000), rng.normal(5, 3, size=2000), np.ones(2000)])
    std = preprocess(X, "standardize")
    yj = preprocess(X, "yeo-johnson")
    assert std.dtype == yj.dtype == np.float32
    np.testing.assert_allclose(std[:, :2].std(axis=0), 1.0, atol=1e-4)
    assert abs(skew(yj[:, 0])) < 0.5 * abs(skew(std[:, 0]))
    assert (yj[:, 2] == 0).all(), "a constant column becomes zeros"
    np.testing.assert_array_equal(preprocess(X, "none"), X.astype(np.float32))


def test_unknown_method() -> None:
    with pytest.raises(ConfigError, match="yeo-johnson"):
        preprocess(np.zeros((3, 2)), "quantile")
