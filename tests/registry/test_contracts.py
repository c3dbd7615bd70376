"""What the contracts promise plugins about their inputs."""

from __future__ import annotations

import numpy as np

from musicbench import clusterer_input


def test_clusterers_get_contiguous_float64() -> None:
    Z = np.arange(12, dtype=np.float32).reshape(3, 4)[:, ::2]  # float32, not contiguous
    X = clusterer_input(Z)
    assert X.dtype == np.float64 and X.flags.c_contiguous
    np.testing.assert_array_equal(X, Z)
