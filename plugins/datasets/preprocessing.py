"""Feature preprocessing applied by dataset loaders (a recorded dataset parameter)."""

from __future__ import annotations

import numpy as np
from sklearn.preprocessing import PowerTransformer, StandardScaler

from musicbench.errors import ConfigError

PREPROCESSING = ("standardize", "yeo-johnson", "none")


def preprocess(X: np.ndarray, method: str) -> np.ndarray:
    """Transform the feature matrix ``X`` column by column.

    ``standardize`` gives zero mean and unit variance; ``yeo-johnson`` first makes
    each column more Gaussian (Spotify's speechiness, instrumentalness and liveness
    are heavily skewed) and then standardizes; ``none`` keeps the values as they are.
    Constant columns become zeros.
    """
    if method not in PREPROCESSING:
        raise ConfigError(f"Unknown preprocessing {method!r}; expected one of {', '.join(PREPROCESSING)}.")
    X = np.asarray(X, dtype=np.float64)
    if method == "none":
        return X.astype(np.float32)
    if method == "yeo-johnson":
        varying = X.std(axis=0) > 0
        out = np.zeros_like(X)
        if varying.any():
            out[:, varying] = PowerTransformer(method="yeo-johnson").fit_transform(X[:, varying])
        return out.astype(np.float32)
    return StandardScaler().fit_transform(X).astype(np.float32)
