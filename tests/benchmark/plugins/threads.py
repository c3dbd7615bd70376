"""An encoder that raises torch's thread count, as numba's OpenMP layer did, and a
clusterer that records the count its task starts with (``fitted_params_``)."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from sklearn.base import BaseEstimator

from musicbench import hookimpl


class ThreadRaiser(BaseEstimator):
    required_modalities = ("audio",)

    def __init__(self, random_state: Any = None) -> None:
        self.random_state = random_state

    def fit(self, dataset: Any) -> ThreadRaiser:
        torch.set_num_threads(2)  # and leaves it there
        return self

    def transform(self, dataset: Any) -> np.ndarray:
        return dataset.audio[:, :2].copy()


class ThreadReader:
    def __init__(self, n_clusters: int = 2) -> None:
        self.n_clusters = n_clusters

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return {"n_clusters": self.n_clusters}

    def fit_predict(self, X: np.ndarray) -> np.ndarray:
        self.fitted_params_ = {"torch_threads": torch.get_num_threads()}
        return np.arange(X.shape[0]) % self.n_clusters


@hookimpl
def register_encoders(register: Any) -> None:
    register("thread-raiser", ThreadRaiser)


@hookimpl
def register_clusterers(register: Any) -> None:
    register("thread-reader", ThreadReader)
