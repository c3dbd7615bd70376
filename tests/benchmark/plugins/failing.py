"""An encoder that always fails, one that sleeps (for timeouts), and a clusterer that
finds from the data that it would not fit in memory."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator

from musicbench import ResourceLimitError, hookimpl


class Broken(BaseEstimator):
    required_modalities = ("audio",)

    def __init__(self, random_state: Any = None) -> None:
        self.random_state = random_state

    def fit(self, dataset: Any) -> Broken:
        raise RuntimeError("this encoder is broken on purpose")

    def transform(self, dataset: Any) -> np.ndarray:  # pragma: no cover
        raise RuntimeError("unreachable")


class Sleepy(BaseEstimator):
    required_modalities = ("audio",)

    def __init__(self, seconds: float = 60.0, random_state: Any = None) -> None:
        self.seconds = seconds
        self.random_state = random_state

    def fit(self, dataset: Any) -> Sleepy:
        time.sleep(self.seconds)
        return self

    def transform(self, dataset: Any) -> np.ndarray:
        return dataset.audio[:, :2].copy()


@hookimpl
def register_encoders(register: Any) -> None:
    register("broken", Broken)
    register("sleepy", Sleepy)


class TooBig:
    """Like DBSCAN on a huge dense neighbourhood: knows only from the data."""

    def __init__(self, n_clusters: int = 2) -> None:
        self.n_clusters = n_clusters

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return {"n_clusters": self.n_clusters}

    def fit_predict(self, X: np.ndarray) -> np.ndarray:
        raise ResourceLimitError(f"too-big: {X.shape[0]} rows would need 1 TiB of neighbours")


@hookimpl
def register_clusterers(register: Any) -> None:
    register("too-big", TooBig)
