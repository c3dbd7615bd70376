"""Input checks shared by the built-in clusterer wrappers."""

from __future__ import annotations

from typing import Any

import numpy as np

from musicbench.errors import DataError


def check_features(X: Any, name: str) -> np.ndarray:
    """``X`` as a finite 2-D float64 array of at least 2 rows, or a clear DataError."""
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[0] < 2 or X.shape[1] < 1:
        raise DataError(f"{name}: expected a 2-D matrix of at least 2 rows, got shape {X.shape}.")
    if not np.isfinite(X).all():
        bad = int(np.flatnonzero(~np.isfinite(X).all(axis=1))[0])
        raise DataError(f"{name}: the input has non-finite values (first in row {bad}).")
    return np.ascontiguousarray(X)
